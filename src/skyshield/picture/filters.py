"""Batched Kalman filters over all tracks at once: `CVFilter` and `IMMFilter` (CV + CT).

State ``[px, py, pz, vx, vy, vz]`` in the theatre frame [m, m/s]; measurements are positions
(H = [I 0]). A filter state is a `ModeState`: per track and per motion mode a mean and a
covariance plus the mode probabilities, so the single-model `CVFilter` is the one-mode case
of the same arrays and the tracker handles both alike. Every operation is numpy over
(tracks, modes); there is no Python loop over tracks.

Motion modes are fixed-rate coordinated turns in the horizontal plane with turn rate
``omega`` (omega = 0 is constant velocity), constant vertical velocity, and continuous white
acceleration noise of spectral density ``q_h`` (horizontal) and ``q_v`` (vertical) [m²/s³].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "CVFilter",
    "IMMFilter",
    "ModeState",
    "combine",
    "combine_position",
    "det3",
    "inv3",
    "propagate",
    "transition",
]

LOG2PI = float(np.log(2.0 * np.pi))
_GROUP = 48  # `propagate`: time steps shared by at least this many tracks are done at once


@dataclass
class ModeState:
    """Per-track, per-mode Gaussian mixture: the filter's state for N tracks and M modes."""

    x: np.ndarray  # (N, M, 6) mode means [m, m/s]
    P: np.ndarray  # (N, M, 6, 6) mode covariances
    mu: np.ndarray  # (N, M) mode probabilities [-]

    def take(self, idx: np.ndarray) -> ModeState:
        """Rows for the given track indices (mask or integer array)."""
        return ModeState(self.x[idx], self.P[idx], self.mu[idx])

    def put(self, idx: np.ndarray, other: ModeState) -> None:
        """Write `other` into rows `idx` in place."""
        self.x[idx] = other.x
        self.P[idx] = other.P
        self.mu[idx] = other.mu

    @staticmethod
    def concat(a: ModeState, b: ModeState) -> ModeState:
        """Stack two states along the track axis."""
        return ModeState(
            np.concatenate([a.x, b.x]), np.concatenate([a.P, b.P]), np.concatenate([a.mu, b.mu])
        )

    def __len__(self) -> int:
        """Number of tracks."""
        return int(self.x.shape[0])


def inv3(S: np.ndarray) -> np.ndarray:
    """Inverse of a stack of 3x3 matrices by cofactors (faster than np.linalg for 3x3)."""
    a, b, c = S[..., 0, 0], S[..., 0, 1], S[..., 0, 2]
    d, e, f = S[..., 1, 0], S[..., 1, 1], S[..., 1, 2]
    g, h, i = S[..., 2, 0], S[..., 2, 1], S[..., 2, 2]
    A, B, C = e * i - f * h, -(d * i - f * g), d * h - e * g
    det = a * A + b * B + c * C
    out = np.empty_like(S)
    out[..., 0, 0], out[..., 1, 0], out[..., 2, 0] = A, B, C
    out[..., 0, 1] = -(b * i - c * h)
    out[..., 1, 1] = a * i - c * g
    out[..., 2, 1] = -(a * h - b * g)
    out[..., 0, 2] = b * f - c * e
    out[..., 1, 2] = -(a * f - c * d)
    out[..., 2, 2] = a * e - b * d
    return out / det[..., None, None]


def det3(S: np.ndarray) -> np.ndarray:
    """Determinant of a stack of 3x3 matrices."""
    return (
        S[..., 0, 0] * (S[..., 1, 1] * S[..., 2, 2] - S[..., 1, 2] * S[..., 2, 1])
        - S[..., 0, 1] * (S[..., 1, 0] * S[..., 2, 2] - S[..., 1, 2] * S[..., 2, 0])
        + S[..., 0, 2] * (S[..., 1, 0] * S[..., 2, 1] - S[..., 1, 1] * S[..., 2, 0])
    )


