"""Compiled per-detection kernels of the radar model (numba): who is seen, what is measured.

A scan of a few radars over tens to hundreds of targets is, in numpy, a hundred small
array operations per tick; these kernels do the same arithmetic in one pass (see
`picture.kernels` for the choice of numba). The random draws stay with the caller, in
the same order and sizes as before, so a run draws the same numbers.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["detect", "measure"]

_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}


@njit(**_JIT)
def detect(t, ts, rxyz, max_range, snr_ref, ref_range, pfa, truth, vel, rcs, u, kre2):  # noqa: ANN001, ANN201
    """Detections of targets by scans: (scan index, target index, relative xyz) per hit.

    Scan e at time ts[e] from antenna rxyz[e] sees target k (truth at t moved back to ts[e]
    with vel) when inside the 4/3-Earth horizon, inside max_range[e] and the uniform draw
    u[e, k] is below the Swerling-I Pd = pfa ** (1 / (1 + SNR)), SNR = snr_ref · rcs ·
    (ref_range / r)^4. Hits come in scan-major order.
    """
    n_e, n_t = u.shape
    e_idx = np.empty(n_e * n_t, np.int64)
    t_idx = np.empty(n_e * n_t, np.int64)
    rel = np.empty((n_e * n_t, 3))
    c = 0
    for e in range(n_e):
        back = t - ts[e]
        rx, ry, rz = rxyz[e, 0], rxyz[e, 1], rxyz[e, 2]
        h_r = math.sqrt(kre2 * max(rz, 0.0))
        for k in range(n_t):
            dx = (truth[k, 0] - back * vel[k, 0]) - rx
            dy = (truth[k, 1] - back * vel[k, 1]) - ry
            dz = (truth[k, 2] - back * vel[k, 2]) - rz
            g = math.hypot(dx, dy)
            r = math.sqrt(g * g + dz * dz)
            hor = h_r + math.sqrt(kre2 * max(dz + rz, 0.0))
            if not (g <= hor and r <= max_range[e] and r > 1.0):
                continue
            snr = snr_ref[e] * rcs[k] * (ref_range[e] / max(r, 1.0)) ** 4.0
            if u[e, k] < pfa[e] ** (1.0 / (1.0 + snr)):
                e_idx[c], t_idx[c] = e, k
                rel[c, 0], rel[c, 1], rel[c, 2] = dx, dy, dz
                c += 1
    return e_idx[:c], t_idx[:c], rel[:c]


@njit(**_JIT)
def measure(rel, rxyz_row, noise, s_r, s_az, s_el, min_alt):  # noqa: ANN001, ANN201
    """Plot positions and covariances of relative positions rel (N,3) seen from rxyz_row.

    The first len(noise) rows are detections: range, azimuth (clockwise from north) and
    elevation get Gaussian noise (noise (D,3) standard normal x sigmas); the rest (false
    alarms) are exact. R = J diag(s_r², s_az², s_el²) Jᵀ, linearised at the measured point;
    reported altitude floored at min_alt.
    """
    n = rel.shape[0]
    n_det = noise.shape[0]
    z = np.empty((n, 3))
    R = np.empty((n, 3, 3))
    J = np.empty((3, 3))
    lo, hi = -math.pi / 2 + 1e-3, math.pi / 2 - 1e-3
    for i in range(n):
        x, y, h = rel[i, 0], rel[i, 1], rel[i, 2]
        g = math.hypot(x, y)
        r = math.hypot(g, h)
        az = math.atan2(x, y)
        el = math.atan2(h, g)
        if i < n_det:
            r = max(r + noise[i, 0] * s_r[i], 1.0)
            az += noise[i, 1] * s_az[i]
            el += noise[i, 2] * s_el[i]
        el = min(max(el, lo), hi)
        ce, se, ca, sa = math.cos(el), math.sin(el), math.cos(az), math.sin(az)
        z[i, 0] = rxyz_row[i, 0] + r * ce * sa
        z[i, 1] = rxyz_row[i, 1] + r * ce * ca
        z[i, 2] = max(rxyz_row[i, 2] + r * se, min_alt[i])
        J[0, 0], J[0, 1], J[0, 2] = ce * sa, r * ce * ca, -r * se * sa
        J[1, 0], J[1, 1], J[1, 2] = ce * ca, -r * ce * sa, -r * se * ca
        J[2, 0], J[2, 1], J[2, 2] = se, 0.0, r * ce
        d0, d1, d2 = s_r[i] * s_r[i], s_az[i] * s_az[i], s_el[i] * s_el[i]
        for a in range(3):
            for b in range(3):
                R[i, a, b] = (
                    J[a, 0] * d0 * J[b, 0] + J[a, 1] * d1 * J[b, 1] + J[a, 2] * d2 * J[b, 2]
                )
    return z, R
