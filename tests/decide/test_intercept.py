"""Intercept geometry against brute force and against closed forms."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshield.decide.intercept import aspect_cos, lead_point, time_to_range

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
