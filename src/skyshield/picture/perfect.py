"""A perfect picture: truth positions and velocities in, `Tracks` out (a what-if baseline).

It lets `decide` be studied without tracking errors. It implements the `Picture` protocol:
the sim hands it truth-fed `Plots` (truth id, position `z`, velocity `vel`, class `cls`);
this module never imports world truth classes.
Track numbers are its own, given in order of first appearance and never reused; the
covariance is a nominal one given as parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from skyshield.contracts import Plots
from skyshield.picture.classify import UNKNOWN
from skyshield.picture.tracks import Tracks

__all__ = ["PerfectPicture"]


@dataclass
class PerfectPicture:
    """Truth-fed picture with stable track numbers of its own and a nominal covariance."""

    pos_sigma: float = 50.0  # nominal position standard deviation [m]
    vel_sigma: float = 5.0  # nominal velocity standard deviation [m/s]
    known_ids_: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # sorted
    numbers_: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # per known id
    t_init_: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per known id [s]
    next_number_: int = 1
    last_: Tracks | None = None  # the picture of the last update
    t_last_: float = 0.0

    def update(self, plots: Plots, t: float) -> Tracks:
        """Tracks for the targets of a truth-fed batch (`truth_id`, `z`, `vel`, `cls`)."""
        vel = np.zeros_like(plots.z) if plots.vel is None else plots.vel
        self.last_ = self.update_truth(plots.truth_id, plots.z, vel, t, cls=plots.cls)
        self.t_last_ = float(t)
        return self.last_

    def picture(self, t: float) -> Tracks:
        """The last picture, its positions carried forward at constant velocity to `t`."""
        if self.last_ is None:
            return Tracks.empty()
        tr = self.last_
        x = tr.x.copy()
        x[:, :3] += x[:, 3:] * (t - self.t_last_)
        return Tracks(number=tr.number.copy(), x=x, P=tr.P.copy(), cls=tr.cls.copy(),
                      cls_conf=tr.cls_conf.copy(), t_init=tr.t_init.copy(),
                      t_update=tr.t_update.copy(), confirmed=tr.confirmed.copy())

    def update_truth(
        self,
        truth_ids: np.ndarray,
        xyz: np.ndarray,
        vel: np.ndarray,
        t: float,
        cls: np.ndarray | None = None,
    ) -> Tracks:
        """Tracks for the targets present now (ids (N,), xyz (N,3) m, vel (N,3) m/s)."""
        ids = np.asarray(truth_ids, dtype=np.int64).reshape(-1)
        n = ids.size
        new = np.setdiff1d(ids, self.known_ids_)  # sorted, unique
        if new.size:
            # numbers in order of appearance within this call
            uniq, first = np.unique(ids, return_index=True)
            first = first[np.isin(uniq, new)]
            new = new[np.argsort(first, kind="stable")]
            nums = np.arange(self.next_number_, self.next_number_ + new.size, dtype=np.int64)
            self.next_number_ += new.size
            all_ids = np.concatenate([self.known_ids_, new])
            all_num = np.concatenate([self.numbers_, nums])
            all_t0 = np.concatenate([self.t_init_, np.full(new.size, float(t))])
            o = np.argsort(all_ids)
            self.known_ids_, self.numbers_, self.t_init_ = all_ids[o], all_num[o], all_t0[o]
        k = np.searchsorted(self.known_ids_, ids)
        x = np.concatenate(
            [np.asarray(xyz, float).reshape(n, 3), np.asarray(vel, float).reshape(n, 3)], axis=1
        )
        P = np.diag([self.pos_sigma**2] * 3 + [self.vel_sigma**2] * 3)
        c = np.full(n, UNKNOWN, np.int64) if cls is None else np.asarray(cls, np.int64)
        return Tracks(
            number=self.numbers_[k].copy(),
            x=x,
            P=np.broadcast_to(P, (n, 6, 6)).copy(),
            cls=c,
            cls_conf=np.ones(n) if cls is not None else np.zeros(n),
            t_init=self.t_init_[k].copy(),
            t_update=np.full(n, float(t)),
            confirmed=np.ones(n, bool),
        )
