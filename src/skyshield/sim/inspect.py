"""Stop a run at a moment and look at the decision: the threat ranking, the rules' verdicts.

These wire the stages (run the engine to a time, then hand its picture to `decide`), so
they live in `sim`; `skyshield assess` and `skyshield roe explain` call them.
"""

from __future__ import annotations

from typing import Any

from skyshield.contracts import AircraftState
from skyshield.decide.assess import rank_threats
from skyshield.decide.explain import Explanation, OwnForces, explain_track
from skyshield.decide.roe import required_horizon_s
from skyshield.doctrine import HORIZON_S
from skyshield.geo.frame import THEATRE
from skyshield.model.scenario import Scenario
from skyshield.sim.engine import Engine, EngineConfig


def engine_at(scenario: Scenario, at_s: float, picture: str = "perfect") -> Engine:
    """The engine of `scenario` run to simulated time `at_s` [s]."""
    return Engine(scenario, EngineConfig(picture=picture)).run_until(at_s)


def assess_at(scenario: Scenario, at_s: float, top: int = 10, picture: str = "perfect",
              horizon_s: float | None = None) -> list[dict[str, Any]]:
    """The top threats of the picture at `at_s` (see `decide.assess.rank_threats`)."""
    eng = engine_at(scenario, at_s, picture)
    h = horizon_s if horizon_s is not None else max(HORIZON_S, required_horizon_s(scenario))
    return rank_threats(eng.tracks, at_s, top, h)


def explain_at(scenario: Scenario, at_s: float, track_number: int,
               picture: str = "perfect") -> Explanation:
    """Every coalition aircraft's verdict on track `track_number` at `at_s`."""
    eng = engine_at(scenario, at_s, picture)
    fl = eng.fleet
    lat, lon, _ = THEATRE.to_lla(fl.pos)
    squadrons = [s.name for m in scenario.coalition for s in m.squadrons]
    forces = OwnForces(fl.nation, lat, lon, [squadrons[int(k)] for k in fl.squadron],
                       [AircraftState(int(s)).name.lower() for s in fl.state])
    return explain_track(eng.tracks, at_s, track_number, eng.rules, forces,
                         max(HORIZON_S, required_horizon_s(scenario)))
