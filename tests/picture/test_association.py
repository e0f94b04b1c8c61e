"""GNN association on sparse gated pairs against one dense optimal assignment (scipy)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from skyshield.picture.association import GNNWith2DAssignment

MISS = 16.0


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 25), st.integers(1, 25), st.floats(0.02, 0.5), st.integers(0, 10_000))
def test_sparse_gnn_is_optimal(n_t: int, n_p: int, density: float, seed: int) -> None:
    """Same total cost as the dense assignment with a miss column per track; each track and
    plot used at most once; only gated pairs cheaper than a miss are taken."""
    rng = np.random.default_rng(seed)
    gated = rng.random((n_t, n_p)) < density
    ti, pi = np.nonzero(gated)
    cost = rng.uniform(0.0, 1.5 * MISS, ti.size)
    at, ap = GNNWith2DAssignment(MISS).associate(ti, pi, cost, n_t, n_p)
    assert np.unique(at).size == at.size and np.unique(ap).size == ap.size
    C = np.full((n_t, n_p + n_t), 1e12)
    C[ti, pi] = cost
    C[np.arange(n_t), n_p + np.arange(n_t)] = MISS
    r, c = linear_sum_assignment(C)
    dense = C[r, c].sum()
    lookup = dict(zip(zip(ti.tolist(), pi.tolist(), strict=True), cost.tolist(), strict=True))
    taken = [lookup[(t, p)] for t, p in zip(at.tolist(), ap.tolist(), strict=True)]
    assert all(v < MISS + 1e-9 for v in taken)
    assert np.isclose(sum(taken) + MISS * (n_t - at.size), dense, rtol=1e-12, atol=1e-9)
