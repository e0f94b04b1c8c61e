"""Compiled per-track kernels of the filters (numba): predict, update, combine, gate.

The filter algebra works on 6x6 and 3x3 matrices per track and motion mode. In numpy that
is a stack of tiny matrix products: each product is a BLAS call per matrix and each step
allocates a temporary, so the cost is call overhead and memory traffic, not arithmetic
(docs/design-notes.md, "Speed"). These kernels do the same algebra in one pass per track,
exploiting the structure of the motion model (F = [[I, A], [0, B]], H = [I 0]).

Arithmetic is plain IEEE double in a fixed order (no fast-math, no fused multiply-add), so
the results are the same on every machine; they differ from the numpy formulation only in
rounding (OpenBLAS picks its FMA kernel at run time by CPU). Compiled code is cached on
disk (`cache=True`): only the first run after an install compiles.

Shapes: x (N, M, 6) mode means, P (N, M, 6, 6) covariances, mu (N, M) mode probabilities.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "combine",
    "combine_position",
    "cv_propagate",
    "gate_d2",
    "imm_predict",
    "kalman_update",
    "propagate",
]

LOG2PI = math.log(2.0 * math.pi)
_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}


@njit(**_JIT)
def _propagate_one(x, P, dt, w, qh, qv, xo, Po, FP):  # noqa: ANN001, ANN202
    """x⁻ = F x, P⁻ = F P Fᵀ + Q for one mode (turn rate w) over dt, into xo, Po (FP scratch).

    F = [[I, A], [0, B]] with A = [[a, -b, 0], [b, a, 0], [0, 0, dt]] and
    B = [[c, -s, 0], [s, c, 0], [0, 0, 1]]; a = sin(w dt)/w, b = (1 - cos(w dt))/w.
    """
    if abs(w) < 1e-9:
        a, b, c, s = dt, 0.0, 1.0, 0.0
    else:
        wt = w * dt
        s, c = math.sin(wt), math.cos(wt)
        a, b = s / w, (1.0 - c) / w
    xo[0] = x[0] + (a * x[3] - b * x[4])
    xo[1] = x[1] + (b * x[3] + a * x[4])
    xo[2] = x[2] + dt * x[5]
    xo[3] = c * x[3] - s * x[4]
    xo[4] = s * x[3] + c * x[4]
    xo[5] = x[5]
    for j in range(6):  # FP = F P
        p3, p4 = P[3, j], P[4, j]
        FP[0, j] = P[0, j] + (a * p3 - b * p4)
        FP[1, j] = P[1, j] + (b * p3 + a * p4)
        FP[2, j] = P[2, j] + dt * P[5, j]
        FP[3, j] = c * p3 - s * p4
        FP[4, j] = s * p3 + c * p4
        FP[5, j] = P[5, j]
    for i in range(6):  # Po = FP Fᵀ
        f3, f4 = FP[i, 3], FP[i, 4]
        Po[i, 0] = FP[i, 0] + (a * f3 - b * f4)
        Po[i, 1] = FP[i, 1] + (b * f3 + a * f4)
        Po[i, 2] = FP[i, 2] + dt * FP[i, 5]
        Po[i, 3] = c * f3 - s * f4
        Po[i, 4] = s * f3 + c * f4
        Po[i, 5] = FP[i, 5]
    dt3, dt2 = dt * dt * dt / 3.0, dt * dt / 2.0
    for ax in range(3):
        q = qv if ax == 2 else qh
        Po[ax, ax] += dt3 * q
        Po[ax, ax + 3] += dt2 * q
        Po[ax + 3, ax] += dt2 * q
        Po[ax + 3, ax + 3] += dt * q


@njit(**_JIT)
def propagate(x, P, rows, dt, omega, q_h, q_v):  # noqa: ANN001, ANN201
    """Per-mode prediction (no interaction) of rows `rows` of x (N,M,6), P (N,M,6,6) over
    dt (K,) [s]; returns (K,M,6), (K,M,6,6)."""
    n, m = rows.shape[0], x.shape[1]
    xo = np.empty((n, m, 6))
    Po = np.empty((n, m, 6, 6))
    FP = np.empty((6, 6))
    for k in range(n):
        r = rows[k]
        for j in range(m):
            _propagate_one(
                x[r, j], P[r, j], dt[k], omega[j], q_h[j], q_v[j], xo[k, j], Po[k, j], FP
            )
    return xo, Po


@njit(**_JIT)
def cv_propagate(x, P, dt, q_h, q_v):  # noqa: ANN001, ANN201
    """Constant-velocity prediction of single states x (N,6), P (N,6,6) over dt (N,) [s]."""
    n = x.shape[0]
    xo = np.empty_like(x)
    Po = np.empty_like(P)
    FP = np.empty((6, 6))
    for k in range(n):
        _propagate_one(x[k], P[k], dt[k], 0.0, q_h, q_v, xo[k], Po[k], FP)
    return xo, Po


@njit(**_JIT)
def imm_predict(x, P, mu, rows, dt, omega, q_h, q_v, sojourn):  # noqa: ANN001, ANN201
    """IMM interaction (mixing) then per-mode prediction of rows `rows` over dt (K,) [s];
    (x, P, c) of the K rows.

    Markov switching with P(switch within dt) = 1 - exp(-dt / sojourn), spread evenly over
    the other modes; the mixed covariances are formed from the means relative to mode 0
    (no cancellation): P0_j = sum_i mu_i|j (P_i + d_i d_iᵀ) - e_j e_jᵀ, d_i = x_i - x_0,
    e_j = x0_j - x_0.
    """
    n, m = rows.shape[0], mu.shape[1]
    xo = np.empty((n, m, 6))
    Po = np.empty((n, m, 6, 6))
    c = np.empty((n, m))
    Pi = np.empty((m, m))
    mix = np.empty((m, m))
    d = np.empty((m, 6))
    x0 = np.empty(6)
    e = np.empty(6)
    P0 = np.empty((6, 6))
    FP = np.empty((6, 6))
    for k in range(n):
        r = rows[k]
        p_sw = 1.0 - math.exp(-dt[k] / sojourn)
        for i in range(m):
            for j in range(m):
                Pi[i, j] = 1.0 - p_sw if i == j else p_sw / (m - 1)
        for j in range(m):
            s = 0.0
            for i in range(m):
                s += mu[r, i] * Pi[i, j]
            c[k, j] = s
        for j in range(m):
            cj = max(c[k, j], 1e-300)
            for i in range(m):
                mix[i, j] = mu[r, i] * Pi[i, j] / cj
        for i in range(m):
            for a in range(6):
                d[i, a] = x[r, i, a] - x[r, 0, a]
        for j in range(m):
            # sums over i accumulated in the order i = 0, 1, ... (loops over i outermost so
            # that the inner loops run over contiguous memory)
            e[:] = 0.0
            P0[:] = 0.0
            # the covariances are symmetric (updated states are symmetrised): the upper
            # triangle is summed and mirrored, the same numbers as the full sum
            for i in range(m):
                w = mix[i, j]
                Pri = P[r, i]
                for a in range(6):
                    e[a] += w * d[i, a]
                    da = d[i, a]
                    for b in range(a, 6):
                        P0[a, b] += w * (Pri[a, b] + da * d[i, b])
            for a in range(6):
                x0[a] = x[r, 0, a] + e[a]
                for b in range(a, 6):
                    P0[a, b] -= e[a] * e[b]
                    P0[b, a] = P0[a, b]
            _propagate_one(x0, P0, dt[k], omega[j], q_h[j], q_v[j], xo[k, j], Po[k, j], FP)
    return xo, Po, c


@njit(**_JIT)
def _inv3(S, out):  # noqa: ANN001, ANN202
    """Inverse of a 3x3 matrix by cofactors into out; returns the determinant."""
    a, b, c = S[0, 0], S[0, 1], S[0, 2]
    d, e, f = S[1, 0], S[1, 1], S[1, 2]
    g, h, i = S[2, 0], S[2, 1], S[2, 2]
    A, B, C = e * i - f * h, -(d * i - f * g), d * h - e * g
    det = a * A + b * B + c * C
    out[0, 0], out[1, 0], out[2, 0] = A / det, B / det, C / det
    out[0, 1] = -(b * i - c * h) / det
    out[1, 1] = (a * i - c * g) / det
    out[2, 1] = -(a * h - b * g) / det
    out[0, 2] = (b * f - c * e) / det
    out[1, 2] = -(a * f - c * d) / det
    out[2, 2] = (a * e - b * d) / det
    return det


@njit(**_JIT)
def kalman_update(x, P, mu, rows, z, R, imm):  # noqa: ANN001, ANN201
    """Position-measurement update per mode of rows `rows` with plots z (K,3), R (K,3,3),
    then (imm) the mode probabilities; (x, P, mu) of the K rows.

    K = P Hᵀ S⁻¹ with S = P_pos + R; P⁺ = P - K H P, symmetrised; the mode likelihoods are
    Gaussian in the innovation; mode probabilities are floored at 1e-6.
    """
    n, m = rows.shape[0], mu.shape[1]
    xo = np.empty((n, m, 6))
    Po = np.empty((n, m, 6, 6))
    muo = np.empty((n, m))
    S = np.empty((3, 3))
    Si = np.empty((3, 3))
    K = np.empty((6, 3))
    nu = np.empty(3)
    ll = np.empty(m)
    for k in range(n):
        r = rows[k]
        for j in range(m):
            Pk = P[r, j]
            for a in range(3):
                for b in range(3):
                    S[a, b] = Pk[a, b] + R[k, a, b]
                nu[a] = z[k, a] - x[r, j, a]
            det = _inv3(S, Si)
            for a in range(6):
                for b in range(3):
                    K[a, b] = Pk[a, 0] * Si[0, b] + Pk[a, 1] * Si[1, b] + Pk[a, 2] * Si[2, b]
                xo[k, j, a] = x[r, j, a] + (K[a, 0] * nu[0] + K[a, 1] * nu[1] + K[a, 2] * nu[2])
            for a in range(6):
                for b in range(6):
                    Po[k, j, a, b] = Pk[a, b] - (
                        K[a, 0] * Pk[b, 0] + K[a, 1] * Pk[b, 1] + K[a, 2] * Pk[b, 2]
                    )
            for a in range(6):
                for b in range(a + 1, 6):
                    v = 0.5 * (Po[k, j, a, b] + Po[k, j, b, a])
                    Po[k, j, a, b] = v
                    Po[k, j, b, a] = v
            d2 = 0.0
            for a in range(3):
                d2 += nu[a] * (Si[a, 0] * nu[0] + Si[a, 1] * nu[1] + Si[a, 2] * nu[2])
            ll[j] = -0.5 * (d2 + math.log(max(det, 1e-300)) + 3.0 * LOG2PI)
        if not imm:
            for j in range(m):
                muo[k, j] = mu[r, j]
            continue
        top = -np.inf
        for j in range(m):
            ll[j] += math.log(max(mu[r, j], 1e-300))
            top = max(top, ll[j])
        s = 0.0
        for j in range(m):
            ll[j] = math.exp(ll[j] - top)
            s += ll[j]
        s2 = 0.0
        for j in range(m):
            ll[j] = max(ll[j] / s, 1e-6)
            s2 += ll[j]
        for j in range(m):
            muo[k, j] = ll[j] / s2
    return xo, Po, muo


@njit(**_JIT)
def combine(x, P, mu):  # noqa: ANN001, ANN201
    """Moment-matched single Gaussian (x (N,6), P (N,6,6)) of the mode mixture."""
    n, m = mu.shape
    xo = np.zeros((n, 6))
    Po = np.zeros((n, 6, 6))
    dx = np.empty(6)
    for k in range(n):
        if m == 1:
            xo[k] = x[k, 0]
            Po[k] = P[k, 0]
            continue
        for j in range(m):
            for a in range(6):
                xo[k, a] += mu[k, j] * x[k, j, a]
        for j in range(m):
            w = mu[k, j]
            for a in range(6):
                dx[a] = x[k, j, a] - xo[k, a]
            for a in range(6):
                for b in range(6):
                    Po[k, a, b] += w * (P[k, j, a, b] + dx[a] * dx[b])
    return xo, Po


@njit(**_JIT)
def combine_position(x, P, mu):  # noqa: ANN001, ANN201
    """Position part only of `combine`: mean (N,3) and covariance (N,3,3) (for gating)."""
    n, m = mu.shape
    xo = np.zeros((n, 3))
    Po = np.zeros((n, 3, 3))
    dx = np.empty(3)
    for k in range(n):
        for j in range(m):
            for a in range(3):
                xo[k, a] += mu[k, j] * x[k, j, a]
        for j in range(m):
            w = mu[k, j]
            for a in range(3):
                dx[a] = x[k, j, a] - xo[k, a]
            for a in range(3):
                for b in range(3):
                    Po[k, a, b] += w * (P[k, j, a, b] + dx[a] * dx[b])
    return xo, Po


@njit(**_JIT)
def gate_d2(ti, pi, pos, Ppos, z, R):  # noqa: ANN001, ANN201
    """Mahalanobis d² = νᵀ (P_pos + R)⁻¹ ν of the (track ti, plot pi) pairs."""
    n = ti.shape[0]
    out = np.empty(n)
    S = np.empty((3, 3))
    Si = np.empty((3, 3))
    nu = np.empty(3)
    for k in range(n):
        t, p = ti[k], pi[k]
        for a in range(3):
            nu[a] = z[p, a] - pos[t, a]
            for b in range(3):
                S[a, b] = Ppos[t, a, b] + R[p, a, b]
        _inv3(S, Si)
        d2 = 0.0
        for a in range(3):
            d2 += nu[a] * (Si[a, 0] * nu[0] + Si[a, 1] * nu[1] + Si[a, 2] * nu[2])
        out[k] = d2
    return out


@njit(**_JIT)
def cv_position(xc, Pc, dt, q):  # noqa: ANN001, ANN201
    """Cheap CV extrapolation of combined states: positions (N,3) and variance traces (N,).

    var = tr P_pp + 2 dt tr P_pv + dt² tr P_vv + q dt³ / 3 (q: the summed noise densities).
    """
    n = xc.shape[0]
    pos = np.empty((n, 3))
    var = np.empty(n)
    for k in range(n):
        d = dt[k]
        t_pp = Pc[k, 0, 0] + Pc[k, 1, 1] + Pc[k, 2, 2]
        t_pv = Pc[k, 0, 3] + Pc[k, 1, 4] + Pc[k, 2, 5]
        t_vv = Pc[k, 3, 3] + Pc[k, 4, 4] + Pc[k, 5, 5]
        for a in range(3):
            pos[k, a] = xc[k, a] + d * xc[k, a + 3]
        var[k] = t_pp + 2.0 * d * t_pv + d * d * t_vv + q * d * d * d / 3.0
    return pos, var


@njit(**_JIT)
def gate_bounds(xc, var, dt, turn, gate, tr_r_max):  # noqa: ANN001, ANN201
    """Per track the Euclidean search bound of the chi-square gate and its pieces.

    Returns (bound, var2, margin): var2 = 2 max(var, 0), margin = turn drift + 100 m, bound =
    sqrt(gate (var2 + max tr R)) + margin (|ν|² <= gate · λmax(S) <= gate · trace S).
    """
    n = xc.shape[0]
    bound = np.empty(n)
    var2 = np.empty(n)
    margin = np.empty(n)
    for k in range(n):
        v = xc[k]
        speed = math.sqrt(v[3] * v[3] + v[4] * v[4] + v[5] * v[5])
        margin[k] = 0.5 * turn * speed * dt[k] * dt[k] + 100.0
        var2[k] = 2.0 * max(var[k], 0.0)
        bound[k] = math.sqrt(gate * (var2[k] + tr_r_max)) + margin[k]
    return bound, var2, margin


@njit(**_JIT)
def gate_prefilter(dist, j, m, tr_r, var2, margin, gate):  # noqa: ANN001, ANN201
    """(track, plot) pairs among k-d tree neighbours inside the track's Euclidean bound."""
    n, k = dist.shape
    ti = np.empty(n * k, np.int64)
    pj = np.empty(n * k, np.int64)
    c = 0
    for r in range(n):
        for s in range(k):
            p = j[r, s]
            if p < m and dist[r, s] <= math.sqrt(gate * (var2[r] + tr_r[p])) + margin[r]:
                ti[c] = r
                pj[c] = p
                c += 1
    return ti[:c], pj[:c]


