"""Running studies for real (tiny scenario): same table on 1 worker, 2 workers and a Dask
scheduler address; interrupted and resumed equals uninterrupted; failures are recorded;
a dying worker does not hang the study."""

from __future__ import annotations

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

from skyshield.model.study import load_study
from skyshield.sim.cluster import DaskRunner
from skyshield.sim.monte_carlo import run_study
from skyshield.sim.store import StudyExistsError
from skyshield.sim.worker import run_task

DATA = Path(__file__).parent / "data"
RUNS = 2
cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests/

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def plan():
    return load_study(DATA / "tiny-study.yaml")


@pytest.fixture(scope="module")
def reference(plan, tmp_path_factory):
    """The study run in this process (one worker), saved to a folder."""
    return run_study(plan, runs=RUNS, workers=0, out=tmp_path_factory.mktemp("ref"))


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
    assert (none.sorties == 0).all() and (none.destroyed_coalition == 0).all()
    assert (both.sorties > 0).all()
    # conservation: every declared threat has exactly one outcome
    outcomes = [c for c in t if c.startswith("threats.outcomes.")]
    assert (t[outcomes].sum(axis=1) == t.threats).all()
    # common random numbers: run i has the same seed and raid draw in every option
    per_run = t.groupby("run")[["seed", "threats", "raid_scale"]].nunique()
    assert (per_run == 1).all().all()


def test_same_table_on_one_and_two_workers_and_a_scheduler_address(plan, reference, cluster):
    """In this process; on a new 2-worker LocalCluster; on a 1-worker one by its address."""
    two = run_study(plan, runs=RUNS, workers=2)
    pd.testing.assert_frame_equal(two.runs, reference.runs)
    assert len(set(two.timing.pid)) == 2  # both workers flew runs
    remote = run_study(plan, runs=RUNS, dask=cluster.scheduler_address)
    pd.testing.assert_frame_equal(remote.runs, reference.runs)
    pd.testing.assert_frame_equal(remote.paired, reference.paired)
    pd.testing.assert_frame_equal(remote.summary, reference.summary)
    assert set(remote.timing.pid).isdisjoint({os.getpid()})


def test_a_dying_worker_is_recorded_and_the_study_goes_on(plan, cluster):
    t0 = time.monotonic()
    res = run_study(plan, runs=RUNS, dask=cluster.scheduler_address, run_fn=_die_on_pol_1)
    assert time.monotonic() - t0 < 300
    f = res.failures
    assert list(zip(f.option, f.run, strict=True)) == [("pol", 1)]
    assert "worker process died" in f.error.iloc[0]
    assert f.seed.iloc[0] == res.runs[res.runs.run == 1].seed.iloc[0]
    assert len(res.runs) == RUNS * len(plan.options) - 1


def _die_on_pol_1(task):
    if task.option == "pol" and task.run == 1:
        os._exit(3)  # the worker process dies, as in an out-of-memory kill
    return run_task(task)


def _raise_on_pol_0(task):
    if task.option == "pol" and task.run == 0:
        raise RuntimeError("boom")
    return run_task(task)


def test_a_failing_run_is_recorded_with_its_seed(plan, reference):
    res = run_study(plan, runs=RUNS, workers=0, run_fn=_raise_on_pol_0)
    f = res.failures.iloc[0]
    assert (f.option, f.run) == ("pol", 0) and "RuntimeError: boom" in f.error
    assert f.seed == reference.runs.query("option == 'pol' and run == 0").seed.iloc[0]
    ok = reference.runs[~((reference.runs.option == "pol") & (reference.runs.run == 0))]
    pd.testing.assert_frame_equal(res.runs.reset_index(drop=True)[list(ok.columns)],
                                  ok.reset_index(drop=True))


def test_an_engine_error_becomes_a_failed_record(plan):
    from skyshield.sim.monte_carlo import plan_tasks

    task = plan_tasks(plan, 1)[0]
    bad = type(task)(**{**task.__dict__, "picture": "radar-only"})
    rec = run_task(bad)
    assert rec["status"] == "failed" and "unknown picture" in rec["error"]
    assert (rec["option"], rec["run"], rec["seed"]) == (task.option, 0, task.seed)


def test_a_worker_returns_a_small_record(plan):
    from skyshield.sim.monte_carlo import plan_tasks

    rec = run_task(plan_tasks(plan, 1)[-1])
    assert rec["status"] == "ok"
    assert len(pickle.dumps(rec)) < 20_000  # a metrics row, no tables or trajectories
    assert all(isinstance(v, float) for v in rec["metrics"].values())


def test_interrupted_study_resumes_to_the_same_table(plan, reference, tmp_path):
    out = tmp_path / "study"
    seen = []

    def stop_after_three(rec):
        seen.append(rec)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_study(plan, runs=RUNS, workers=0, out=out, on_record=stop_after_three)
    assert len(list(out.glob("runs/*/*.json"))) == 3
    with pytest.raises(StudyExistsError, match="--resume"):
        run_study(plan, runs=RUNS, workers=0, out=out)
    flown = []
    res = run_study(plan, runs=RUNS, workers=0, out=out, resume=True,
                    on_record=flown.append)
    assert len(flown) == RUNS * len(plan.options) - 3  # finished runs are not redone
    pd.testing.assert_frame_equal(res.runs, reference.runs)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"),
                                  pd.read_parquet(reference.out / "runs.parquet"))


def test_cli_killed_midway_then_resumed(plan, reference, tmp_path):
    """The real command, interrupted by SIGINT while running, then `--resume`d."""
    out = tmp_path / "cli"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [sys.executable, "-m", "skyshield.cli", "study", str(DATA / "tiny-study.yaml"),
           "--runs", str(RUNS), "--workers", "0", "--out", str(out), "--no-report"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 240
    while len(list(out.glob("runs/*/*.json"))) < 2 and time.monotonic() < deadline \
            and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    done = len(list(out.glob("runs/*/*.json")))
    assert proc.returncode == 130 and "--resume" in err, err
    assert 2 <= done < RUNS * len(plan.options)
    r = subprocess.run(cmd + ["--resume"], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"),
                                  pd.read_parquet(reference.out / "runs.parquet"))


def test_dask_runner_reports_an_unreachable_scheduler():
    with pytest.raises(ConnectionError, match="cannot reach"):
        DaskRunner(address="tcp://127.0.0.1:9")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_a_worker_process_does_not_grow_over_many_runs(plan):
    """Twelve runs through the worker function in one process: resident memory flat."""
    from skyshield.sim.monte_carlo import plan_tasks

    rss = [run_task(t)["timing"]["rss_mb"] for t in plan_tasks(plan, 4)]
    assert rss[-1] - rss[3] < 8.0, f"worker grew {rss[-1] - rss[3]:.1f} MiB over 8 runs: {rss}"
