"""Rules of engagement on real polygons: every rule allows and refuses where it should."""

import numpy as np
import pytest
from scipy.optimize import brentq

from skyshield.decide.assess import assess
from skyshield.decide.roe import Reason, compile_nation, compile_rules, evaluate
from skyshield.geo import geodesy
from skyshield.geo import zones as gz
from skyshield.geo.borders import borders, country_of
from skyshield.geo.frame import THEATRE
from skyshield.model.library import ThreatClass, place
from skyshield.model.loader import load_scenario
from skyshield.model.scenario import Rules

DRONE, CM = ThreatClass.drone.code, ThreatClass.cruise_missile.code
LON = 24.6  # a meridian through Volyn, between Poland and the Belarus border


@pytest.fixture(scope="module")
def zones():
    return {
        "poland": gz.country("POL"),
        "ukr-near-pol": gz.near_country("POL", 150),
        "no-go-blr-rus": gz.near_border(["BLR", "RUS"], 50),
        "ukraine": gz.country("UKR"),
        "lutsk-area": gz.circle(place("Lutsk").lat, place("Lutsk").lon, 40),
    }


def pol(zones, **kw):
    base = dict(engagement_zones=["poland", "ukr-near-pol"], max_depth_km=150,
                excluded_zones=["no-go-blr-rus"])
    return compile_nation("POL", Rules(**{**base, **kw}), zones)


def judge(nr, lat, lon, alt=1000.0, cls=DRONE, p=None):
    first, _, _ = nr.target_reasons(np.atleast_1d(lat), np.atleast_1d(lon),
                                    np.full(np.size(lat), alt), np.full(np.size(lat), cls), p)
    return [Reason(int(f)) for f in first]


def lat_at_blr_distance(km):
    """Latitude on LON, in Ukraine, `km` from the Belarus border (geodesic, real polygon)."""
    f = lambda la: borders().distance_to_border(la, LON, "BLR") - km * 1000.0  # noqa: E731
    return brentq(f, 50.3, 51.75)


def test_belarus_exclusion_30_km_refused_70_km_allowed(zones):
    nr = pol(zones)
    near, far = lat_at_blr_distance(30), lat_at_blr_distance(70)
    assert country_of(near, LON) == "UKR" and country_of(far, LON) == "UKR"
    assert judge(nr, near, LON) == [Reason.EXCLUDED_ZONE]
    assert judge(nr, far, LON) == [Reason.ALLOWED_IN_ZONE]
    assert nr.target_ok(np.array([near, far]), np.full(2, LON), np.full(2, 1000.0),
                        np.full(2, DRONE)).tolist() == [False, True]


def test_own_airspace_allowed_and_approval_delay(zones):
    nr = pol(zones)
    lub = place("Lublin")
    far = lat_at_blr_distance(70)
    assert judge(nr, lub.lat + 0.2, lub.lon) == [Reason.ALLOWED_OWN_AIRSPACE]
    d = nr.approval_delay(np.array([lub.lat + 0.2, far]), np.array([lub.lon, LON]))
    assert d.tolist() == [0.0, 120.0]  # automatic inside own airspace, national elsewhere
    perm = evaluate({"POL": nr}, np.array([lub.lat + 0.2, far]), np.array([lub.lon, LON]),
                    np.full(2, 1000.0), np.full(2, DRONE), np.array(["POL"]),
                    np.array([lub.lat]), np.array([lub.lon]))
    assert perm.allowed.all() and perm.delay[:, 0].tolist() == [0.0, 120.0]


def test_too_deep_and_outside_zone(zones):
    nr = pol(zones, engagement_zones=["poland", "ukraine"], max_depth_km=100)
    zh = place("Zhytomyr")  # ~300 km from NATO territory
    near = (50.0, 24.3)  # ~60 km from Poland
    assert judge(nr, *near) == [Reason.ALLOWED_IN_ZONE]
    assert judge(nr, zh.lat, zh.lon) == [Reason.TOO_DEEP]
    assert judge(pol(zones), zh.lat, zh.lon) == [Reason.OUTSIDE_ENGAGEMENT_ZONE]
    zero = pol(zones, max_depth_km=0)
    assert judge(zero, *near) == [Reason.TOO_DEEP]


def test_class_and_altitude_floor(zones):
    nr = pol(zones, threat_classes=["cruise_missile"], altitude_floor_m=300)
    lat = lat_at_blr_distance(70)
    assert judge(nr, lat, LON, alt=500.0, cls=DRONE) == [Reason.CLASS_NOT_ELIGIBLE]
    assert judge(nr, lat, LON, alt=200.0, cls=CM) == [Reason.BELOW_ALTITUDE_FLOOR]
    assert judge(nr, lat, LON, alt=500.0, cls=CM) == [Reason.ALLOWED_IN_ZONE]
    assert judge(nr, lat, LON, cls=ThreatClass.ballistic.code) == [Reason.CLASS_NOT_ELIGIBLE]


def test_near_city_refused_by_geodesic_distance(zones):
    nr = pol(zones, city_exclusion_km=10)
    lv = place("Lviv")  # 717,000 people, ~65 km from Poland
    la, lo = geodesy.forward(np.full(2, lv.lat), np.full(2, lv.lon), 200.0,
                             np.array([9_500.0, 10_500.0]))
    assert judge(nr, la, lo) == [Reason.NEAR_CITY, Reason.ALLOWED_IN_ZONE]
    assert judge(pol(zones), la[0], lo[0]) == [Reason.ALLOWED_IN_ZONE]  # no rule, no refusal