@njit(**_JIT)
def close_pairs(pos, r):  # noqa: ANN001, ANN201
    """All pairs (i < j) of points pos (N,3) at most r apart, ordered by (i, j) (M, 2).

    Sweep and prune along x: after sorting by x, each point is tested only against the
    points that follow it within r in x (the pairs a k-d tree's `query_pairs` returns).
    """
    n = pos.shape[0]
    order = np.argsort(pos[:, 0])
    xs, ys, zs = pos[order, 0], pos[order, 1], pos[order, 2]  # sorted, contiguous
    r2 = r * r
    cap = 4 * n + 16
    out = np.empty((cap, 2), np.int64)
    c = 0
    for u in range(n):
        xi, yi, zi = xs[u], ys[u], zs[u]
        for v in range(u + 1, n):
            dx = xs[v] - xi
            if dx > r:
                break
            dy = ys[v] - yi
            dz = zs[v] - zi
            if dx * dx + dy * dy + dz * dz <= r2:
                if c == cap:
                    grown = np.empty((2 * cap, 2), np.int64)
                    grown[:c] = out[:c]
                    out, cap = grown, 2 * cap
                i, j = order[u], order[v]
                out[c, 0], out[c, 1] = min(i, j), max(i, j)
                c += 1
    res = out[:c]
    key = res[:, 0] * n + res[:, 1]
    return res[np.argsort(key)]


