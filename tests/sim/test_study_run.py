"""Running studies for real (tiny scenario): same table in this process, on 2 workers and
through a Dask scheduler address (a 1-worker cluster); interrupted and resumed equals
uninterrupted; failures are recorded and the others go on; a dying worker does not hang the
study. The in-process reference is the session's shared `tiny_study` (tests/conftest.py)."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import cloudpickle
import pandas as pd
import pytest

from skyshield.sim.cluster import DaskRunner
from skyshield.sim.monte_carlo import run_study
from skyshield.sim.store import StudyExistsError
from skyshield.sim.worker import run_task

DATA = Path(__file__).parent / "data"
RUNS = 2
cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests/

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reference(tiny_study):
    """The study run in this process (the session's shared tiny study), saved to a folder."""
    return tiny_study


@pytest.fixture(scope="module")
def plan(reference):
    return reference.plan


@pytest.fixture(scope="module")
def cluster():
    """A one-worker Dask LocalCluster whose scheduler gives a run one try only."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                         dashboard_address=":0") as c:
        yield c


def test_reference_is_a_real_study(reference, plan):
    t = reference.runs
    assert len(t) == RUNS * len(plan.options) and reference.failures.empty
    assert list(t.columns[:6]) == ["option", "run", "seed", "night", "raid_scale", "threats"]
    # every metric of metrics.json by name, next to the headline ones
    assert {"threats.outcomes.impacted", "nations.POL.sorties", "cost.exchange_ratio"} <= set(t)
    none, both = t[t.option == "none"], t[t.option == "pol-rou"]
    # no coalition is a real run: no aircraft, no sorties or shots, Ukraine fights alone
    assert plan.option("none").scenario.coalition == []
    assert (none.sorties == 0).all() and (none.shots == 0).all()
    assert (none.destroyed_coalition == 0).all()
    assert none.filter(like="nations.").isna().all().all()  # no nation flew
    assert none.destroyed_ukraine.sum() > 0  # the Lviv site engages on its own
    assert (both.sorties > 0).all()
    # conservation: every declared threat has exactly one outcome
    outcomes = [c for c in t if c.startswith("threats.outcomes.")]
    assert (t[outcomes].sum(axis=1) == t.threats).all()
    # common random numbers: run i has the same seed and raid draw in every option
    per_run = t.groupby("run")[["seed", "threats", "raid_scale"]].nunique()
    assert (per_run == 1).all().all()


def test_tables_on_disk_carry_units(reference):
    import pyarrow.parquet as pq

    t = reference.runs
    pd.testing.assert_frame_equal(pd.read_parquet(reference.out / "runs.parquet"), t)
    assert len(pd.read_csv(reference.out / "runs.csv")) == len(t)
    cols = pd.read_csv(reference.out / "columns.csv", keep_default_na=False)
    assert list(cols.column) == list(t.columns)
    unit = {f.name: f.metadata[b"unit"].decode()
            for f in pq.read_schema(reference.out / "runs.parquet")}
    assert unit == dict(zip(cols.column, cols.unit, strict=True))
    want = {"max_depth_km": "km", "ukr_minutes": "min", "nations.POL.ukr_minutes": "min",
            "nations.POL.flight_hours": "h", "cost.spent_usd": "USD", "raid_scale": "-",
            "nations.POL.approval_delay_s_mean": "s", "threats.outcomes.impacted": "count"}
    assert {k: unit[k] for k in want} == want
    for name in ("summary.csv", "summary_long.csv", "paired.csv", "burden.csv",
                 "evenness.csv", "failures.csv", "results.json", "study.yaml"):
        assert (reference.out / name).exists(), name


def test_same_table_on_two_workers(plan, reference):
    """On a new 2-worker LocalCluster (the default local runner) as in this process."""
    two = run_study(plan, runs=RUNS, workers=2)
    pd.testing.assert_frame_equal(two.runs, reference.runs)
    pd.testing.assert_frame_equal(two.paired, reference.paired)
    assert len(set(two.timing.pid)) == 2  # both workers flew runs


def test_scheduler_address_same_table_failures_recorded_dead_worker_replaced(
        plan, reference, cluster):
    """One more run index on a 1-worker cluster by its address: there, (none, 2) raises
    and (pol, 2) kills its worker. The first RUNS run indices give the reference table, both
    failures are recorded with option, index, seed and error, the dead worker is replaced
    and the study neither stops nor hangs."""
    t0 = time.monotonic()
    res = run_study(plan, runs=RUNS + 1, dask=cluster.scheduler_address,
                    run_fn=_fail_in_run_2)
    assert time.monotonic() - t0 < 300
    head = res.runs[res.runs.run < RUNS].reset_index(drop=True)
    pd.testing.assert_frame_equal(head, reference.runs)
    assert set(res.timing.pid).isdisjoint({os.getpid()})
    f = res.failures.set_index(["option", "run"])
    assert sorted(f.index) == [("none", RUNS), ("pol", RUNS)]
    assert "RuntimeError: boom" in f.loc[("none", RUNS), "error"]
    assert "worker process died" in f.loc[("pol", RUNS), "error"]
    seed = res.runs[res.runs.run == RUNS].seed.iloc[0]  # pol-rou's run 2 went on
    assert list(res.runs[res.runs.run == RUNS].option) == ["pol-rou"]
    assert (f.seed == seed).all()  # common random numbers: the same seed in every option
    assert len(set(res.timing.pid)) == 2  # the dead worker was replaced by a new process


def _fail_in_run_2(task):
    if task.run == RUNS and task.option == "pol":
        os._exit(3)  # the worker process dies, as in an out-of-memory kill
    if task.run == RUNS and task.option == "none":
        raise RuntimeError("boom")
    return run_task(task)


def test_an_engine_error_becomes_a_failed_record(plan):
    from skyshield.sim.monte_carlo import plan_tasks

    task = plan_tasks(plan, 1)[0]
    bad = type(task)(**{**task.__dict__, "picture": "radar-only"})
    rec = run_task(bad)
    assert rec["status"] == "failed" and "unknown picture" in rec["error"]
    assert (rec["option"], rec["run"], rec["seed"]) == (task.option, 0, task.seed)


def test_a_worker_returns_a_small_record(reference):
    """The records the workers returned, as saved: a metrics row, no tables or trajectories."""
    files = sorted(reference.out.glob("runs/*/*.json"))
    assert len(files) == len(reference.runs)
    for f in files:
        rec = json.loads(f.read_text())
        assert rec["status"] == "ok"
        assert len(pickle.dumps(rec)) < 20_000
        assert all(isinstance(v, float | None) for v in rec["metrics"].values())


def test_cli_killed_midway_then_resumed(plan, reference, tmp_path):
    """The real command, interrupted by SIGINT while running, refused without --resume,
    then `--resume`d: finished runs are not redone and the table equals the uninterrupted
    one."""
    out = tmp_path / "cli"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [sys.executable, "-m", "skyshield.cli", "study", str(DATA / "tiny-study.yaml"),
           "--runs", str(RUNS), "--workers", "0", "--out", str(out), "--no-report"]
    # an xdist worker ignores SIGINT and a child inherits that: give the command the
    # default disposition a user's terminal gives it
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    # interrupted as soon as the first run is saved: five runs (several seconds) still to go
    while not any(out.glob("runs/*/*.json")) and time.monotonic() < deadline \
            and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    kept = {f: f.stat().st_mtime_ns for f in out.glob("runs/*/*.json")}
    assert proc.returncode == 130 and "--resume" in err, err
    assert 1 <= len(kept) < RUNS * len(plan.options)
    with pytest.raises(StudyExistsError, match="--resume"):
        run_study(plan, runs=RUNS, workers=0, out=out)
    r = subprocess.run(cmd + ["--resume"], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert all(f.stat().st_mtime_ns == m for f, m in kept.items())  # not redone
    assert len(list(out.glob("runs/*/*.json"))) == RUNS * len(plan.options)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"),
                                  pd.read_parquet(reference.out / "runs.parquet"))


def test_dask_runner_reports_an_unreachable_scheduler():
    with pytest.raises(ConnectionError, match="cannot reach"):
        DaskRunner(address="tcp://127.0.0.1:9")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_a_worker_process_does_not_grow_over_many_runs(plan):
    """The same six runs (two of each option, 30 simulated minutes each) flown twice in one
    process through the worker function: the second pass leaves resident memory where the
    first left it. The first pass pays the one-off costs (lazy imports, caches filled once,
    the allocator's high-water mark of the largest night); a leak grows run after run."""
    import dataclasses

    from skyshield.sim.monte_carlo import plan_tasks

    tasks = [dataclasses.replace(t, scenario=t.scenario.model_copy(
        update={"duration_min": 30.0})) for t in plan_tasks(plan, 2)]
    rss = [run_task(t)["timing"]["rss_mb"] for t in tasks + tasks]
    n = len(tasks)
    assert rss[-1] - rss[n - 1] < 4.0, (
        f"worker grew {rss[-1] - rss[n - 1]:.1f} MiB over {n} repeated runs: {rss}")
