"""The multi-sensor tracker: plots in, `Tracks` out.

`Tracker.update(plots, t)` validates the plots (garbage is counted per sensor in
`tracker.rejected` and dropped), splits them into scan batches (one sensor, plots within
`batch_window` s of each other) and applies the batches in time order to one common track
table. That sequential update is the multi-sensor fusion: a target seen by two radars feeds
one track, never two. Per batch, in a fixed order:

1. candidates: a grid on the batch's plots (nearest plots within a search ball) and a cheap
   CV extrapolation of every track's combined state pick the (track, plot) pairs that could
   pass the gate; only those tracks (those that can see a plot of this radar) are predicted
   exactly (batched `CVFilter` / `IMMFilter`); the others are left untouched at their last
   update;
2. exact chi-square gate on the candidate pairs and GNN association of plots to confirmed
   tracks, then of the remaining plots to tentative tracks;
3. Kalman/IMM update of the associated tracks (the combined state is cached per track);
4. start a tentative track on every plot left over (one-point initiation);
5. M-of-N confirmation, deletion of stale/lost tracks, duplicate evidence and merging
   (`MNManager.duplicates`).

At the end of `update` all tracks are extrapolated to t (per motion mode, no mode
interaction), classified, and returned. `ingest` does the same work without building the
picture and `picture(t)` builds it when a consumer reads it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from skyshield.contracts import Plots
from skyshield.picture.association import GNNWith2DAssignment
from skyshield.picture.classify import SpeedAltitudeClassifier
from skyshield.picture.filters import (
    CVFilter,
    IMMFilter,
    ModeState,
    combine,
    combine_position,
)
from skyshield.picture.gating import MahalanobisGate, chi2_gate
from skyshield.picture.kernels import (
    cv_position,
    cv_propagate,
    gate_bounds,
    gate_prefilter,
    nearest_within,
    store,
    valid_mask,
)
from skyshield.picture.management import MNManager, TrackTable
from skyshield.picture.screen import screen_plots
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
    if len(plots) == 0:
        return np.zeros(0, bool)
    f8 = np.float64
    return valid_mask(
        np.ascontiguousarray(plots.t, f8),
        np.ascontiguousarray(plots.z, f8),
        np.ascontiguousarray(plots.R, f8),
        float(cfg.max_xy),
        float(cfg.min_alt),
        float(cfg.max_alt),
        float(cfg.max_sigma),
    )


class Tracker:
    """Multi-sensor GNN tracker with batched CV/IMM filters; `update(plots, t) -> Tracks`."""

    builds_some = True  # `picture(t, numbers=...)` builds only the tracks asked for

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
        self.ingest(plots, t)
        return self.picture(t)

    def ingest(self, plots: Plots, t: float) -> None:
        """Apply all plots (any order, any sensors) and the time-based rules up to t.

        The cheap half of `update`: the track table moves on, no picture is built. A
        consumer that reads the picture less often than radars deliver (decide re-plans
        every few seconds) calls `ingest` per batch and `picture` when it reads.
        """
        good, dropped = screen_plots(plots, self.config, self.t_last_, valid_plots)
        self.rejected.update(dropped)
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

    def picture(self, t: float, confirmed_only: bool = False,
                numbers: np.ndarray | None = None) -> Tracks:
        """Live tracks (or only the confirmed ones) predicted to t, with class and confidence.

        Built on demand from the track table; `picture(t, True)` is
        `picture(t).confirmed_only()` without predicting the tentative tracks. With
        `numbers`, only the tracks of those numbers: the same rows, in the same order and
        to the same bits, as they have in the whole picture (every track is predicted and
        classified on its own), for a reader that needs a few tracks only.
        """
        tab = self.table_
        keep = tab.confirmed if confirmed_only else None
        if numbers is not None:
            want = np.isin(tab.number, numbers)
            keep = want if keep is None else keep & want
        rows = np.nonzero(keep)[0] if keep is not None else np.arange(len(tab))
        n = rows.size
        if n == 0:
            return Tracks.empty()
        dt = np.maximum(np.nan_to_num(t - tab.t_update[rows], nan=0.0), 0.0)
        # tracks flying straight (CV mode dominant): the CV extrapolation of the combined
        # state; the others (turning, or young) per motion mode
        modal = tab.state.mu[rows, 0] < self.config.straight_mu
        x, P = self._cv_at(rows[~modal], dt[~modal])
        if modal.any():
            xm, Pm = combine(self.filter_.extrapolate(tab.state, dt[modal], rows[modal]))
            x_all, P_all = np.empty((n, 6)), np.empty((n, 6, 6))
            x_all[~modal], P_all[~modal] = x, P
            x_all[modal], P_all[modal] = xm, Pm
            x, P = x_all, P_all
        cls, conf = self.classifier_.classify(tab.speed[rows], tab.alt[rows], tab.n_feat[rows])
        return Tracks(
            number=tab.number[rows],
            x=x,
            P=P,
            cls=cls,
            cls_conf=conf,
            t_init=tab.t_init[rows],
            t_update=tab.t_update[rows],
            confirmed=tab.confirmed[rows],
        )

    # ------------------------------------------------------------------ internals
    def _batches(self, p: Plots) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        """Split valid plots into per-sensor scan batches, ordered by batch time."""
        s0 = p.sensor[0]
        if (p.sensor == s0).all() and p.t.max() - p.t.min() <= self.config.batch_window:
            # one scan of one radar (the usual call in a run): one batch, in time order
            order = np.argsort(p.t, kind="stable")
            return [p.z[order]], [p.R[order]], np.array([p.t[order].mean()])
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
        cfg = self.config
        q = 2.0 * max(cfg.q_cv, cfg.q_turn) + cfg.q_vertical
        return cv_position(self.table_.xc, self.table_.Pc, dt, q)

    def _candidates(
        self, z: np.ndarray, R: np.ndarray, dt: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Candidate (track, plot) pairs that may pass the gate (a grid on the plots).

        For each track's `k` nearest plots inside its search ball (`kernels.nearest_within`,
        the pairs of a k-d tree query with a distance bound) a conservative Euclidean bound of
        the chi-square gate (|ν|² <= gate · trace(S)) around the cheap extrapolation, widened
        by the drift of a coordinated turn; only the tracks passing it are predicted exactly.
        Also returns the cheap extrapolation (positions, variance traces) of every track to
        the batch.
        """
        pos, var = ext = self._extrapolate(dt)
        # deleted rows (dead_) are not searched
        live = np.nonzero(~self.dead_)[0] if self.dead_.any() else None
        xc = self.table_.xc
        if live is not None:
            pos, var, dt, xc = pos[live], var[live], dt[live], xc[live]
        tr_r = np.trace(R, axis1=1, axis2=2)
        turn = self.config.turn_rate if self.config.filter == "imm" else 0.0
        gate = self.gate_.gate
        bound, var2, margin = gate_bounds(xc, var, dt, turn, gate, float(tr_r.max()))
        k = min(self.gate_.k, z.shape[0])
        # grid cells about the size of the typical search ball (cell 0: the median bound)
        dist, j = nearest_within(np.ascontiguousarray(z), pos, bound, k, 0.0)
        ti, pj = gate_prefilter(dist, j, z.shape[0], tr_r, var2, margin, gate)
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
                pred = self.filter_.predict(tab.state, dt[cand], cand)
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
                    self._apply(pred, ci, cand[ci], z[pi], R[pi], tb)
                    updated[cand[ci]] = True
            # the extrapolation to tb changed only for the updated tracks (now at dt = 0)
            pos, var = ext
            pos[updated] = tab.xc[updated, :3]
            var[updated] = np.trace(tab.Pc[updated, :3, :3], axis1=1, axis2=2)
            self._manage(tb, updated, (pos, var))
        free = np.nonzero(~used)[0]
        if free.size:
            self._initiate(z[free], R[free], tb)

    def _apply(
        self,
        pred: ModeState,
        sel: np.ndarray,
        rows: np.ndarray,
        z: np.ndarray,
        R: np.ndarray,
        tb: float,
    ) -> None:
        """Filter update of table rows `rows` (predicted: rows `sel` of `pred`) with plots."""
        tab = self.table_
        upd = self.filter_.update(pred, z, R, sel)
        st = tab.state
        xu = store(upd.x, upd.P, upd.mu, rows, st.x, st.P, st.mu, tab.xc, tab.Pc)
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
        self.dead_ = np.concatenate([self.dead_, np.zeros(n, bool)])

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
                tab, pos, dt, updated, alive, (self.config.q_cv, self.config.q_vertical)
            )
        self.dead_ = ~keep  # rows dropped at the end of the update

    def _cv_at(self, rows: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Combined states of table rows extrapolated dt with the CV model (x (K,6), P)."""
        cfg = self.config
        tab = self.table_
        return cv_propagate(tab.xc[rows], tab.Pc[rows], dt, cfg.q_cv, cfg.q_vertical)


def ti_any(parts: list[np.ndarray]) -> bool:
    """True when any associated-track array in the list is non-empty."""
    return any(p.size for p in parts)


def warm_up() -> float:
    """Compile (or load from numba's disk cache) every tracker kernel; CPU seconds taken.

    A live server calls this before it answers, so the first plots are not held up by 20-40 s
    of one-time compilation after an install. The tracks are thrown away.
    """
    import time

    t0 = time.process_time()
    R = np.broadcast_to(np.diag([150.0, 150.0, 300.0]) ** 2, (4, 3, 3))
    for filt in ("imm", "cv"):
        trk = Tracker(TrackerConfig(filter=filt))
        for k in range(8):  # two radars, two close targets (duplicates) and a lone one
            t = 4.0 * k
            z = np.array([[50.0 * t, 0.0, 1e3], [50.0 * t, 40.0, 1e3],
                          [-4e4, 60.0 * t, 3e3], [9e4, -9e4, 5e3]])
            trk.update(Plots.from_arrays(t, k % 2, z, R), t + 1.0)
    return time.process_time() - t0
