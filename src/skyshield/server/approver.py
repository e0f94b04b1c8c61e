"""The server's `Approver`: requests wait for a person of the right nation, or expire.

The decision core files approval requests (`request`) and collects verdicts
(`decisions(t)`). Here a request becomes a `Proposal` in the queue of the aircraft's
nation, with the explanation the operator is shown; `decide` records a person's verdict
(who, when, what they saw) durably in the audit log *before* it is acknowledged, and the
core learns it at its next step. A request nobody answers within the approval window
expires (audited); the core's own timeout is set to the same window, so both agree.
When the core ends a pending engagement itself (its aircraft left the fight, its track
ended) it withdraws the request (`cancel`): the proposal leaves the queue as `withdrawn`
(audited as a "withdrawal", pushed like a verdict) and can no longer be decided.

Only an operator of the aircraft's nation may decide: the nation is the token's, checked
against the proposal held here, never taken from the request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from skyshield.decide.approve import WITHDRAWN_WHY, Decisions, Requests
from skyshield.server.auth import AuthError, Principal

__all__ = ["DecisionError", "HumanApprover", "Proposal"]


class DecisionError(Exception):
    """A verdict that cannot be taken (unknown, decided, expired, withdrawn); HTTP status."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Proposal:
    """One engagement waiting for (or past) a national verdict."""

    id: int  # request id of the decision core
    nation: str
    aircraft: int
    track: int
    weapon: str
    t_asked: float  # server clock [s]
    deadline: float  # expires at [s]
    explanation: dict[str, Any]  # what the operator is shown
    state: str = "pending"  # pending | approved | denied | expired | withdrawn
    decided_by: str | None = None
    t_decided: float | None = None
    audit_seq: int | None = None
    why: str | None = None  # withdrawn: a `decide.approve.WITHDRAWN_WHY` key

    def to_json(self) -> dict[str, Any]:
        """JSON form for the API and the page."""
        return {"id": self.id, "nation": self.nation, "aircraft": self.aircraft,
                "track": self.track, "weapon": self.weapon, "t_asked": self.t_asked,
                "deadline": self.deadline, "state": self.state, "decided_by": self.decided_by,
                "t_decided": self.t_decided, "audit_seq": self.audit_seq,
                "why": WITHDRAWN_WHY.get(self.why, self.why) if self.why else None,
                "explanation": self.explanation}


