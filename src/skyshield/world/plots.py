"""Plots: the noisy detections radars hand to the picture, as a struct of arrays.

Columns (all length N, one row per detection, time-ordered after `sorted()`):

- ``t``        (N,)     float  scan time [s since scenario start]
- ``sensor``   (N,)     int    radar index in its `RadarNet`
- ``z``        (N, 3)   float  measured position, theatre frame x east, y north, z altitude [m]
- ``R``        (N,3,3)  float  measurement covariance in the theatre frame [m²]
- ``truth_id`` (N,)     int    truth id of the target, -1 for a false alarm. Metrics only:
  the picture never reads it (DESIGN.md, "Identifiers").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Plots"]


@dataclass(frozen=True)
class Plots:
    """Detections of one or more scans, struct of arrays (see module docstring for units)."""

    t: np.ndarray  # scan time [s]
    sensor: np.ndarray  # radar index [-]
    z: np.ndarray  # measured position, theatre xyz [m]
    R: np.ndarray  # measurement covariance [m²]
    truth_id: np.ndarray  # truth id, -1 false alarm (metrics only)

    @classmethod
    def empty(cls) -> Plots:
        """An empty batch, so callers never special-case 'no detections'."""
        return cls(
            t=np.zeros(0),
            sensor=np.zeros(0, dtype=np.int64),
            z=np.zeros((0, 3)),
            R=np.zeros((0, 3, 3)),
            truth_id=np.zeros(0, dtype=np.int64),
        )

    @classmethod
    def from_arrays(
        cls,
        t: np.ndarray,
        sensor: np.ndarray,
        z: np.ndarray,
        R: np.ndarray,
        truth_id: np.ndarray | None = None,
    ) -> Plots:
        """Build from array-likes with dtype and shape coercion (truth_id defaults to -1)."""
        z = np.asarray(z, dtype=float).reshape(-1, 3)
        n = z.shape[0]
        t = np.broadcast_to(np.asarray(t, dtype=float), (n,)).copy()
        sensor = np.broadcast_to(np.asarray(sensor, dtype=np.int64), (n,)).copy()
        R = np.asarray(R, dtype=float).reshape(n, 3, 3)
        tid = (
            np.full(n, -1, dtype=np.int64)
            if truth_id is None
            else np.asarray(truth_id, dtype=np.int64).reshape(n)
        )
        return cls(t=t, sensor=sensor, z=z, R=R, truth_id=tid)

    def __len__(self) -> int:
        """Number of detections."""
        return int(self.t.shape[0])

    @staticmethod
    def concat(parts: Iterable[Plots]) -> Plots:
        """Stack several batches into one (order kept; call `sorted()` for time order)."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return Plots.empty()
        return Plots(
            t=np.concatenate([p.t for p in parts]),
            sensor=np.concatenate([p.sensor for p in parts]),
            z=np.concatenate([p.z for p in parts]),
            R=np.concatenate([p.R for p in parts]),
            truth_id=np.concatenate([p.truth_id for p in parts]),
        )

    def select(self, index: np.ndarray | Sequence[int] | slice) -> Plots:
        """Rows picked by a boolean mask, an index array or a slice."""
        return Plots(
            t=self.t[index],
            sensor=self.sensor[index],
            z=self.z[index],
            R=self.R[index],
            truth_id=self.truth_id[index],
        )

    def sorted(self) -> Plots:
        """Time-ordered copy (stable; ties broken by sensor) as the contract requires."""
        order = np.lexsort((self.sensor, self.t))
        return self.select(order)