@njit(**_JIT)
def store(x, P, mu, rows, X, PP, MU, XC, PC):  # noqa: ANN001, ANN201
    """Write states x, P, mu (K rows) into table rows `rows` and their combined moments."""
    n, m = mu.shape
    for k in range(n):
        r = rows[k]
        MU[r] = mu[k]
        X[r] = x[k]
        PP[r] = P[k]
    xc, Pc = combine(x, P, mu)
    for k in range(n):
        r = rows[k]
        XC[r] = xc[k]
        PC[r] = Pc[k]
    return xc


@njit(**_JIT)
def valid_mask(t, z, R, max_xy, min_alt, max_alt, max_sigma):  # noqa: ANN001, ANN201
    """Plots with finite values, a possible position and a symmetric positive-definite R.

    R is scaled to Rn_ij = R_ij / (|R_ii R_jj|)^(1/4) (congruent to R, so positive-definite
    together) before the leading-minor tests, so that they do not depend on the units.
    """
    n = t.shape[0]
    ok = np.zeros(n, np.bool_)
    sc = np.empty((3, 3))
    Rn = np.empty((3, 3))
    s2 = max_sigma * max_sigma
    for k in range(n):
        good = math.isfinite(t[k])
        for a in range(3):
            good = good and math.isfinite(z[k, a])
            for b in range(3):
                good = good and math.isfinite(R[k, a, b])
        if not good:
            continue
        if not (math.hypot(z[k, 0], z[k, 1]) <= max_xy and min_alt <= z[k, 2] <= max_alt):
            continue
        for a in range(3):
            d = R[k, a, a]
            good = good and d > 1e-6 and d < s2
        if not good:
            continue
        for a in range(3):
            for b in range(3):
                sc[a, b] = math.sqrt(abs(R[k, a, a] * R[k, b, b]))
                good = good and abs(R[k, a, b] - R[k, b, a]) <= 1e-6 * sc[a, b] + 1e-9
                Rn[a, b] = R[k, a, b] / (math.sqrt(sc[a, b]) if sc[a, b] > 0 else 1.0)
        if not good:
            continue
        minor2 = Rn[0, 0] * Rn[1, 1] - Rn[0, 1] * Rn[1, 0]
        det = (
            Rn[0, 0] * (Rn[1, 1] * Rn[2, 2] - Rn[1, 2] * Rn[2, 1])
            - Rn[0, 1] * (Rn[1, 0] * Rn[2, 2] - Rn[1, 2] * Rn[2, 0])
            + Rn[0, 2] * (Rn[1, 0] * Rn[2, 1] - Rn[1, 1] * Rn[2, 0])
        )
        ok[k] = minor2 > 1e-9 and det > 1e-9
    return ok


