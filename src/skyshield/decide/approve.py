"""Approvals of engagements: the decision core asks, an `Approver` answers, now or later.

The protocol is asynchronous: `request` files requests and returns at once; `decisions(t)`
hands back the verdicts reached by time `t` (approved or refused), each once. A request
may never be answered: the `Decider` marks it expired after its own timeout. When the
`Decider` ends a pending engagement without a verdict (its aircraft left the fight, its
track ended, the timeout passed) it withdraws the request (`cancel`): no verdict on it is
ever handed back, and the live server takes it off its operators' queue. The
simulation's `DelayApprover` approves every request after the nation's declared delay;
the live server's approver waits for a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["WITHDRAWN_WHY", "Approver", "Decisions", "DelayApprover", "Requests"]

# why the decision core withdrew a request (`Approver.cancel`, `contracts.Withdrawn`)
WITHDRAWN_WHY = {
    "aircraft_left": "the aircraft left the fight (returning to base: fuel or weapons)",
    "track_lost": "the track ended (destroyed, or lost by the picture)",
    "timeout": "no verdict within the decision core's approval timeout",
    "out_of_area": "the intercept point left the nation's permitted area (the chase was "
                   "broken off)",
    "retasked": "the rolling plan sent the aircraft at a more valuable track instead",
}


@dataclass(frozen=True)
class Requests:
    """Approval requests (struct of arrays): engagement `id` of `aircraft` on `track`."""

    id: np.ndarray  # request id, unique within a Decider [-]
    aircraft: np.ndarray  # aircraft index in OwnForces [-]
    track: np.ndarray  # track number [-]
    nation: np.ndarray  # nation asked [ISO3]
    weapon: np.ndarray  # weapon index [-]
    aim: np.ndarray  # (k,3) intercept point, theatre frame [m]
    t: float  # time of the request [s]
    delay_s: np.ndarray  # the nation's declared approval delay [s]

    def __len__(self) -> int:
        return len(self.id)


def _empty_f() -> np.ndarray:
    return np.zeros(0)


def _empty_i() -> np.ndarray:
    return np.zeros(0, np.int64)


@dataclass(frozen=True)
class Decisions:
    """Verdicts: request `id` approved (True) or refused (False) at time `t`."""

    id: np.ndarray = field(default_factory=_empty_i)
    approved: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    t: np.ndarray = field(default_factory=_empty_f)  # when the verdict was given [s]

    def __len__(self) -> int:
        return len(self.id)


@runtime_checkable
class Approver(Protocol):
    """Who says yes or no to an engagement; answers may come later or never."""

    def request(self, requests: Requests) -> None:
        """File requests; return at once."""
        ...

    def decisions(self, t: float) -> Decisions:
        """Verdicts reached by time `t` not handed back before (each request at most once)."""
        ...

    def expected_t(self, ids: np.ndarray) -> np.ndarray:
        """When verdicts on pending requests `ids` are expected [s]; inf if unknown."""
        ...

    def cancel(self, ids: np.ndarray, t: float, why: np.ndarray | None = None) -> None:
        """Withdraw requests `ids` at time `t`: the core ended their engagements without a
        verdict (`why`: a `WITHDRAWN_WHY` key per id). No verdict on them is handed back
        afterwards; ids unknown or already answered through `decisions` are ignored."""
        ...


class DelayApprover:
    """The simulation's approver: every request approved after its declared delay."""

    def __init__(self) -> None:
        self._id = np.zeros(0, np.int64)  # pending, in request order
        self._due = np.zeros(0)  # verdict time per pending request [s]

    def request(self, requests: Requests) -> None:
        """File requests; each is approved at `t + delay_s`."""
        self._id = np.concatenate([self._id, requests.id])
        self._due = np.concatenate([self._due, requests.t + requests.delay_s])

    def decisions(self, t: float) -> Decisions:
        """The approvals due by `t`, in request order."""
        due = self._due <= t
        if not due.any():
            return Decisions()
        out = Decisions(self._id[due], np.ones(int(due.sum()), bool), self._due[due])
        self._id, self._due = self._id[~due], self._due[~due]
        return out

    def cancel(self, ids: np.ndarray, t: float, why: np.ndarray | None = None) -> None:
        """Forget requests `ids`: they are never approved."""
        if len(ids) and len(self._id):
            keep = ~np.isin(self._id, ids)
            self._id, self._due = self._id[keep], self._due[keep]

    def expected_t(self, ids: np.ndarray) -> np.ndarray:
        """Declared verdict times of pending requests `ids` (inf for unknown ids)."""
        out = np.full(len(ids), np.inf)
        if len(self._id):
            order = np.argsort(self._id)
            pos = np.minimum(np.searchsorted(self._id[order], ids), len(order) - 1)
            hit = self._id[order][pos] == ids
            out[hit] = self._due[order][pos[hit]]
        return out
