"""Strays, decoys and turn-backs: they fly on until their range is exhausted and fall there.

The oracle is pyproj's geodesic: the distance flown along the route when the threat expires
is its range, and its fall point lies within its remaining range (straight-line, WGS84) of
the point where it lost its navigation.
"""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from skyshield.geo import borders as gb
from skyshield.model.loader import load_scenario
from skyshield.model.scenario import Raid, RouteOptions, Strays, TurnBack, Wave
from skyshield.world import routes as rt
from skyshield.world.raid import Fate, generate_raid
from skyshield.world.threats import ThreatStatus

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def base():
    return load_scenario("western-night")


def raid(base, waves, strays):
    return generate_raid(base.model_copy(update={"raid": Raid(waves=waves, strays=strays)}),
                         np.random.default_rng(9))


def fly_to_end(th):
    th.step(0.0, 1e6)  # closed form: one step to the end of every flight
    return th


def test_strays_fall_inside_their_fuel_range(base):
    w = [Wave(threat="Shahed-136", count=40, launch_area="Kursk", window_min=(0, 0),
              targets=["Lviv", "Lutsk"], routing="north_west")]
    plan = raid(base, w, Strays(nav_loss={"Shahed-136": 1.0}, at_fraction=(0.3, 0.9),
                                drift_share=1.0))
    th = plan.threats
    assert (plan.fate == Fate.STRAY).all() and np.isfinite(plan.s_lost).all()
    fly_to_end(th)
    assert (th.status == ThreatStatus.EXPIRED).all()
    assert np.allclose(th.t_end, th.range_m / th.speed)  # flew its whole range
    lat, lon, _ = th.lla()
    for i in range(len(th)):
        rlat, rlon, _ = th.route_lla(i)
        # the loss point is the route point where the drift starts: geodesic distance to it
        cum = np.r_[0.0, np.cumsum(GEOD.inv(rlon[:-1], rlat[:-1], rlon[1:], rlat[1:])[2])]
        k = int(np.argmin(np.abs(cum - np.interp(plan.s_lost[i], rt_arc(th, i), cum))))
        left = th.range_m[i] - cum[k]
        d = GEOD.inv(rlon[k], rlat[k], lon[i], lat[i])[2]
        assert d <= left * (1 + 1e-9)
        # along the route it flew exactly its range (geodesic legs, pyproj)
        assert cum[-1] > th.range_m[i]
    c = gb.country_of(lat, lon)
    assert len(set(c.tolist())) >= 2  # drifting threats fall in more than one country


def rt_arc(th, i):
    xy = th.wp[i, : th.n_wp[i], :2]
    return np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]


def test_zero_probability_means_no_stray_and_decoys_fly_until_empty(base):
    w = [Wave(threat="Shahed-136", count=20, launch_area="Kursk", window_min=(0, 0),
              targets=["Lviv"], routing="north_west"),
         Wave(threat="Gerbera", count=20, launch_area="Kursk", window_min=(0, 0),
              targets=["Lviv"], routing="north_west")]
    plan = raid(base, w, Strays(nav_loss={"Shahed-136": 0.0, "Gerbera": 0.0}))
    th = plan.threats
    drone, decoy = plan.wave == 0, plan.wave == 1
    assert (plan.fate[drone] == Fate.TARGET).all() and (plan.fate[decoy] == Fate.DECOY).all()
    fly_to_end(th)
    assert (th.status[drone] == ThreatStatus.IMPACTED).all()
    assert (th.status[decoy] == ThreatStatus.EXPIRED).all()
    assert np.allclose(th.t_end[decoy], th.range_m[decoy] / th.speed[decoy])


def test_library_defaults_come_from_the_record_and_turn_backs_go_home(base):
    from skyshield.model.library import library

    lib = library()
    assert lib.threat("Shahed-136").nav_loss == pytest.approx(12948 / 98603, abs=0.005)
    assert lib.threat("Iskander-M").nav_loss == 0.0
    assert "not_reach_goal" in lib.threat("Kh-101").nav_loss_source
    w = [Wave(threat="Shahed-136", count=10, launch_area="Kursk", window_min=(0, 0),
              targets=["Lviv"], routing="north_west",
              options=RouteOptions(turn_back=TurnBack(share=1.0, at_fraction=(0.4, 0.5))))]
    plan = raid(base, w, Strays(enabled=False))
    assert (plan.fate == Fate.TURNED_BACK).all()
    th = plan.threats
    for i in range(len(th)):
        xy = th.wp[i, : th.n_wp[i], :2]
        home = xy[0]
        # the route comes back to within a metre of its launch point, then drifts on
        assert np.min(np.hypot(*(xy[1:] - home).T)) < 1.0
    assert rt.DRIFT_STEP_M > 0


def test_lost_threats_that_do_not_drift_come_down_where_they_are_lost(base):
    w = [Wave(threat="Shahed-136", count=30, launch_area="Kursk", window_min=(0, 0),
              targets=["Lviv"], routing="north_west")]
    plan = raid(base, w, Strays(nav_loss={"Shahed-136": 1.0}, drift_share=0.0))
    assert (plan.fate == Fate.LOST).all()
    th = fly_to_end(plan.threats)
    assert (th.status == ThreatStatus.EXPIRED).all()
    lat, lon, _ = th.lla()
    for i in range(len(th)):
        rlat, rlon, _ = th.route_lla(i)
        # it falls on the last route point before the short run-out: the loss point
        d = GEOD.inv(rlon[-2], rlat[-2], lon[i], lat[i])[2]
        assert d < 1.0
        assert rt_arc(th, i)[-2] == pytest.approx(plan.s_lost[i], rel=1e-9)
