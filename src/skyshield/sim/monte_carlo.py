"""The study driver: every option x every run index, on a Dask cluster or in this process.

`run_study(plan, ...)` builds the runs (seeds from `sim.seeds`, the raid drawn in the
worker from `sim.variation`), skips those a resumed study already holds, ships the rest to
the runner (`sim.cluster`), saves each record as it arrives (`sim.store`) and shows one
progress bar (`sim.progress`). It returns a `StudyResult`: the tidy per-run table and the
statistics of `sim.stats`. Runs are issued run index by run index (run 0 of every option,
then run 1 ...), so an interrupted study holds complete pairs for the comparisons.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from skyshield.model.errors import Problem, ScenarioError
from skyshield.model.study import StudyPlan
from skyshield.sim import stats
from skyshield.sim.cluster import Runner, make_runner
from skyshield.sim.headline import column_table, headline
from skyshield.sim.progress import StudyProgress
from skyshield.sim.seeds import engine_seed
from skyshield.sim.store import ResultStore
from skyshield.sim.worker import RunTask, run_task

ID_COLUMNS = ["option", "run", "seed", "night", "raid_scale", "threats"]
FAILURE_COLUMNS = ["option", "run", "seed", "error"]


@dataclass
class StudyResult:
    """A study's results as tables (see `skyshield.study` for every column and unit)."""

    plan: StudyPlan
    runs: pd.DataFrame  # one row per finished run
    failures: pd.DataFrame  # option, run, seed, error
    summary: pd.DataFrame  # option, metric, n, mean, sd, ci_low, ci_high
    paired: pd.DataFrame  # option vs baseline: difference and its interval
    shares: pd.DataFrame  # option, nation, quantity, total, share
    evenness: pd.DataFrame  # option, quantity, nations, evenness, effective_nations
    metrics: list[str] = field(default_factory=list)
    timing: pd.DataFrame | None = None  # option, run, wall_s, cpu_s, rss_mb, pid
    out: Path | None = None

    def write(self, out: Path) -> Path:
        """Write the tables (Parquet and CSV) into folder `out`; returns it."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        units = column_table(list(self.runs.columns))
        _parquet_with_units(self.runs, units, out / "runs.parquet")
        self.runs.to_csv(out / "runs.csv", index=False)
        units.to_csv(out / "columns.csv", index=False)
        self.failures.to_csv(out / "failures.csv", index=False)
        self.summary.to_csv(out / "summary_long.csv", index=False)
        stats.wide(self.summary, self.options).to_csv(out / "summary.csv", index=False)
        self.paired.to_csv(out / "paired.csv", index=False)
        self.shares.to_csv(out / "burden.csv", index=False)
        self.evenness.to_csv(out / "evenness.csv", index=False)
        (out / "results.json").write_text(json.dumps({
            "study": self.plan.study.name, "description": self.plan.study.description,
            "scenario": self.plan.study.scenario, "base_scenario": self.plan.base.name,
            "common_random_numbers": self.plan.study.common_random_numbers,
            "baseline": self.plan.baseline,
            "options": [{"name": o.name, "description": o.description,
                         "members": list(o.members), "picture": o.picture, "assign": o.assign}
                        for o in self.plan.options],
            "metrics": self.metrics, "runs_done": len(self.runs),
            "runs_failed": len(self.failures)}, indent=2))
        (out / "study.yaml").write_text(self.plan.text, encoding="utf-8")
        self.out = out
        return out

    @property
    def options(self) -> list[str]:
        return [o.name for o in self.plan.options]


def _parquet_with_units(table: pd.DataFrame, units: pd.DataFrame, path: Path) -> None:
    """`table` as Parquet, each field carrying its unit and meaning in its metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    at = pa.Table.from_pandas(table, preserve_index=False)
    meta = {r.column: r for r in units.itertuples()}
    fields = [f.with_metadata({"unit": meta[f.name].unit, "meaning": meta[f.name].meaning})
              if f.name in meta else f for f in at.schema]
    at = at.cast(pa.schema(fields, metadata=at.schema.metadata))
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(at, tmp)
    tmp.replace(path)


def check_engine_choices(plan: StudyPlan) -> None:
    """Refuse a study naming an assignment solver or picture the engine does not have."""
    from skyshield.model.loader import _locator, _parse_yaml

    try:  # the component registry of issue 9
        from skyshield.sim.registry import ASSIGNERS, PICTURES
    except ImportError:  # before it
        from skyshield.decide.assign import ASSIGNERS
        from skyshield.sim.engine import PICTURES

    tree, _ = _parse_yaml(plan.text, plan.file)
    where = _locator(tree) if tree is not None else (lambda p: (0, 0))
    problems = []
    for o in plan.options:
        declared = plan.study.options[o.name]
        for what, value, known in (("assign", o.assign, sorted(ASSIGNERS)),
                                   ("picture", o.picture, list(PICTURES))):
            if value not in known:
                path = ("options", o.name, what) if getattr(declared, what) else (what,)
                problems.append(Problem(plan.file, *where(path), ".".join(path),
                                        f"unknown {what} {value!r} (expected one of: "
                                        f"{', '.join(known)})"))
    if problems:
        raise ScenarioError(sorted(set(problems)))


