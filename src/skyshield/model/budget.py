"""A run's expected size, estimated from its scenario before it starts.

The replay table dominates what a run holds in memory: one row per flying threat, airborne
aircraft and track every replay period. Its size is estimated per wave from the time a
threat can fly (its route to the farthest target at cruise speed, cut at the scenario's
end). A run above the memory budget is refused before it starts instead of swapping.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from skyshield.model.errors import Problem, ScenarioError
from skyshield.model.library import library
from skyshield.model.resolve import wave_targets
from skyshield.model.scenario import Scenario
from skyshield.units import HOUR, KM, MINUTE

REPLAY_DT_S = 10.0  # the engine's default replay sampling period [s]
ROUTE_FACTOR = 1.3  # routed path / great-circle distance (detours around defences) [-]
BYTES_PER_ROW = 250  # peak bytes per replay row: samples, table, Parquet buffers [B]
BASE_BYTES = 400e6  # the process itself: libraries, borders, library, zones [B]
DEFAULT_BUDGET_GB = 4.0  # memory a run may use unless SKYSHIELD_MAX_MEMORY_GB says otherwise
BUDGET_ENV = "SKYSHIELD_MAX_MEMORY_GB"


@dataclass(frozen=True)
class RunEstimate:
    """What a run of the scenario will hold: ticks, entities, replay rows, peak memory."""

    ticks: int  # world steps
    threats: int  # launched over the run
    aircraft: int  # coalition aircraft
    threat_samples: int  # replay rows of threats (flying threats x replay periods)
    replay_rows: int  # all replay rows, tracks of a tracked picture included
    bytes: float  # expected peak memory [B]

    def line(self) -> str:
        """One line for `skyshield validate`."""
        return (f"expected run: {self.ticks:,} ticks, {self.threats:,} threats, "
                f"{self.aircraft} aircraft, about {self.replay_rows:,} replay rows, "
                f"peak memory about {self.bytes / 1e9:.1f} GB")


def estimate_run(scenario: Scenario, replay_dt_s: float = REPLAY_DT_S) -> RunEstimate:
    """The expected size of a run of a (validated) scenario, as an upper estimate."""
    from skyshield.model.validate import great_circle_km

    lib = library()
    end_s = scenario.duration_s
    periods = end_s / replay_dt_s
    samples = 0.0
    for w in scenario.raid.waves:
        t = lib.threat(w.threat)
        lat0, lon0 = _launch_point(w.launch_area)
        far_km = max((great_circle_km(lat0, lon0, p.lat, p.lon)
                      for p in wave_targets(scenario, w)), default=0.0)
        flight_s = ROUTE_FACTOR * far_km * KM / max(t.speed_kmh * KM / HOUR, 1e-3)
        launch_s = 0.5 * (w.window_min[0] + w.window_min[1]) * MINUTE
        samples += w.count * max(0.0, min(flight_s, end_s - launch_s)) / replay_dt_s
    aircraft = sum(sq.count for n in scenario.coalition for sq in n.squadrons)
    rows = 2.0 * samples + aircraft * periods  # tracks as many as threats (tracked picture)
    return RunEstimate(
        ticks=int(round(end_s / scenario.tick_s)),
        threats=sum(w.count for w in scenario.raid.waves),
        aircraft=aircraft,
        threat_samples=int(samples),
        replay_rows=int(rows),
        bytes=BASE_BYTES + BYTES_PER_ROW * rows,
    )


def _launch_point(area: object) -> tuple[float, float]:
    """(lat, lon) standing for a launch area: a library name, a point, or a polygon's mean."""
    if isinstance(area, str):
        p = library().place(area)
        return p.lat, p.lon
    if hasattr(area, "lat") and hasattr(area, "lon"):
        return float(area.lat), float(area.lon)  # type: ignore[attr-defined]
    pts = list(getattr(area, "points", []) or [])
    if pts:
        return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
    raise ValueError(f"cannot place launch area {area!r}")


def memory_budget_bytes() -> float:
    """The memory a run may use: $SKYSHIELD_MAX_MEMORY_GB, else 4 GB."""
    text = os.environ.get(BUDGET_ENV, "")
    try:
        gb = float(text) if text else DEFAULT_BUDGET_GB
    except ValueError:
        gb = DEFAULT_BUDGET_GB
    return (gb if gb > 0 else DEFAULT_BUDGET_GB) * 1e9


def check_budget(scenario: Scenario, file: str = "<scenario>",
                 budget_bytes: float | None = None) -> RunEstimate:
    """The run's estimate; raises `ScenarioError` if it exceeds the memory budget."""
    est = estimate_run(scenario)
    budget = memory_budget_bytes() if budget_bytes is None else budget_bytes
    if est.bytes > budget:
        raise ScenarioError([Problem(file, 0, 0, "", (
            f"this run would need about {est.bytes / 1e9:.1f} GB of memory "
            f"({est.replay_rows:,} replay rows), more than the budget of {budget / 1e9:g} GB: "
            f"shorten duration_min, cut the waves, or raise ${BUDGET_ENV}"))])
    return est