@njit(**_JIT)
def nearest_within(z, pos, bound, k, cell):  # noqa: ANN001, ANN201
    """Per query point pos (N,3) its k nearest points of z (M,3) at most bound (N,) away.

    Returns (dist (N,k), index (N,k)) sorted by distance, padded with inf / M, like a k-d
    tree query with a distance bound. The points are bucketed on a square grid of side
    `cell` [m] in x, y (sorted by cell; 0: the median bound); each query scans the grid
    rows its bound covers.
    """
    m, n = z.shape[0], pos.shape[0]
    dist = np.full((n, k), np.inf)
    idx = np.full((n, k), m, np.int64)
    if m == 0 or n == 0 or k == 0:
        return dist, idx
    if cell <= 0.0:  # the median bound, at least 1 km (the answer does not depend on it)
        med = np.median(bound)
        cell = med if (med >= 1_000.0 and math.isfinite(med)) else 1_000.0
    cx = np.floor(z[:, 0] / cell).astype(np.int64)
    cy = np.floor(z[:, 1] / cell).astype(np.int64)
    x0, x1, y0, y1 = cx.min(), cx.max(), cy.min(), cy.max()
    w = y1 - y0 + 1
    key = (cx - x0) * w + (cy - y0)
    order = np.argsort(key)
    skey = key[order]
    zs = z[order]
    for r in range(n):
        b = bound[r]
        px, py, pz = pos[r, 0], pos[r, 1], pos[r, 2]
        if not (b >= 0.0) or not math.isfinite(px) or not math.isfinite(py):
            continue
        gx0 = max(math.floor((px - b) / cell), x0) - x0
        gx1 = min(math.floor((px + b) / cell), x1) - x0
        gy0 = max(math.floor((py - b) / cell), y0) - y0
        gy1 = min(math.floor((py + b) / cell), y1) - y0
        if gx0 > gx1 or gy0 > gy1:
            continue
        dr = dist[r]
        ir = idx[r]
        for gx in range(gx0, gx1 + 1):
            lo = np.searchsorted(skey, gx * w + gy0)
            hi = np.searchsorted(skey, gx * w + gy1, side="right")
            for q in range(lo, hi):
                dx = zs[q, 0] - px
                dy = zs[q, 1] - py
                dz = zs[q, 2] - pz
                d = math.sqrt(dx * dx + dy * dy + dz * dz)
                if d > b or d >= dr[k - 1]:
                    continue
                s = k - 1  # insertion into the sorted top k
                while s > 0 and dr[s - 1] > d:
                    dr[s] = dr[s - 1]
                    ir[s] = ir[s - 1]
                    s -= 1
                dr[s] = d
                ir[s] = order[q]
    return dist, idx


