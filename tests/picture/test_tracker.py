"""Tracker: crossing targets, two-radar fusion, a radar going silent, garbage plots."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skyshield.picture.classify import AIRCRAFT, CRUISE_MISSILE, DRONE
from skyshield.picture.perfect import PerfectPicture
from skyshield.picture.tracker import Tracker, TrackerConfig
from skyshield.world.plots import Plots
from skyshield.world.radars import RadarNet, RadarSpec, RcsClass


def _net(n: int = 2, fa: float = 2.0) -> RadarNet:
    """n ground radars near the origin, 10 s scans, staggered, Pd ~ 1 for these tests."""
    sites = [(-60e3, -80e3), (60e3, -80e3), (0.0, 90e3)][:n]
    return RadarNet.from_specs(
        [
            RadarSpec(
                position=(x, y, 200.0),
                antenna_height=30.0,
                max_range=300e3,
                ref_range=2e6,
                scan_period=10.0,
                phase=5.0 * i,
                false_alarms=fa,
            )
            for i, (x, y) in enumerate(sites)
        ]
    )


def _run(xyz0, vel, net, t_end, rng, trk=None, silent=None):
    """Feed plots tick by tick; returns tracker and {t: Tracks} (silent: (sensor, t0, t1))."""
    trk = trk or Tracker()
    ids = np.arange(len(xyz0))
    pics = {}
    for t in np.arange(1.0, t_end + 1e-9, 1.0):
        p = net.scan(
            float(t), xyz0 + t * vel, np.full(len(ids), RcsClass.AIRCRAFT), ids, rng, truth_vel=vel
        )
        if silent is not None:
            s, a, b = silent
            p = p.select(~((p.sensor == s) & (p.t > a) & (p.t <= b)))
        pics[float(t)] = trk.update(p, float(t))
    return trk, pics


def _owner(pic, truth_xyz):
    """Track number nearest to each truth among confirmed tracks."""
    c = pic.confirmed_only()
    d = np.linalg.norm(c.x[None, :, :3] - truth_xyz[:, None], axis=2)
    return c.number[np.argmin(d, axis=1)], d.min(axis=1)


def test_crossing_targets_keep_their_numbers() -> None:
    """Two aircraft crossing at 90 degrees (closest approach 0) keep their track numbers."""
    rng = np.random.default_rng(4)
    xyz0 = np.array([[-30e3, 0.0, 3000.0], [0.0, -30e3, 3300.0]])
    vel = np.array([[200.0, 0, 0], [0, 200.0, 0]])  # both at the origin at t = 150 s
    _, pics = _run(xyz0, vel, _net(2), 300.0, rng)
    before, _ = _owner(pics[100.0], xyz0 + 100 * vel)
    after, dist = _owner(pics[300.0], xyz0 + 300 * vel)
    assert before[0] != before[1]
    assert np.array_equal(before, after)
    assert np.all(dist < 1500.0)


def test_two_radars_one_target_one_track() -> None:
    """A target seen by two radars gives exactly one confirmed track (fusion, no duplicate)."""
    rng = np.random.default_rng(5)
    xyz0 = np.array([[0.0, 0.0, 5000.0]])
    vel = np.array([[150.0, 50.0, 0.0]])
    _, pics = _run(xyz0, vel, _net(2, fa=0.0), 200.0, rng)
    for t in (100.0, 150.0, 200.0):
        c = pics[t].confirmed_only()
        assert len(c) == 1
        assert np.linalg.norm(c.x[0, :3] - (xyz0[0] + t * vel[0])) < 1000.0


def test_silent_radar_tracks_coast_drop_and_recover() -> None:
    """The only radar goes silent: tracks coast, are deleted, and the picture comes back."""
    rng = np.random.default_rng(6)
    n = 20
    xyz0 = np.column_stack([rng.uniform(-50e3, 50e3, (n, 2)), rng.uniform(2e3, 8e3, n)])
    vel = np.column_stack([rng.uniform(-200, 200, (n, 2)), np.zeros(n)])
    trk, pics = _run(xyz0, vel, _net(1, fa=0.0), 400.0, rng, silent=(0, 100.0, 220.0))
    assert pics[100.0].confirmed.sum() == n
    coast = pics[130.0].confirmed_only()
    assert len(coast) == n and np.all(coast.t_update <= 100.0)  # coasting
    assert len(pics[200.0]) == 0  # dropped after the coast time
    assert pics[400.0].confirmed.sum() == n  # recovered
    assert pics[400.0].number.min() > pics[100.0].number.max()  # numbers never reused


def test_classification_by_speed_and_altitude() -> None:
    """A 50 m/s drone, a 240 m/s low cruise missile and a high fast aircraft are told apart."""
    rng = np.random.default_rng(7)
    xyz0 = np.array([[0.0, 0.0, 800.0], [20e3, 0.0, 900.0], [-20e3, 20e3, 9000.0]])
    vel = np.array([[50.0, 0, 0], [0, 240.0, 0], [250.0, 0, 0]])
    _, pics = _run(xyz0, vel, _net(3, fa=0.0), 150.0, rng)
    pic = pics[150.0].confirmed_only()
    num, _ = _owner(pics[150.0], xyz0 + 150 * vel)
    cls = {
        int(n): (int(c), float(f))
        for n, c, f in zip(pic.number, pic.cls, pic.cls_conf, strict=True)
    }
    assert [cls[int(n)][0] for n in num] == [DRONE, CRUISE_MISSILE, AIRCRAFT]
    assert all(cls[int(n)][1] > 0.6 for n in num)


def test_perfect_picture_stable_numbers() -> None:
    """The perfect picture numbers targets by first appearance and keeps the numbers."""
    pp = PerfectPicture(pos_sigma=30.0)
    a = pp.update(np.array([40, 7]), np.zeros((2, 3)), np.ones((2, 3)), 0.0)
    b = pp.update(np.array([7, 99, 40]), np.zeros((3, 3)), np.ones((3, 3)), 1.0)
    c = pp.update(np.array([99]), np.zeros((1, 3)), np.ones((1, 3)), 2.0)
    assert a.number.tolist() == [1, 2]
    assert b.number.tolist() == [2, 3, 1]
    assert c.number.tolist() == [3] and c.t_init.tolist() == [1.0]
    assert np.allclose(b.P[0, 0, 0], 900.0)


finite_or_not = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1e7, 1e7),
    st.sampled_from([0.0, -1.0, 1e300, -600.0, 70_000.0]),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 12),
    data=st.data(),
)
def test_garbage_plots_never_raise_and_are_counted(n: int, data: st.DataObject) -> None:
    """NaN, inf, impossible positions and non-PD covariances are dropped and counted."""
    z = data.draw(arrays(float, (n, 3), elements=finite_or_not))
    R = data.draw(arrays(float, (n, 3, 3), elements=finite_or_not))
    t = data.draw(arrays(float, (n,), elements=finite_or_not))
    sensor = data.draw(arrays(np.int64, (n,), elements=st.integers(-3, 3)))
    good_z = np.array([[1000.0, 2000.0, 3000.0]])
    good = Plots.from_arrays([5.0], [9], good_z, np.eye(3)[None] * 1e4)
    trk = Tracker(TrackerConfig())
    with np.errstate(all="ignore"):
        pic = trk.update(Plots.concat([Plots.from_arrays(t, sensor, z, R), good]), 10.0)
        pic = trk.update(Plots.from_arrays(t, sensor, z, R), 20.0)
    assert np.all(np.isfinite(pic.x))
    assert trk.rejected[9] == 0
    n_bad = sum(trk.rejected.values())
    assert 0 <= n_bad <= 2 * n
    # every plot with a NaN or an impossible altitude was counted
    impossible = ~np.isfinite(z).all(axis=1) | (z[:, 2] < -500) | (z[:, 2] > 60_000)
    assert n_bad >= 2 * int(impossible.sum())
