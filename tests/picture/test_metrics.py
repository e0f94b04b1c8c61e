"""GOSPA: hand-computed cases and a brute-force check over all assignments."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshield.picture.metrics import evaluate, gospa


def test_one_missed_target_costs_c_p_over_2() -> None:
    """One perfectly tracked and one missed target: GOSPA^p = c^p / 2."""
    c, p = 100.0, 2.0
    truth = np.array([[0.0, 0, 0], [1000.0, 0, 0]])
    est = np.array([[0.0, 0, 0]])
    g = gospa(truth, est, c, p)
    assert np.isclose(g.distance**p, c**p / 2)
    assert np.isclose(g.missed, c**p / 2) and g.false == 0 and g.localisation == 0


def test_far_pair_is_a_miss_plus_a_false_track() -> None:
    """A pair farther than c counts c^p/2 + c^p/2; a near pair its distance^p."""
    c, p = 10.0, 1.0
    g = gospa(np.array([[0.0, 0], [100.0, 0]]), np.array([[3.0, 4.0], [200.0, 0]]), c, p)
    assert np.isclose(g.distance, 5.0 + c)
    assert np.isclose(g.localisation, 5.0) and np.isclose(g.missed + g.false, c)


def _brute(x: np.ndarray, y: np.ndarray, c: float, p: float) -> float:
    """GOSPA by enumerating every partial assignment (definition, alpha = 2)."""
    n, m = len(x), len(y)
    best = np.inf
    for k in range(min(n, m) + 1):
        for rows in itertools.combinations(range(n), k):
            for cols in itertools.permutations(range(m), k):
                d = sum(
                    min(np.linalg.norm(x[i] - y[j]), c) ** p
                    for i, j in zip(rows, cols, strict=True)
                )
                best = min(best, d + c**p / 2 * (n + m - 2 * k))
    return best ** (1 / p)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 4),
    m=st.integers(0, 4),
    seed=st.integers(0, 10**6),
    c=st.floats(0.5, 20.0),
    p=st.sampled_from([1.0, 2.0, 3.0]),
)
def test_gospa_equals_brute_force(n: int, m: int, seed: int, c: float, p: float) -> None:
    """The assignment-based GOSPA equals the brute-force minimum on small random sets."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 15, (n, 2)), rng.uniform(0, 15, (m, 2))
    assert np.isclose(gospa(x, y, c, p).distance, _brute(x, y, c, p), rtol=1e-9, atol=1e-9)


def test_continuity_counts_switches_false_tracks_and_delay() -> None:
    """Truth 0 switches from track 7 to 8 once; track 9 is false; delay from detection."""
    t = np.array([0.0, 10.0, 20.0])
    truth_t, truth_id = t, np.zeros(3, int)
    truth_xyz = np.zeros((3, 3))
    track_t = np.array([10.0, 20.0, 20.0])
    track_n = np.array([7, 8, 9])
    track_xyz = np.array([[1.0, 0, 0], [2.0, 0, 0], [5e5, 0, 0]])
    m = evaluate(
        truth_t,
        truth_id,
        truth_xyz,
        track_t,
        track_n,
        track_xyz,
        c=100.0,
        detection_t=np.array([5.0]),
        detection_truth_id=np.array([0]),
    )
    assert m.label_switches == 1
    assert m.false_tracks == 1
    assert np.allclose(m.confirm_delay, [5.0])
    assert np.allclose(m.gospa.distance, [np.sqrt(5000), 1.0, np.sqrt(4 + 5000)])


def test_track_delay_counts_from_regular_detection_not_a_lucky_plot() -> None:
    """One far plot at t=0, regular plots from t=500 s, track from t=530 s.

    From the first plot the delay is 530 s; from regular detection (>= 3 plots in 60 s,
    first at 500 s) it is 30 s. A truth with only sparse plots has no regular detection.
    """
    truth_t = np.arange(0.0, 700.0, 10.0)
    n = truth_t.size
    truth_t = np.r_[truth_t, truth_t]
    truth_id = np.r_[np.zeros(n, np.int64), np.ones(n, np.int64)]
    truth_xyz = np.column_stack([np.r_[np.zeros(n), np.full(n, 1e6)], np.zeros((2 * n, 2))])
    track_t = np.arange(530.0, 700.0, 10.0)
    track_xyz = np.zeros((track_t.size, 3))
    det_t = np.r_[0.0, 500.0, 520.0, 540.0, 560.0, 0.0, 100.0, 200.0]
    det_id = np.r_[0, 0, 0, 0, 0, 1, 1, 1]
    m = evaluate(truth_t, truth_id, truth_xyz, track_t, np.full(track_t.size, 7), track_xyz,
                 c=100.0, detection_t=det_t, detection_truth_id=det_id)
    assert m.confirm_delay[0] == 530.0 and m.track_delay[0] == 30.0
    assert m.regular_detection[0] == 500.0 and m.first_detection[0] == 0.0
    assert np.isinf(m.regular_detection[1]) and np.isnan(m.track_delay[1])


def _clustered_scans(seed: int, scans: int, c: float) -> tuple[np.ndarray, ...]:
    """Truth and estimate rows (t, xyz) over `scans` times: swarms of truths within a few c,
    estimates near some of them (the dense clusters of a raid), others far from any."""
    rng = np.random.default_rng(seed)
    tt, tx, et, ex = [], [], [], []
    for s in range(scans):
        n, m = rng.integers(0, 40), rng.integers(0, 25)
        centres = rng.uniform(-20 * c, 20 * c, (4, 3))
        x = centres[rng.integers(0, 4, n)] + rng.normal(0, 0.8 * c, (n, 3))
        y = np.concatenate([x[: m // 2] + rng.normal(0, 0.6 * c, (min(m // 2, n), 3)),
                            rng.uniform(-25 * c, 25 * c, (m - min(m // 2, n), 3))])
        tt.append(np.full(n, 10.0 * s)), tx.append(x)
        et.append(np.full(len(y), 10.0 * s + 10.0 * (s % 7 == 3))), ex.append(y)
    return (np.concatenate(tt), np.concatenate(tx), np.concatenate(et), np.concatenate(ex))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), p=st.sampled_from([1.0, 2.0, 3.0]))
def test_batched_scans_equal_the_dense_assignment_per_scan(seed: int, p: float) -> None:
    """`_scan_loop` (close pairs, components, small assignments) gives every scan exactly
    what `gospa` (the dense capped matrix of the scan) gives: the same pairs and bits."""
    from skyshield.picture.metrics import _scan_loop

    c = 1000.0
    truth_t, truth_xyz, track_t, track_xyz = _clustered_scans(seed, 12, c)
    grid, scans, gt, ge = _scan_loop(truth_t, truth_xyz, track_t, track_xyz, c, p)
    assert len(scans) == len(grid)
    multi = 0
    for s, a, b in zip(scans, gt, ge, strict=True):
        ref = gospa(truth_xyz[a], track_xyz[b], c, p)
        assert (s.distance, s.localisation, s.missed, s.false) == (
            ref.distance, ref.localisation, ref.missed, ref.false)
        assert np.array_equal(s.truth_index, ref.truth_index)
        assert np.array_equal(s.estimate_index, ref.estimate_index)
        multi += len(ref.truth_index) > 1
    assert multi > 0  # scans with several pairs were compared