def test_ukrainian_consent_by_zone(zones):
    nr = pol(zones, ukrainian_consent=["lutsk-area"])
    lu = place("Lutsk")
    lv = place("Lviv")
    assert judge(nr, lu.lat + 0.1, lu.lon) == [Reason.ALLOWED_IN_ZONE]
    assert judge(nr, lv.lat, lv.lon) == [Reason.NO_UKRAINIAN_CONSENT]
    assert judge(nr, place("Lublin").lat, place("Lublin").lon) == [Reason.ALLOWED_OWN_AIRSPACE]
    # the permitted area (for shooters) follows consent too
    assert nr.shooter_ok(np.array([lu.lat + 0.1, lv.lat]), np.array([lu.lon, lv.lon])).tolist() \
        == [True, False]


def test_predicted_entry_trigger_rzeszow_vs_kyiv(zones):
    nr = pol(zones, trigger={"kind": "predicted_entry", "airspace": "own", "within_min": 15,
                             "probability": 0.5})
    start = (49.85, 24.6)  # east of Lviv, ~110 km from Poland, in the zone
    p0 = THEATRE.to_xyz(*start, 300.0)
    xs = []
    for tgt in (place("Rzeszów"), place("Kyiv")):
        q = THEATRE.to_xyz(tgt.lat, tgt.lon, 300.0)
        d = (q - p0)[:2] / np.linalg.norm((q - p0)[:2])
        xs.append(np.concatenate([p0, [220.0 * d[0], 220.0 * d[1], 0.0]]))
    x = np.stack(xs)
    P = np.broadcast_to(np.diag([200.0**2] * 3 + [10.0**2] * 3), (2, 6, 6))
    a = assess(x, P, np.array([CM, CM]), 0.0, horizon_s=20 * 60)
    p = nr.trigger_p(a)
    assert p[0] >= 0.9 and p[1] == 0.0
    lat, lon = np.full(2, start[0]), np.full(2, start[1])
    assert judge(nr, lat, lon, cls=CM, p=p) == [Reason.ALLOWED_IN_ZONE, Reason.TRIGGER_NOT_MET]
    # without an assessment only targets already inside Poland meet the trigger
    assert judge(nr, lat, lon, cls=CM) == [Reason.TRIGGER_NOT_MET] * 2
    lub = place("Lublin")
    assert judge(nr, lub.lat, lub.lon, cls=CM) == [Reason.ALLOWED_OWN_AIRSPACE]
    perm = evaluate({"POL": nr}, lat, lon, np.full(2, 300.0), np.array([CM, CM]),
                    np.array(["POL"]), np.array([50.0]), np.array([22.0]), a)
    assert perm.allowed[:, 0].tolist() == [True, False]
    assert perm.reason[1, 0] == Reason.TRIGGER_NOT_MET


def test_shooter_outside_permitted_and_pairs(zones):
    rules = {"POL": pol(zones), "ROU": compile_nation(
        "ROU", Rules(engagement_zones=["__own__"]), zones)}
    lat = np.array([lat_at_blr_distance(70), lat_at_blr_distance(30)])
    lon = np.full(2, LON)
    # shooters: POL over Poland, POL over Belarus, POL deep in Ukraine, ROU over Romania
    nat = np.array(["POL", "POL", "POL", "ROU"])
    slat = np.array([51.0, 52.5, 50.3, 46.8])
    slon = np.array([22.5, 27.0, 28.5, 24.0])
    perm = evaluate(rules, lat, lon, np.full(2, 1000.0), np.full(2, DRONE), nat, slat, slon)
    R = Reason
    assert [[R(int(c)) for c in row] for row in perm.reason] == [
        [R.ALLOWED_IN_ZONE, R.SHOOTER_OUTSIDE_PERMITTED, R.SHOOTER_OUTSIDE_PERMITTED,
         R.OUTSIDE_ENGAGEMENT_ZONE],
        [R.EXCLUDED_ZONE, R.EXCLUDED_ZONE, R.EXCLUDED_ZONE, R.OUTSIDE_ENGAGEMENT_ZONE],
    ]
    assert perm.allowed.sum() == 1
    assert perm.reasons(1, 1) == [R.EXCLUDED_ZONE, R.SHOOTER_OUTSIDE_PERMITTED]
    assert all(r.text.startswith(("allowed", "refused")) for r in R)


def test_compile_rules_on_a_builtin_scenario_keeps_its_interface():
    s = load_scenario("western-night")
    rules = compile_rules(s)
    assert set(rules) == {"POL", "ROU", "SVK"}
    nr = rules["POL"]
    lv = place("Lviv")
    ok = nr.target_ok(np.array([lv.lat]), np.array([lv.lon]), np.array([1000.0]),
                      np.array([DRONE]))
    assert ok.tolist() == [True]
    assert nr.shooter_ok(np.array([50.0]), np.array([22.0])).tolist() == [True]
    assert nr.permitted.area_km2() > nr.own.area_km2()
    assert nr.classes[DRONE] and not nr.classes[ThreatClass.ballistic.code]
