"""The multi-sensor tracker: plots in, `Tracks` out.

`Tracker.update(plots, t)` validates the plots (garbage is counted per sensor in
`tracker.rejected` and dropped), splits them into scan batches (one sensor, plots within
`batch_window` s of each other) and applies the batches in time order to one common track
table. That sequential update is the multi-sensor fusion: a target seen by two radars feeds
one track, never two. Per batch, in a fixed order:

1. candidates: a k-d tree on the batch's plots and a cheap CV extrapolation of every
   track's combined state pick the (track, plot) pairs that could pass the gate; only those
   tracks (those that can see a plot of this radar) are predicted exactly (batched
   `CVFilter` / `IMMFilter`); the others are left untouched at their last update;
2. exact chi-square gate on the candidate pairs and GNN association of plots to confirmed
   tracks, then of the remaining plots to tentative tracks;
3. Kalman/IMM update of the associated tracks (the combined state is cached per track);
4. start a tentative track on every plot left over (one-point initiation);
5. M-of-N confirmation, deletion of stale/lost tracks, duplicate evidence and merging
   (`MNManager.duplicates`).

At the end all tracks are extrapolated to t (per motion mode, no mode interaction),
classified, and returned.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.spatial import cKDTree

from skyshield.contracts import Plots
from skyshield.picture.association import GNNWith2DAssignment
from skyshield.picture.classify import SpeedAltitudeClassifier
from skyshield.picture.filters import (
    CVFilter,
    IMMFilter,
    ModeState,
    combine,
    combine_position,
    det3,
    propagate,
)
from skyshield.picture.gating import MahalanobisGate, chi2_gate
from skyshield.picture.management import MNManager, TrackTable
from skyshield.picture.tracks import Tracks

__all__ = ["Tracker", "TrackerConfig", "valid_plots"]


@dataclass(frozen=True)
class TrackerConfig:
    """Tracker parameters (SI units), declared once with their defaults."""

    filter: Literal["imm", "cv"] = "imm"  # motion model
    q_cv: float = 0.5  # CV-mode horizontal white-acceleration density [m²/s³]
    q_turn: float = 1.0  # CT-mode horizontal white-acceleration density [m²/s³]
    q_vertical: float = 0.5  # vertical white-acceleration density [m²/s³]
    turn_rate: float = 0.06  # CT-mode turn rate [rad/s]
    sojourn: float = 600.0  # IMM mean mode duration [s] (90 s gave 4x the label switches)
    p_cv0: float = 0.98  # IMM probability of the CV mode at initiation [-]
    straight_mu: float = 0.95  # picture: CV-mode probability above which a track is
    # extrapolated as flying straight (cheap) rather than per motion mode [-]
    init_vel_sigma: tuple[float, float, float] = (150.0, 150.0, 15.0)  # new-track velocity [m/s]
    gate_probability: float = 0.9999  # chi-square gate probability (3 dof) [-]
    neighbours: int = 6  # nearest plots tested per track [-]
    batch_window: float = 2.0  # plots of one sensor within this gap form one batch [s]
    manager: MNManager = field(default_factory=MNManager)  # confirmation / deletion rules
    max_xy: float = 5_000_000.0  # plots farther from the theatre origin are impossible [m]
    min_alt: float = -500.0  # lowest possible plot altitude [m]
    max_alt: float = 60_000.0  # highest possible plot altitude [m]
    max_sigma: float = 1_000_000.0  # largest credible plot standard deviation [m]


def valid_plots(plots: Plots, cfg: TrackerConfig) -> np.ndarray:
    """Mask of plots with finite values, a possible position and a positive-definite R."""
    n = len(plots)
    if n == 0:
        return np.zeros(0, bool)
    t, z, R = plots.t, plots.z, plots.R
    ok = np.isfinite(t) & np.isfinite(z).all(axis=1) & np.isfinite(R).all(axis=(1, 2))
    with np.errstate(all="ignore"):
        ok &= np.hypot(z[:, 0], z[:, 1]) <= cfg.max_xy
        ok &= (z[:, 2] >= cfg.min_alt) & (z[:, 2] <= cfg.max_alt)
        diag = np.diagonal(R, axis1=1, axis2=2)
        ok &= (diag > 1e-6).all(axis=1) & (diag < cfg.max_sigma**2).all(axis=1)
        scale = np.sqrt(np.abs(diag[:, :, None] * diag[:, None, :]))
        ok &= (np.abs(R - np.swapaxes(R, 1, 2)) <= 1e-6 * scale + 1e-9).all(axis=(1, 2))
        Rn = R / np.where(scale > 0, np.sqrt(scale), 1.0)  # correlation-like, unit diagonal
        minor2 = Rn[:, 0, 0] * Rn[:, 1, 1] - Rn[:, 0, 1] * Rn[:, 1, 0]
        ok &= (minor2 > 1e-9) & (det3(Rn) > 1e-9)
    return ok & np.isfinite(plots.sensor)


class Tracker:
    """Multi-sensor GNN tracker with batched CV/IMM filters; `update(plots, t) -> Tracks`."""

    def __init__(self, config: TrackerConfig | None = None) -> None:
        """Store the configuration and start with an empty picture."""
        self.config = config or TrackerConfig()
        cfg = self.config
        self.filter_: CVFilter = (
            IMMFilter(
                q_h=cfg.q_cv,
                q_v=cfg.q_vertical,
                q_turn=cfg.q_turn,
                turn_rate=cfg.turn_rate,
                sojourn=cfg.sojourn,
                p_cv0=cfg.p_cv0,
            )
            if cfg.filter == "imm"
            else CVFilter(cfg.q_cv, cfg.q_vertical)
        )
        gate = chi2_gate(cfg.gate_probability)
        self.gate_ = MahalanobisGate(gate, cfg.neighbours)
        self.associator_ = GNNWith2DAssignment(miss_cost=gate)
        self.classifier_ = SpeedAltitudeClassifier()
        self.table_ = TrackTable.empty(self.filter_.n_modes)
        # rows of table_ deleted during the update in progress (dropped at its end: one
        # table copy per update instead of one per scan batch)
        self.dead_ = np.zeros(0, bool)
        self.next_number_ = 1
        self.rejected: Counter[int] = Counter()  # dropped plots per sensor
        self.t_last_ = -np.inf

    # ------------------------------------------------------------------ public
    def update(self, plots: Plots, t: float) -> Tracks:
        """Apply all plots (any order, any sensors) and return the picture predicted to t."""
        ok = valid_plots(plots, self.config)
        if not ok.all():
            bad = plots.sensor[~ok]
            self.rejected.update(int(s) for s in bad)
        good = plots.select(ok)
        self.dead_ = np.zeros(len(self.table_), bool)
        if len(good):
            zs, Rs, tb = self._batches(good)
            for z, R, tbatch in zip(zs, Rs, tb, strict=True):
                self._process(z, R, float(tbatch))
        if np.isfinite(t):
            self._manage(float(t), None)
            self.t_last_ = float(t)
        if self.dead_.any():
            self.table_ = self.table_.compact(~self.dead_)
        self.dead_ = np.zeros(len(self.table_), bool)
        return self.picture(t)

    def picture(self, t: float) -> Tracks:
        """All live tracks predicted to t (x, P), with their class and confidence."""
        tab = self.table_
        if len(tab) == 0:
            return Tracks.empty()
        dt = np.maximum(np.nan_to_num(t - tab.t_update, nan=0.0), 0.0)
        # tracks flying straight (CV mode dominant): the CV extrapolation of the combined
        # state; the others (turning, or young) per motion mode
        modal = tab.state.mu[:, 0] < self.config.straight_mu
        x, P = self._cv_at(np.nonzero(~modal)[0], dt[~modal])
        if modal.any():
            xm, Pm = combine(self.filter_.extrapolate(tab.state.take(modal), dt[modal]))
            x_all, P_all = np.empty((len(tab), 6)), np.empty((len(tab), 6, 6))
            x_all[~modal], P_all[~modal] = x, P
            x_all[modal], P_all[modal] = xm, Pm
            x, P = x_all, P_all
        cls, conf = self.classifier_.classify(tab.speed, tab.alt, tab.n_feat)
        return Tracks(
            number=tab.number.copy(),
            x=x,
            P=P,
            cls=cls,
            cls_conf=conf,
            t_init=tab.t_init.copy(),
            t_update=tab.t_update.copy(),
            confirmed=tab.confirmed.copy(),
        )

    # ------------------------------------------------------------------ internals
    def _batches(self, p: Plots) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        """Split valid plots into per-sensor scan batches, ordered by batch time."""
        order = np.lexsort((p.t, p.sensor))
        s, t = p.sensor[order], p.t[order]
        new = np.r_[True, (np.diff(s) != 0) | (np.diff(t) > self.config.batch_window)]
        starts = np.nonzero(new)[0]
        bounds = np.r_[starts, s.size]
        tb = np.array([t[a:b].mean() for a, b in zip(bounds[:-1], bounds[1:], strict=True)])
        seq = np.argsort(tb, kind="stable")
        zs = [p.z[order[bounds[i] : bounds[i + 1]]] for i in seq]
        Rs = [p.R[order[bounds[i] : bounds[i + 1]]] for i in seq]
        return zs, Rs, tb[seq]

    def _extrapolate(self, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cheap CV extrapolation of every track's combined state: position (N,3), var trace.

        Used to pick the tracks worth a full filter prediction, for the deletion test and for
        duplicate checks; the trace includes the largest process noise of the filter.
        """
        tab, cfg = self.table_, self.config
        xc, Pc = tab.xc, tab.Pc
        pos = xc[:, :3] + dt[:, None] * xc[:, 3:]
        tr = lambda M: np.trace(M, axis1=1, axis2=2)  # noqa: E731
        q = 2.0 * max(cfg.q_cv, cfg.q_turn) + cfg.q_vertical
        var = (
            tr(Pc[:, :3, :3])
            + 2.0 * dt * tr(Pc[:, :3, 3:])
            + dt**2 * tr(Pc[:, 3:, 3:])
            + q * dt**3 / 3.0
        )
        return pos, var

    def _candidates(
        self, z: np.ndarray, R: np.ndarray, dt: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Candidate (track, plot) pairs that may pass the gate (k-d tree on the plots).

        For each track's `k` nearest plots a conservative Euclidean bound of the chi-square
        gate (|ν|² <= gate · trace(S)) around the cheap extrapolation, widened by the drift of
        a coordinated turn; only the tracks passing it are predicted exactly. Also returns
        the cheap extrapolation (positions, variance traces) of every track to the batch.
        """
        pos, var = ext = self._extrapolate(dt)
        # deleted rows (dead_) are not searched
        live = np.nonzero(~self.dead_)[0] if self.dead_.any() else None
        xc = self.table_.xc
        if live is not None:
            pos, var, dt, xc = pos[live], var[live], dt[live], xc[live]
        speed = np.linalg.norm(xc[:, 3:], axis=1)
        tr_r = np.trace(R, axis1=1, axis2=2)
        turn = self.config.turn_rate if self.config.filter == "imm" else 0.0
        margin = 0.5 * turn * speed * dt**2 + 100.0
        var2 = 2.0 * np.maximum(var, 0.0)
        bound = np.sqrt(self.gate_.gate * (var2 + tr_r.max())) + margin
        k = min(self.gate_.k, z.shape[0])
        tree = cKDTree(z)
        n = pos.shape[0]
        dist, j = np.full((n, k), np.inf), np.full((n, k), z.shape[0], dtype=np.intp)
        # the search radius is the largest bound of the tracks queried together: query the
        # bulk of the tracks (bounds near the median) apart from the few wide ones (young or
        # coasting tracks) so that the bulk searches a small ball; same pairs as one query
        wide = bound > 1.25 * np.median(bound) if n else np.zeros(0, bool)
        for grp in (~wide, wide):
            if grp.any():
                dg, jg = tree.query(pos[grp], k=k, distance_upper_bound=float(bound[grp].max()))
                dist[grp], j[grp] = dg.reshape(-1, k), jg.reshape(-1, k)
        hit = j < z.shape[0]
        tr_rj = np.where(hit, tr_r[np.minimum(j, z.shape[0] - 1)], 0.0)
        ok = hit & (dist <= np.sqrt(self.gate_.gate * (var2[:, None] + tr_rj)) + margin[:, None])
        ti, slot = np.nonzero(ok)
        pj = j[ti, slot]
        return (ti if live is None else live[ti]), pj, ext

    def _process(self, z: np.ndarray, R: np.ndarray, tb: float) -> None:
        """One scan batch: predict (gateable tracks only), gate, associate, update, manage."""
        tab = self.table_
        m = z.shape[0]
        used = np.zeros(m, bool)
        updated = np.zeros(len(tab), bool)
        if len(tab):
            dt = np.maximum(tb - tab.t_update, 0.0)
            ct, cp, ext = self._candidates(z, R, dt)
            if ct.size:
                cand, cti = np.unique(ct, return_inverse=True)
                pred = self.filter_.predict(tab.state.take(cand), dt[cand])
                xp, Pp = combine_position(pred)
                ti, pi, d2 = self.gate_.test(cti, cp, xp, Pp, z, R)
                conf = tab.confirmed[cand]
                trk_all, plt_all = [], []
                for stage in (conf[ti], ~conf[ti]):
                    sel = stage & ~used[pi]
                    if not sel.any():
                        continue
                    at, ap = self.associator_.associate(ti[sel], pi[sel], d2[sel], cand.size, m)
                    trk_all.append(at)
                    plt_all.append(ap)
                    used[ap] = True
                if trk_all and ti_any(trk_all):
                    ci = np.concatenate(trk_all)
                    pi = np.concatenate(plt_all)
                    self._apply(pred.take(ci), cand[ci], z[pi], R[pi], tb)
                    updated[cand[ci]] = True
            # the extrapolation to tb changed only for the updated tracks (now at dt = 0)
            pos, var = ext
            pos[updated] = tab.xc[updated, :3]
            var[updated] = np.trace(tab.Pc[updated, :3, :3], axis1=1, axis2=2)
            self._manage(tb, updated, (pos, var))
        free = np.nonzero(~used)[0]
        if free.size:
            self._initiate(z[free], R[free], tb)

    def _apply(self, pred: ModeState, rows: np.ndarray, z: np.ndarray, R: np.ndarray, tb: float):
        """Filter update of the table rows `rows` (predicted `pred`) with their plots."""
        tab = self.table_
        upd = self.filter_.update(pred, z, R)
        tab.state.put(rows, upd)
        xu, Pu = combine(upd)
        tab.xc[rows], tab.Pc[rows] = xu, Pu
        tab.t_update[rows] = tb
        had_velocity = tab.hits[rows] >= 1
        tab.hits[rows] += 1
        sp, al, nf = self.classifier_.update_features(
            tab.speed[rows], tab.alt[rows], tab.n_feat[rows], xu
        )
        f = rows[had_velocity]
        tab.speed[f] = sp[had_velocity]
        tab.alt[f] = al[had_velocity]
        tab.n_feat[f] = nf[had_velocity]

    def _initiate(self, z: np.ndarray, R: np.ndarray, tb: float) -> None:
        """Start tentative tracks on unassociated plots (numbers from the run counter)."""
        n = z.shape[0]
        state: ModeState = self.filter_.initiate(z, R, np.asarray(self.config.init_vel_sigma))
        numbers = np.arange(self.next_number_, self.next_number_ + n, dtype=np.int64)
        self.next_number_ += n
        new = TrackTable(
            number=numbers,
            state=state,
            t_init=np.full(n, tb),
            t_update=np.full(n, tb),
            hits=np.ones(n, np.int64),
            confirmed=np.zeros(n, bool),
            speed=np.zeros(n),
            alt=z[:, 2].copy(),
            n_feat=np.zeros(n, np.int64),
            xc=state.x[:, 0].copy(),
            Pc=state.P[:, 0].copy(),
            dup_partner=np.full(n, -1, np.int64),
            dup_count=np.zeros(n, np.int64),
        )
        self.table_ = self.table_.extend(new)
        self.dead_ = np.r_[self.dead_, np.zeros(n, bool)]

    def _manage(
        self,
        t: float,
        updated: np.ndarray | None,
        ext: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """Confirm, then drop stale, lost and duplicate tracks at time t.

        `updated` marks the tracks that took a plot in the batch just applied (None: no
        batch, only the time-based rules run); `ext` is `_extrapolate` to t when known.
        """
        tab = self.table_
        if len(tab) == 0:
            return
        mgr = self.config.manager
        mgr.confirm(tab)
        dt = np.maximum(t - tab.t_update, 0.0)
        pos, pos_var = self._extrapolate(dt) if ext is None else ext
        alive = ~self.dead_
        keep = mgr.keep_mask(tab, t, pos_var) & alive
        if updated is not None and updated.any():
            keep &= ~mgr.duplicates(
                tab, pos, lambda rows: self._cv_at(rows, dt[rows]), updated, alive
            )
        self.dead_ = ~keep  # rows dropped at the end of the update

    def _cv_at(self, rows: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Combined states of table rows extrapolated dt with the CV model (x (K,6), P)."""
        cfg = self.config
        tab = self.table_
        xc, Pc = tab.xc[rows][:, None], tab.Pc[rows][:, None]
        x, P = propagate(xc, Pc, dt, np.zeros(1), [cfg.q_cv], [cfg.q_vertical])
        return x[:, 0], P[:, 0]


def ti_any(parts: list[np.ndarray]) -> bool:
    """True when any associated-track array in the list is non-empty."""
    return any(p.size for p in parts)
