"""Hold-fire rules on hand-built tracks; allies under their own or the host's rules."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from skyshield.decide.roe import Reason, compile_nation, compile_rules, velocity_xy
from skyshield.geo import borders as gb
from skyshield.geo.frame import THEATRE
from skyshield.model.loader import load_scenario
from skyshield.model.population import populated_places
from skyshield.model.scenario import HoldFire, Nation, Rules, Squadron

GEOD = Geod(ellps="WGS84")


def nearest_town_km(lat, lon):
    pp = populated_places()
    _, _, d = GEOD.inv(np.full(len(pp), lon), np.full(len(pp), lat), pp.lon, pp.lat)
    return d.min() / 1e3


@pytest.fixture(scope="module")
def rou():
    r = Rules(engagement_zones=["__own__"], hold_fire=HoldFire(city_km=10, leaving_within_s=120))
    return compile_nation("ROU", r, {})


def test_debris_over_a_romanian_town_holds_fire(rou):
    lat, lon = np.array([45.437]), np.array([28.05])  # Galați
    assert nearest_town_km(45.437, 28.05) < 10
    hold = rou.hold_fire(lat, lon, np.array([1500.0]), np.array([0]), np.zeros((1, 2)))
    assert hold[0] == Reason.HOLD_FIRE_DEBRIS
    first, bits, _ = rou.target_reasons(lat, lon, np.array([1500.0]), np.array([0]), None,
                                        np.zeros((1, 2)))
    assert first[0] == Reason.HOLD_FIRE_DEBRIS and bits[0] & Reason.HOLD_FIRE_DEBRIS.bit
    assert "debris" in Reason.HOLD_FIRE_DEBRIS.text
    # without a velocity (no prediction possible) nothing is held
    assert rou.hold_fire(lat, lon, np.array([1500.0]), np.array([0]), None)[0] == 0


def test_rural_romania_and_zero_distance_do_not_hold(rou):
    rng = np.random.default_rng(1)
    lat, lon = rng.uniform(44.5, 47.5, 400), rng.uniform(22.5, 27.5, 400)
    c = gb.country_of(lat, lon)
    lat, lon = lat[c == "ROU"], lon[c == "ROU"]
    far = np.array([nearest_town_km(a, b) > 12 for a, b in zip(lat, lon, strict=True)])
    z = np.zeros((len(lat), 2))
    hold = rou.hold_fire(lat, lon, np.full(len(lat), 10.0), np.zeros(len(lat), int), z)
    near = np.array([nearest_town_km(a, b) < 9.9 for a, b in zip(lat, lon, strict=True)])
    assert far.any() and near.any()
    assert (hold[far] == 0).all() and (hold[near] == Reason.HOLD_FIRE_DEBRIS).all()
    off = compile_nation("ROU", Rules(engagement_zones=["__own__"]), {})
    assert (off.hold_fire(lat, lon, np.full(len(lat), 10.0), np.zeros(len(lat), int), z)
            == 0).all()


def test_a_threat_leaving_own_airspace_on_its_own(rou):
    # a point in Romania 3 km from the Ukrainian border (north of Suceava), rural
    b = gb.borders()
    for lat in np.arange(47.92, 48.2, 0.01):
        lon = 25.9
        if gb.country_of(lat, lon) == "ROU" and 2e3 < b.distance_to_border(lat, lon, "UKR") < 4e3:
            break
    la, lo = np.array([lat]), np.array([lon])
    north, south = velocity_xy([50.0], [0.0]), velocity_xy([50.0], [180.0])
    r_n = rou.hold_fire(la, lo, np.array([500.0]), np.array([0]), north)[0]
    r_s = rou.hold_fire(la, lo, np.array([500.0]), np.array([0]), south)[0]
    if nearest_town_km(lat, lon) > 10:
        assert r_n == Reason.HOLD_FIRE_LEAVING  # out of Romania within 120 s (6 km)
        assert r_s == 0  # flying deeper in
    # oracle for the straight line: where is it after 120 s?
    p = THEATRE.to_xy(lat, lon) + north[0] * 120.0
    assert gb.country_of(*THEATRE.from_xy(p)) != "ROU"


def test_allies_defend_their_host_under_own_or_host_rules():
    sc = load_scenario("border-skim")
    f35 = Squadron(name="NL F-35 Łask", base="Łask Air Base", aircraft="F-35A", count=4,
                   on_alert=2)
    own = Nation(nation="NLD", host="POL", squadrons=[f35])
    host = Nation(nation="DEU", host="POL", rules_from="host", squadrons=[
        f35.model_copy(update={"name": "DE Typhoon Łask", "aircraft": "Eurofighter Typhoon"})])
    rules = {**sc.rules, "NLD": Rules(engagement_zones=["__own__"], max_depth_km=0)}
    s2 = sc.model_copy(update={"coalition": [*sc.coalition, own, host], "rules": rules})
    nr = compile_rules(s2)
    assert nr["NLD"].own.name == "POL" and nr["DEU"].own.name == "POL"
    assert nr["DEU"].rules == sc.rules["POL"] and nr["NLD"].rules.max_depth_km == 0
    with pytest.raises(ValueError, match="needs `host`"):
        Nation(nation="ITA", squadrons=[f35])
    empty = sc.model_copy(update={"coalition": [], "rules": {}})
    assert compile_rules(empty) == {}


def test_roe_explain_gives_the_hold_fire_reason_and_the_debris_point():
    from skyshield.decide.explain import OwnForces, explain_track
    from skyshield.picture.tracks import Tracks

    r = Rules(engagement_zones=["__own__"], hold_fire=HoldFire(city_km=10))
    rules = {"ROU": compile_nation("ROU", r, {})}
    xy = THEATRE.to_xy(45.437, 28.05)  # over Galați, slow, low
    x = np.array([[xy[0], xy[1], 800.0, 0.0, -40.0, 0.0]])
    tracks = Tracks(number=np.array([7]), x=x, P=np.tile(np.eye(6) * 100.0, (1, 1, 1)),
                    cls=np.array([0]), cls_conf=np.array([0.9]), t_init=np.array([0.0]),
                    t_update=np.array([100.0]), confirmed=np.array([True]))
    slat, slon = 45.6, 27.9  # a Romanian fighter nearby, over Romania
    forces = OwnForces(nation=np.array(["ROU"]), lat=np.array([slat]), lon=np.array([slon]),
                       squadron=["RO F-16"], state=["intercept"])
    e = explain_track(tracks, 100.0, 7, rules, forces, horizon_s=300.0)
    row = e.rows[0]
    assert not row["allowed"] and row["code"] == "HOLD_FIRE_DEBRIS"
    assert "hold fire" in row["reason"]
    text = str(e)
    assert "debris if killed now" in text and "over ROU" in text
