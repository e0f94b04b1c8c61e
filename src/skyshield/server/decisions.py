"""The simulation's decision core, run live: `Decider` with a human approver, own forces.

`DecisionCore` wires, exactly as `sim.engine.Engine.start` does, the scenario's compiled
rules, weapon table, patrol plan and keep-out circles into the same `Decider`; only its
approver differs (`HumanApprover`: a person of the aircraft's nation). The coalition's own
aircraft are flown by the world model with no threats in it (`World` on an empty raid):
the server knows its own forces, never the threats' truth. Weapons released by a fire
order fly out but find nothing to hit there; the outcome is what the picture shows next.

Everything the core decides is audited: each approval request (the proposal and the
explanation shown), each verdict, expiry or withdrawal (by the approver: the core
withdraws a request whose engagement ended before any verdict), and each order (an
engagement started, a weapon released: approved, and permitted by the rules at that
moment, which the Decider re-checks at release).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from skyshield.contracts import AIRBORNE
from skyshield.decide.assess import assess_tracks
from skyshield.decide.decider import Decider, DeciderConfig
from skyshield.decide.explain import explain_pairs
from skyshield.decide.roe import compile_rules, required_horizon_s
from skyshield.doctrine import HORIZON_S
from skyshield.geo.frame import THEATRE
from skyshield.model.scenario import Scenario
from skyshield.picture.tracks import Tracks
from skyshield.server.approver import HumanApprover, Proposal
from skyshield.server.audit import AuditLog
from skyshield.server.clock import ExerciseClock
from skyshield.sim.build import build_forces, keep_out_circles, move_stations_clear
from skyshield.world.threats import Threats
from skyshield.world.world import World

__all__ = ["DecisionCore", "approval_windows", "empty_raid"]

DECISION_SQL = ("INSERT INTO decisions (seq, engagement, nation, username, action, t, track, "
                "aircraft, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


def approval_windows(sc: Scenario) -> dict[str, float]:
    """How long each nation's operators have to answer a request [s]: the scenario's
    declared national approval time (`rules.NATION.approval.delay_s`)."""
    return {n: float(r.approval.delay_s) for n, r in sc.rules.items()}


def empty_raid() -> Any:
    """A raid with no threats: the world model of a server flies only its own aircraft."""
    from skyshield.world.raid import RaidPlan

    z = lambda *shape, dt=float: np.zeros(shape, dt)  # noqa: E731
    th = Threats(type_idx=z(0, dt=np.int32), cls=z(0, dt=np.int8), target_idx=z(0, dt=np.int32),
                 interceptable=z(0, dt=bool), t_launch=z(0), speed=z(0), range_m=z(0),
                 wp=z(0, 2, 3), n_wp=np.full(0, 2, np.int64), cum=z(0, 2), climb=z(0),
                 dive=z(0), wobble_m=z(0), wobble_k=z(0), wobble_phase=z(0))
    return RaidPlan(threats=th, type_names=[], target_names=[], launch_names=[],
                    launch_idx=z(0, dt=np.int32), wave=z(0, dt=np.int32),
                    routing=z(0, dt=np.int8))


class _Events:
    """The world's event sink: keeps the few events the operators' timeline shows."""

    SHOWN = ("scramble", "on_station", "bingo", "land")

    def __init__(self) -> None:
        self.pending: list[tuple[float, str, dict[str, Any]]] = []

    def add(self, t: Any, kind: Any, **cols: Any) -> int:
        k = str(getattr(kind, "value", kind))
        if k in self.SHOWN:
            n = int(np.size(cols.get("aircraft", [])))
            tt = np.broadcast_to(np.asarray(t, float), (n,))
            ac = np.asarray(cols.get("aircraft", []))
            nat = np.broadcast_to(np.asarray(cols.get("nation", "")), (n,))
            for i in range(n):
                self.pending.append((float(tt[i]), k, {"aircraft": int(ac[i]),
                                                       "nation": str(nat[i])}))
        return 0

    def take(self) -> list[tuple[float, str, dict[str, Any]]]:
        out, self.pending = self.pending, []
        return out


@dataclass
class DecisionCore:
    """Decider + human approver + own forces of one live mission."""

    scenario: Scenario
    audit: AuditLog
    clock: ExerciseClock
    world: World
    decider: Decider
    approver: HumanApprover
    on_alert: tuple[int, ...]
    labels: list[str]  # per aircraft: "PL F-16 · Rzeszów-Jasionka #3"
    weapon_names: list[str]
    events: _Events
    publish: Callable[[dict[str, Any]], Any] = lambda m: None
    _ctx: tuple[Tracks, Any, float] | None = None  # this step's picture and assessment
    t_last: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def build(cls, sc: Scenario, audit: AuditLog, clock: ExerciseClock) -> DecisionCore:
        """Build the core as the simulation does (same rules, forces, stations, keep-out)."""
        forces = build_forces(sc)
        keep_out = np.zeros((0, 3))
        if sc.deconfliction.policy == "fighters_keep_out":
            keep_out = keep_out_circles(forces.sites, sc.deconfliction.hold_fire_km)
            move_stations_clear(forces.stations, keep_out)
        events = _Events()
        world = World(sc, empty_raid(), forces, events, np.random.default_rng(0),
                      keep_out=keep_out)
        windows = approval_windows(sc)
        timeout = max(windows.values(), default=120.0)
        rules = compile_rules(sc)
        core = cls.__new__(cls)
        approver = HumanApprover(windows, core._explain, core._record, core_timeout_s=timeout)
        decider = Decider(rules, forces.table, len(forces.fleet), approver=approver,
                          stations=forces.stations, keep_out=keep_out,
                          horizon_s=max(HORIZON_S, required_horizon_s(sc)),
                          config=DeciderConfig(approval_timeout_s=timeout))
        # engagement numbers go on across restarts (one per proposal ever logged)
        decider.next_request = int(audit.store.query(
            "SELECT COUNT(*) FROM audit WHERE kind = 'proposal'")[0][0])
        fl = forces.fleet
        squads = forces.squads
        labels = [f"{squads[int(fl.squadron[i])].name} · {squads[int(fl.squadron[i])].base} "
                  f"#{i}" for i in range(len(fl))]
        core.__init__(sc, audit, clock, world, decider, approver,
                      tuple(s.on_alert for m in sc.coalition for s in m.squadrons), labels,
                      list(forces.table.name), events)
        return core

    # ------------------------------------------------------------------ the step
    def step(self, tracks: Tracks, tracks_t: float, t: float, assessment: Any
             ) -> list[dict[str, Any]]:
        """One decision step at `t`; the messages to push (orders; proposals and verdicts
        are pushed as they are recorded)."""
        w = self.world
        w.sync(t)
        w.resolve_shots(t)
        self._ctx = (tracks, assessment, tracks_t)
        own = w.own_forces(t, self.on_alert)
        orders = self.decider.step(tracks, own, t, tracks_t=tracks_t)
        msgs = self._orders(orders, t)
        w.apply(orders)
        for te, kind, d in self.events.take():
            msgs.append({"type": "event", "t": te, "kind": kind, **d,
                         "text": f"{d['nation']} aircraft #{d['aircraft']} "
                                 f"{kind.replace('_', ' ')}"})
        self.t_last = t
        return msgs

    def _orders(self, orders: Any, t: float) -> list[dict[str, Any]]:
        """Audit and describe the orders that act on aircraft: engagements and releases."""
        out = []
        fl = self.world.fleet
        e, f = orders.engage, orders.fire
        for what, ac, trk, wpn in (("engage", e.aircraft, e.track, e.weapon),
                                   ("fire", f.aircraft, f.track, f.weapon)):
            for i in range(len(ac)):
                a = int(ac[i])
                d = {"order": what, "aircraft": a, "nation": str(fl.nation[a]),
                     "track": int(trk[i]), "weapon": self.weapon_names[int(wpn[i])], "t": t}
                if what == "fire":
                    lat, lon, alt = THEATRE.to_lla(f.aim[i, :3])
                    d["aim"] = [round(float(lat), 5), round(float(lon), 5), round(float(alt))]
                    d["approval"] = self._approval_of(a, int(trk[i]))
                seq, _ = self.audit.append("order", d)
                verb = "engages" if what == "engage" else "fires at"
                out.append({"type": "order", **d, "audit_seq": seq,
                            "text": f"{d['nation']} aircraft #{a} {verb} track {d['track']} "
                                    f"({d['weapon']})"})
        return out

    def _approval_of(self, aircraft: int, track: int) -> int | None:
        """Audit number of the approval behind a release (None: no approval was needed)."""
        for p in reversed(self.approver.recent()):
            if p.aircraft == aircraft and p.track == track and p.state == "approved":
                return p.audit_seq
        return None

    # ------------------------------------------------------------------ approver hooks
    def _explain(self, requests: Any) -> list[dict[str, Any]]:
        """What the operator is shown for each request: the track's assessment, the rule
        that allows the engagement (and any other rule that would fail), the aircraft."""
        tracks, _, tt = self._ctx if self._ctx else (Tracks.empty(), None, 0.0)
        fl = self.world.fleet
        want = np.asarray(requests.track, np.int64)  # assessed now, on this step's picture
        a = assess_tracks(tracks.select(np.isin(tracks.number, want)), tt)
        out = []
        for i in range(len(requests)):
            ac, num = int(requests.aircraft[i]), int(requests.track[i])
            x: dict[str, Any] = {"aircraft": self.labels[ac],
                                 "weapon": self.weapon_names[int(requests.weapon[i])]}
            lat, lon, _ = THEATRE.to_lla(np.asarray(requests.aim[i], float).reshape(1, 3))
            x["aim"] = [round(float(lat[0]), 4), round(float(lon[0]), 4)]
            rows = np.flatnonzero(a.number == num) if a is not None else []
            if len(rows):
                r = int(rows[0])
                slat, slon, _ = THEATRE.to_lla(fl.pos[ac:ac + 1])
                judged = explain_pairs(self.decider.rules, a, r, fl.nation[ac:ac + 1], slat,
                                       slon)[0]
                x.update(track=list(a.reasons[r]), rule=judged["reason"], code=judged["code"],
                         also=judged["also"], p_nato=round(float(a.p_nato[r]), 3),
                         value=round(float(a.value[r]), 2))
            else:
                x.update(track=[f"track {num}"], rule="", code="", also=[])
            out.append(x)
        return out

    def _record(self, kind: str, p: Proposal, extra: dict[str, Any]) -> int:
        """Append a proposal, verdict, expiry or withdrawal to the audit log (with its
        decisions row, in the same transaction), then push it; returns its audit number."""
        body = {"engagement": p.id, "nation": p.nation, "aircraft": p.aircraft,
                "aircraft_label": p.explanation.get("aircraft", ""), "track": p.track,
                "weapon": p.weapon, "t": round(self.clock.now(), 3), "t_asked": p.t_asked,
                "deadline": p.deadline, **extra}
        if kind == "proposal":
            body["explanation"] = p.explanation
        else:
            body["by"] = p.decided_by or ("(the decision core)" if kind == "withdrawal"
                                          else "(nobody: the window closed)")
            body["t_decided"] = p.t_decided
            body["explanation_shown"] = p.explanation
        side = None
        if kind != "proposal":
            side = lambda seq: [(DECISION_SQL, (  # noqa: E731
                seq, p.id, p.nation, p.decided_by or "", kind, p.t_decided, p.track,
                p.aircraft, json.dumps(p.explanation)))]
        seq, _ = self.audit.append(kind, body, side)
        p.audit_seq = seq
        self.publish({"type": "proposal" if kind == "proposal" else "decision",
                      "engagement": p.to_json()})
        return seq

    # ------------------------------------------------------------------ picture part
    def aircraft_json(self, t: float) -> dict[str, Any]:
        """Own aircraft (airborne ones drawn on the map) as columns."""
        fl = self.world.fleet
        lat, lon, alt = THEATRE.to_lla(fl.pos)
        r = lambda v, n: np.round(v, n).tolist()  # noqa: E731
        return {"id": list(range(len(fl))), "nation": [str(n) for n in fl.nation],
                "state": fl.state.astype(int).tolist(), "lat": r(lat, 5), "lon": r(lon, 5),
                "alt": r(alt, 0), "x_km": r(fl.pos[:, 0] / 1000, 2),
                "y_km": r(fl.pos[:, 1] / 1000, 2), "label": self.labels,
                "airborne": AIRBORNE[fl.state].tolist(), "t": self.t_last}
