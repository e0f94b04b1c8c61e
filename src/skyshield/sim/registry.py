"""The one place where CLI names become components: pictures (with their feeds), assigners.

`build_picture("tracked", scenario)` returns the `(feed, Picture)` pair a run injects into
the engine; `build_assigner("greedy")` an `Assigner`. Unknown names are refused here, when
a configuration is built, with the list of known ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skyshield.decide.assign import (
    Assigner,
    ExactAssigner,
    GreedyAssigner,
    LocalSearchAssigner,
    StaticSolver,
)
from skyshield.decide.assign.rolling import RollingPlanner
from skyshield.model.scenario import Scenario
from skyshield.picture.base import Picture
from skyshield.picture.perfect import PerfectPicture
from skyshield.world.world import RadarFeed, TruthFeed

__all__ = ["ASSIGNERS", "PICTURES", "build_assigner", "build_picture", "check_name"]


def _perfect(sc: Scenario) -> tuple[Any, Picture]:
    return TruthFeed(), PerfectPicture(sc.picture.nominal_sigma_m, sc.picture.nominal_sigma_ms)


def _tracked(sc: Scenario) -> tuple[Any, Picture]:
    from skyshield.picture.tracker import Tracker  # numba and its kernels: tracked runs only

    return RadarFeed(), Tracker()


PICTURES: dict[str, Callable[[Scenario], tuple[Any, Picture]]] = {
    "perfect": _perfect,  # truth under the picture's own track numbers
    "tracked": _tracked,  # the scenario's radars and the multi-sensor tracker
}
def _rolling(solver: StaticSolver, **kw: bool) -> Callable[[], Assigner]:
    return lambda: RollingPlanner(solver, **kw)


ASSIGNERS: dict[str, Callable[[], Assigner]] = {
    "greedy": GreedyAssigner,  # the engine's matching: most valuable track, soonest shooter
    # the dynamic (aircraft, weapon, track) problem as a rolling plan (decide/assign)
    "mmr": _rolling(GreedyAssigner()),
    "local": _rolling(LocalSearchAssigner(restarts=3, time_limit_s=0.05)),
    # the same, shoot-shoot: a second shooter may go before the first shot's outcome is seen
    "local-ss": _rolling(LocalSearchAssigner(restarts=3, time_limit_s=0.05),
                         shoot_look_shoot=False),
    "exact": _rolling(ExactAssigner(time_limit_s=2.0, warm_time_s=0.05, warm_restarts=1)),
}
_KINDS = {"picture": PICTURES, "assign": ASSIGNERS}


def check_name(kind: str, name: str) -> None:
    """Refuse an unknown component name, naming the known ones."""
    known = _KINDS[kind]
    if name not in known:
        raise ValueError(f"unknown {kind} {name!r}: expected one of {sorted(known)}")


def build_picture(name: str, scenario: Scenario) -> tuple[Any, Picture]:
    """The feed and picture named `name`, built for `scenario`."""
    check_name("picture", name)
    return PICTURES[name](scenario)


def build_assigner(name: str) -> Assigner:
    """The assigner named `name`."""
    check_name("assign", name)
    return ASSIGNERS[name]()
