"""Exact crossings against brute force on the real polygons, a 30-second graze included."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshield.geo import borders as gb
from skyshield.geo.frame import THEATRE
from skyshield.world.crossings import airspace_metrics, crossings
from skyshield.world.threats import Threats

SPEED = 50.0  # m/s, a Shahed


def graze_route(depth_m: float, lat0: float = 50.45, lon0: float = 23.98):
    """A V-shaped route from Ukraine whose apex lies `depth_m` past the UKR-POL border."""
    pol = gb.borders().frame_geometry("POL")
    p = THEATRE.to_xy(lat0, lon0)
    q = shapely.get_coordinates(shapely.shortest_line(shapely.Point(p), pol.boundary))[1]
    n = (q - p) / np.hypot(*(q - p))
    if shapely.contains_xy(pol, *p):
        n = -n  # toward Poland
    t = np.array([-n[1], n[0]])
    return np.stack([q - 6e3 * n - 6e3 * t, q + depth_m * n, q - 6e3 * n + 6e3 * t])


def brute(th: Threats, iso: str, dt: float = 0.01):
    """Times inside `iso` by sampling the kinematics every dt seconds (country_of)."""
    t = np.arange(0.0, th.length[0] / SPEED, dt)
    s = t * SPEED
    xy = np.stack([np.interp(s, th.cum[0, : th.n_wp[0]], th.wp[0, : th.n_wp[0], k])
                   for k in (0, 1)], axis=-1)
    c = gb.country_of(*THEATRE.from_xy(xy))
    return t[c == iso]


def one(xy):
    lat, lon = THEATRE.from_xy(xy)
    return Threats.from_routes(lat[None], lon[None], 500.0, len(xy), t_launch=0.0,
                               speed=SPEED, range_m=1e7)


def test_a_thirty_second_graze_is_found_exactly():
    # ~1.5 km inside Poland at 50 m/s: an apex ~560 m past the border (about 30 s)
    th = one(graze_route(560.0))
    inside = brute(th, "POL")
    assert 20.0 <= inside.max() - inside.min() <= 40.0  # the construction is a short graze
    tab = crossings(th.wp, th.n_wp, th.cum, th.t_launch, th.speed, th.length.copy())
    pol = tab[tab.country == "POL"]
    assert len(pol) >= 1 and pol.entered.all() and pol.exited.all()
    assert pol.t_entry.min() == pytest.approx(inside.min(), abs=0.02)
    assert pol.t_exit.max() == pytest.approx(inside.max(), abs=0.02)
    assert 25.0 <= pol.duration_s.sum() <= 35.0
    assert pol.max_depth_km.max() * 1e3 == pytest.approx(
        gb.depth_inside(*THEATRE.from_xy(th.wp[0, 1, :2]), "POL"), abs=60.0)  # the apex
    m = airspace_metrics(tab)
    assert m["POL"]["threats_entered"] == 1 and m["POL"]["ended_inside"] == 0
    assert m["POL"]["longest_min"] == pytest.approx(pol.duration_s.max() / 60, abs=0.01)


@settings(max_examples=8, deadline=None)
@given(lat=st.floats(47.0, 51.5), lon=st.floats(22.0, 30.0),
       turns=st.lists(st.tuples(st.floats(-60e3, 60e3), st.floats(-60e3, 60e3)),
                      min_size=2, max_size=5))
def test_visits_match_brute_force_on_random_routes(lat, lon, turns):
    xy = THEATRE.to_xy(lat, lon) + np.cumsum(np.array(turns), axis=0)
    th = one(np.concatenate([THEATRE.to_xy(lat, lon)[None], xy]))
    tab = crossings(th.wp, th.n_wp, th.cum, th.t_launch, th.speed, th.length.copy(),
                    countries=("POL", "ROU", "MDA", "SVK", "HUN", "BLR"))
    dt = 0.5
    for iso in ("POL", "ROU", "MDA", "SVK", "HUN", "BLR"):
        inside = brute(th, iso, dt)
        got = tab[tab.country == iso]
        assert got.duration_s.sum() == pytest.approx(inside.size * dt, abs=4 * dt + 0.02 * (
            inside.size * dt)), iso
        if inside.size:
            assert got.t_entry.min() == pytest.approx(inside.min(), abs=dt)
            # depth against the real border: distance of the sampled points, geodesic
            t = inside[:: max(inside.size // 1500, 1)]
            s = t * SPEED
            pts = np.stack([np.interp(s, th.cum[0, : th.n_wp[0]], th.wp[0, : th.n_wp[0], k])
                            for k in (0, 1)], axis=-1)
            d = gb.distance_to_border(*THEATRE.from_xy(pts), iso).max()
            assert got.max_depth_km.max() * 1e3 == pytest.approx(d, abs=300.0 + SPEED * dt * (
                inside.size // 1500 + 1))


def test_partial_flight_is_cut_where_it_ended():
    th = one(graze_route(2000.0))
    full = crossings(th.wp, th.n_wp, th.cum, th.t_launch, th.speed, th.length.copy())
    t_in = float(full[full.country == "POL"].t_entry.min())
    s = np.array([SPEED * (t_in + 10.0)])  # destroyed 10 s after entering Poland
    cut = crossings(th.wp, th.n_wp, th.cum, th.t_launch, th.speed, s)
    pol = cut[cut.country == "POL"]
    assert len(pol) == 1 and not pol.exited.iloc[0]
    assert pol.t_exit.iloc[0] == pytest.approx(t_in + 10.0, abs=1e-6)
    assert airspace_metrics(cut)["POL"]["ended_inside"] == 1
