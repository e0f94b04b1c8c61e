"""The event log of a run: what happened, when and where, as one time-ordered table.

Events are appended in bulk (arrays) by the engine and turned into a DataFrame once at
the end; the columns are those of `docs/contracts.md` ("The run folder").
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd


class EventKind(StrEnum):
    """Kinds of events; the `value` column's meaning is given per kind."""

    LAUNCH = "launch"  # a threat is launched
    SCRAMBLE = "scramble"  # an aircraft leaves the ground (value: 1 alert, 0 patrol)
    ON_STATION = "on_station"  # an aircraft reaches its patrol station
    ASSIGN = "assign"  # an aircraft is assigned a track (value: time to intercept, s)
    APPROVAL_REQUEST = "approval_request"  # national approval asked (value: delay, s)
    APPROVAL = "approval"  # national approval given (value: delay incurred, s)
    SHOT = "shot"  # a coalition weapon is released (value: cost, USD)
    KILL = "kill"  # a coalition weapon destroyed a threat (value: threat cost, USD)
    MISS = "miss"  # a coalition weapon missed
    GBAD_SHOT = "gbad_shot"  # a Ukrainian site fired
    GBAD_KILL = "gbad_kill"  # a Ukrainian site destroyed a threat (value: threat cost)
    IMPACT = "impact"  # a threat reached its target
    EXPIRED = "expired"  # a threat ran out of range
    NATO_ENTRY = "nato_entry"  # a threat entered NATO airspace (detail: country)
    NATO_EXIT = "nato_exit"  # a threat left NATO airspace (value: seconds inside)
    UKR_ENTRY = "ukr_entry"  # a coalition aircraft entered Ukrainian airspace
    UKR_EXIT = "ukr_exit"  # a coalition aircraft left Ukrainian airspace
    FRATRICIDE_RISK = "fratricide_risk"  # an aircraft entered an active Ukrainian MEZ
    BINGO = "bingo"  # an aircraft returns to base (detail: fuel or weapons)
    LAND = "land"  # an aircraft landed
    HOLD_FIRE = "hold_fire"  # a Ukrainian site held fire for a coalition aircraft


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
    ) -> None:
        """Append one event, or n events when any argument is an array of length n."""
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
        if n == 0:
            return
        chunk = {k: np.broadcast_to(np.asarray(v), (n,)) for k, v in cols.items()}
        chunk["kind"] = np.full(n, kind.value, dtype=object)
        self._chunks.append(chunk)

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
        return df.sort_values("t", kind="stable").reset_index(drop=True)