@njit(**_JIT)
def _spd_quad6(S, d):  # noqa: ANN001, ANN201
    """dᵀ S⁻¹ d for a 6x6 S by Gaussian elimination with partial pivoting; inf if det(S) <= 0."""
    A = S.copy()
    v = d.copy()
    det = 1.0
    for c in range(6):
        p = c
        for r in range(c + 1, 6):
            if abs(A[r, c]) > abs(A[p, c]):
                p = r
        if A[p, c] == 0.0:
            return np.inf
        if p != c:
            det = -det
            for k in range(6):
                A[c, k], A[p, k] = A[p, k], A[c, k]
            v[c], v[p] = v[p], v[c]
        det *= A[c, c]
        for r in range(c + 1, 6):
            f = A[r, c] / A[c, c]
            for k in range(c, 6):
                A[r, k] -= f * A[c, k]
            v[r] -= f * v[c]
    if not det > 0.0:
        return np.inf
    y = np.empty(6)
    for r in range(5, -1, -1):
        s = v[r]
        for k in range(r + 1, 6):
            s -= A[r, k] * y[k]
        y[r] = s / A[r, r]
    out = 0.0
    for r in range(6):
        out += d[r] * y[r]
    return out


@njit(**_JIT)
def duplicate_pairs(pos, idx, xc, Pc, dt, updated, r, q_h, q_v):  # noqa: ANN001, ANN201
    """Pairs of rows `idx` closer than r (positions pos (N,3)) with at least one row updated,
    and their chi-square distance on the full states (6 dof, S = Pa + Pb) after a CV
    extrapolation of each row's combined state xc, Pc over dt; (a, b, d²)."""
    pr = close_pairs(np.ascontiguousarray(pos[idx]), r)
    n = pr.shape[0]
    a = np.empty(n, np.int64)
    b = np.empty(n, np.int64)
    c = 0
    for k in range(n):
        i, j = idx[pr[k, 0]], idx[pr[k, 1]]
        if updated[i] or updated[j]:
            a[c], b[c] = i, j
            c += 1
    a, b = a[:c], b[:c]
    d2 = np.empty(c)
    if c == 0:
        return a, b, d2
    # each row involved extrapolated once
    m = xc.shape[0]
    slot = np.full(m, -1, np.int64)
    rows = np.empty(2 * c, np.int64)
    nr = 0
    for k in range(c):
        for i in (a[k], b[k]):
            if slot[i] < 0:
                slot[i] = nr
                rows[nr] = i
                nr += 1
    rows = rows[:nr]
    xs, Ps = cv_propagate(xc[rows], Pc[rows], dt[rows], q_h, q_v)
    S = np.empty((6, 6))
    dv = np.empty(6)
    for k in range(c):
        ia, ib = slot[a[k]], slot[b[k]]
        finite = True
        for u in range(6):
            dv[u] = xs[ia, u] - xs[ib, u]
            for w in range(6):
                S[u, w] = Ps[ia, u, w] + Ps[ib, u, w]
                finite = finite and math.isfinite(S[u, w])
        d2[k] = _spd_quad6(S, dv) if finite else np.inf
    return a, b, d2


