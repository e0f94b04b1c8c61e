"""Radar model: 4/3-Earth horizon, Pd against range, noise covariance, scan timing, AEW orbit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshield.world.radars import (
    RadarNet,
    RadarSpec,
    RcsClass,
    horizon_range,
    swerling1_pd,
)


def test_horizon_formula_value() -> None:
    """sqrt(2 k Re h) for 4/3 Earth: 10 m mast sees a 50 m target to 13.0 + 29.1 km."""
    kre = 2 * 4 / 3 * 6_371_000.0
    assert np.isclose(horizon_range(10.0, 50.0), np.sqrt(kre * 10) + np.sqrt(kre * 50))
    assert 42_000 < horizon_range(10.0, 50.0) < 43_000


def test_low_target_only_inside_horizon() -> None:
    """A cruise missile at 50 m is detected only inside the horizon, and up to near it."""
    h_site, mast, alt = 200.0, 30.0, 50.0
    net = RadarNet.from_specs(
        [
            RadarSpec(
                position=(0, 0, h_site),
                antenna_height=mast,
                max_range=500e3,
                ref_range=5e6,
                false_alarms=0.0,
            )
        ]
    )
    g = np.linspace(5e3, 150e3, 3000)
    xyz = np.column_stack([g, np.zeros_like(g), np.full_like(g, alt)])
    rng = np.random.default_rng(0)
    p = net.scan(0.0, xyz, np.full(g.size, RcsClass.CRUISE_MISSILE), np.arange(g.size), rng)
    seen = g[p.truth_id]
    limit = horizon_range(h_site + mast, alt)
    assert seen.max() <= limit
    assert seen.max() > limit - 200.0  # Pd ~ 1 here: detected right up to the horizon
    assert p.truth_id.size == np.sum(g <= limit)


def test_pd_falls_with_range_and_rcs() -> None:
    """Swerling-I Pd = 0.9 at the reference for 1 m², lower farther out and for smaller RCS."""
    r = np.array([50e3, 100e3, 200e3, 300e3])
    pd = swerling1_pd(r, np.ones(4), np.full(4, 200e3))
    assert np.isclose(pd[2], 0.9)
    assert np.all(np.diff(pd) < 0)
    assert swerling1_pd(np.array([100e3]), np.array([0.05]), np.array([200e3]))[0] < pd[1]
    # empirical rate of the scan follows the formula (aircraft at 10 km altitude)
    net = RadarNet.from_specs(
        [
            RadarSpec(
                position=(0, 0, 0),
                antenna_height=20.0,
                max_range=600e3,
                ref_range=150e3,
                false_alarms=0.0,
            )
        ]
    )
    rng = np.random.default_rng(1)
    n = 4000
    for rr in (100e3, 200e3):
        xyz = np.column_stack([np.full(n, rr), np.zeros(n), np.full(n, 10_000.0)])
        p = net.scan(0.0, xyz, np.full(n, RcsClass.DRONE), np.arange(n), rng, t_prev=-1.0)
        slant = np.hypot(rr, 10_000.0 - 20.0)
        expect = swerling1_pd(np.array([slant]), np.array([0.1]), np.array([150e3]))[0]
        assert abs(p.truth_id.size / n - expect) < 4 * np.sqrt(expect * (1 - expect) / n) + 1e-3


def test_covariance_matches_noise() -> None:
    """Normalised estimation error squared of plots averages 3 (the R reported is honest)."""
    net = RadarNet.from_specs([RadarSpec(position=(0, 0, 100), ref_range=5e6, false_alarms=0.0)])
    rng = np.random.default_rng(2)
    n = 5000
    xyz = np.column_stack([rng.uniform(-150e3, 150e3, (n, 2)), rng.uniform(3e3, 9e3, n)])
    p = net.scan(0.0, xyz, np.full(n, RcsClass.AIRCRAFT), np.arange(n), rng)
    e = p.z - xyz[p.truth_id]
    nees = np.einsum("ni,nij,nj->n", e, np.linalg.inv(p.R), e)
    assert p.truth_id.size > 4000
    assert abs(nees.mean() - 3.0) < 0.15


def test_each_radar_scans_at_its_own_period_and_phase() -> None:
    """Scans fall in (t_prev, t] at phase + k * period per radar; false alarms have id -1."""
    net = RadarNet.from_specs(
        [
            RadarSpec(scan_period=10.0, phase=0.0, false_alarms=3.0),
            RadarSpec(scan_period=4.0, phase=1.0, false_alarms=3.0),
        ]
    )
    rng = np.random.default_rng(3)
    times = {0: set(), 1: set()}
    for t in np.arange(1.0, 41.0, 1.0):
        p = net.scan(float(t), np.zeros((0, 3)), np.zeros(0, int), np.zeros(0, int), rng)
        assert np.all(p.truth_id == -1)
        assert np.all(np.diff(p.t) >= 0)
        for s in (0, 1):
            times[s] |= set(p.t[p.sensor == s].tolist())
    assert times[0] <= {0.0, 10.0, 20.0, 30.0, 40.0}  # the first scan is at `phase`
    assert times[1] <= {1.0 + 4 * k for k in range(10)}
    assert len(times[0]) >= 3 and len(times[1]) >= 8


def test_aew_racetrack_orbit() -> None:
    """An AEW radar flies its racetrack at the declared speed, within the orbit footprint."""
    spec = RadarSpec(
        position=(100e3, 50e3, 9000.0),
        airborne=True,
        orbit_speed=200.0,
        orbit_radius=30e3,
        orbit_leg=120e3,
        orbit_heading=np.deg2rad(30),
    )
    net = RadarNet.from_specs([spec])
    t = np.arange(0.0, 3000.0, 1.0)
    pos = net.positions(t[:, None])[:, 0]
    step = np.linalg.norm(np.diff(pos[:, :2], axis=0), axis=1)
    assert np.allclose(step, 200.0, atol=1.0)
    assert np.all(pos[:, 2] == 9000.0)
    d = np.linalg.norm(pos[:, :2] - [100e3, 50e3], axis=1)
    assert d.max() <= 60e3 + 30e3 + 1.0 and d.min() >= 30e3 - 1.0
    # a 9 km AEW sees a 50 m missile far beyond a ground radar's horizon
    assert horizon_range(9000.0, 50.0) > 4 * horizon_range(30.0, 50.0) / 2


def _brute_scans(phase, period, t_prev, t):  # noqa: ANN001, ANN202
    """Every (radar, scan time) with a scan k >= 0 at phase + k period in (t_prev, t]."""
    out = []
    for r, (ph, per) in enumerate(zip(phase, period, strict=True)):
        k = np.arange(0, int((t - ph) // per) + 2)
        ts = ph + k * per
        for s in ts[(ts > t_prev) & (ts <= t)]:
            out.append((float(s), r))
    return sorted(out)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 200).map(lambda k: k / 10.0),
            st.sampled_from([2.5, 4.0, 5.0, 10.0, 12.0, 7.3]),
        ),
        min_size=1,
        max_size=5,
    ),
    st.lists(st.sampled_from([0.5, 1.0, 1.0, 1.0, 3.0, 10.0]), min_size=1, max_size=60),
)
def test_scan_schedule_matches_brute_force(radars, steps) -> None:  # noqa: ANN001
    """The cached schedule (quiet gaps, repeated calls) lists exactly the scans in (t0, t]."""
    net = RadarNet.from_specs([RadarSpec(phase=ph, scan_period=per) for ph, per in radars])
    phase = [ph for ph, _ in radars]
    period = [per for _, per in radars]
    t_prev = 0.0
    for dt in steps:
        t = t_prev + dt
        for _ in range(2):  # a second call with the same interval (the engine checks first)
            radar, ts = net.scan_times(t_prev, t)
            got = sorted(zip(ts.tolist(), radar.tolist(), strict=True))
            assert got == _brute_scans(phase, period, t_prev, t)
        t_prev = t


def test_fixed_radar_positions_precomputed() -> None:
    """Ground radars sit at site + mast at every time; an orbiting one still moves."""
    specs = [
        RadarSpec(position=(1e3, 2e3, 300.0), antenna_height=25.0),
        RadarSpec(position=(5e4, 0.0, 9000.0), airborne=True, orbit_speed=200.0, orbit_radius=3e4),
    ]
    net = RadarNet.from_specs(specs)
    t = np.array([0.0, 100.0, 1000.0])
    pos = net.positions(t[:, None])
    assert np.array_equal(pos[:, 0], np.tile([1e3, 2e3, 325.0], (3, 1)))
    d = np.linalg.norm(pos[:, 1, :2] - [5e4, 0.0], axis=1)
    assert np.allclose(d, 3e4) and not np.allclose(pos[0, 1], pos[1, 1])