@dataclass
class HumanApprover:
    """Approver protocol (`decide.approve`), answered by operators over the API."""

    window_s: dict[str, float]  # approval window per nation [s]
    explain: Callable[[Any], list[dict[str, Any]]]  # Requests -> explanation per request
    record: Callable[[str, Proposal, dict[str, Any]], int]  # (kind, proposal, extra) -> seq
    proposals: dict[int, Proposal] = field(default_factory=dict)
    _verdicts: list[tuple[int, bool, float]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    keep: int = 2_000  # decided proposals kept in memory (the database keeps them all)
    core_timeout_s: float = float("inf")  # the Decider's own approval timeout [s]

    # ---------------------------------------------------------- Approver protocol
    def request(self, requests: Requests) -> None:
        """File the core's requests as proposals (audited), each in its nation's queue."""
        if requests is None or len(requests) == 0:
            return
        explained = self.explain(requests)
        with self.lock:
            for i in range(len(requests)):
                nation = str(requests.nation[i])
                p = Proposal(
                    id=int(requests.id[i]), nation=nation, aircraft=int(requests.aircraft[i]),
                    track=int(requests.track[i]), weapon=str(explained[i].get("weapon", "")),
                    t_asked=float(requests.t),
                    deadline=float(requests.t) + self._window(nation),
                    explanation=explained[i])
                p.audit_seq = self.record("proposal", p, {})
                self.proposals[p.id] = p

    def decisions(self, t: float) -> Decisions:
        """Verdicts given since the last call; pending proposals past their deadline expire."""
        with self.lock:
            for p in self.proposals.values():
                if p.state == "pending" and self._expired(p, t):
                    p.state, p.t_decided = "expired", t
                    p.audit_seq = self.record("expiry", p, {})
                    if self._window(p.nation) < self.core_timeout_s:
                        # the core would wait longer: tell it (as a refusal) now
                        self._verdicts.append((p.id, False, t))
            got, self._verdicts = self._verdicts, []
            self._forget()
        if not got:
            return Decisions()
        return Decisions(np.array([g[0] for g in got], np.int64),
                         np.array([g[1] for g in got], bool), np.array([g[2] for g in got]))

    def expected_t(self, ids: np.ndarray) -> np.ndarray:
        """A person answers when they answer: unknown (inf)."""
        return np.full(len(ids), np.inf)

    def cancel(self, ids: np.ndarray, t: float, why: np.ndarray | None = None) -> None:
        """The core withdrew requests `ids` (their engagements ended without a verdict it
        learnt): each proposal still pending, or decided by an operator after the core's
        last look, becomes `withdrawn` (audited, pushed); its queued verdict is dropped."""
        with self.lock:
            queued = {v[0] for v in self._verdicts}
            todo = []
            for j, i in enumerate(np.asarray(ids, np.int64).tolist()):
                p = self.proposals.get(i)
                if p is not None and (p.state == "pending" or i in queued):
                    todo.append((p, str(why[j]) if why is not None else "withdrawn"))
                # else: expired here first, or its verdict was already handed back
            if not todo:
                return
            dropped = {p.id for p, _ in todo}
            self._verdicts = [v for v in self._verdicts if v[0] not in dropped]
            for p, w in todo:
                extra: dict[str, Any] = {"why": w, "reason": WITHDRAWN_WHY.get(w, w)}
                if p.state != "pending":  # an operator answered after the core's last look
                    extra.update(verdict_dropped=p.state, verdict_by=p.decided_by)
                p.state, p.t_decided, p.decided_by, p.why = "withdrawn", t, None, w
                p.audit_seq = self.record("withdrawal", p, extra)

    # ---------------------------------------------------------- operators
    def pending(self, nation: str | None = None) -> list[Proposal]:
        """Proposals waiting, oldest first (of one nation, or all)."""
        with self.lock:
            return [p for p in self.proposals.values() if p.state == "pending"
                    and (nation is None or p.nation == nation)]

    def recent(self, n: int = 200) -> list[Proposal]:
        """The latest proposals, any state."""
        with self.lock:
            return list(self.proposals.values())[-n:]

    def decide(self, proposal_id: int, approve: bool, who: Principal, t: float,
               note: str = "") -> Proposal:
        """Record an operator's verdict (durably, in the audit log) and queue it for the core.

        Raises AuthError (403) unless `who` is an operator of the proposal's nation, and
        DecisionError if there is no such pending proposal (404), or it was decided, has
        expired or was withdrawn by the core (409).
        """
        if who.role != "operator" or not who.nation:
            raise AuthError(f"{who.name} ({who.role}) decides no engagement", 403)
        with self.lock:
            p = self.proposals.get(proposal_id)
            if p is None:
                raise DecisionError(f"no engagement {proposal_id}", 404)
            if not who.may_approve(p.nation):
                raise AuthError(f"{who.name} ({who.role}, {who.nation or 'no nation'}) may not "
                                f"decide a {p.nation} engagement", 403)
            if p.state == "withdrawn":
                raise DecisionError(
                    f"engagement {proposal_id} was withdrawn by the decision core at "
                    f"t={p.t_decided:.0f} s: {WITHDRAWN_WHY.get(p.why, p.why)}; nothing to "
                    "decide")
            if p.state != "pending":
                raise DecisionError(f"engagement {proposal_id} is already {p.state}")
            if self._expired(p, t):
                p.state, p.t_decided = "expired", t
                p.audit_seq = self.record("expiry", p, {})
                raise DecisionError(f"engagement {proposal_id} expired at t={p.deadline:.0f} s")
            p.state = "approved" if approve else "denied"
            p.decided_by, p.t_decided = who.name, t
            try:
                p.audit_seq = self.record("approval" if approve else "denial", p,
                                          {"note": note[:500]})
            except BaseException:
                p.state, p.decided_by, p.t_decided = "pending", None, None
                raise
            self._verdicts.append((p.id, approve, t))
            return p

    def _window(self, nation: str) -> float:
        return self.window_s.get(nation, 120.0)

    def _expired(self, p: Proposal, t: float) -> bool:
        """Past the window, judged as the Decider judges its timeout (same arithmetic)."""
        return t - p.t_asked >= self._window(p.nation)

    def _forget(self) -> None:
        """Bound memory: drop the oldest decided proposals beyond `keep`."""
        extra = len(self.proposals) - self.keep
        if extra <= 0:
            return
        for pid in [k for k, p in self.proposals.items() if p.state != "pending"][:extra]:
            del self.proposals[pid]
