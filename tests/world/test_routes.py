"""Routes on the real border polygons: no crossing unless asked, declared insets, options.

The oracle for "does a route enter a country" is the real WGS84 polygon: every leg is
sampled every 250 m and each sample looked up with `geo.borders.country_of` (and the frame
polygons are checked with shapely as well). Lengths and times are checked against pyproj's
geodesic (`pyproj.Geod`), independent of the frame.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from skyshield.geo import borders as gb
from skyshield.geo.frame import THEATRE
from skyshield.model.library import library
from skyshield.model.scenario import Graze, Loiter, RouteOptions, Wave
from skyshield.world import routes as rt
from skyshield.world.raid import ROUTINGS, plan_route
from skyshield.world.threats import Threats

GEOD = Geod(ellps="WGS84")
SAMPLE_M = 250.0
LAUNCHES = ["Bryansk", "Kursk", "Hvardiiske", "Chauda", "Black Sea", "Primorsko-Akhtarsk",
            "Oryol", "Millerovo", "Shatalovo", "Donetsk (occupied)", "Sea of Azov"]
UKR_BOX = (44.4, 52.3, 22.2, 40.2)


def dense_countries(pts: np.ndarray) -> np.ndarray:
    """Country of points every SAMPLE_M along a frame polyline (the real WGS84 polygons)."""
    out = []
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        n = max(int(np.hypot(*(b - a)) // SAMPLE_M), 1)
        f = np.linspace(0.0, 1.0, n + 1)[:, None]
        out.append(a + f * (b - a))
    lat, lon = THEATRE.from_xy(np.concatenate(out))
    return gb.country_of(lat, lon)


@lru_cache(maxsize=1)
def _ukraine_inside():
    """Ukraine shrunk by ~1 km (0.01 deg): targets drawn outside are moved onto it."""
    g = shapely.buffer(gb.borders().geometry["UKR"], -0.01)
    shapely.prepare(g)
    return g


def random_target(draw_lat: float, draw_lon: float) -> np.ndarray:
    """A random point of Ukraine: the drawn point if it is inside, else the nearest point
    about 1 km inside Ukraine (so targets next to every border are tested too)."""
    inner = _ukraine_inside()
    p = shapely.Point(draw_lon, draw_lat)
    if not shapely.contains(gb.borders().geometry["UKR"], p):
        draw_lon, draw_lat = shapely.get_coordinates(shapely.shortest_line(p, inner))[1]
    return THEATRE.to_xy(draw_lat, draw_lon)


def wave(**kw) -> Wave:
    base = dict(threat="Shahed-136", count=1, launch_area="Kursk", window_min=(0, 0),
                targets=["Lviv"])
    return Wave(**{**base, **kw})


@pytest.mark.parametrize("routing", ROUTINGS)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(launch=st.sampled_from(LAUNCHES),
       lat=st.floats(UKR_BOX[0], UKR_BOX[1]), lon=st.floats(UKR_BOX[2], UKR_BOX[3]),
       threat=st.sampled_from(["Shahed-136", "Kh-101"]), seed=st.integers(0, 2**16))
def test_no_routing_enters_a_country_it_was_not_asked_to(routing, launch, lat, lon, threat,
                                                          seed):
    target = random_target(lat, lon)
    la = library().place(launch)
    start = THEATRE.to_xy(la.lat, la.lon)
    forbid = rt.forbidden_for(str(gb.country_of(la.lat, la.lon)), (), routing)
    tt = library().threat(threat)
    pts, fixed, flown = plan_route(wave(threat=threat, routing=routing), routing, start,
                                   target, np.zeros((0, 2)), forbid, tt,
                                   np.random.default_rng(seed))
    assert not fixed
    assert np.allclose(pts[0], start) and np.allclose(pts[-1], target)
    seen = set(dense_countries(pts).tolist())
    assert not (seen & forbid), f"{routing} from {launch} entered {seen & forbid}"
    assert not shapely.intersects(rt.forbidden_geometry(forbid), shapely.LineString(pts))
    if routing in ("belarus", "moldova") and flown == routing:
        assert {"belarus": "BLR", "moldova": "MDA"}[routing] in seen  # asked for, flown


@pytest.mark.parametrize("which,skim,side", [("south", ("MDA", "ROU"), "UKR"),
                                             ("north", ("BLR",), "UKR"),
                                             ("belarus", ("UKR",), "BLR")])
@pytest.mark.parametrize("inset", rt.BORDER_INSETS_M)
def test_border_chains_keep_their_declared_inset(which, skim, side, inset):
    chain = rt.border_chain(which, inset)
    pts = chain.xy
    assert chain.length > 400e3
    c = dense_countries(pts)
    assert set(c.tolist()) - {side} <= {"RUS", ""}  # may touch Russia or the sea at an end
    assert (c == side).mean() > 0.99
    n = max(int(chain.length // 1000.0), 2)  # every km along the chain
    lat, lon = THEATRE.from_xy(chain.at(np.linspace(0, chain.length, n)))
    d = np.min([gb.distance_to_border(lat, lon, o) for o in skim], axis=0)
    # On the chain: within the simplification tolerance of the inset, never closer.
    assert d.min() >= (1 - rt.SIMPLIFY) * inset - 100.0
    assert np.median(d) == pytest.approx(inset, rel=0.1)
    others = sorted(rt.DEFAULT_FORBIDDEN - set(skim) - {side})
    if others:
        assert gb.borders().distance_to_any(lat, lon, others).min() >= (
            1 - rt.SIMPLIFY) * inset - 100.0


def test_north_west_never_flies_along_the_bug_inside_poland():
    """The issue's bug: routes to targets near the Polish border left the chain west of the
    target and flew along the Bug in Poland. Now no sample of any route is in Poland."""
    lib = library()
    tt = lib.threat("Kh-101")
    rng = np.random.default_rng(11)
    for name in ("Kovel", "Lutsk", "Lviv", "Lutsk Air Base", "Dubno", "Rivne", "Varash"):
        p = lib.place(name)
        for launch in ("Bryansk", "Shatalovo", "Kursk"):
            la = lib.place(launch)
            for _ in range(6):
                pts, _, flown = plan_route(
                    wave(threat="Kh-101", routing="north_west"), "north_west",
                    THEATRE.to_xy(la.lat, la.lon), THEATRE.to_xy(p.lat, p.lon),
                    np.zeros((0, 2)), rt.forbidden_for("RUS"), tt, rng)
                c = dense_countries(pts)
                assert "POL" not in c and "BLR" not in c
                assert flown == "north_west"


def test_via_waypoints_route_length_and_time_against_pyproj():
    lib = library()
    via = [(50.9, 31.0), (51.6, 25.9), (51.2, 24.0)]  # names too: see the loader test
    kyiv, lutsk = lib.place("Kursk"), lib.place("Lviv")
    lats = [kyiv.lat] + [v[0] for v in via] + [lutsk.lat]
    lons = [kyiv.lon] + [v[1] for v in via] + [lutsk.lon]
    th = Threats.from_routes(np.array([lats]), np.array([lons]), 1000.0, len(lats),
                             t_launch=60.0, speed=50.0, range_m=3e6)
    _, _, dist = GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
    assert th.length[0] == pytest.approx(float(np.sum(dist)), rel=1e-9)
    th.step(0.0, 60.0 + float(np.sum(dist)) / 50.0 - 1.0)
    assert th.status[0] == 1  # still flying one second before
    th.step(60.0 + float(np.sum(dist)) / 50.0 - 1.0, 1.0)
    assert th.status[0] == 3 and th.t_end[0] == pytest.approx(60.0 + np.sum(dist) / 50.0)


def test_options_loiter_graze_turn_back():
    lib = library()
    tt = lib.threat("Shahed-136")
    la, tgt = lib.place("Hvardiiske"), lib.place("Chernivtsi")
    start, target = THEATRE.to_xy(la.lat, la.lon), THEATRE.to_xy(tgt.lat, tgt.lon)
    forbid = rt.forbidden_for("UKR")
    rng = np.random.default_rng(5)
    plain, _, _ = plan_route(wave(routing="border"), "border", start, target,
                             np.zeros((0, 2)), forbid, tt, np.random.default_rng(5))
    hold = wave(routing="border", options=RouteOptions(loiter=Loiter(share=1.0, minutes=20)))
    held, _, _ = plan_route(hold, "border", start, target, np.zeros((0, 2)), forbid, tt,
                            np.random.default_rng(5))
    # The hold adds exactly its time at the type's speed (frame length; no new ground).
    assert rt.length(held) - rt.length(plain) == pytest.approx(20 * 60 * tt.speed_ms, rel=1e-6)
    assert set(dense_countries(held).tolist()) & forbid == set()
    g = wave(routing="border", options=RouteOptions(graze=Graze(share=1.0, depth_km=2.0,
                                                                 length_km=6.0)))
    grazed, fixed, _ = plan_route(g, "border", start, target, np.zeros((0, 2)), forbid, tt,
                                  rng)
    assert len(fixed) == 2
    seen = dense_countries(grazed)
    assert set(seen.tolist()) & {"MDA", "ROU"}  # it does cut into the neighbour
    lat, lon = THEATRE.from_xy(grazed[fixed[0] + 1])
    depth = max(gb.depth_inside(lat, lon, c) for c in ("MDA", "ROU"))
    assert depth == pytest.approx(2000.0, abs=150.0)
    back = rt.turn_back(plain, 0.5 * rt.length(plain))
    assert rt.length(back) == pytest.approx(rt.length(plain), rel=1e-9)
    assert np.allclose(back[-1], plain[0])
