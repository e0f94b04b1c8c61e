"""Intercept geometry against brute force and against closed forms."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshield.decide.intercept import aspect_cos, lead_point, standoff_point, time_to_range

coord = st.floats(-200e3, 200e3)
vel = st.floats(-300.0, 300.0)


@settings(max_examples=200, deadline=None)
@given(coord, coord, vel, vel, st.floats(50.0, 600.0), st.floats(0.0, 30e3))
def test_time_to_range_matches_brute_force(dx, dy, vx, vy, speed, reach):
    """The closed form equals the first time a fine time grid brings the target in reach."""
    d, v = np.array([dx, dy]), np.array([vx, vy])
    t = float(time_to_range(d, v, np.float64(speed), np.float64(reach)))
    grid = np.linspace(0.0, 4000.0, 400_001)  # 10 ms steps

    def gap(tt):
        return np.linalg.norm(d + np.multiply.outer(tt, v), axis=-1) - (reach + speed * tt)

    if t <= grid[-1]:
        assert abs(gap(np.array([t]))[0]) <= 1e-6 * (1.0 + np.hypot(dx, dy)) or t == 0.0
        assert (gap(grid[grid < t - 0.01]) > -1.0).all()  # not within reach any earlier
    else:  # never, or only beyond the horizon
        assert (gap(grid) > -1.0).all()


def test_head_on_closure():
    """Two objects 100 km apart closing head-on at 250 + 50 m/s meet 333.3 s later."""
    t = time_to_range(
        np.array([100e3, 0.0]), np.array([-50.0, 0.0]), np.float64(250.0), np.float64(0.0)
    )
    assert abs(t - 100e3 / 300.0) < 1e-6


def test_faster_target_running_away_is_unreachable():
    t = time_to_range(
        np.array([10e3, 0.0]), np.array([300.0, 0.0]), np.float64(250.0), np.float64(1000.0)
    )
    assert np.isinf(t)


def test_lead_point_and_aspect():
    p = np.array([0.0, 0.0, 100.0])
    v = np.array([10.0, 0.0, 0.0])
    assert np.allclose(lead_point(p, v, 5.0), [50.0, 0.0, 100.0])
    # target flying straight at a shooter to its east: head-on, cosine 1
    assert np.isclose(aspect_cos(p[:2], v[:2], np.array([1000.0, 0.0])), 1.0)
    assert np.isclose(aspect_cos(p[:2], v[:2], np.array([-1000.0, 0.0])), -1.0)


@settings(max_examples=200, deadline=None)
@given(coord, coord, st.floats(-3e3, 3e3), vel, vel, st.floats(0.0, 50e3))
def test_standoff_point_lies_hold_metres_from_the_target_toward_the_shooter(
        dx, dy, dz, vx, vy, hold):
    """On the ray from the target through the shooter, at exactly `hold` from the target;
    with the shooter on the target, behind it (against its velocity)."""
    target = np.array([[10e3, -5e3, 2e3]])
    v = np.array([[vx, vy, 0.0]])
    shooter = target + [[dx, dy, dz]]
    g = standoff_point(target, v, shooter, np.array([hold]))
    assert np.linalg.norm(g - target) == pytest.approx(hold, rel=1e-9, abs=1e-6)
    d = np.linalg.norm(shooter - target)
    if d > 1.0 and hold > 1.0:
        u = (shooter - target)[0] / d
        assert np.dot((g - target)[0], u) == pytest.approx(hold, rel=1e-9)
    on_top = standoff_point(target, v, target.copy(), np.array([hold]))
    if np.hypot(vx, vy) > 1e-3 and hold > 1.0:
        assert np.dot((on_top - target)[0, :2], [vx, vy]) < 0  # behind the target
