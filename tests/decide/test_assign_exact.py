"""The exact solver equals brute-force enumeration on every small instance tried.

Enumerated sizes (targets × weapons × rounds, assignments enumerated): 8×3×2 (45^3 = 91k),
5×4×2 (21^4 = 194k), 3×6×2 (10^6 = 1M), 8×5×1 (9^5 = 59k), 6×6×1 (7^6 = 118k),
4×8×1 (5^8 = 390k). 8×8×2 would be 45^8 = 1.7e13 assignments: not enumerable.
"""

import numpy as np
import pytest
from assign_cases import brute_force, literature, rich

from skyshield.decide.assign import ExactAssigner, solve_static

SIZES = [(8, 3, 2), (5, 4, 2), (3, 6, 2), (8, 5, 1), (6, 6, 1), (4, 8, 1)]


@pytest.mark.parametrize(("T", "W", "r"), SIZES)
def test_exact_equals_brute_force_on_literature_instances(T, W, r):
    for seed in range(2):
        p = literature(seed, T, W, r)
        s = ExactAssigner().solve(p)
        assert s.optimal
        assert s.objective == pytest.approx(brute_force(p), rel=1e-6)
        assert s.bound <= s.objective * (1 + 1e-9)
        assert s.bound >= brute_force(p) * (1 - 1e-6)


@pytest.mark.parametrize(("T", "W", "r"), [(5, 3, 2), (4, 4, 2), (6, 5, 1), (3, 6, 2)])
@pytest.mark.parametrize("cap", [False, True])
def test_exact_equals_brute_force_with_prices_masks_burden_and_caps(T, W, r, cap):
    for seed in range(3):
        p = rich(100 + seed, T, W, r, cap)
        s = ExactAssigner().solve(p)
        assert s.optimal
        assert s.objective == pytest.approx(brute_force(p), rel=1e-6, abs=1e-9)


def test_a_price_above_the_gain_leaves_the_round_unfired():
    # one target worth 10, a $1 M missile (Pk 0.9) and a $30 k gun pass (Pk 0.5);
    # at 1e-5 value per dollar the missile costs 10 > its gain 9, the gun 0.3 < 5
    s = solve_static(np.array([10.0]), np.array([[0.9], [0.5]]), np.array([1, 1]), "exact",
                     cost=np.array([1e6, 3e4]), cost_price=1e-5)
    assert s.x.tolist() == [[0], [1]]
    assert s.objective == pytest.approx(10 * 0.5 + 0.3)


def test_burden_spreads_shots_over_groups():
    # two targets worth 50; weapon A (nation 0, Pk 0.8) and B (nation 1, Pk 0.7), 2 rounds
    # each, 15 value units per round: one round per target pays, a second does not.
    # A on both: F = 10 + 10 + 30 = 50; A and B: 10 + 15 + 30 = 55. With burden 3 the
    # squares add 12 (2 shots of nation 0) against 6 (one each): 62 > 61, so B takes one.
    args = (np.array([50.0, 50.0]), np.array([[0.8, 0.8], [0.7, 0.7]]), np.array([2, 2]))
    kw = dict(cost=np.array([15.0, 15.0]), cost_price=1.0, group=np.array(["POL", "SVK"]))
    plain = solve_static(*args, "exact", **kw)
    shared = solve_static(*args, "exact", burden=3.0, **kw)
    assert plain.x.tolist() == [[1, 1], [0, 0]] and plain.objective == pytest.approx(50)
    assert sorted(shared.x.sum(1).tolist()) == [1, 1] and shared.x.sum(0).tolist() == [1, 1]
    assert shared.objective == pytest.approx(61)
