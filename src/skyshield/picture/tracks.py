"""Tracks: the air picture handed to `decide`, a struct of arrays (docs/contracts.md).

- ``number``    (N,)     int64  track number, never reused within a run
- ``x``         (N, 6)   float  ``[px, py, pz, vx, vy, vz]`` theatre frame [m, m/s]
- ``P``         (N,6,6)  float  state covariance [m², m²/s, m²/s²]
- ``cls``       (N,)     int    index into `ThreatClass` order (see `picture.classify`)
- ``cls_conf``  (N,)     float  classification confidence 0..1
- ``t_init``    (N,)     float  time of the first plot [s]
- ``t_update``  (N,)     float  time of the last plot [s]
- ``confirmed`` (N,)     bool   passed M-of-N confirmation

``x`` and ``P`` are valid at the time the picture was produced (the tracker predicts them to
the ``t`` of its `update` call), not at ``t_update``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Tracks"]


@dataclass(frozen=True)
class Tracks:
    """The air picture as a struct of arrays (see module docstring for units)."""

    number: np.ndarray  # track number [-]
    x: np.ndarray  # state [m, m/s]
    P: np.ndarray  # covariance
    cls: np.ndarray  # class index [-]
    cls_conf: np.ndarray  # class confidence [-]
    t_init: np.ndarray  # first plot time [s]
    t_update: np.ndarray  # last plot time [s]
    confirmed: np.ndarray  # confirmed flag

    @classmethod
    def empty(cls) -> Tracks:
        """A picture with no tracks."""
        return cls(
            number=np.zeros(0, np.int64),
            x=np.zeros((0, 6)),
            P=np.zeros((0, 6, 6)),
            cls=np.zeros(0, np.int64),
            cls_conf=np.zeros(0),
            t_init=np.zeros(0),
            t_update=np.zeros(0),
            confirmed=np.zeros(0, bool),
        )

    def __len__(self) -> int:
        """Number of tracks."""
        return int(self.number.shape[0])

    def select(self, index: np.ndarray | slice) -> Tracks:
        """Rows picked by a boolean mask, an index array or a slice."""
        return Tracks(
            number=self.number[index],
            x=self.x[index],
            P=self.P[index],
            cls=self.cls[index],
            cls_conf=self.cls_conf[index],
            t_init=self.t_init[index],
            t_update=self.t_update[index],
            confirmed=self.confirmed[index],
        )

    def confirmed_only(self) -> Tracks:
        """Only the confirmed tracks (what `decide` normally acts on)."""
        return self.select(self.confirmed)
