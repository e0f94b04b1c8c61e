"""Compiled filter kernels against textbook numpy / scipy formulations of the same algebra."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree
from scipy.stats import multivariate_normal

from skyshield.picture import kernels
from skyshield.picture.filters import IMMFilter, transition


def _states(n: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random means, SPD covariances and mode probabilities (N tracks, M modes)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1e4, (n, m, 6))
    x[..., 3:] = rng.normal(0, 200, (n, m, 3))
    A = rng.normal(0, 1, (n, m, 6, 6)) * np.array([300.0] * 3 + [20.0] * 3)[:, None]
    P = A @ np.swapaxes(A, -1, -2) + np.eye(6)
    mu = rng.dirichlet(np.ones(m), n)
    return x, P, mu


def test_propagate_is_f_p_ft_plus_q() -> None:
    """Per-mode prediction equals F x, F P Fᵀ + Q with F, Q from `transition` (CV and CT)."""
    x, P, _ = _states(50, 3)
    dt = np.linspace(0.0, 30.0, 50)
    w, qh, qv = IMMFilter(turn_rate=0.08)._modes()
    F, Q = transition(dt, w, qh, qv)
    xo, Po = kernels.propagate(x, P, np.arange(50), dt, w, qh, qv)
    assert np.allclose(xo, np.einsum("nmij,nmj->nmi", F, x), rtol=1e-12, atol=1e-9)
    ref = F @ P @ np.swapaxes(F, -1, -2) + Q
    assert np.allclose(Po, ref, rtol=1e-11, atol=1e-7)


def test_imm_predict_matches_textbook_mixing() -> None:
    """IMM mixing (mu_i|j, x0_j, P0_j with the spread of the means) then prediction."""
    f = IMMFilter()
    x, P, mu = _states(40, 3, seed=1)
    dt = np.full(40, 12.0)
    rows = np.arange(40)[::-1].copy()  # also checks the row gather
    xo, Po, c = kernels.imm_predict(x, P, mu, rows, dt[rows], *f._modes(), f.sojourn)
    p = 1.0 - np.exp(-12.0 / f.sojourn)
    Pi = np.full((3, 3), p / 2) + np.eye(3) * (1 - p - p / 2)
    for k, r in enumerate(rows):
        cj = mu[r] @ Pi
        assert np.allclose(c[k], cj, rtol=1e-14)
        mix = mu[r][:, None] * Pi / cj[None, :]
        for j in range(3):
            x0 = mix[:, j] @ x[r]
            dx = x[r] - x0
            P0 = np.einsum("i,iab->ab", mix[:, j], P[r] + dx[:, :, None] * dx[:, None, :])
            F, Q = transition(np.array([12.0]), f._modes()[0][j : j + 1], [f._modes()[1][j]],
                              [f.q_v])
            assert np.allclose(xo[k, j], F[0, 0] @ x0, rtol=1e-10, atol=1e-6)
            assert np.allclose(Po[k, j], F[0, 0] @ P0 @ F[0, 0].T + Q[0, 0], rtol=1e-9, atol=1e-6)


def test_kalman_update_matches_textbook() -> None:
    """x⁺ = x + K ν, P⁺ = (I - K H) P, and the mode posterior from Gaussian likelihoods."""
    x, P, mu = _states(30, 3, seed=2)
    rng = np.random.default_rng(3)
    z = x[:, 0, :3] + rng.normal(0, 500, (30, 3))
    B = rng.normal(0, 100, (30, 3, 3))
    R = B @ np.swapaxes(B, 1, 2) + 100.0 * np.eye(3)
    xo, Po, muo = kernels.kalman_update(x, P, mu, np.arange(30), z, R, True)
    H = np.hstack([np.eye(3), np.zeros((3, 3))])
    for k in range(30):
        like = np.empty(3)
        for j in range(3):
            S = H @ P[k, j] @ H.T + R[k]
            K = P[k, j] @ H.T @ np.linalg.inv(S)
            assert np.allclose(xo[k, j], x[k, j] + K @ (z[k] - H @ x[k, j]), rtol=1e-9, atol=1e-6)
            ref = (np.eye(6) - K @ H) @ P[k, j]
            assert np.allclose(Po[k, j], 0.5 * (ref + ref.T), rtol=1e-8, atol=1e-6)
            like[j] = multivariate_normal(H @ x[k, j], S).pdf(z[k])
        post = np.maximum(mu[k] * like / np.sum(mu[k] * like), 1e-6)
        assert np.allclose(muo[k], post / post.sum(), rtol=1e-9, atol=1e-12)


def test_combine_and_gate() -> None:
    """Moment matching of the mixture, and Mahalanobis d² against a linear solve."""
    x, P, mu = _states(25, 3, seed=4)
    xc, Pc = kernels.combine(x, P, mu)
    xr = np.einsum("nm,nmi->ni", mu, x)
    dx = x - xr[:, None]
    Pr = np.einsum("nm,nmab->nab", mu, P + dx[..., :, None] * dx[..., None, :])
    assert np.allclose(xc, xr, rtol=1e-13) and np.allclose(Pc, Pr, rtol=1e-12)
    xp, Pp = kernels.combine_position(x, P, mu)
    assert np.allclose(xp, xr[:, :3], rtol=1e-13) and np.allclose(Pp, Pr[:, :3, :3], rtol=1e-12)
    z = xr[:, :3] + 1000.0
    R = np.broadcast_to(np.eye(3) * 1e4, (25, 3, 3)).copy()
    ti, pi = np.arange(25), np.arange(25)[::-1].copy()
    d2 = kernels.gate_d2(ti, pi, xp, Pp, z, R)
    nu = z[pi] - xp[ti]
    ref = np.einsum("ni,ni->n", nu, np.linalg.solve(Pp[ti] + R[pi], nu[..., None])[..., 0])
    assert np.allclose(d2, ref, rtol=1e-10)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 300), st.integers(0, 10_000), st.floats(100.0, 20_000.0))
def test_close_pairs_equal_kdtree(n: int, seed: int, r: float) -> None:
    """The sweep-and-prune pairs are exactly the k-d tree's `query_pairs`, in (i, j) order."""
    rng = np.random.default_rng(seed)
    pos = np.column_stack([rng.uniform(-1e5, 1e5, (n, 2)), rng.uniform(0, 5e3, n)])
    got = kernels.close_pairs(pos, r)
    ref = cKDTree(pos).query_pairs(r, output_type="ndarray") if n else np.zeros((0, 2), int)
    ref = ref[np.lexsort((ref[:, 1], ref[:, 0]))]
    assert np.array_equal(got, ref)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 200), st.integers(0, 60), st.integers(0, 10_000), st.integers(1, 6))
def test_nearest_within_equals_kdtree_query(m: int, n: int, seed: int, k: int) -> None:
    """Grid k-nearest within a per-query bound = k-d tree query, then the bound applied."""
    rng = np.random.default_rng(seed)
    z = np.column_stack([rng.uniform(-5e4, 5e4, (m, 2)), rng.uniform(0, 3e3, m)])
    pos = np.column_stack([rng.uniform(-6e4, 6e4, (n, 2)), rng.uniform(0, 3e3, n)])
    bound = rng.choice([500.0, 3e3, 1e4, 1e6], n) * rng.uniform(0.5, 1.5, n)
    k = min(k, m)
    dist, idx = kernels.nearest_within(z, pos, bound, k, 4_000.0)
    dk, jk = cKDTree(z).query(pos, k=k, distance_upper_bound=2e6)
    dk, jk = dk.reshape(n, k), jk.reshape(n, k)
    out = dk > bound[:, None]
    dk[out], jk[out] = np.inf, m
    assert np.array_equal(idx, jk) and np.array_equal(dist, dk)