@njit(**_JIT)
def gnn_components(ti, pi, cost, n_tracks, n_plots, miss, big):  # noqa: ANN001, ANN201
    """Split gated pairs into connected components (tracks and plots sharing pairs).

    Components with one track or one plot are solved here: their cheapest pair, if
    cheaper than a miss (the first of equal costs). For the other components the dense
    cost matrices of the exact assignment are built, one per component, tracks and plots
    in ascending order, with one miss column per track: (taken track, taken plot, C_flat,
    offsets into it, tracks per matrix, plots per matrix, track ids, plot ids, id offsets).
    """
    m = ti.shape[0]
    parent = np.arange(n_tracks + n_plots)
    for k in range(m):  # union-find, track nodes then plot nodes
        a, b = ti[k], n_tracks + pi[k]
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a != b:
            parent[max(a, b)] = min(a, b)
    cid = np.full(n_tracks + n_plots, -1, np.int64)
    comp = np.empty(m, np.int64)
    nc = 0
    for k in range(m):
        a = ti[k]
        while parent[a] != a:
            a = parent[a]
        if cid[a] < 0:
            cid[a] = nc
            nc += 1
        comp[k] = cid[a]
    nt = np.zeros(nc, np.int64)
    npl = np.zeros(nc, np.int64)
    seen_t = np.full(n_tracks, -1, np.int64)
    seen_p = np.full(n_plots, -1, np.int64)
    for k in range(m):
        if seen_t[ti[k]] < 0:
            seen_t[ti[k]] = 1
            nt[comp[k]] += 1
        if seen_p[pi[k]] < 0:
            seen_p[pi[k]] = 1
            npl[comp[k]] += 1
    best = np.full(nc, -1, np.int64)
    for k in range(m):
        c = comp[k]
        if (nt[c] == 1 or npl[c] == 1) and (best[c] < 0 or cost[k] < cost[best[c]]):
            best[c] = k
    take_t = np.empty(nc, np.int64)
    take_p = np.empty(nc, np.int64)
    nk = 0
    for c in range(nc):
        k = best[c]
        if k >= 0 and cost[k] < miss + 1e-12:
            take_t[nk], take_p[nk] = ti[k], pi[k]
            nk += 1
    # the other components: dense matrices
    multi = np.full(nc, -1, np.int64)
    nm = 0
    for c in range(nc):
        if nt[c] > 1 and npl[c] > 1:
            multi[c] = nm
            nm += 1
    mnt = np.zeros(nm, np.int64)
    mnp = np.zeros(nm, np.int64)
    for c in range(nc):
        if multi[c] >= 0:
            mnt[multi[c]], mnp[multi[c]] = nt[c], npl[c]
    id_off = np.zeros(nm + 1, np.int64)
    c_off = np.zeros(nm + 1, np.int64)
    for q in range(nm):
        id_off[q + 1] = id_off[q] + mnt[q] + mnp[q]
        c_off[q + 1] = c_off[q] + mnt[q] * (mnp[q] + mnt[q])
    ids = np.empty(id_off[nm], np.int64)
    fill = np.zeros(nm, np.int64)
    fillp = np.zeros(nm, np.int64)
    for k in range(m):  # each distinct track / plot once per matrix (seen_* reused as flags)
        q = multi[comp[k]]
        if q < 0:
            continue
        if seen_t[ti[k]] == 1:
            seen_t[ti[k]] = 2
            ids[id_off[q] + fill[q]] = ti[k]
            fill[q] += 1
        if seen_p[pi[k]] == 1:
            seen_p[pi[k]] = 2
            ids[id_off[q] + mnt[q] + fillp[q]] = pi[k]
            fillp[q] += 1
    loc_t = np.empty(n_tracks, np.int64)
    loc_p = np.empty(n_plots, np.int64)
    C = np.full(c_off[nm], big)
    for q in range(nm):
        a0 = id_off[q]
        ids[a0 : a0 + mnt[q]] = np.sort(ids[a0 : a0 + mnt[q]])
        ids[a0 + mnt[q] : id_off[q + 1]] = np.sort(ids[a0 + mnt[q] : id_off[q + 1]])
        for u in range(mnt[q]):
            loc_t[ids[a0 + u]] = u
            C[c_off[q] + u * (mnp[q] + mnt[q]) + mnp[q] + u] = miss
        for u in range(mnp[q]):
            loc_p[ids[a0 + mnt[q] + u]] = u
    for k in range(m):
        q = multi[comp[k]]
        if q >= 0:
            C[c_off[q] + loc_t[ti[k]] * (mnp[q] + mnt[q]) + loc_p[pi[k]]] = cost[k]
    return take_t[:nk], take_p[:nk], C, c_off, mnt, mnp, ids, id_off


