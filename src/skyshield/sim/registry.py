"""The one place where CLI names become components: pictures (with their feeds), assigners.

`build_picture("tracked", scenario)` returns the `(feed, Picture)` pair a run injects into
the engine; `build_assigner("greedy")` an `Assigner`. Unknown names are refused here, when
a configuration is built, with the list of known ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skyshield.decide.assign import Assigner, GreedyAssigner
from skyshield.model.scenario import Scenario
from skyshield.picture.base import Picture
from skyshield.picture.perfect import PerfectPicture
from skyshield.picture.tracker import Tracker
from skyshield.world.world import RadarFeed, TruthFeed

__all__ = ["ASSIGNERS", "PICTURES", "build_assigner", "build_picture", "check_name"]


def _perfect(sc: Scenario) -> tuple[Any, Picture]:
    return TruthFeed(), PerfectPicture(sc.picture.nominal_sigma_m, sc.picture.nominal_sigma_ms)


def _tracked(sc: Scenario) -> tuple[Any, Picture]:
    return RadarFeed(), Tracker()


PICTURES: dict[str, Callable[[Scenario], tuple[Any, Picture]]] = {
    "perfect": _perfect,  # truth under the picture's own track numbers
    "tracked": _tracked,  # the scenario's radars and the multi-sensor tracker
}
ASSIGNERS: dict[str, Callable[[], Assigner]] = {"greedy": GreedyAssigner}
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