def transition(
    dt: np.ndarray, omega: np.ndarray, q_h: np.ndarray, q_v: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """F, Q of shape (N, M, 6, 6) for time steps dt (N,) and modes (M,) (omega=0 is CV)."""
    dt = np.asarray(dt, dtype=float)
    if dt.size > 8:
        # scans come at a few distinct intervals: build each once, then gather
        u, inv = np.unique(dt, return_inverse=True)
        if u.size < dt.size // 2:
            F, Q = transition(u, omega, q_h, q_v)
            return F[inv], Q[inv]
    dt = dt[:, None]
    w = np.asarray(omega, dtype=float)[None, :]
    wt = w * dt
    small = np.abs(w) < 1e-9
    safe_w = np.where(small, 1.0, w)
    s, c = np.sin(wt), np.cos(wt)
    a = np.where(small, dt, s / safe_w)  # sin(wT)/w
    b = np.where(small, 0.0, (1.0 - c) / safe_w)  # (1-cos wT)/w
    shape = (dt.shape[0], w.shape[1])
    F = np.zeros(shape + (6, 6))
    F[..., 0, 0] = F[..., 1, 1] = F[..., 2, 2] = 1.0
    F[..., 0, 3], F[..., 0, 4] = a, -b
    F[..., 1, 3], F[..., 1, 4] = b, a
    F[..., 2, 5] = dt
    F[..., 3, 3], F[..., 3, 4] = c, -s
    F[..., 4, 3], F[..., 4, 4] = s, c
    F[..., 5, 5] = 1.0
    Q = np.zeros(shape + (6, 6))
    dt3, dt2 = dt**3 / 3.0, dt**2 / 2.0
    for ax, q in ((0, q_h), (1, q_h), (2, q_v)):
        qa = np.asarray(q, dtype=float)[None, :]
        Q[..., ax, ax] = dt3 * qa
        Q[..., ax, ax + 3] = Q[..., ax + 3, ax] = dt2 * qa
        Q[..., ax + 3, ax + 3] = dt * qa
    return F, Q


def combine(state: ModeState) -> tuple[np.ndarray, np.ndarray]:
    """Moment-matched single Gaussian (x (N,6), P (N,6,6)) of the mode mixture."""
    mu = state.mu
    n, m = mu.shape
    if m == 1:
        return state.x[:, 0], state.P[:, 0]
    x = (mu[:, None, :] @ state.x)[:, 0]
    dx = state.x - x[:, None, :]
    w = np.sqrt(mu)[..., None] * dx  # (N,M,6): spread of the means as a weighted outer sum
    P = (mu[:, None, :] @ state.P.reshape(n, m, 36)).reshape(n, 6, 6)
    P += np.swapaxes(w, 1, 2) @ w
    return x, P


def combine_position(state: ModeState) -> tuple[np.ndarray, np.ndarray]:
    """Position part only of `combine`: mean (N,3) and covariance (N,3,3) (for gating)."""
    mu = state.mu
    n, m = mu.shape
    if m == 1:
        return state.x[:, 0, :3], state.P[:, 0, :3, :3]
    xm = state.x[..., :3]
    x = (mu[:, None, :] @ xm)[:, 0]
    w = np.sqrt(mu)[..., None] * (xm - x[:, None, :])
    P = (mu[:, None, :] @ state.P[:, :, :3, :3].reshape(n, m, 9)).reshape(n, 3, 3)
    P += np.swapaxes(w, 1, 2) @ w
    return x, P


def _predict_modes(state: ModeState, F: np.ndarray, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x⁻ = F x, P⁻ = F P Fᵀ + Q per track and mode."""
    x = (F @ state.x[..., None])[..., 0]
    P = F @ state.P @ np.swapaxes(F, -1, -2) + Q
    return x, P


def propagate(
    x: np.ndarray,
    P: np.ndarray,
    dt: np.ndarray,
    omega: np.ndarray,
    q_h: np.ndarray,
    q_v: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """x⁻ = F x, P⁻ = F P Fᵀ + Q for means x (N,M,6), covariances P (N,M,6,6), steps dt (N,).

    Same numbers as `transition` then `_predict_modes`, faster: tracks come at a few distinct
    time steps (one per earlier scan batch), so each step's F, Q is built once and applied to
    its group of tracks, without gathering an F and a Q per track.
    """
    dt = np.asarray(dt, dtype=float)
    u, inv, cnt = np.unique(dt, return_inverse=True, return_counts=True)
    F, Q = transition(u, omega, q_h, q_v)
    if u.size == 1:
        return (F[0] @ x[..., None])[..., 0], F[0] @ P @ np.swapaxes(F[0], -1, -2) + Q[0]
    Ft = np.swapaxes(F, -1, -2)
    xo, Po = np.empty_like(x), np.empty_like(P)
    big = cnt >= _GROUP
    order = np.argsort(inv, kind="stable")
    ends = np.cumsum(cnt)
    for g in np.nonzero(big)[0]:
        r = order[ends[g] - cnt[g] : ends[g]]
        xo[r] = (F[g] @ x[r][..., None])[..., 0]
        Po[r] = F[g] @ P[r] @ Ft[g] + Q[g]
    # the few tracks at rare time steps: one F, Q gathered per track
    r = np.nonzero(~big[inv])[0]
    if r.size:
        Fr, Qr = F[inv[r]], Q[inv[r]]
        xo[r] = (Fr @ x[r][..., None])[..., 0]
        Po[r] = Fr @ P[r] @ np.swapaxes(Fr, -1, -2) + Qr
    return xo, Po


def _update_modes(
    x: np.ndarray, P: np.ndarray, z: np.ndarray, R: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Position-measurement Kalman update per mode; returns x⁺, P⁺ and log-likelihood (N,M)."""
    S = P[..., :3, :3] + R[:, None]
    Si = inv3(S)
    PHt = P[..., :, :3]  # (N,M,6,3)
    K = PHt @ Si
    nu = z[:, None, :] - x[..., :3]
    x_new = x + (K @ nu[..., None])[..., 0]
    P_new = P - K @ np.swapaxes(PHt, -1, -2)
    P_new = 0.5 * (P_new + np.swapaxes(P_new, -1, -2))
    d2 = (nu[..., None, :] @ Si @ nu[..., None])[..., 0, 0]
    ll = -0.5 * (d2 + np.log(np.maximum(det3(S), 1e-300)) + 3 * LOG2PI)
    return x_new, P_new, ll


@dataclass(frozen=True)
class CVFilter:
    """Constant-velocity Kalman filter, batched over tracks (one mode of `ModeState`)."""

    q_h: float = 1.0  # horizontal white-acceleration density [m²/s³]
    q_v: float = 0.5  # vertical white-acceleration density [m²/s³]

    @property
    def n_modes(self) -> int:
        """Number of motion modes (1)."""
        return 1

    def initiate(self, z: np.ndarray, R: np.ndarray, vel_sigma: np.ndarray) -> ModeState:
        """One-point initiation: position from the plot, zero velocity with sigma (3,) [m/s]."""
        n = z.shape[0]
        x = np.zeros((n, self.n_modes, 6))
        x[:, :, :3] = z[:, None]
        P = np.zeros((n, self.n_modes, 6, 6))
        P[:, :, :3, :3] = R[:, None]
        P[:, :, 3:, 3:] = np.diag(np.asarray(vel_sigma, dtype=float) ** 2)
        mu = np.full((n, self.n_modes), 1.0 / self.n_modes)
        return ModeState(x, P, mu)

    def predict(self, state: ModeState, dt: np.ndarray) -> ModeState:
        """State predicted dt (N,) [s] ahead (dt < 0 is clamped to 0)."""
        x, P = propagate(state.x, state.P, np.maximum(dt, 0.0), np.zeros(1), [self.q_h], [self.q_v])
        return ModeState(x, P, state.mu.copy())

    def extrapolate(self, state: ModeState, dt: np.ndarray) -> ModeState:
        """Output prediction dt (N,) [s] ahead for display (same as `predict` for one mode)."""
        return self.predict(state, dt)

    def update(self, state: ModeState, z: np.ndarray, R: np.ndarray) -> ModeState:
        """Predicted state updated with one position plot per track (z (N,3), R (N,3,3))."""
        x, P, _ = _update_modes(state.x, state.P, z, R)
        return ModeState(x, P, state.mu.copy())


@dataclass(frozen=True)
class IMMFilter(CVFilter):
    """Interacting multiple model: CV plus left/right coordinated turns, batched over tracks."""

    q_h: float = 1.0  # CV mode horizontal noise density [m²/s³]
    q_v: float = 0.5  # vertical noise density, all modes [m²/s³]
    q_turn: float = 1.0  # CT modes horizontal noise density [m²/s³]
    turn_rate: float = 0.06  # CT modes turn rate magnitude [rad/s] (~2 g at 300 m/s)
    sojourn: float = 600.0  # mean time spent in a mode [s]
    p_cv0: float = 0.98  # probability of the CV mode at initiation [-]

    @property
    def n_modes(self) -> int:
        """Number of motion modes (CV, CT left, CT right)."""
        return 3

    def _modes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Turn rate, horizontal and vertical noise per mode."""
        w = np.array([0.0, self.turn_rate, -self.turn_rate])
        return w, np.array([self.q_h, self.q_turn, self.q_turn]), np.full(3, self.q_v)

    def initiate(self, z: np.ndarray, R: np.ndarray, vel_sigma: np.ndarray) -> ModeState:
        """One-point initiation as `CVFilter`, starting in the CV mode with `p_cv0`."""
        state = super().initiate(z, R, vel_sigma)
        state.mu[:, 0] = self.p_cv0
        state.mu[:, 1:] = (1.0 - self.p_cv0) / (self.n_modes - 1)
        return state

    def predict(self, state: ModeState, dt: np.ndarray) -> ModeState:
        """IMM interaction (mixing) then per-mode prediction over dt (N,) [s]."""
        dt = np.maximum(np.asarray(dt, dtype=float), 0.0)
        n, M = state.mu.shape
        p_sw = 1.0 - np.exp(-dt / self.sojourn)  # (N,)
        Pi = np.broadcast_to(p_sw[:, None, None] / (M - 1), (n, M, M)).copy()
        Pi[:, np.arange(M), np.arange(M)] = 1.0 - p_sw[:, None]
        c = (state.mu[:, None, :] @ Pi)[:, 0]  # predicted mode probabilities (N, M)
        mix = state.mu[:, :, None] * Pi / np.maximum(c[:, None, :], 1e-300)  # mu_{i|j}
        mixT = np.swapaxes(mix, 1, 2)  # (N, j, i)
        # mixed means and covariances with the spread of the means,
        # P0_j = sum_i mu_{i|j} (P_i + (x_i - x0_j)(x_i - x0_j)^T), computed with the means
        # relative to mode 0 (no cancellation): sum_i mu_{i|j} (P_i + d_i d_i^T) - e_j e_j^T,
        # d_i = x_i - x_0, e_j = x0_j - x_0
        d = state.x - state.x[:, :1]  # (N, i, 6)
        e = mixT @ d  # (N, j, 6)
        x0 = state.x[:, :1] + e
        # (outer products by einsum: the same products, faster than broadcasting)
        Pd = state.P + np.einsum("nmi,nmj->nmij", d, d)
        P0 = (mixT @ Pd.reshape(n, M, 36)).reshape(n, M, 6, 6)
        P0 -= np.einsum("nmi,nmj->nmij", e, e)
        x, P = propagate(x0, P0, dt, *self._modes())
        return ModeState(x, P, c)

    def extrapolate(self, state: ModeState, dt: np.ndarray) -> ModeState:
        """Output prediction: every mode with its own model, no interaction (cheaper than
        `predict`; the same mixture when no mode switch happens within dt)."""
        dt = np.maximum(np.asarray(dt, dtype=float), 0.0)
        x, P = propagate(state.x, state.P, dt, *self._modes())
        return ModeState(x, P, state.mu.copy())

    def update(self, state: ModeState, z: np.ndarray, R: np.ndarray) -> ModeState:
        """Per-mode Kalman update and mode-probability update from the likelihoods."""
        x, P, ll = _update_modes(state.x, state.P, z, R)
        lw = ll + np.log(np.maximum(state.mu, 1e-300))
        lw -= lw.max(axis=1, keepdims=True)
        mu = np.exp(lw)
        mu /= mu.sum(axis=1, keepdims=True)
        mu = np.maximum(mu, 1e-6)
        mu /= mu.sum(axis=1, keepdims=True)
        return ModeState(x, P, mu)
