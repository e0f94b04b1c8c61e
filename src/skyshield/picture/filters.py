"""Batched Kalman filters over all tracks at once: `CVFilter` and `IMMFilter` (CV + CT).

State ``[px, py, pz, vx, vy, vz]`` in the theatre frame [m, m/s]; measurements are positions
(H = [I 0]). A filter state is a `ModeState`: per track and per motion mode a mean and a
covariance plus the mode probabilities, so the single-model `CVFilter` is the one-mode case
of the same arrays and the tracker handles both alike. Every operation is batched over
(tracks, modes): compiled kernels (`picture.kernels`) do the per-track algebra; there is no
Python loop over tracks.

Motion modes are fixed-rate coordinated turns in the horizontal plane with turn rate
``omega`` (omega = 0 is constant velocity), constant vertical velocity, and continuous white
acceleration noise of spectral density ``q_h`` (horizontal) and ``q_v`` (vertical) [m²/s³].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skyshield.picture import kernels

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
    return kernels.combine(state.x, state.P, state.mu)


def combine_position(state: ModeState) -> tuple[np.ndarray, np.ndarray]:
    """Position part only of `combine`: mean (N,3) and covariance (N,3,3) (for gating)."""
    return kernels.combine_position(state.x, state.P, state.mu)


def propagate(
    x: np.ndarray,
    P: np.ndarray,
    dt: np.ndarray,
    omega: np.ndarray,
    q_h: np.ndarray,
    q_v: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """x⁻ = F x, P⁻ = F P Fᵀ + Q for means x (N,M,6), covariances P (N,M,6,6), steps dt (N,).

    The same F and Q as `transition`, applied per track and mode by a compiled kernel.
    """
    f8 = np.float64
    x = np.ascontiguousarray(x, f8)
    return kernels.propagate(
        x,
        np.ascontiguousarray(P, f8),
        np.arange(x.shape[0]),
        np.ascontiguousarray(dt, f8).reshape(-1),
        np.asarray(omega, f8).reshape(-1),
        np.asarray(q_h, f8).reshape(-1),
        np.asarray(q_v, f8).reshape(-1),
    )


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

    def _modes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Turn rate, horizontal and vertical noise per mode."""
        return np.zeros(1), np.array([self.q_h]), np.array([self.q_v])

    def predict(
        self, state: ModeState, dt: np.ndarray, rows: np.ndarray | None = None
    ) -> ModeState:
        """State (of rows `rows` only, if given) predicted dt [s] ahead (dt < 0 counts as 0)."""
        return self.extrapolate(state, dt, rows)

    def extrapolate(
        self, state: ModeState, dt: np.ndarray, rows: np.ndarray | None = None
    ) -> ModeState:
        """Output prediction dt [s] ahead per motion mode, no interaction (of rows `rows`)."""
        rows = _rows(state, rows)
        dt = np.maximum(np.asarray(dt, dtype=float).reshape(-1), 0.0)
        x, P = kernels.propagate(state.x, state.P, rows, dt, *self._modes())
        return ModeState(x, P, state.mu[rows])

    def update(
        self, state: ModeState, z: np.ndarray, R: np.ndarray, rows: np.ndarray | None = None
    ) -> ModeState:
        """Predicted state (rows `rows`) updated with one position plot per track (z, R)."""
        rows = _rows(state, rows)
        return ModeState(*kernels.kalman_update(state.x, state.P, state.mu, rows, z, R, False))


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

    def predict(
        self, state: ModeState, dt: np.ndarray, rows: np.ndarray | None = None
    ) -> ModeState:
        """IMM interaction (mixing) then per-mode prediction over dt [s] (of rows `rows`)."""
        rows = _rows(state, rows)
        dt = np.maximum(np.asarray(dt, dtype=float).reshape(-1), 0.0)
        modes = self._modes()
        x, P, c = kernels.imm_predict(state.x, state.P, state.mu, rows, dt, *modes, self.sojourn)
        return ModeState(x, P, c)

    def update(
        self, state: ModeState, z: np.ndarray, R: np.ndarray, rows: np.ndarray | None = None
    ) -> ModeState:
        """Per-mode Kalman update and mode-probability update from the likelihoods."""
        rows = _rows(state, rows)
        return ModeState(*kernels.kalman_update(state.x, state.P, state.mu, rows, z, R, True))


def _rows(state: ModeState, rows: np.ndarray | None) -> np.ndarray:
    """The row indices a filter operation reads (all rows when None)."""
    return np.arange(len(state)) if rows is None else np.asarray(rows, dtype=np.int64)
