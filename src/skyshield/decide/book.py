"""The engagement book: which aircraft is on which track, with which weapon, in which state.

One row per coalition aircraft (struct of arrays). An engagement is born `PENDING` (a
national approval was asked) or `APPROVED` (none needed, or the verdict came); it ends
`REFUSED` or `EXPIRED` (the aircraft is released), or when it fires, its aircraft leaves
the fight, or its track ends (the row goes back to `FREE`). The state is explicit, never
inferred from a time stamp.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

__all__ = ["Book", "EngagementState"]


class EngagementState(IntEnum):
    """Where an aircraft's engagement stands."""

    FREE = 0  # no engagement
    PENDING = 1  # assigned; national approval asked, no verdict yet
    APPROVED = 2  # assigned and cleared to fire
    REFUSED = 3  # the approver said no (the aircraft was released)
    EXPIRED = 4  # no verdict within the timeout (the aircraft was released)


class Book:
    """The engagements of `n` aircraft."""

    def __init__(self, n: int) -> None:
        self.track = np.full(n, -1, np.int64)  # track number engaged, -1 none
        self.weapon = np.zeros(n, np.int64)  # weapon index of the engagement
        self.state = np.zeros(n, np.int8)  # EngagementState
        self.request = np.full(n, -1, np.int64)  # pending approval request id, -1 none
        self.asked_t = np.zeros(n)  # when the approval was asked [s]
        self.ready_t = np.zeros(n)  # approval time, or its expected time while pending [s]
        # about to release: its aircraft is flown every tick (kept across engagements,
        # refreshed whenever the engagement is steered)
        self.close = np.zeros(n, bool)
        # time to release when last steered: in range, and approved [s] (inf: never steered)
        self.eta = np.full(n, np.inf)
        self.held = np.zeros(n, np.int8)  # first hold-fire reason of the engagement, 0 none

    def __len__(self) -> int:
        return len(self.track)

    @property
    def engaged(self) -> np.ndarray:
        """Mask of aircraft with a live engagement (pending or approved)."""
        return self.track >= 0

    def open(self, ac: np.ndarray, track: np.ndarray, weapon: np.ndarray) -> None:
        """Start engagements (approved until `ask` marks them pending)."""
        self.track[ac] = track
        self.weapon[ac] = weapon
        self.state[ac] = EngagementState.APPROVED
        self.request[ac] = -1
        self.held[ac] = 0
        self.eta[ac] = np.inf

    def ask(self, ac: np.ndarray, ids: np.ndarray, t: float, expected: np.ndarray) -> None:
        """Mark engagements `ac` pending on approval requests `ids`."""
        self.state[ac] = EngagementState.PENDING
        self.request[ac] = ids
        self.asked_t[ac] = t
        self.ready_t[ac] = expected

    def end(self, ac: np.ndarray, state: EngagementState = EngagementState.FREE) -> None:
        """End engagements `ac`, leaving them in `state`."""
        self.track[ac] = -1
        self.state[ac] = state
        self.request[ac] = -1

    def pending(self) -> np.ndarray:
        """Aircraft whose engagement awaits a verdict."""
        return np.flatnonzero((self.track >= 0) & (self.state == EngagementState.PENDING))

    def rows_of(self, request_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(aircraft, index into `request_ids`) of the live requests among `request_ids`."""
        pend = self.pending()
        if not len(pend) or not len(request_ids):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        order = np.argsort(self.request[pend])
        keys = self.request[pend][order]
        pos = np.minimum(np.searchsorted(keys, request_ids), len(keys) - 1)
        hit = keys[pos] == request_ids
        return pend[order[pos[hit]]], np.flatnonzero(hit)