@njit(**_JIT)
def _coast_one(t_update, t_init, hits, revisit, prior_hits, prior_revisits, miss_p, lo, hi):  # noqa: ANN001, ANN202
    """Coast allowed to one confirmed track [s] from its estimated hit rate (MNManager)."""
    revisits = max(np.rint((t_update - t_init) / revisit), 0.0)
    p = (hits - 1 + prior_hits) / (revisits + prior_revisits)
    p = min(max(p, 0.05), 0.95)
    k = math.ceil(math.log(miss_p) / math.log1p(-p))
    return min(max((k + 0.5) * revisit, lo), hi)


@njit(**_JIT)
def coast_times(t_update, t_init, hits, revisit, prior_hits, prior_revisits, miss_p, lo, hi):  # noqa: ANN001, ANN201
    """`_coast_one` for every track."""
    n = t_update.shape[0]
    out = np.empty(n)
    for i in range(n):
        out[i] = _coast_one(t_update[i], t_init[i], hits[i], revisit, prior_hits,
                            prior_revisits, miss_p, lo, hi)
    return out


@njit(**_JIT)
def keep_rows(t_update, t_init, hits, confirmed, pos_var, t, window, tent1, tent2,  # noqa: ANN001, ANN201
              revisit, prior_hits, prior_revisits, miss_p, lo, hi, max_var):
    """Tracks surviving at t: not an expired tentative track (older than `window` [s]), not
    silent longer than its coast (tentative: tent1 / tent2 s with one / more plots), not
    lost (position variance trace above max_var)."""
    n = t_update.shape[0]
    out = np.empty(n, np.bool_)
    for i in range(n):
        silent = t - t_update[i]
        if confirmed[i]:
            old = silent > _coast_one(t_update[i], t_init[i], hits[i], revisit, prior_hits,
                                      prior_revisits, miss_p, lo, hi)
            expired = False
        else:
            old = silent > (tent2 if hits[i] >= 2 else tent1)
            expired = (t - t_init[i]) > window
        out[i] = not (expired or old or pos_var[i] > max_var)
    return out


