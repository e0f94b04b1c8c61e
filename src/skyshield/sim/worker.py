"""What a study worker does: fly one run and return a small record (a metrics row).

`run_task` is the function shipped to Dask workers (or called in-process). It never
returns trajectories or tables: only the run's identity, its raid draw, its metrics
flattened to dotted names (``nations.POL.sorties``) and its timing. Every metric the
engine writes to `metrics.json` flows into the row by name, so new metrics reach the
study tables without changes here. A run that raises is returned as a failed record
(option, index, seed, error); the worker goes on with the next.
"""

from __future__ import annotations

import gc
import math
import os
import resource
import time
import traceback
from dataclasses import dataclass
from typing import Any

from skyshield.doctrine import DEFAULT_ASSIGN
from skyshield.model.scenario import Scenario
from skyshield.model.study import Variation
from skyshield.units import MINUTE

SKIP = ("scenario", "wall_s", "speedup", "run")  # identity and timing, not outcomes
EXTRA = "extra."  # metrics the worker derives from the run's tables (not in metrics.json)


@dataclass(frozen=True)
class RunTask:
    """One run of a study: which, with what seed, on which scenario."""

    study: str
    option: str
    run: int
    seed: int
    scenario: Scenario
    variation: Variation
    base: Scenario
    picture: str = "perfect"
    assign: str = DEFAULT_ASSIGN


def flatten(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Scalar leaves of a nested metrics dict as {dotted name: float}; None -> NaN."""
    out: dict[str, float] = {}
    for k, v in metrics.items():
        if not prefix and k in SKIP:
            continue
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, name + "."))
        elif isinstance(v, int | float):  # bool included
            out[name] = float(v)
        elif v is None:
            out[name] = math.nan
    return out


def _rss_mb() -> float:
    """Resident memory of this process now [MiB] (peak if /proc is absent)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # pragma: no cover - not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_task(task: RunTask) -> dict[str, Any]:
    """Fly `task` and return its record; an exception becomes a failed record."""
    from skyshield.sim.run import run_scenario
    from skyshield.sim.seeds import variation_rng
    from skyshield.sim.variation import vary_raid

    t0, c0 = time.perf_counter(), time.process_time()
    record: dict[str, Any] = {"option": task.option, "run": task.run, "seed": task.seed}
    try:
        sc, draw = vary_raid(task.scenario, task.variation,
                             variation_rng(task.study, task.run), base=task.base)
        record.update(night=draw.night, raid_scale=round(draw.scale, 6), threats=draw.threats)
        result = run_scenario(sc, seed=task.seed, picture=task.picture, assign=task.assign)
        row = flatten(result.metrics)
        nato_s = result.threats["nato_s"].sum() if "nato_s" in result.threats else math.nan
        row[EXTRA + "nato_violation_min"] = round(float(nato_s) / MINUTE, 2)
        del result
        record.update(status="ok", error="", metrics=row)
    except Exception as e:  # a failed run is recorded; the study goes on
        tb = traceback.extract_tb(e.__traceback__)
        where = f" at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno}" if tb else ""
        record.update(status="failed", error=f"{type(e).__name__}: {e}{where}", metrics={})
    gc.collect()
    record["timing"] = {"wall_s": round(time.perf_counter() - t0, 3),
                        "cpu_s": round(time.process_time() - c0, 3),
                        "rss_mb": round(_rss_mb(), 1), "pid": os.getpid()}
    return record
