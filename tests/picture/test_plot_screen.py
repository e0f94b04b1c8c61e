"""The tracker never raises on plot data: garbage is counted per sensor and dropped.

Before the fix a NaN sensor id raised `ValueError` in `Tracker.update`, and wrong shapes
raised `IndexError`/`AxisError` from deep inside; now the plots are screened in one place
(`picture.screen`), checked here plot by plot against a plain-Python oracle.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyshield.picture.screen import MAX_LATE_S, UNKNOWN_SENSOR, screen_plots
from skyshield.picture.tracker import Tracker, TrackerConfig, valid_plots

try:  # the plot contract moves to skyshield.contracts (issue 9)
    from skyshield.contracts import Plots
except ImportError:  # pragma: no cover - before the move
    from skyshield.world.plots import Plots

R_OK = np.diag([200.0**2, 200.0**2, 300.0**2])
odd = st.sampled_from([math.nan, math.inf, -math.inf, 1.5, -3.0, 1e30, 0.0, 1.0, 2.0])
times = st.sampled_from([math.nan, math.inf, -1e300, 0.0, 5.0, 30.0, 61.0, 100.0, 3.0])


def plot_rows(n: int):
    return st.lists(st.tuples(odd, times, st.booleans(), st.booleans()), min_size=n,
                    max_size=n)


def make(rows) -> Plots:
    """Plots from (sensor, t, good position?, good covariance?) rows."""
    n = len(rows)
    z = np.array([[1000.0 * i, 500.0, 3000.0] if good else [np.nan, 0.0, 0.0]
                  for i, (_, _, good, _) in enumerate(rows)]).reshape(n, 3)
    R = np.array([R_OK if good else -R_OK for *_, good in rows]).reshape(n, 3, 3)
    return Plots(t=np.array([r[1] for r in rows], float), sensor=np.array(
        [r[0] for r in rows], float), z=z, R=R, truth_id=np.full(n, -1))


def expected_dropped(rows, t_last: float) -> dict[int, int]:
    """Oracle, one plot at a time: which plots must be dropped, per sensor key."""
    out: dict[int, int] = {}
    for s, t, good_z, good_r in rows:
        whole = math.isfinite(s) and s == round(s) and abs(s) < 2**31
        late = math.isfinite(t_last) and not t >= t_last - MAX_LATE_S
        bad = not whole or not math.isfinite(t) or abs(t) > 1e10 or late or not good_z \
            or not good_r
        if bad:
            key = int(s) if whole else UNKNOWN_SENSOR
            out[key] = out.get(key, 0) + 1
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 8).flatmap(plot_rows), st.integers(0, 8).flatmap(plot_rows))
def test_tracker_never_raises_and_counts_every_dropped_plot(first, second):
    tr = Tracker()
    tr.update(make(first), 40.0)
    after_first = dict(tr.rejected)
    assert after_first == {k: v for k, v in expected_dropped(first, -np.inf).items()}
    tr.update(make(second), 45.0)
    want = dict(after_first)
    for k, v in expected_dropped(second, 40.0).items():
        want[k] = want.get(k, 0) + v
    assert dict(tr.rejected) == want
    assert np.isfinite(tr.picture(50.0).x).all()


def test_nan_sensor_id_is_dropped_not_raised():
    p = Plots(t=np.array([1.0, 1.0]), sensor=np.array([0.0, np.nan]),
              z=np.array([[0.0, 0.0, 3000.0], [5000.0, 0.0, 3000.0]]),
              R=np.stack([R_OK, R_OK]), truth_id=np.array([-1, -1]))
    tr = Tracker()
    tracks = tr.update(p, 2.0)
    assert dict(tr.rejected) == {UNKNOWN_SENSOR: 1} and len(tracks) == 1


def test_empty_batch():
    tr = Tracker()
    assert len(tr.update(Plots.empty(), 1.0)) == 0 and not tr.rejected


@pytest.mark.parametrize("field, value, words", [
    ("z", np.zeros((2, 2)), "plots.z: expected shape (N, 3)"),
    ("R", np.zeros((2, 3)), "plots.R: expected shape (N, 3, 3)"),
    ("t", np.zeros(3), "plots.t has 3"),
    ("t", np.array(["a", "b"]), "plots.t: expected numbers"),
    ("sensor", [0, 1], "plots.sensor: expected a numpy array"),
])
def test_wrong_shapes_refused_with_a_clear_error(field, value, words):
    arrays = dict(t=np.zeros(2), sensor=np.zeros(2, np.int64), z=np.zeros((2, 3)),
                  R=np.stack([R_OK, R_OK]), truth_id=np.full(2, -1))
    arrays[field] = value
    if field == "t" and len(value) == 3:  # the other arrays have 2 rows
        words = "plots.sensor: 2 rows, but plots.t has 3"
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        Tracker().update(Plots(**arrays), 1.0)


def test_screen_keeps_good_plots_unchanged():
    p = Plots.from_arrays(t=[1.0, 2.0], sensor=[3, 4], z=[[0, 0, 1000], [10, 0, 1000]],
                          R=np.stack([R_OK, R_OK]))
    good, dropped = screen_plots(p, TrackerConfig(), valid=valid_plots)
    assert not dropped and good.sensor.dtype == np.int64
    np.testing.assert_array_equal(good.z, p.z)
    np.testing.assert_array_equal(good.sensor, p.sensor)
