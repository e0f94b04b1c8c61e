"""Track management: the live track table, M-of-N confirmation, coasting, deletion, merging.

Confirmation is M-of-N in time: a tentative track is confirmed once it has `confirm_m`
plots within its first `confirm_n` revisit intervals (`revisit` s, the slowest scan period
expected); one that fails is deleted. A track without plots coasts (its prediction grows)
and is deleted after `tentative_coast` s (tentative) or `coast_time` s (confirmed), or when
its position uncertainty exceeds `max_pos_sigma`. Track numbers come from a counter and are
never reused. Two confirmed tracks whose full states agree (chi-square, 6 dof) are one
target tracked twice; the younger number is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from scipy.spatial import cKDTree
from scipy.stats import chi2

from skyshield.picture.filters import ModeState

__all__ = ["MNManager", "TrackTable"]


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
        """This table followed by `other`."""
        kw = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            kw[f.name] = ModeState.concat(a, b) if f.name == "state" else np.concatenate([a, b])
        return TrackTable(**kw)


@dataclass(frozen=True)
class MNManager:
    """M-of-N confirmation, coasting and deletion rules (times in s, distances in m)."""

    confirm_m: int = 3  # plots needed for confirmation [-]
    confirm_n: int = 5  # within this many revisit intervals [-]
    revisit: float = 10.0  # nominal revisit interval [s]
    tentative_coast: float = 25.0  # delete a tentative track silent this long [s]
    coast_time: float = 45.0  # delete a confirmed track silent this long [s]
    max_pos_sigma: float = 30_000.0  # delete when sqrt(trace P_pos) exceeds this [m]
    merge_probability: float = 0.99  # chi-square quantile for duplicate detection [-]
    merge_radius: float = 5_000.0  # only tracks closer than this are tested [m]

    def confirm(self, table: TrackTable) -> None:
        """Confirm tentative tracks that reached M plots inside their N-interval window."""
        young = (table.t_update - table.t_init) <= self.confirm_n * self.revisit
        table.confirmed |= (table.hits >= self.confirm_m) & young

    def keep_mask(self, table: TrackTable, t: float, pos_var: np.ndarray) -> np.ndarray:
        """Tracks that survive at time t given their predicted position variance trace."""
        silent = t - table.t_update
        c = table.confirmed
        expired = ~c & ((t - table.t_init) > self.confirm_n * self.revisit)
        too_old = np.where(c, silent > self.coast_time, silent > self.tentative_coast)
        lost = pos_var > self.max_pos_sigma**2
        return ~(expired | too_old | lost)

    def duplicates(self, x: np.ndarray, P: np.ndarray, table: TrackTable) -> np.ndarray:
        """Mask of confirmed tracks that duplicate an older confirmed track (same t, x, P)."""
        drop = np.zeros(len(table), bool)
        idx = np.nonzero(table.confirmed)[0]
        if idx.size < 2:
            return drop
        pairs = cKDTree(x[idx, :3]).query_pairs(self.merge_radius, output_type="ndarray")
        if pairs.size == 0:
            return drop
        a, b = idx[pairs[:, 0]], idx[pairs[:, 1]]
        d = x[a] - x[b]
        S = P[a] + P[b]
        ok = np.linalg.cond(S) < 1e12
        d2 = np.full(a.size, np.inf)
        d2[ok] = np.einsum("ni,ni->n", d[ok], np.linalg.solve(S[ok], d[ok][..., None])[..., 0])
        dup = d2 < chi2.ppf(self.merge_probability, 6)
        younger = np.where(table.number[a] > table.number[b], a, b)
        drop[younger[dup]] = True
        return drop
