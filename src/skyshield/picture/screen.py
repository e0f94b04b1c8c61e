"""Screening of plot batches before the tracker sees them: garbage is counted, never raised.

A live feed can send anything. `screen_plots` refuses a batch whose arrays have the wrong
shapes or are not numbers (a `ValueError` saying which array and what was expected: that is
a defect of the caller, not of the data), and otherwise drops, counting them per sensor,
the plots the tracker must not use: a sensor id that is not a whole number (NaN, 1.5, 1e30),
a non-finite, absurd or far too old time, and whatever `valid_plots` refuses (positions,
covariances). The batch it returns has int64 sensor ids and only valid plots.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["MAX_LATE_S", "UNKNOWN_SENSOR", "check_plot_arrays", "screen_plots"]

MAX_LATE_S = 60.0  # a plot older than the picture by more than this is dropped [s]
UNKNOWN_SENSOR = -1  # the `rejected` key of plots whose sensor id is not a whole number
_MAX_SENSOR = 2**31  # sensor ids are small indices; larger values are garbage
MAX_ABS_T_S = 1e10  # plot times beyond +-300 years of the epoch are garbage [s]


def check_plot_arrays(plots: Any) -> None:
    """Raise `ValueError` unless t (N,), sensor (N,), z (N, 3), R (N, 3, 3) are numeric."""
    n = None
    for name, tail in (("t", ()), ("sensor", ()), ("z", (3,)), ("R", (3, 3))):
        a = getattr(plots, name, None)
        if not isinstance(a, np.ndarray):
            raise ValueError(f"plots.{name}: expected a numpy array, got {type(a).__name__}")
        if a.dtype.kind not in "iufb":
            raise ValueError(f"plots.{name}: expected numbers, got dtype {a.dtype}")
        if a.ndim != 1 + len(tail) or a.shape[1:] != tail:
            want = ", ".join(["N", *map(str, tail)])
            raise ValueError(f"plots.{name}: expected shape ({want}), got {a.shape}")
        if n is not None and a.shape[0] != n:
            raise ValueError(f"plots.{name}: {a.shape[0]} rows, but plots.t has {n}")
        n = a.shape[0] if n is None else n
    for name, tail in (("vel", (3,)), ("cls", ())):  # optional fields of a live feed
        a = getattr(plots, name, None)
        if a is not None and (not isinstance(a, np.ndarray) or a.shape != (n, *tail)):
            want = ", ".join(["N", *map(str, tail)])
            raise ValueError(f"plots.{name}: expected None or an array of shape ({want}) "
                             f"with N = {n}, got {getattr(a, 'shape', type(a).__name__)}")


def screen_plots(plots: Any, cfg: Any, t_last: float = -np.inf,
                 valid: Callable[[Any, Any], np.ndarray] | None = None
                 ) -> tuple[Any, Counter[int]]:
    """(the valid plots with int64 sensor ids, dropped plots per sensor) of a batch.

    `t_last` is the time of the tracker's last update: plots older than it by more than
    `MAX_LATE_S` are dropped (an out-of-sequence plot that late only corrupts tracks).
    `valid(plots, cfg)` is the tracker's own mask of usable positions and covariances.
    """
    check_plot_arrays(plots)
    s = plots.sensor
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(s) & (np.abs(s) < _MAX_SENSOR) & (s == np.round(s)) \
            if s.dtype.kind == "f" else np.abs(s.astype(np.int64)) < _MAX_SENSOR
    sensor = np.where(whole, s, UNKNOWN_SENSOR).astype(np.int64)
    t = plots.t.astype(float)
    truth = getattr(plots, "truth_id", None)
    if not (isinstance(truth, np.ndarray) and truth.shape == t.shape and truth.dtype.kind in "iu"):
        truth = np.full(t.shape, -1, np.int64)  # optional, and only for metrics
    fields = dict(t=t, sensor=sensor, z=plots.z.astype(float), R=plots.R.astype(float),
                  truth_id=truth)
    clean = (dataclasses.replace(plots, **fields) if dataclasses.is_dataclass(plots)
             else type(plots)(**fields))
    with np.errstate(invalid="ignore"):
        ok = whole & (np.abs(t) <= MAX_ABS_T_S)
        if valid is not None:
            ok &= valid(clean, cfg)
        if math.isfinite(t_last):
            ok &= t >= t_last - MAX_LATE_S
    dropped: Counter[int] = Counter()
    if ok.all():
        return clean, dropped
    ids, counts = np.unique(sensor[~ok], return_counts=True)
    dropped.update(dict(zip(ids.tolist(), counts.tolist(), strict=True)))
    return clean.select(ok), dropped
