"""Threat kinematics: timing against the WGS84 geodesic, waypoints, altitude, end states."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from skyshield.geo.frame import THEATRE
from skyshield.model.library import ThreatClass, library
from skyshield.world.threats import Threats, ThreatStatus

GEOD = Geod(ellps="WGS84")

# Hvardiiske (Crimea) -> off Odesa -> Vinnytsia -> Ternopil -> Lviv, a typical southern route.
ROUTE_LAT = np.array([45.115, 46.21, 49.233, 49.554, 49.838])
ROUTE_LON = np.array([33.977, 30.97, 28.481, 25.591, 24.023])


def shahed(route_lat=ROUTE_LAT, route_lon=ROUTE_LON, t_launch=30.0, **kw) -> Threats:
    tt = library().threat("Shahed-136")
    kw.setdefault("range_m", tt.range_m)
    return Threats.from_routes(
        route_lat[None], route_lon[None], 1000.0, len(route_lat),
        t_launch=t_launch, speed=tt.speed_ms, threat_cls=tt.cls.code, **kw,
    )


def run(th: Threats, t_end: float, dt: float = 1.0, t0: float = 0.0) -> list:
    out, t = [], t0
    while t < t_end:
        out.append(th.step(t, dt))
        t += dt
    return out


def test_shahed_covers_its_route_in_length_over_speed():
    tt = library().threat("Shahed-136")
    th = shahed()
    geodesic = GEOD.line_length(ROUTE_LON, ROUTE_LAT)  # GeographicLib, independent path
    legs_sum = th.leg_lengths(0).sum()
    assert legs_sum == pytest.approx(geodesic, rel=1e-9)
    xy = THEATRE.to_xy(ROUTE_LAT, ROUTE_LON)
    frame_len = np.hypot(*np.diff(xy, axis=0).T).sum()
    assert frame_len == pytest.approx(geodesic, rel=0.005)  # the frame is good to 0.5 %
    expected = geodesic / tt.speed_ms  # ~5.8 h at 170 km/h for ~980 km
    assert 950e3 < geodesic < 1000e3
    run(th, 30.0 + expected + 5.0, dt=1.0)
    assert th.status[0] == ThreatStatus.IMPACTED
    flown = th.t_end[0] - th.t_launch[0]
    assert flown == pytest.approx(expected, rel=0.005)
    assert flown == pytest.approx(frame_len / tt.speed_ms, rel=0.005)
    # Impact at the target, on the ground.
    target = THEATRE.to_xyz(ROUTE_LAT[-1], ROUTE_LON[-1], 0.0)
    np.testing.assert_allclose(th.pos[0], target, atol=1e-6)
    lat, lon, alt = th.lla()
    assert (lat[0], lon[0]) == pytest.approx((ROUTE_LAT[-1], ROUTE_LON[-1]), abs=1e-9)


def test_impact_tick_and_leftover_distance_across_waypoints():
    """With 10-minute ticks several waypoints pass inside one tick; positions stay exact."""
    tt = library().threat("Shahed-136")
    th = shahed(t_launch=0.0)
    xy = THEATRE.to_xy(ROUTE_LAT, ROUTE_LON)
    cum = np.concatenate([[0.0], np.cumsum(GEOD.inv(ROUTE_LON[:-1], ROUTE_LAT[:-1],
                                                    ROUTE_LON[1:], ROUTE_LAT[1:])[2])])
    dt = 3 * 3600.0  # longer than most legs: crosses waypoints within one tick
    for k in range(1, 4):
        th.step((k - 1) * dt, dt)
        s = min(tt.speed_ms * k * dt, cum[-1])
        leg = min(np.searchsorted(cum, s, side="right") - 1, len(cum) - 2)
        f = (s - cum[leg]) / (cum[leg + 1] - cum[leg])
        want = xy[leg] + f * (xy[leg + 1] - xy[leg])
        np.testing.assert_allclose(th.pos[0, :2], want, atol=1e-6)
        assert th.leg[0] == leg
        assert th.s[0] == pytest.approx(s)
    assert th.status[0] == ThreatStatus.IMPACTED


def test_launch_at_t_launch_and_pending_before():
    th = shahed(t_launch=100.0)
    ev = run(th, 99.0)
    assert th.status[0] == ThreatStatus.PENDING and not th.alive[0]
    assert all(e.launched.size == 0 for e in ev)
    assert th.pos[0, 2] == 0.0  # waits on the ground at its launch point
    ev = th.step(99.0, 1.0)
    assert ev.launched.tolist() == [0]
    assert th.alive[0]
    assert th.s[0] == 0.0
    th.step(100.0, 1.0)
    assert th.s[0] == pytest.approx(library().threat("Shahed-136").speed_ms)
    assert np.linalg.norm(th.vel[0, :2]) == pytest.approx(th.speed[0], rel=0.005)


def test_destroy_freezes_and_expire_at_range():
    th = shahed(t_launch=0.0)
    run(th, 600.0)
    before = th.pos.copy()
    assert th.destroy([0], 600.0).tolist() == [0]
    assert th.destroy([0], 601.0).size == 0  # already down
    run(th, 1200.0, t0=600.0)
    assert th.status[0] == ThreatStatus.DESTROYED and th.t_end[0] == 600.0
    np.testing.assert_array_equal(th.pos, before)
    np.testing.assert_array_equal(th.vel, 0.0)
    # Range shorter than the route: expires where the fuel runs out.
    th = shahed(t_launch=0.0, range_m=500e3)
    ev = run(th, 500e3 / th.speed[0] + 2.0)
    assert th.status[0] == ThreatStatus.EXPIRED
    assert sum(e.expired.size for e in ev) == 1
    assert th.t_end[0] == pytest.approx(500e3 / th.speed[0])
    assert th.s[0] == pytest.approx(500e3)


def test_altitude_profiles_by_class():
    lib = library()
    lat = np.tile(ROUTE_LAT[[2, 4]], (3, 1))
    lon = np.tile(ROUTE_LON[[2, 4]], (3, 1))
    types = [lib.threat("Shahed-136"), lib.threat("Kh-101"), lib.threat("Iskander-M")]
    th = Threats.from_routes(
        lat, lon, np.array([[1200.0] * 2, [65.0] * 2, [50000.0] * 2]), 2,
        t_launch=0.0, speed=[t.speed_ms for t in types], range_m=3e6,
        threat_cls=[t.cls.code for t in types],
    )
    alts: list[np.ndarray] = []
    for i in range(3 * 720):
        th.step(5.0 * i, 5.0)
        alts.append(np.where(th.alive, th.pos[:, 2], np.nan))
    a = np.array(alts)
    assert np.nanmax(a[:, 0]) == pytest.approx(1200.0)  # drone climbs to its cruise level
    cm = a[:, 1][np.isfinite(a[:, 1])]
    cruise = cm[len(cm) // 10 : -len(cm) // 10]  # away from launch and target
    assert cruise.min() >= 30.0 and cruise.max() <= 100.0  # terrain-following band
    assert cruise.std() > 3.0  # it undulates
    assert np.nanmax(a[:, 2]) > 40000.0  # ballistic goes high
    assert (th.status == ThreatStatus.IMPACTED).all()
    np.testing.assert_array_equal(th.pos[:, 2], 0.0)
    assert ThreatClass.cruise_missile.code == th.cls[1]


def test_many_threats_step_together():
    rng = np.random.default_rng(0)
    n, k = 300, 6
    lat = 47 + 4 * rng.random((n, k))
    lon = 23 + 8 * rng.random((n, k))
    n_wp = rng.integers(2, k + 1, n)
    th = Threats.from_routes(lat, lon, 500.0, n_wp, t_launch=rng.uniform(0, 600, n),
                             speed=rng.uniform(40, 250, n), range_m=5e6)
    run(th, 24 * 3600.0, dt=13.0)
    assert (th.status == ThreatStatus.IMPACTED).all()
    np.testing.assert_allclose(th.t_end - th.t_launch, th.length / th.speed, rtol=1e-12)
    last = THEATRE.to_xy(lat[np.arange(n), n_wp - 1], lon[np.arange(n), n_wp - 1])
    np.testing.assert_allclose(th.pos[:, :2], last, atol=1e-6)
