"""Resolve the names in a scenario to library records and coordinates, for the sim.

A `Location` is a `LatLon`, a place name from the library, or a ``"lat, lon"`` string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from skyshield.model.library import InterceptorType, Place, ThreatType, WeaponType, library
from skyshield.model.scenario import LatLon, Location, Scenario, Squadron, Wave

_LATLON = re.compile(r"^\s*(-?\d+(?:\.\d*)?)\s*,\s*(-?\d+(?:\.\d*)?)\s*$")


def parse_latlon(text: str) -> tuple[float, float] | None:
    """``"49.84, 24.02"`` -> ``(49.84, 24.02)``; None if `text` is not such a pair."""
    m = _LATLON.match(text)
    if not m:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def locate(loc: Location) -> tuple[float, float]:
    """(lat, lon) in degrees of a `LatLon`, a place name or a ``"lat, lon"`` string."""
    if isinstance(loc, LatLon):
        return (loc.lat, loc.lon)
    ll = parse_latlon(loc)
    if ll is not None:
        return ll
    p = library().place(loc)
    return (p.lat, p.lon)


def wave_targets(scenario: Scenario, wave: Wave) -> list[Place]:
    """The distinct places a wave draws its targets from (target areas expanded, in order;
    a place named twice counts once, so the draw stays uniform over places)."""
    lib = library()
    out: dict[str, Place] = {}
    for t in wave.targets:
        area = scenario.raid.target_areas.get(t)
        for n in area.places if area is not None else [t]:
            p = lib.place(n)
            out.setdefault(p.name, p)
    return list(out.values())


def squadron_loadout(squadron: Squadron) -> dict[str, int]:
    """Weapon (canonical name) -> rounds per aircraft: the squadron's, else the type's default."""
    lib = library()
    load = squadron.loadout or lib.interceptor(squadron.aircraft).default_load
    return {lib.weapon(w).name: n for w, n in load.items()}


@dataclass(frozen=True)
class ResolvedSquadron:
    nation: str
    squadron: Squadron
    aircraft: InterceptorType
    base: Place
    loadout: dict[str, int]  # canonical weapon name -> rounds per aircraft
    weapons: dict[str, WeaponType]


@dataclass(frozen=True)
class ResolvedWave:
    wave: Wave
    threat: ThreatType
    launch: Place | None  # the library launch area; None for a point or polygon
    targets: list[Place]


@dataclass(frozen=True)
class Resolved:
    """A scenario with every name looked up; the sim reads this, not names."""

    scenario: Scenario
    squadrons: list[ResolvedSquadron]
    waves: list[ResolvedWave]


def resolve(scenario: Scenario) -> Resolved:
    """Look up every platform and place of a (validated) scenario."""
    lib = library()
    squadrons = []
    for nation in scenario.coalition:
        for sq in nation.squadrons:
            load = squadron_loadout(sq)
            squadrons.append(ResolvedSquadron(
                nation=nation.nation, squadron=sq, aircraft=lib.interceptor(sq.aircraft),
                base=lib.place(sq.base), loadout=load,
                weapons={w: lib.weapon(w) for w in load},
            ))
    waves = [ResolvedWave(wave=w, threat=lib.threat(w.threat),
                          launch=lib.place(w.launch_area) if isinstance(w.launch_area, str)
                          else None,
                          targets=wave_targets(scenario, w)) for w in scenario.raid.waves]
    return Resolved(scenario=scenario, squadrons=squadrons, waves=waves)
