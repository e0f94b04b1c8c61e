"""Every coalition shot obeys `hold_fire`, over 30 seeds, checked without the rules code.

A short scenario sends jet drones through Romanian airspace to Galați (a `via:` point) and
on to Reni while Romanian F-16s patrol there, engaging within 15 km of Galați with
``hold_fire: {city_km: 8.5, leaving_within_s: 90}``. Each run is observed at the world's
door (every `Orders.fire` carried out, with the track state the pilot fired on). The
oracle re-derives, from that track state alone, where the debris would fall (the fall
formula of docs/metrics.md, written out here), whether that point is on Romanian soil (the
raw WGS84 polygon) within 8.5 km of a populated place (pyproj geodesic distance to every
place, brute force), and whether the straight-line path leaves Romania within 90 s
(sampled every second on the real polygon). No fired shot may meet either condition; and
some releases must have been held, so the test can fail.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from skyshield.geo import fallout
from skyshield.geo.borders import borders, country_of
from skyshield.geo.frame import THEATRE
from skyshield.model.library import ThreatClass
from skyshield.model.loader import parse_scenario
from skyshield.model.population import populated_places
from skyshield.sim.engine import Engine, EngineConfig

GEOD = Geod(ellps="WGS84")
SEEDS = range(30)
CITY_KM, LEAVING_S = 8.5, 90.0

TEXT = f"""
name: hold-fire-check
epoch: 2025-09-13T20:00:00Z
duration_min: 24
tick_s: 2
seed: 0
zones:
  galati: {{kind: circle, center: Galați, radius_km: 15}}
coalition:
  - nation: ROU
    squadrons:
      - name: RO F-16 Borcea
        base: Borcea Air Base
        aircraft: F-16
        count: 4
        on_alert: 2
        scramble_min: 5
        patrols:
          - {{name: CAP Galați, at: {{lat: 45.30, lon: 28.20}}, aircraft: 2, altitude_m: 3000,
              orbit_radius_km: 8}}
rules:
  ROU:
    engagement_zones: [galati]
    threat_classes: [drone]
    approval: {{inside_own: automatic, elsewhere: automatic}}
    hold_fire: {{city_km: {CITY_KM}, leaving_within_s: {LEAVING_S}}}
raid:
  strays: {{enabled: false}}
  waves:
    - {{threat: Geran-3, count: 14, launch_area: {{lat: 44.95, lon: 29.65}},
       window_min: [0, 4], targets: [Reni], routing: direct,
       via: [{{lat: 45.42, lon: 28.10}}]}}
"""


def fall_point(x: np.ndarray, warhead: bool) -> tuple[float, float]:
    """Mean debris point from a track state: fall time with drag, decaying throw."""
    h = max(float(x[2]), 0.0)
    vt = fallout.V_TERMINAL_WARHEAD if warhead else fallout.V_TERMINAL_DEBRIS
    tf = np.sqrt(2 * h / fallout.G) if h < vt * vt / (2 * fallout.G) else h / vt + vt / (
        2 * fallout.G)
    k = fallout.TAU_S * (1 - np.exp(-tf / fallout.TAU_S))
    lat, lon = THEATRE.from_xy(x[:2] + x[3:5] * k)
    return float(lat), float(lon)


@pytest.fixture(scope="session")
def fired():
    """(rows of (seed, x, cls), held count, shots) over every seed."""
    sc = parse_scenario(TEXT)
    rows, held, shots = [], 0, 0
    for seed in SEEDS:
        eng = Engine(sc, EngineConfig(), seed).start()
        world = eng.world
        apply = world.apply

        def spy(orders, apply=apply, seed=seed, nation=world.fleet.nation):
            f = orders.fire
            for a, x, k in zip(f.aircraft.tolist(), f.aim, f.track.tolist(), strict=True):
                rows.append((seed, nation[a], x.copy(), k))
            return apply(orders)

        world.apply = spy
        while eng.k < int(sc.duration_s / sc.tick_s):
            eng.step()
        ev = eng.ledger.log.frame()
        held += int((ev.kind == "pilot_hold").sum())
        shots += int((ev.kind == "shot").sum())
    return rows, held, shots


def test_no_shot_breaks_hold_fire_and_some_were_held(fired):
    rows, held, shots = fired
    assert shots > 20 and held > 5, (shots, held)
    rou = borders().geometry["ROU"]
    pp = populated_places()
    bad = []
    for seed, nation, x, _ in rows:
        assert nation == "ROU"
        lat, lon = fall_point(x, warhead=True)  # drones only (threat_classes)
        if shapely.contains_xy(rou, lon, lat):
            _, _, d = GEOD.inv(np.full(len(pp), lon), np.full(len(pp), lat), pp.lon, pp.lat)
            if d.min() < CITY_KM * 1000.0 * (1 - 1e-3):
                bad.append((seed, "debris", d.min()))
        tlat, tlon = THEATRE.from_xy(x[:2])
        if country_of(tlat, tlon) == "ROU":
            t = np.arange(0.0, LEAVING_S + 0.5, 1.0)[:, None]
            path = THEATRE.from_xy(x[None, :2] + t * x[None, 3:5])
            if (country_of(*path) != "ROU").any():
                bad.append((seed, "leaving", float(t[np.argmax(country_of(*path) != "ROU")])))
    assert not bad, bad[:5]
    assert ThreatClass.drone.code == 0
