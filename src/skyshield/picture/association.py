"""Global nearest neighbour association on gated sparse pairs.

The gated pairs form a bipartite graph; its connected components are independent problems.
Components with a single track or a single plot (the vast majority in a spread-out raid)
are solved directly (their cheapest pair is optimal); only the remaining clusters are solved
exactly with `scipy.optimize.linear_sum_assignment` on a small dense matrix with one "miss"
column per track. Components and matrices are built by one compiled pass over the pairs
(`kernels.gnn_components`). The cost is thus about the number of gated pairs (N log N from
the gating), not N x M.
"""

from __future__ import annotations

import numpy as np

from skyshield.picture.kernels import gnn_components

__all__ = ["GNNWith2DAssignment"]

_BIG = 1e12


class GNNWith2DAssignment:
    """GNN data associator: minimum total cost, each track and plot used at most once."""

    def __init__(self, miss_cost: float) -> None:
        """Store the cost of leaving a track unassigned (normally the gate threshold)."""
        self.miss_cost = miss_cost

    def associate(
        self, ti: np.ndarray, pi: np.ndarray, cost: np.ndarray, n_tracks: int, n_plots: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(track indices, plot indices) of the optimal assignment of the gated pairs."""
        if ti.size == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        take_t, take_p, C, c_off, nt, npl, ids, id_off = gnn_components(
            np.ascontiguousarray(ti, np.int64),
            np.ascontiguousarray(pi, np.int64),
            np.ascontiguousarray(cost, np.float64),
            int(n_tracks),
            int(n_plots),
            float(self.miss_cost),
            _BIG,
        )
        out_t, out_p = [take_t], [take_p]
        if nt.size:  # imported on first use: scipy.optimize costs 0.3 s of start-up
            from scipy.optimize import linear_sum_assignment
        # components with several tracks and several plots: exact assignment, one miss
        # column per track (few and small in practice: a short Python loop)
        for q in range(nt.size):
            n_t, n_p = int(nt[q]), int(npl[q])
            M = C[c_off[q] : c_off[q + 1]].reshape(n_t, n_p + n_t)
            rows, cols = linear_sum_assignment(M)
            hit = (cols < n_p) & (M[rows, cols] < _BIG)
            out_t.append(ids[id_off[q] : id_off[q] + n_t][rows[hit]])
            out_p.append(ids[id_off[q] + n_t : id_off[q + 1]][cols[hit]])
        return np.concatenate(out_t), np.concatenate(out_p)