@njit(**_JIT)
def scan_pairs(a, a_off, b, b_off, c):  # noqa: ANN001, ANN201
    """Per scan s, all pairs of rows a[a_off[s]:a_off[s+1]] and b[b_off[s]:b_off[s+1]]
    closer than c: (a rows, b rows, distances), grouped by a row in ascending order.

    a (N,d) and b (M,d), d >= 2, hold the scans one after the other. Within a scan the
    rows of b are bucketed on a square grid of side c in x, y (sorted by cell); each row
    of a tests the 3 x 3 cells around its own. The distance is that of
    `scipy.spatial.distance.cdist` (the squares summed in axis order, then the root).
    """
    nd = a.shape[1]
    cap = a.shape[0] + b.shape[0] + 16
    oi = np.empty(cap, np.int64)
    oj = np.empty(cap, np.int64)
    od = np.empty(cap)
    k = 0
    for s in range(a_off.shape[0] - 1):
        a0, a1, b0, b1 = a_off[s], a_off[s + 1], b_off[s], b_off[s + 1]
        if a0 == a1 or b0 == b1:
            continue
        cx = np.floor(b[b0:b1, 0] / c).astype(np.int64)
        cy = np.floor(b[b0:b1, 1] / c).astype(np.int64)
        x0, x1, y0, y1 = cx.min(), cx.max(), cy.min(), cy.max()
        w = y1 - y0 + 3  # a margin row each side: the keys of neighbouring cells stay apart
        key = (cx - x0) * w + (cy - y0 + 1)
        order = np.argsort(key)
        skey = key[order]
        order += b0
        for i in range(a0, a1):
            gx = math.floor(a[i, 0] / c) - x0
            gy = math.floor(a[i, 1] / c) - y0 + 1
            if gx < -1 or gx > x1 - x0 + 1 or gy < 0 or gy > w - 1:
                continue  # no cell of b within c
            for hx in range(max(gx - 1, 0), min(gx + 1, x1 - x0) + 1):
                lo = np.searchsorted(skey, hx * w + max(gy - 1, 0))
                hi = np.searchsorted(skey, hx * w + min(gy + 1, w - 1), side="right")
                for q in range(lo, hi):
                    j = order[q]
                    acc = 0.0
                    for e in range(nd):
                        d = a[i, e] - b[j, e]
                        acc += d * d
                    dist = math.sqrt(acc)
                    if dist < c:
                        if k == cap:
                            cap *= 2
                            oi2 = np.empty(cap, np.int64)
                            oj2 = np.empty(cap, np.int64)
                            od2 = np.empty(cap)
                            oi2[:k], oj2[:k], od2[:k] = oi[:k], oj[:k], od[:k]
                            oi, oj, od = oi2, oj2, od2
                        oi[k], oj[k], od[k] = i, j, dist
                        k += 1
    return oi[:k], oj[:k], od[:k]


@njit(**_JIT)
def row_distances(a, b, i, j):  # noqa: ANN001, ANN201
    """Distances |a[i] - b[j]| per pair, as `scan_pairs` (and `cdist`) compute them."""
    out = np.empty(i.shape[0])
    for k in range(i.shape[0]):
        acc = 0.0
        for e in range(a.shape[1]):
            d = a[i[k], e] - b[j[k], e]
            acc += d * d
        out[k] = math.sqrt(acc)
    return out
