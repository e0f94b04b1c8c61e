"""The event log of a run: what happened, when and where, as one time-ordered table.

Events are appended in bulk (arrays) by the engine and turned into a DataFrame once at
the end; the columns are those of `docs/contracts.md` ("The run folder").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from skyshield.contracts import EventKind

__all__ = ["COLUMNS", "EventKind", "EventLog"]


COLUMNS = (
    "t",
    "kind",
    "threat",
    "aircraft",
    "track",
    "nation",
    "weapon",
    "lat",
    "lon",
    "alt",
    "value",
    "detail",
    "tlat",
    "tlon",
    "talt",
)


class EventLog:
    """Collects events in bulk; `frame()` returns them as one time-ordered DataFrame."""

    def __init__(self) -> None:
        self._chunks: list[dict[str, np.ndarray]] = []
        self._rank: list[float] = []  # order of each chunk among same-time events

    def add(
        self,
        t: float | np.ndarray,
        kind: EventKind,
        *,
        threat: np.ndarray | int = -1,
        aircraft: np.ndarray | int = -1,
        track: np.ndarray | int = -1,
        nation: np.ndarray | str = "",
        weapon: np.ndarray | str = "",
        lat: np.ndarray | float = np.nan,
        lon: np.ndarray | float = np.nan,
        alt: np.ndarray | float = np.nan,
        value: np.ndarray | float = np.nan,
        detail: np.ndarray | str = "",
        tlat: np.ndarray | float = np.nan,
        tlon: np.ndarray | float = np.nan,
        talt: np.ndarray | float = np.nan,
        rank: float | None = None,
    ) -> int:
        """Append one event, or n events when any argument is an array of length n.

        Same-time events keep the order they were added in; `rank` (a value returned by an
        earlier `add`, plus a fraction) places a chunk among them as if added then: an
        approval given later is ordered by the request that caused it. Returns the rank.
        """
        cols = {
            "t": t,
            "threat": threat,
            "aircraft": aircraft,
            "track": track,
            "nation": nation,
            "weapon": weapon,
            "lat": lat,
            "lon": lon,
            "alt": alt,
            "value": value,
            "tlat": tlat,
            "tlon": tlon,
            "talt": talt,
            "detail": detail,
        }
        n = max((np.size(v) for v in cols.values() if np.ndim(v) > 0), default=1)
        r = float(len(self._chunks)) if rank is None else float(rank)
        if n == 0:
            return int(r)
        chunk = {k: _column(v, n) for k, v in cols.items()}
        chunk["kind"] = np.full(n, kind.value, dtype=object)
        self._chunks.append(chunk)
        self._rank.append(r)
        return int(r)

    def __len__(self) -> int:
        return sum(len(c["t"]) for c in self._chunks)

    def frame(self) -> pd.DataFrame:
        """All events, sorted by time (stable, so same-time events keep their order)."""
        if not self._chunks:
            return pd.DataFrame({c: pd.Series(dtype=float) for c in COLUMNS})
        data = {c: np.concatenate([ch[c] for ch in self._chunks]) for c in COLUMNS}
        df = pd.DataFrame(data)
        for c in ("threat", "aircraft", "track"):
            df[c] = df[c].astype(np.int64)
        for c in ("t", "lat", "lon", "alt", "value", "tlat", "tlon", "talt"):
            df[c] = df[c].astype(np.float64)
        for c in ("kind", "nation", "weapon", "detail"):
            df[c] = df[c].astype(str)
        rank = np.repeat(self._rank, [len(ch["t"]) for ch in self._chunks])
        order = np.lexsort((rank, df["t"].to_numpy()))
        return df.iloc[order].reset_index(drop=True)


def _column(v: object, n: int) -> np.ndarray:
    """`np.broadcast_to(np.asarray(v), (n,))` (the same values and dtype), cheaper for the
    usual columns: an array of n values as it is, a scalar filled (broadcast_to costs
    5 us a call, and a record has 14 columns)."""
    a = np.asarray(v)
    if a.shape == (n,):
        return a
    return np.full(n, a) if a.ndim == 0 else np.broadcast_to(a, (n,))

