"""Rules of engagement: per nation, where and what its aircraft may engage.

Each nation's declared rules compile once into a permitted area (its engagement zones,
cut to its maximum depth from NATO territory, plus its own airspace, minus its excluded
zones) and a mask of eligible threat classes. Checks then run for all tracks and
shooters at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skyshield.geo import zones as gz
from skyshield.geo.borders import NATO
from skyshield.model.library import ThreatClass
from skyshield.model.scenario import Rules, Scenario
from skyshield.model.zones import build_zones

N_CLASSES = len(ThreatClass)


@dataclass(frozen=True)
class NationRules:
    """One nation's rules, compiled."""

    nation: str
    rules: Rules
    permitted: gz.Zone  # where targets may be engaged and shooters may fire from
    own: gz.Zone  # the nation's own airspace
    classes: np.ndarray  # eligible threat classes, by ThreatClass code [bool]

    def target_ok(
        self, lat: np.ndarray, lon: np.ndarray, alt: np.ndarray, cls: np.ndarray
    ) -> np.ndarray:
        """Mask of targets this nation may engage where they are now."""
        ok = self.classes[cls] & (alt >= self.rules.altitude_floor_m)
        if ok.any():
            ok[ok] = self.permitted.contains(lat[ok], lon[ok])
        return ok

    def shooter_ok(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Mask of shooter positions from which this nation's aircraft may fire."""
        return self.permitted.contains(lat, lon)

    def approval_delay(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """National approval delay [s] for engagements at these target positions."""
        a = self.rules.approval
        inside = self.own.contains(lat, lon)
        need = np.where(inside, a.inside_own == "national", a.elsewhere == "national")
        return np.where(need, a.delay_s, 0.0)


def compile_rules(
    scenario: Scenario, zones: dict[str, gz.Zone] | None = None
) -> dict[str, NationRules]:
    """Compile every coalition nation's rules against the scenario's zones."""
    zones = build_zones(scenario) if zones is None else zones
    nato = sorted(NATO)
    out: dict[str, NationRules] = {}
    for member in scenario.coalition:
        nation = member.nation
        rules = scenario.rules.get(nation) or Rules(engagement_zones=["__own__"])
        own = gz.country(nation)
        engage = [zones[z] for z in rules.engagement_zones if z in zones]
        area = gz.union(*engage) if engage else own
        depth = (
            gz.near_border(nato, rules.max_depth_km, inside="UKR")
            if rules.max_depth_km > 0
            else None
        )
        if depth is not None:
            area = gz.union(gz.intersection(area, depth), own)
        else:
            area = gz.union(gz.difference(area, gz.country("UKR")), own)
        excluded = [zones[z] for z in rules.excluded_zones if z in zones]
        if excluded:
            area = gz.difference(area, *excluded)
        classes = np.zeros(N_CLASSES, bool)
        for c in rules.threat_classes:
            classes[ThreatClass(c).code] = True
        classes[ThreatClass.ballistic.code] = False  # fighters cannot engage them
        out[nation] = NationRules(
            nation, rules, gz.Zone(f"{nation} permitted", area.geometry), own, classes
        )
    return out