def plan_tasks(plan: StudyPlan, runs: int) -> list[RunTask]:
    """Every run of the study, run index by run index."""
    st = plan.study
    return [RunTask(st.name, o.name, i, engine_seed(st.name, o.name, i,
                                                    st.common_random_numbers),
                    o.scenario, st.variation, plan.base, o.picture, o.assign)
            for i in range(runs) for o in plan.options]


def run_study(plan: StudyPlan, runs: int | None = None, workers: int | None = None,
              dask: str | None = None, resume: bool = False, out: Path | None = None,
              progress: bool | StudyProgress | None = None,
              run_fn: Callable[[RunTask], dict] = run_task,
              runner: Runner | None = None,
              on_record: Callable[[dict], None] | None = None) -> StudyResult:
    """Fly every option `runs` times (default: the study's) and return the results.

    `workers` local Dask worker processes (default: every core; 0: in this process), or
    `dask` the address of an existing scheduler, or `runner` one already made. With `out`
    each run is saved as it finishes and `resume` skips the runs already saved.
    """
    check_engine_choices(plan)
    runs = plan.study.runs if runs is None else runs
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    store = ResultStore(Path(out)) if out is not None else None
    if store is not None:
        store.open(plan, resume)
    names = {o.name for o in plan.options}
    done: dict[tuple[str, int], dict] = {}
    if store is not None and resume:
        for r in store.records():
            if r.get("status") == "ok" and r.get("option") in names and r.get("run", -1) < runs:
                done[(r["option"], r["run"])] = r
    tasks = [t for t in plan_tasks(plan, runs) if (t.option, t.run) not in done]
    records = list(done.values())
    total = runs * len(plan.options)
    bar = progress if isinstance(progress, StudyProgress) else (
        StudyProgress(plan.study.name, total, len(done)) if progress else None)
    own = runner is None and bool(tasks)
    if own:
        runner = make_runner(workers, dask)
    try:
        for task, rec, err in (runner.unordered(run_fn, tasks) if tasks else ()):
            if rec is None:
                rec = failed_record(task, err)
            if store is not None:
                store.write(rec)
            records.append(rec)
            if bar is not None:
                bar.advance(rec.get("status") == "ok")
            if on_record is not None:
                on_record(rec)
    finally:
        if own and runner is not None:
            runner.close()
        if bar is not None and not isinstance(progress, StudyProgress):
            bar.close()
    result = assemble(plan, records)
    if store is not None:
        result.write(store.root)
    return result


def failed_record(task: RunTask, err: BaseException | None) -> dict[str, Any]:
    """The record of a run whose worker gave no record (it died, or the call failed)."""
    name = type(err).__name__ if err is not None else "Error"
    text = str(err) if err is not None else "no result"
    if name == "KilledWorker":
        text = f"the worker process died running it (and again on retry): {text}"
    return {"option": task.option, "run": task.run, "seed": task.seed, "status": "failed",
            "error": f"{name}: {text}", "metrics": {}, "timing": {}}


def assemble(plan: StudyPlan, records: list[dict]) -> StudyResult:
    """The tables of a study from its run records (in any order)."""
    order = {o.name: k for k, o in enumerate(plan.options)}
    ok = sorted((r for r in records if r.get("status") == "ok"),
                key=lambda r: (order.get(r["option"], 1 << 30), r["run"]))
    bad = sorted((r for r in records if r.get("status") != "ok"),
                 key=lambda r: (order.get(r["option"], 1 << 30), r["run"]))
    ids = pd.DataFrame([{k: r.get(k, math.nan) for k in ID_COLUMNS} for r in ok],
                       columns=ID_COLUMNS)
    flat = pd.DataFrame([{k: (math.nan if v is None else v) for k, v in r["metrics"].items()}
                         for r in ok], index=ids.index, dtype=float)
    flat = flat.reindex(columns=sorted(flat.columns))
    metrics = list(plan.study.metrics)
    head = headline(flat, metrics)
    head = head[[c for c in head.columns if c not in flat.columns]]
    table = pd.concat([ids, head, flat], axis=1)
    table["run"] = table["run"].astype("int64")
    table["seed"] = table["seed"].astype("int64")
    table["threats"] = table["threats"].astype("int64")
    failures = pd.DataFrame([{k: r.get(k) for k in FAILURE_COLUMNS} for r in bad],
                            columns=FAILURE_COLUMNS)
    timing = pd.DataFrame([{"option": r["option"], "run": r["run"], **r.get("timing", {})}
                           for r in ok])
    options = [o.name for o in plan.options]
    nations = [f"nations.{n}.{q}" for n in stats.nations_in(table)
               for q in ("sorties", "flight_hours", "shots")]
    summary = stats.option_summary(table, metrics + [c for c in nations if c in table],
                                   options)
    paired = stats.paired(table, metrics, options, plan.baseline)
    shares, evenness = stats.burden(table, options)
    return StudyResult(plan, table, failures, summary, paired, shares, evenness, metrics,
                       timing)
