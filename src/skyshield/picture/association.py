"""Global nearest neighbour association on gated sparse pairs.

The gated pairs form a bipartite graph; its connected components are independent problems.
Components with a single track or a single plot (the vast majority in a spread-out raid)
are solved directly and vectorised (their cheapest pair is optimal); only the remaining
clusters are solved exactly with `scipy.optimize.linear_sum_assignment` on a small dense
matrix with one "miss" column per track. The cost is thus about the number of gated pairs
(N log N from the gating), not N x M.
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
        n_comp = int(label.max()) + 1
        # distinct tracks and plots per component
        nt = np.bincount(comp[_first(comp * n_tracks + ti)], minlength=n_comp)
        npl = np.bincount(comp[_first(comp * n_plots + pi)], minlength=n_comp)
        star = (nt[comp] == 1) | (npl[comp] == 1)
        # one track (or one plot) in the component: the cheapest pair is the optimum
        s_idx = np.nonzero(star)[0]
        order = s_idx[np.lexsort((cost[s_idx], comp[s_idx]))]
        best = order[np.r_[True, comp[order][1:] != comp[order][:-1]]] if order.size else order
        best = best[cost[best] < self.miss_cost + 1e-12]
        out_t = [ti[best]]
        out_p = [pi[best]]
        multi = np.nonzero(~star)[0]
        if multi.size:
            order = multi[np.argsort(comp[multi], kind="stable")]
            cs = comp[order]
            starts = np.r_[0, np.nonzero(np.diff(cs))[0] + 1, cs.size]
            for a, b in zip(starts[:-1], starts[1:], strict=False):
                sel = order[a:b]
                ut, lt = np.unique(ti[sel], return_inverse=True)
                up, lp = np.unique(pi[sel], return_inverse=True)
                nt_, np_ = ut.size, up.size
                C = np.full((nt_, np_ + nt_), _BIG)
                C[lt, lp] = cost[sel]
                C[np.arange(nt_), np_ + np.arange(nt_)] = self.miss_cost
                rows, cols = linear_sum_assignment(C)
                hit = (cols < np_) & (C[rows, cols] < _BIG)
                out_t.append(ut[rows[hit]])
                out_p.append(up[cols[hit]])
        return np.concatenate(out_t), np.concatenate(out_p)


def _first(key: np.ndarray) -> np.ndarray:
    """Index of the first occurrence of each distinct key."""
    return np.unique(key, return_index=True)[1]
