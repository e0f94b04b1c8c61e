"""Gating: which (track, plot) pairs may be associated, found in N log N with a k-d tree.

A cKDTree over the plot positions returns, for every predicted track, its `k` nearest plots
within a Euclidean radius that bounds the chi-square gate (|ν|² <= gate · λmax(S) and
λmax <= trace); the exact Mahalanobis distance ``d² = νᵀ S⁻¹ ν`` with ``S = P_pos + R`` is then
computed only for those candidate pairs and compared with the chi-square gate.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaincinv

from skyshield.picture.kernels import gate_d2

__all__ = ["MahalanobisGate", "chi2_gate"]


def chi2_gate(probability: float, dof: int = 3) -> float:
    """Chi-square gate threshold holding the true plot with the given probability."""
    return float(2.0 * gammaincinv(dof / 2.0, probability))  # = scipy.stats.chi2.ppf


class MahalanobisGate:
    """Chi-square gate on Mahalanobis distance, candidates from a k-d tree of plot positions."""

    def __init__(self, gate: float = chi2_gate(0.9999), k: int = 6) -> None:
        """Store the gate threshold (d²) and the number of nearest plots tested per track."""
        self.gate = gate
        self.k = k

    def pairs(
        self, pos: np.ndarray, Ppos: np.ndarray, z: np.ndarray, R: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gated (track index, plot index, d²) for tracks pos (N,3)/Ppos and plots z (M,3)/R."""
        n, m = pos.shape[0], z.shape[0]
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        if n == 0 or m == 0:
            return empty
        tr_p = np.trace(Ppos, axis1=1, axis2=2)
        tr_r = np.trace(R, axis1=1, axis2=2)
        radius = np.sqrt(self.gate * (tr_p + tr_r.max()))  # (N,) per-track bound
        k = min(self.k, m)
        from scipy.spatial import cKDTree  # here: only this reference path uses it

        dist, idx = cKDTree(z).query(pos, k=k, distance_upper_bound=float(radius.max()))
        dist, idx = dist.reshape(n, k), idx.reshape(n, k)
        ok = (idx < m) & (dist <= radius[:, None])
        ti, slot = np.nonzero(ok)
        pi = idx[ti, slot]
        d2 = gate_d2(ti, pi, pos, Ppos, z, R)
        keep = (d2 <= self.gate) & np.isfinite(d2)
        return ti[keep], pi[keep], d2[keep]

    def test(
        self,
        ti: np.ndarray,
        pi: np.ndarray,
        pos: np.ndarray,
        Ppos: np.ndarray,
        z: np.ndarray,
        R: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Exact chi-square test of given candidate pairs (track ti, plot pi); the survivors."""
        d2 = gate_d2(ti, pi, pos, Ppos, z, R)
        keep = (d2 <= self.gate) & np.isfinite(d2)
        return ti[keep], pi[keep], d2[keep]
