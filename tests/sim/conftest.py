"""Shared fixtures for engine tests: real scenarios, short and deterministic."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from skyshield.model.library import library
from skyshield.model.loader import load_scenario, parse_scenario


@pytest.fixture(scope="session")
def western_night():
    return load_scenario("western-night")


def patrol_scenario_text(frac: float = 0.85) -> str:
    """One Shahed flying direct from Kursk to Lviv; a Polish CAP sits on its path near Lviv.

    The station is placed on the geodesic between launch and target at `frac` of its length
    (inside Poland's 150 km engagement zone), so the drone passes right over it.
    """
    lib = library()
    a, b = lib.place("Kursk"), lib.place("Lviv")
    g = Geod(ellps="WGS84")
    az, _, dist = g.inv(a.lon, a.lat, b.lon, b.lat)
    lon, lat, _ = g.fwd(a.lon, a.lat, az, frac * dist)
    return f"""
name: patrol-test
epoch: 2025-11-20T19:00:00Z
duration_min: 420
seed: 3
zones:
  ukr-near-pol: {{kind: near_country, country: POL, within_km: 150}}
coalition:
  - nation: POL
    squadrons:
      - name: PL CAP
        base: Rzeszów-Jasionka
        aircraft: F-16
        count: 2
        on_alert: 0
        patrols:
          - {{name: CAP path, at: {{lat: {lat:.5f}, lon: {lon:.5f}}}, aircraft: 1,
              altitude_m: 3000, orbit_radius_km: 10}}
rules:
  POL:
    engagement_zones: [ukr-near-pol]
    max_depth_km: 150
    approval: {{inside_own: automatic, elsewhere: automatic}}
raid:
  waves:
    - {{threat: Shahed-136, count: 1, launch_area: Kursk, window_min: [0, 0],
       targets: [Lviv], routing: direct}}
"""


@pytest.fixture(scope="session")
def patrol_scenario():
    return parse_scenario(patrol_scenario_text(), file="patrol-test.yaml")


def station_latlon(scenario) -> np.ndarray:
    at = scenario.coalition[0].squadrons[0].patrols[0].at
    return np.array([at.lat, at.lon])
