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
        # a pair whose track and plot are in no other pair is a component of its own (the
        # common case in a spread-out raid): taken when cheaper than a miss, no graph needed
        lone = (np.bincount(ti, minlength=n_tracks)[ti] == 1) & (
            np.bincount(pi, minlength=n_plots)[pi] == 1
        )
        take = lone & (cost < self.miss_cost + 1e-12)
        out_t = [ti[take]]
        out_p = [pi[take]]
        rest = np.nonzero(~lone)[0]
        if rest.size:
            t_r, p_r = self._clusters(ti[rest], pi[rest], cost[rest], n_tracks, n_plots)
            out_t += t_r
            out_p += p_r
        return np.concatenate(out_t), np.concatenate(out_p)

    def _clusters(
        self, ti: np.ndarray, pi: np.ndarray, cost: np.ndarray, n_tracks: int, n_plots: int
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Optimal assignment per connected component of the pairs (lists of index arrays)."""
        comp = _components(ti, pi)
        n_comp = int(comp.max()) + 1
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
            # local (per component) track and plot numbers, all components at once
            c, t, p, w = comp[multi], ti[multi], pi[multi], cost[multi]
            ukt, lt = np.unique(c * n_tracks + t, return_inverse=True)
            ukp, lp = np.unique(c * n_plots + p, return_inverse=True)
            uct, ucp = ukt // n_tracks, ukp // n_plots
            comps = np.unique(c)
            t0 = np.searchsorted(uct, comps)
            t1 = np.searchsorted(uct, comps, side="right")
            p0 = np.searchsorted(ucp, comps)
            p1 = np.searchsorted(ucp, comps, side="right")
            order = np.argsort(c, kind="stable")
            a_ = np.searchsorted(c[order], comps)
            b_ = np.searchsorted(c[order], comps, side="right")
            for k in range(comps.size):
                sel = order[a_[k] : b_[k]]
                ut = ukt[t0[k] : t1[k]] - comps[k] * n_tracks
                up = ukp[p0[k] : p1[k]] - comps[k] * n_plots
                nt_, np_ = ut.size, up.size
                C = np.full((nt_, np_ + nt_), _BIG)
                C[lt[sel] - t0[k], lp[sel] - p0[k]] = w[sel]
                C[np.arange(nt_), np_ + np.arange(nt_)] = self.miss_cost
                rows, cols = linear_sum_assignment(C)
                hit = (cols < np_) & (C[rows, cols] < _BIG)
                out_t.append(ut[rows[hit]])
                out_p.append(up[cols[hit]])
        return out_t, out_p


def _components(ti: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """Per pair, the connected component (0, 1, ...) of the bipartite graph of the pairs.

    Label propagation: every track takes the smallest label among the tracks sharing a
    plot with it until nothing changes (a few rounds: the clusters are small).
    """
    _, t = np.unique(ti, return_inverse=True)
    _, p = np.unique(pi, return_inverse=True)
    lt = np.arange(int(t.max()) + 1)
    big = lt.size
    while True:
        lp = np.full(int(p.max()) + 1, big)
        np.minimum.at(lp, p, lt[t])
        new = lt.copy()
        np.minimum.at(new, t, lp[p])
        if (new == lt).all():
            break
        lt = new
    return np.unique(lt[t], return_inverse=True)[1]


def _first(key: np.ndarray) -> np.ndarray:
    """Index of the first occurrence of each distinct key."""
    return np.unique(key, return_index=True)[1]
