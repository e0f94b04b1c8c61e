"""Track management: the live track table, M-of-N confirmation, coasting, deletion, merging.

Confirmation is M-of-N per revisit: a tentative track is confirmed once it has `confirm_m`
plots within its first `confirm_n` revisit intervals (`revisit` s, the slowest scan period
expected); one that fails is deleted, as is one silent for `tentative_coast` s. A confirmed
track without plots coasts (its prediction grows) and is deleted when it has been silent
longer than a live target of *its own* hit rate would plausibly be: the track's probability
of detection per revisit is estimated from its history, p = (hits - 1 + `prior_hits`) /
(revisits + `prior_revisits`) (the initiating plot not counted; the prior, 4 hits in 5
revisits, keeps a young track that scraped through confirmation, often a split or a clutter
track, from coasting long), and the track is kept while
(1 - p) ** (misses) > `miss_probability`, i.e. for k = ceil(ln(miss_probability) / ln(1 - p))
revisits (plus half a revisit of scan jitter), clipped to [`coast_time`, `coast_max`]. A
track seen on every scan (p ~ 0.9) is dropped after `coast_time` (a killed threat leaves the
picture quickly); a faint far target (p ~ 0.4, the usual case for a 0.1 m² drone at the edge
of an AEW radar's cover) is held through the runs of misses it really has, instead of being
deleted and re-initiated under a new number every few minutes. Tracks whose position
uncertainty exceeds `max_pos_sigma` are deleted whatever their history. Track numbers come
from a counter and are never reused. Two confirmed tracks are merged only when their full
states agree (chi-square, 6 dof) *and* for `merge_scans` consecutive scans only one of them
took a plot (a sensor gives one target one plot per scan); two tracks both updated in the
same scan are two targets, however close (a formation), and are never merged. The track that
takes the plots survives with its own number; the coasting twin is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np
from scipy.special import gammaincinv

from skyshield.picture.filters import ModeState
from skyshield.picture.kernels import coast_times, duplicate_pairs, keep_rows

__all__ = ["MNManager", "TrackTable"]


@lru_cache(maxsize=8)
def _chi2_6(probability: float) -> float:
    """Chi-square quantile with 6 degrees of freedom (cached)."""
    return float(2.0 * gammaincinv(3.0, probability))  # = scipy.stats.chi2.ppf(p, 6)


@dataclass
class TrackTable:
    """Live tracks of the tracker as parallel arrays (filter state plus bookkeeping)."""

    number: np.ndarray  # track number [-]
    state: ModeState  # filter state at t_update
    t_init: np.ndarray  # first plot time [s]
    t_update: np.ndarray  # last plot time [s]
    hits: np.ndarray  # number of plots used [-]
    confirmed: np.ndarray  # confirmed flag
    speed: np.ndarray  # smoothed speed for classification [m/s]
    alt: np.ndarray  # smoothed altitude for classification [m]
    n_feat: np.ndarray  # number of feature samples [-]
    xc: np.ndarray  # (N,6) moment-matched state at t_update [m, m/s]
    Pc: np.ndarray  # (N,6,6) its covariance
    dup_partner: np.ndarray  # number of the track this one may duplicate, -1 none [-]
    dup_count: np.ndarray  # consecutive scans of duplicate evidence against dup_partner [-]

    @classmethod
    def empty(cls, n_modes: int) -> TrackTable:
        """A table with no tracks for a filter of n_modes modes."""
        return cls(
            number=np.zeros(0, np.int64),
            state=ModeState(
                np.zeros((0, n_modes, 6)), np.zeros((0, n_modes, 6, 6)), np.zeros((0, n_modes))
            ),
            t_init=np.zeros(0),
            t_update=np.zeros(0),
            hits=np.zeros(0, np.int64),
            confirmed=np.zeros(0, bool),
            speed=np.zeros(0),
            alt=np.zeros(0),
            n_feat=np.zeros(0, np.int64),
            xc=np.zeros((0, 6)),
            Pc=np.zeros((0, 6, 6)),
            dup_partner=np.zeros(0, np.int64),
            dup_count=np.zeros(0, np.int64),
        )

    def __len__(self) -> int:
        """Number of live tracks."""
        return int(self.number.shape[0])

    def take(self, idx: np.ndarray) -> TrackTable:
        """Rows at idx (mask or integer array)."""
        kw = {f.name: getattr(self, f.name) for f in fields(self)}
        kw["state"] = self.state.take(idx)
        for k, v in kw.items():
            if k != "state":
                kw[k] = v[idx]
        return TrackTable(**kw)

    def extend(self, other: TrackTable) -> TrackTable:
        """This table followed by `other`.

        When this table is the newest view of a buffer with spare rows (see `compact`), the
        rows of `other` are written into the spare rows and the result shares the buffer (no
        copy of the table); otherwise the result is a new buffer with spare rows.
        """
        n, m = len(self), len(other)
        buf = getattr(self, "_buf", None)
        if buf is None or buf["_used"][0] != n or n + m > buf["number"].shape[0]:
            buf = _allocate(self, n + m)
            for k, a in _arrays(self).items():
                buf[k][:n] = a
        for k, b in _arrays(other).items():
            buf[k][n : n + m] = b
        return _view(buf, n + m)

    def compact(self, keep: np.ndarray) -> TrackTable:
        """Rows where the mask `keep` is true, in a new buffer with spare rows for `extend`."""
        if len(self) == 0:
            return self
        idx = np.nonzero(keep)[0]
        k = idx.size
        # one gather per array, padded with copies of row 0 as the spare rows
        rows = np.zeros(k + _spare(k), np.intp)
        rows[:k] = idx
        buf: dict = {name: a[rows] for name, a in _arrays(self).items()}
        buf["_used"] = [0]
        return _view(buf, k)


def _arrays(table: TrackTable) -> dict[str, np.ndarray]:
    """The table's arrays by name (the filter state's as state.x, state.P, state.mu)."""
    out = {f.name: getattr(table, f.name) for f in fields(table) if f.name != "state"}
    out["state.x"], out["state.P"], out["state.mu"] = table.state.x, table.state.P, table.state.mu
    return out


def _spare(n: int) -> int:
    """Spare rows of a table buffer holding n rows (room for a few scans' new tracks)."""
    return max(256, n // 4)


def _allocate(table: TrackTable, n: int) -> dict:
    """Empty buffers like the table's arrays for n rows plus spare rows."""
    cap = n + _spare(n)
    buf: dict = {k: np.empty((cap,) + a.shape[1:], a.dtype) for k, a in _arrays(table).items()}
    buf["_used"] = [0]
    return buf


def _view(buf: dict, n: int) -> TrackTable:
    """A table over the first n rows of a buffer (which it marks as used up to n)."""
    buf["_used"][0] = n
    kw = {f.name: buf[f.name][:n] for f in fields(TrackTable) if f.name != "state"}
    state = ModeState(buf["state.x"][:n], buf["state.P"][:n], buf["state.mu"][:n])
    table = TrackTable(state=state, **kw)
    table._buf = buf
    return table


@dataclass(frozen=True)
class MNManager:
    """M-of-N confirmation, coasting and deletion rules (times in s, distances in m)."""

    confirm_m: int = 3  # plots needed for confirmation [-]
    confirm_n: int = 8  # within this many revisit intervals [-] (with tentative_coast 45 s,
    # 3-of-8 confirms a target of Pd 0.4 per revisit with probability 0.84 per attempt;
    # 3-of-5 with 25 s: 0.60, and 0.41 at Pd 0.3 against 0.67)
    revisit: float = 10.0  # nominal revisit interval [s]
    tentative_coast: float = 25.0  # delete a one-plot tentative track silent this long [s]
    # (its velocity is unknown: its gate grows fast and would pick up clutter)
    tentative_coast2: float = 45.0  # delete a tentative track with >= 2 plots (velocity
    # known, gate small) silent this long [s]: four missed revisits survive, the fifth deletes
    coast_time: float = 45.0  # shortest coast of a confirmed track (seen every scan) [s]
    coast_max: float = 180.0  # longest coast of a confirmed track (a faint target) [s]
    prior_hits: float = 4.0  # hit-rate prior: `prior_hits` hits in `prior_revisits` [-]
    prior_revisits: float = 5.0
    miss_probability: float = 1e-3  # accepted probability that a live target of the
    # track's estimated hit rate is silent as long as the coast [-]
    max_pos_sigma: float = 30_000.0  # delete when sqrt(trace P_pos) exceeds this [m]
    merge_probability: float = 0.9999  # chi-square quantile for duplicate detection [-]
    merge_radius: float = 5_000.0  # only tracks closer than this are tested [m]
    merge_scans: int = 4  # consecutive scans of duplicate evidence before merging [-]

    def confirm(self, table: TrackTable) -> None:
        """Confirm tentative tracks that reached M plots inside their N-interval window."""
        young = (table.t_update - table.t_init) <= self.confirm_n * self.revisit
        table.confirmed |= (table.hits >= self.confirm_m) & young

    def coast_of(self, table: TrackTable) -> np.ndarray:
        """Per track, how long it may coast [s] given its estimated hit rate per revisit."""
        return coast_times(table.t_update, table.t_init, table.hits, *self._coast_params())

    def _coast_params(self) -> tuple[float, ...]:
        """Parameters of the coast rule, in the order of `kernels.coast_times`."""
        return (float(self.revisit), float(self.prior_hits), float(self.prior_revisits),
                float(self.miss_probability), float(self.coast_time),
                float(max(self.coast_max, self.coast_time)))

    def keep_mask(self, table: TrackTable, t: float, pos_var: np.ndarray) -> np.ndarray:
        """Tracks that survive at time t given their predicted position variance trace."""
        return keep_rows(
            table.t_update, table.t_init, table.hits, table.confirmed,
            np.ascontiguousarray(pos_var, np.float64), float(t),
            float(self.confirm_n * self.revisit), float(self.tentative_coast),
            float(self.tentative_coast2), *self._coast_params(), float(self.max_pos_sigma**2),
        )

    def duplicates(
        self,
        table: TrackTable,
        pos: np.ndarray,
        dt: np.ndarray,
        updated: np.ndarray,
        alive: np.ndarray | None = None,
        noise: tuple[float, float] = (0.0, 0.0),
    ) -> np.ndarray:
        """Accumulate duplicate evidence after one scan batch; mask of rows to drop.

        pos (N,3) are the track positions at the batch time, dt (N,) [s] the time from each
        track's last update to it: the full states compared are the combined states
        extrapolated by dt with a CV model of noise densities `noise` (horizontal,
        vertical) [m²/s³]; `updated` (N,) bool marks
        the tracks that took a plot of this batch; `alive` (N,) bool, if given, the rows
        still in the picture (the others are ignored). A pair of confirmed tracks is *close*
        when the chi-square test on the difference of their full states (6 dof, S = Pa + Pb)
        passes.
        One sensor gives a target at most one plot per scan, so a close pair where exactly
        one track took a plot is evidence for one target tracked twice (+1), and a pair where
        both took a plot is proof of two targets (the count is reset): drones in close
        formation are both updated scan after scan and are never merged. After
        `merge_scans` consecutive pieces of evidence the pair is merged: the track that took
        the plot is kept as it is (its number does not change under `decide`), the coasting
        one is dropped.
        """
        n = len(table)
        drop = np.zeros(n, bool)
        idx = np.nonzero(table.confirmed if alive is None else table.confirmed & alive)[0]
        if idx.size < 2 or not updated.any():
            return drop
        q_h, q_v = (float(q) for q in noise)
        a, b, d2 = duplicate_pairs(
            np.ascontiguousarray(pos, np.float64), idx, table.xc, table.Pc,
            np.ascontiguousarray(dt, np.float64), updated, float(self.merge_radius), q_h, q_v,
        )
        if a.size == 0:
            return drop
        close = d2 < _chi2_6(self.merge_probability)
        a, b, d2 = a[close], b[close], d2[close]
        both = updated[a] & updated[b]
        # evidence for one target: per track keep only its closest such partner
        one = ~both
        trk = np.concatenate([a[one], b[one]])
        oth = np.concatenate([b[one], a[one]])
        dd = np.concatenate([d2[one], d2[one]])
        order = np.argsort(dd, kind="stable")
        trk, oth = trk[order], oth[order]
        trk, first = np.unique(trk, return_index=True)
        oth = oth[first]
        same = table.dup_partner[trk] == table.number[oth]
        table.dup_count[trk] = np.where(same, table.dup_count[trk] + 1, 1)
        table.dup_partner[trk] = table.number[oth]
        # proof of two targets: reset
        two = np.concatenate([a[both], b[both]])
        table.dup_count[two] = 0
        table.dup_partner[two] = -1
        # merge pairs with enough consecutive evidence (rare: a short Python loop)
        ripe = one & (
            ((table.dup_count[a] >= self.merge_scans) & (table.dup_partner[a] == table.number[b]))
            | ((table.dup_count[b] >= self.merge_scans) & (table.dup_partner[b] == table.number[a]))
        )
        for i, j in zip(a[ripe], b[ripe], strict=True):
            if drop[i] or drop[j]:
                continue
            keep, lose = (i, j) if updated[i] else (j, i)
            table.dup_count[keep], table.dup_partner[keep] = 0, -1
            drop[lose] = True
        return drop
