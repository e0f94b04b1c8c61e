"""Global nearest neighbour association on gated sparse pairs.

The gated pairs form a bipartite graph; its connected components are independent problems.
Components of one pair (the vast majority in a spread-out raid) are assigned directly,
vectorised; only the remaining clusters are solved exactly with
`scipy.optimize.linear_sum_assignment` on a small dense matrix with one "miss" column per
track. The cost is thus about the number of gated pairs (N log N from the gating), not N x M.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

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
        nodes = n_tracks + n_plots
        graph = coo_matrix((np.ones(ti.size), (ti, n_tracks + pi)), shape=(nodes, nodes)).tocsr()
        _, label = connected_components(graph, directed=False)
        comp = label[ti]
        size = np.bincount(comp, minlength=label.max() + 1)
        single = size[comp] == 1
        out_t = [ti[single]]
        out_p = [pi[single]]
        multi = np.nonzero(~single)[0]
        if multi.size:
            order = multi[np.argsort(comp[multi], kind="stable")]
            cs = comp[order]
            starts = np.r_[0, np.nonzero(np.diff(cs))[0] + 1, cs.size]
            for a, b in zip(starts[:-1], starts[1:], strict=False):
                sel = order[a:b]
                ut, lt = np.unique(ti[sel], return_inverse=True)
                up, lp = np.unique(pi[sel], return_inverse=True)
                nt, npl = ut.size, up.size
                C = np.full((nt, npl + nt), _BIG)
                C[lt, lp] = cost[sel]
                C[np.arange(nt), npl + np.arange(nt)] = self.miss_cost
                rows, cols = linear_sum_assignment(C)
                hit = (cols < npl) & (C[rows, cols] < _BIG)
                out_t.append(ut[rows[hit]])
                out_p.append(up[cols[hit]])
        return np.concatenate(out_t), np.concatenate(out_p)
