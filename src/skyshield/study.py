"""Policy studies from a notebook: `run(study, runs=..., workers=...)` -> one row per run.

    import skyshield.study as st
    df = st.run("coalition-options", runs=10, workers=2)      # a built-in study, or a path
    df.groupby("option")["destroyed_coalition"].mean()
    res = st.results("my-study.yaml", runs=50, out="runs/my-study")   # every table

`run` returns the per-run DataFrame, sorted by option (in the study's order) and run index.
Its columns (units in brackets):

Identity of the run
- ``option``: the option's name in the study file.
- ``run``: run index 0..runs-1; the same index of every option flies the same raid draw.
- ``seed``: the engine seed, from a `numpy.random.SeedSequence` of (study, option, run);
  with common random numbers (the default) every option of a run index shares it.
- ``night``: the kind of night drawn (``typical``, ``large`` ... as declared; "" if none).
- ``raid_scale``: the factor drawn for the night, applied to every wave's count [-].
- ``threats``: threats declared in the run's raid after the variation [threats].

Headline metrics (NaN where this engine version does not measure them)
- ``destroyed_coalition``: threats destroyed by coalition aircraft [threats].
- ``destroyed_ukraine``: threats destroyed by Ukrainian air defence [threats].
- ``reached_target``: threats that reached their targets [threats].
- ``nato_violations``: threats that entered NATO airspace [threats].
- ``nato_violation_min``: minutes threats spent inside NATO airspace, summed [min].
- ``nato_violation_depth_km``: deepest point a threat reached inside a NATO country [km].
- ``debris_nato``: kills whose debris fell on NATO territory [kills].
- ``debris_nato_near_population``: of those, the ones near a populated place [kills].
- ``debris_near_population``: kills whose debris fell near a populated place [kills].
- ``munitions_on_nato``: missed coalition munitions that fell on NATO territory [munitions].
- ``sorties``, ``flight_hours``, ``shots``: coalition totals [sorties], [h], [weapons].
- ``cost_exchange``: notional value destroyed per dollar spent [-] (NaN: nothing spent).
- ``max_depth_km``: deepest coalition aircraft inside Ukraine, from NATO territory [km].
- ``ukr_minutes``: coalition aircraft-minutes over Ukraine [min] (escalation exposure).
- ``closest_blr_rus_km``: closest approach of any coalition aircraft to Belarus/Russia [km].
- ``approvals``: engagements that needed a national approval [approvals].
- ``held_fire``: decisions to hold fire (debris, leaving on its own) [decisions].

Every metric of the run's `metrics.json`, by its dotted path (see docs/metrics.md), e.g.
``threats.outcomes.impacted`` [threats], ``nations.POL.sorties`` [sorties],
``nations.POL.flight_hours`` [h], ``nations.POL.shots`` [weapons],
``nations.POL.ukr_minutes`` [min], ``nations.POL.max_depth_km`` [km], ``leakers.ROU``
[threats], ``cost.spent_usd`` [USD], ``tracking.gospa_mean_m`` [m] (tracked picture);
a nation absent from an option has NaN in its columns. ``extra.nato_violation_min`` [min]
is derived from the run's threat table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from skyshield.model.study import StudyPlan, builtin_studies, load_study
from skyshield.sim.monte_carlo import StudyResult, run_study

__all__ = ["builtin_studies", "load", "results", "run"]


def load(study: str | Path | StudyPlan) -> StudyPlan:
    """A checked study: a file, a built-in name, or a plan already loaded."""
    return study if isinstance(study, StudyPlan) else load_study(study)


def results(study: str | Path | StudyPlan, runs: int | None = None, workers: int | None = None,
            dask: str | None = None, out: str | Path | None = None, resume: bool = False,
            progress: bool = True) -> StudyResult:
    """Run `study` and return every table (per run, per option, paired, burden).

    `workers`: local Dask worker processes (default: every core; 0: in this process);
    `dask`: the address of an existing Dask scheduler instead; `out`: a folder where each
    run is saved as it finishes (then `resume=True` continues an interrupted study).
    """
    return run_study(load(study), runs=runs, workers=workers, dask=dask, resume=resume,
                     out=Path(out) if out is not None else None, progress=progress)


def run(study: str | Path | StudyPlan, runs: int | None = None, workers: int | None = None,
        dask: str | None = None, out: str | Path | None = None, resume: bool = False,
        progress: bool = True) -> pd.DataFrame:
    """Run `study` and return the per-run DataFrame (columns above)."""
    return results(study, runs=runs, workers=workers, dask=dask, out=out, resume=resume,
                   progress=progress).runs
