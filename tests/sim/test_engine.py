"""The tick engine on real scenarios: determinism, intercepts, bookkeeping."""

from __future__ import annotations

import hashlib

from pyproj import Geod

from skyshield.sim.run import run_scenario
from tests.sim.conftest import station_latlon


def events_hash(result) -> str:
    return hashlib.sha256(
        result.events.to_csv(index=False, float_format="%.6f").encode()).hexdigest()


def test_same_seed_same_event_log(western_night):
    short = western_night.model_copy(update={"duration_min": 240})
    a, b = run_scenario(short, seed=7), run_scenario(short, seed=7)
    assert len(a.events) > 100
    assert events_hash(a) == events_hash(b)
    c = run_scenario(short, seed=8)
    assert events_hash(c) != events_hash(a)


def test_patrol_aircraft_intercepts_drone_passing_its_station(patrol_scenario):
    r = run_scenario(patrol_scenario)
    e = r.events
    shots = e[e.kind == "shot"]
    assert len(shots) >= 1, "the CAP aircraft never fired"
    assert (shots.nation == "POL").all()
    # the drone was destroyed by the coalition, near the station it flew over
    th = r.threats.iloc[0]
    assert th.outcome == "destroyed_coalition"
    lat0, lon0 = station_latlon(patrol_scenario)
    _, _, d = Geod(ellps="WGS84").inv(lon0, lat0, th.lon_outcome, th.lat_outcome)
    assert d < 60_000, f"killed {d / 1000:.0f} km from the station"
    # the shooter had reached its station before: an on_station event precedes the shot
    on_station = e[e.kind == "on_station"]
    assert len(on_station) and on_station.t.min() < shots.t.min()


def test_threat_outcomes_are_consistent_with_events(western_night):
    r = run_scenario(western_night)
    th, e = r.threats, r.events
    kills = e[e.kind == "kill"]
    assert set(kills.threat) == set(th.id[th.outcome == "destroyed_coalition"])
    assert set(e[e.kind == "impact"].threat) == set(th.id[th.outcome == "impacted"])
    # every shot spent a round: shots per aircraft equal the table's
    per = e[e.kind == "shot"].groupby("aircraft").size()
    assert (r.aircraft.set_index("id").shots[per.index] == per).all()
    # flight hours are bounded by the run length times the aircraft count
    assert (r.aircraft.flight_h <= western_night.duration_min / 60 + 1e-9).all()
    m = r.metrics
    assert sum(m["threats"]["outcomes"].values()) == len(th) == 80
    pol = r.aircraft[r.aircraft.nation == "POL"]
    assert m["nations"]["POL"]["sorties"] == int(pol.sorties.sum())


def test_alert_aircraft_turn_around_and_scramble_again():
    """No patrols, one aircraft on alert: it scrambles for the first drone, lands, turns
    around, goes back on alert and scrambles again for a drone three hours later."""
    from skyshield.model.loader import parse_scenario

    text = """
name: alert-only
epoch: 2025-11-20T19:00:00Z
duration_min: 600
seed: 2
zones:
  ukr-near-pol: {kind: near_country, country: POL, within_km: 150}
coalition:
  - nation: POL
    squadrons:
      - {name: QRA, base: Rzeszów-Jasionka, aircraft: F-16, count: 1, on_alert: 1,
         scramble_min: 5, turnaround_min: 30}
rules:
  POL:
    engagement_zones: [ukr-near-pol]
    max_depth_km: 150
    approval: {inside_own: automatic, elsewhere: automatic}
raid:
  waves:
    - {threat: Shahed-136, count: 1, launch_area: Kursk, window_min: [0, 0],
       targets: [Lviv], routing: direct}
    - {threat: Shahed-136, count: 1, launch_area: Kursk, window_min: [180, 180],
       targets: [Lviv], routing: direct}
"""
    r = run_scenario(parse_scenario(text, file="alert-only.yaml"))
    e = r.events
    scrambles = e[(e.kind == "scramble") & (e.value == 1.0)]
    assert len(scrambles) == 2, e.kind.value_counts().to_dict()
    assert scrambles.t.diff().iloc[1] > 2 * 3600
    assert (e.kind == "land").sum() >= 1
    assert int(r.aircraft.sorties.iloc[0]) == 2
