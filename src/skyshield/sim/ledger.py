"""The ledger of a run: the event log plus per-threat and per-aircraft tallies fed by events.

It is the event sink the world and the engine write to; the tallies (kills and shots per
aircraft, who killed each threat and with what, approvals asked) are kept as the events
arrive so the run record needs no second pass over the log. An approval request is held
(`request_rank`, `_asked`) until its verdict or its withdrawal is logged, so the ledger
holds at most one open request per aircraft.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from skyshield.contracts import EventKind
from skyshield.sim.events import EventLog

__all__ = ["Ledger"]


class Ledger:
    """Event log and tallies of one run (`n_threats`, `n_aircraft`)."""

    def __init__(self, n_threats: int, n_aircraft: int) -> None:
        self.log = EventLog()
        n, m = n_aircraft, n_threats
        self.shots = np.zeros(n, np.int64)  # weapons released per aircraft
        self.kills = np.zeros(n, np.int64)  # threats destroyed per aircraft
        self.approvals = np.zeros(n, np.int64)  # approvals asked per aircraft
        self.approval_delay = np.zeros(n)  # declared approval delay summed per aircraft [s]
        self.killer = np.full(m, "", dtype=object)  # nation or "UKR" per threat
        self.kill_weapon = np.full(m, "", dtype=object)  # weapon or site name per threat
        self.request_rank: dict[int, int] = {}  # approval request id -> log rank
        # approval request id -> (aircraft, track, nation, declared delay, time asked)
        self._asked: dict[int, tuple[int, int, str, float, float]] = {}

    def add(self, t: Any, kind: EventKind, **cols: Any) -> int:
        """Log events (as `EventLog.add`) and update the tallies they feed."""
        rank = self.log.add(t, kind, **cols)
        if kind == EventKind.KILL:
            self.kills += np.bincount(np.atleast_1d(cols["aircraft"]), minlength=len(self.kills))
            self.killer[cols["threat"]] = cols["nation"]
            self.kill_weapon[cols["threat"]] = cols["weapon"]
        elif kind == EventKind.GBAD_KILL:
            self.killer[cols["threat"]] = cols["nation"]
            self.kill_weapon[cols["threat"]] = cols["weapon"]
        elif kind == EventKind.SHOT:
            self.shots[cols["aircraft"]] += 1
        elif kind == EventKind.APPROVAL_REQUEST:
            self.approvals[cols["aircraft"]] += 1
            self.approval_delay[cols["aircraft"]] += cols["value"]
        return rank

    def orders(self, orders: Any, weapon_names: np.ndarray, nation: np.ndarray) -> None:
        """Log what a decide step decided: assignments, approval requests, verdicts and
        withdrawn requests."""
        from skyshield.geo.frame import THEATRE

        e = orders.engage
        if len(e.aircraft):
            lat, lon, alt = THEATRE.to_lla(e.aim)
            self.add(orders.t, EventKind.ASSIGN, aircraft=e.aircraft, track=e.track,
                     nation=nation[e.aircraft], weapon=weapon_names[e.weapon], lat=lat,
                     lon=lon, alt=alt, value=e.time)
        rq = orders.requests
        if rq is not None and len(rq):
            rank = self.add(rq.t, EventKind.APPROVAL_REQUEST, aircraft=rq.aircraft,
                            track=rq.track, nation=rq.nation, value=rq.delay_s)
            self.request_rank.update(dict.fromkeys(rq.id.tolist(), rank))
            for i, a, k, nat, d in zip(rq.id.tolist(), rq.aircraft.tolist(), rq.track.tolist(),
                                       rq.nation.tolist(), rq.delay_s.tolist(), strict=True):
                self._asked[i] = (a, k, nat, d, rq.t)
        dec = orders.decisions
        if dec is not None and len(dec):
            self._verdicts(dec)
        wd = getattr(orders, "withdrawn", None)
        if wd is not None and len(wd):
            self._withdrawn(orders.t, wd)
        h = getattr(orders, "held", None)
        if h is not None and len(h.aircraft):
            from skyshield.decide.roe import Reason

            self.add(orders.t, EventKind.PILOT_HOLD, aircraft=h.aircraft, track=h.track,
                     nation=nation[h.aircraft],
                     detail=np.array([Reason(int(r)).name.lower() for r in h.reason]))

    def _verdicts(self, dec: Any) -> None:
        """Log approvals (refusals are logged as approval events with detail "refused")."""
        ids = dec.id.tolist()
        groups: dict[tuple[int, float], list[int]] = {}
        for j, i in enumerate(ids):
            groups.setdefault((self.request_rank.pop(i), float(dec.t[j])), []).append(j)
        for (rank, t), js in sorted(groups.items()):
            js = sorted(js, key=lambda j: ids[j])
            rows = [self._asked.pop(ids[j]) for j in js]
            ok = dec.approved[js]
            # the delay incurred: the declared one when the verdict came exactly on time
            waited = [r[3] if t == r[4] + r[3] else t - r[4] for r in rows]
            self.add(t, EventKind.APPROVAL, aircraft=np.array([r[0] for r in rows]),
                     track=np.array([r[1] for r in rows]),
                     nation=np.array([r[2] for r in rows]),
                     value=np.array(waited),
                     detail=np.where(ok, "", "refused"), rank=rank + 0.5)

    def _withdrawn(self, t: float, wd: Any) -> None:
        """Log requests withdrawn at `t` (their engagements ended before any verdict)."""
        ids = wd.id.tolist()
        rows = [self._asked.pop(i) for i in ids]
        for i in ids:
            self.request_rank.pop(i)
        self.add(t, EventKind.APPROVAL_WITHDRAWN, aircraft=np.array([r[0] for r in rows]),
                 track=np.array([r[1] for r in rows]), nation=np.array([r[2] for r in rows]),
                 value=np.array([t - r[4] for r in rows]), detail=np.asarray(wd.why))
