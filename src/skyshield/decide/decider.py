"""The decision core: tracks and own forces in, orders out. Simulation and server share it.

`Decider.step(tracks, own_forces, t)` runs, in this order:

1. **approvals**: verdicts of the `Approver` reached by `t` move engagements from pending
   to approved or refused; pending ones older than the timeout expire; engagements whose
   aircraft left the fight (bingo) end;
2. **patrol relief** (`relieve`): top up quick-reaction alert, launch relief to stations
   before the aircraft there must go home;
3. **plan** (`plan`): candidate tracks (inside a permitted area, not engaged, no weapon
   in flight) against free shooters, through the injected assigner; new engagements ask
   national approval where the rules say so;
4. **steering and release** (`full`: every engagement, else only those about to
   release): fly each engaged aircraft to the lead point of its track, fire when the
   track is in range, the rules allow it and the engagement is approved; engagements
   whose track ended are released; break off (back to station or home, or stand down if
   still scrambling) where the lead point has left the nation's permitted area, since no
   release would be allowed there.

A pending engagement that ends without a verdict (expired, its aircraft gone, its track
ended, broken off) has its approval request withdrawn at the `Approver` (`cancel`) and
listed in `Orders.withdrawn`: no approval ever arrives for an engagement that no longer
exists.

It reads tracks and own forces only (never truth), and holds the engagement book. The
simulation calls the slow stages on their periods; a live caller may run all every call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skyshield.contracts import (
    AircraftState,
    Engage,
    Fire,
    Held,
    Orders,
    OwnForces,
    PatrolLaunch,
    PatrolPlan,
    Steer,
    Withdrawn,
)
from skyshield.decide.approve import Approver, DelayApprover, Requests
from skyshield.decide.assess import EntryCache
from skyshield.decide.assign import Assigner, GreedyAssigner
from skyshield.decide.assign.rolling import RollingPlanner
from skyshield.decide.book import Book, EngagementState
from skyshield.decide.engage import (
    Shooters,
    WeaponTable,
    near_permitted,
    permitted_boxes,
    plan,
    release_ok,
)
from skyshield.decide.intercept import aspect_cos, lead_point, standoff_point, time_to_range
from skyshield.decide.roe import NationRules, hold_fire_reasons
from skyshield.doctrine import HORIZON_S, RANGE_MARGIN, RESERVE_S, STANDOFF
from skyshield.geo.frame import THEATRE
from skyshield.picture.tracks import Tracks

__all__ = ["Decider", "DeciderConfig"]

S = AircraftState
_NONE = np.zeros(0, np.int64)
# the states as plain ints for the hot path (an IntEnum attribute lookup costs a microsecond)
READY, ALERT, SCRAMBLE, TRANSIT, PATROL, INTERCEPT = (
    int(s) for s in (S.READY, S.ALERT, S.SCRAMBLE, S.TRANSIT, S.PATROL, S.INTERCEPT))
APPROVED, PENDING = int(EngagementState.APPROVED), int(EngagementState.PENDING)


@dataclass(frozen=True)
class DeciderConfig:
    """Timings of the decision core [s]."""

    close_s: float = 20.0  # an engagement this close to release is handled every step
    patrol_start_s: float = 300.0  # a planned patrol launch: start-up to airborne
    relief_margin_s: float = 600.0  # relief leaves this long before it is needed
    approval_timeout_s: float = np.inf  # a request unanswered this long expires


class Decider:
    """The engagement book and the policy that fills it (see the module docstring)."""

    def __init__(
        self,
        rules: dict[str, NationRules],
        table: WeaponTable,
        n_aircraft: int,
        *,
        assigner: Assigner | None = None,
        approver: Approver | None = None,
        stations: PatrolPlan | None = None,
        keep_out: np.ndarray | None = None,
        horizon_s: float = HORIZON_S,
        config: DeciderConfig | None = None,
    ) -> None:
        self.rules = rules
        self.table = table
        self.assigner = assigner if assigner is not None else GreedyAssigner()
        self.approver = approver if approver is not None else DelayApprover()
        self.stations = stations if stations is not None else PatrolPlan.empty()
        self.keep_out = np.zeros((0, 3)) if keep_out is None else keep_out
        self.config = config or DeciderConfig()
        self.book = Book(n_aircraft)
        self.entry = EntryCache(horizon_s)  # per decider: its memory lives with the run
        self.next_request = 0
        self._boxes = permitted_boxes(rules)  # the rules never change during a run
        self._withdraw: list[tuple[np.ndarray, str]] = []  # this step's (request ids, why)

    # ------------------------------------------------------------------ public
    def step(
        self,
        tracks: Tracks,
        own: OwnForces,
        t: float,
        *,
        tracks_t: float | None = None,
        plan: bool = True,
        relieve: bool = True,
        full: bool = True,
    ) -> Orders:
        """Orders for time `t` from the picture `tracks` (predicted to `tracks_t`, default `t`)
        and the state of the own forces `own`."""
        tt = t if tracks_t is None else tracks_t
        state = own.state.copy()  # the forces' state as these orders will leave it
        self._withdraw = []
        decisions, released = self._approvals(t)
        gone = self.book.engaged & (state != INTERCEPT) & (state != SCRAMBLE)
        if gone.any():  # the aircraft left the fight (bingo)
            self._end(np.flatnonzero(gone), "aircraft_left")
        alert, patrol = self._relieve(own, state, t) if relieve else (_NONE, PatrolLaunch())
        engage, requests = self._plan(tracks, own, state, t) if plan else (Engage(), None)
        release, steer, fire, held = self._engagements(tracks, tt, own, state, t, full)
        close = np.flatnonzero(self.book.engaged & self.book.close)
        withdrawn = self._cancel(t)
        return Orders(t, alert=alert, patrol=patrol, engage=engage,
                      release=np.concatenate([released, release]), steer=steer, fire=fire,
                      close=close, requests=requests, decisions=decisions, held=held,
                      withdrawn=withdrawn)

    # ------------------------------------------------------------ withdrawals
    def _end(self, ac: np.ndarray, why: str,
             state: EngagementState = EngagementState.FREE) -> None:
        """End engagements `ac` without a verdict; pending ones are withdrawn (`why`)."""
        book = self.book
        pend = ac[(book.track[ac] >= 0) & (book.state[ac] == EngagementState.PENDING)]
        if len(pend):
            self._withdraw.append((book.request[pend].copy(), why))
        book.end(ac, state)

    def _cancel(self, t: float) -> Withdrawn:
        """Tell the approver which requests this step withdrew; they go in the orders."""
        if not self._withdraw:
            return Withdrawn()
        ids = np.concatenate([w[0] for w in self._withdraw])
        why = np.concatenate([np.full(len(w[0]), w[1]) for w in self._withdraw])
        self._withdraw = []
        self.approver.cancel(ids, t, why)
        return Withdrawn(ids, why)

    def close_tracks(self) -> np.ndarray:
        """Track numbers of the engagements about to release: all that a step with `plan`,
        `relieve` and `full` false reads of the picture."""
        book = self.book
        return book.track[book.engaged & book.close]

    # -------------------------------------------------------------- approvals
    def _approvals(self, t: float):  # noqa: ANN202 - (Decisions, released aircraft)
        """Apply the verdicts reached by `t`; expire requests past the timeout."""
        book = self.book
        dec = self.approver.decisions(t)
        if not len(dec) and not (book.state == PENDING).any():
            return dec, _NONE  # no verdict and nothing pending: nothing to apply or expire
        released = [_NONE]
        if len(dec):
            ac, k = book.rows_of(dec.id)
            yes = dec.approved[k]
            book.state[ac[yes]] = EngagementState.APPROVED
            book.ready_t[ac[yes]] = dec.t[k[yes]]
            book.end(ac[~yes], EngagementState.REFUSED)
            released.append(ac[~yes])
        pend = book.pending()
        old = pend[t - book.asked_t[pend] >= self.config.approval_timeout_s]
        if len(old):
            self._end(old, "timeout", EngagementState.EXPIRED)
            released.append(old)
        return dec, np.concatenate(released)

    # ----------------------------------------------------------------- relief
    def _relieve(self, own: OwnForces, state: np.ndarray, t: float
                 ) -> tuple[np.ndarray, PatrolLaunch]:
        """Top up alert from ready aircraft; launch relief so each station stays manned."""
        promoted = []
        for k, want in enumerate(own.on_alert):
            mine = own.squadron == k
            short = want - int(np.sum(mine & (state == ALERT)))
            if short > 0:
                ready = np.flatnonzero(mine & (state == READY))[:short]
                state[ready] = ALERT
                promoted.append(ready)
        alert = np.concatenate(promoted) if promoted else _NONE
        st = self.stations
        if not len(st):
            return alert, PatrolLaunch()
        manned = ((state == SCRAMBLE) | (state == TRANSIT) | (state == PATROL)
                  | (state == INTERCEPT))
        to_station = np.linalg.norm(own.station_center[:, :2] - own.base[:, :2], axis=1) / (
            own.cruise_ms)
        to_base = np.hypot(*(own.pos[:, :2] - own.base[:, :2]).T) / own.cruise_ms
        # an aircraft no longer counts once it will need relief before a new one can arrive
        staying = own.fuel_s > to_base + RESERVE_S + to_station + self.config.relief_margin_s
        sent, where = [], []
        for i in range(len(st)):  # stations are few (tens): a loop over them is fine
            if t < st.start_s[i]:
                continue
            have = int(np.sum(manned & staying & (own.station == i)))
            need = int(st.required[i]) - have
            if need <= 0:
                continue
            pool = np.flatnonzero((own.squadron == st.squadron[i]) & (state == READY))[:need]
            if len(pool):
                state[pool] = SCRAMBLE
                sent.append(pool)
                where.append(np.full(len(pool), i))
        if not sent:
            return alert, PatrolLaunch()
        ac = np.concatenate(sent)
        return alert, PatrolLaunch(ac, np.concatenate(where),
                                   np.full(len(ac), self.config.patrol_start_s))

    # ------------------------------------------------------------------- plan
    def _entry_p(self, tracks: Tracks, rows: np.ndarray, t: float):  # noqa: ANN202
        """Trigger probabilities for picture rows `rows`, as `decide.engage.EntryP` wants."""

        def entry_p(sub: np.ndarray, within_s: float, countries: tuple[str, ...]) -> np.ndarray:
            return self.entry.p_entry(tracks, rows[sub], t, within_s, countries)

        return entry_p

    def _plan(self, tracks: Tracks, own: OwnForces, state: np.ndarray, t: float
              ) -> tuple[Engage, Requests | None]:
        """Assign free shooters to unengaged tracks; ask approval where the rules say so."""
        book = self.book
        near = np.flatnonzero(near_permitted(tracks.x, self.rules, self._boxes))
        if not len(near):  # nothing near a permitted area: nothing to plan
            return Engage(), None
        busy = np.union1d(book.track[book.track >= 0], own.in_flight_track)
        has_rounds = own.rounds.sum(axis=1) > 0
        # a rolling plan may re-task an aircraft still flying to its engagement, far from
        # its release: its track is planned again, for it alone (`DynamicConfig.
        # retask_price`; with shoot-look-shoot only, as shoot-shoot offers engaged tracks
        # to every shooter)
        rolling = isinstance(self.assigner, RollingPlanner)
        far = np.zeros(len(state), bool)
        if rolling and self.assigner.shoot_look_shoot and (
                self.assigner.config.retask_price is not None):
            far = (book.engaged & ~book.close & has_rounds & (state == INTERCEPT)
                   & (book.eta > self.assigner.config.retask_after_s))
        free = ~np.isin(tracks.number[near], busy)
        if not getattr(self.assigner, "shoot_look_shoot", True):  # shoot-shoot: plan them too
            free[:] = True
        mine = np.isin(tracks.number[near], book.track[far]) & ~free  # a re-taskable one's
        if not free.any() and not mine.any():
            return Engage(), None
        idle = book.track < 0
        airborne_free = idle & has_rounds & ((state == TRANSIT) | (state == PATROL))
        alert = idle & has_rounds & (state == ALERT)
        cand = np.flatnonzero(airborne_free | alert | far)
        if not len(cand):
            return Engage(), None
        on_alert = state[cand] == ALERT
        shooters = Shooters(
            index=cand, nation=own.nation[cand], pos=own.pos[cand], speed=own.dash_ms[cand],
            cruise=own.cruise_ms[cand],
            delay=np.where(on_alert, own.alert_delay_s[cand], 0.0),
            rounds=own.rounds[cand], fuel_s=own.fuel_s[cand], base=own.base[cand])
        rows = near[free | mine]
        if rolling:  # the dynamic problem (issue 11)
            # each shooter's current track (row of `rows`; -1 free, -2 a track not offered)
            incumbent = np.full(len(cand), -1, np.int64)
            eng = np.flatnonzero(far[cand])
            if len(eng):
                hit = book.track[cand[eng], None] == tracks.number[rows][None, :]  # (k,R)
                incumbent[eng] = np.where(hit.any(axis=1), hit.argmax(axis=1), -2)
            e = self.assigner.plan(tracks, rows, shooters, self.rules, self.table, t,
                                   entry_p=self._entry_p(tracks, rows, t),
                                   keep_out=self.keep_out, horizon_s=self.entry.horizon_s,
                                   survival=self._open_survival(tracks, rows, own,
                                                                skip=cand[far[cand]]),
                                   incumbent=incumbent)
            # a re-taskable aircraft the plan leaves on its track (or gives nothing) flies on
            ac_e = cand[e.shooter]
            stay = far[ac_e] & (tracks.number[rows[e.track]] == book.track[ac_e])
            e = e.select(np.flatnonzero(~stay))
            moved = cand[e.shooter][far[cand[e.shooter]]]
            if len(moved):  # re-tasked: the old engagement ends (its request withdrawn)
                self._end(moved, "retasked")
        else:
            e = plan(tracks.x[rows], tracks.cls[rows], shooters, self.rules, self.table,
                     self.assigner, entry_p=self._entry_p(tracks, rows, t),
                     keep_out=self.keep_out)
        if not len(e):
            return Engage(), None
        ac = cand[e.shooter]
        trk = tracks.number[rows[e.track]]
        book.open(ac, trk, e.weapon)
        lat, lon, _ = THEATRE.to_lla(e.aim)
        delay = np.zeros(len(ac))
        for nation, nr in self.rules.items():
            m = own.nation[ac] == nation
            if m.any():
                delay[m] = nr.approval_delay(lat[m], lon[m])
        book.ready_t[ac] = t + delay
        scramble = state[ac] == ALERT
        state[ac[scramble]] = SCRAMBLE
        state[ac[~scramble]] = INTERCEPT
        engage = Engage(ac, trk, e.weapon, e.aim, e.time, scramble,
                        np.where(scramble, own.alert_delay_s[ac], 0.0))
        need = delay > 0
        if not need.any():
            return engage, None
        ids = np.arange(self.next_request, self.next_request + int(need.sum()), dtype=np.int64)
        self.next_request += len(ids)
        req = Requests(ids, ac[need], trk[need], own.nation[ac[need]], e.weapon[need],
                       e.aim[need], t, delay[need])
        self.approver.request(req)
        book.ask(ac[need], ids, t, self.approver.expected_t(ids))
        return engage, req

    def _open_survival(self, tracks: Tracks, rows: np.ndarray, own: OwnForces,
                       skip: np.ndarray = _NONE) -> np.ndarray:
        """Chance each track row survives the shots already open on it: engagements in the
        book (their weapon's Pk) and weapons in flight (the best Pk of the table for its
        class, the weapon itself not being in the picture). The engagements of aircraft
        `skip` (being planned again) do not count."""
        book, pk = self.book, self.table.pk
        cls = tracks.cls[rows]
        surv = np.ones(len(rows))
        eng = np.setdiff1d(np.flatnonzero(book.track >= 0), skip)
        if len(eng):
            pos = np.flatnonzero(np.isin(tracks.number[rows], book.track[eng]))
            for k in pos:  # tracks with an open engagement: a few
                mine = eng[book.track[eng] == tracks.number[rows[k]]]
                surv[k] *= np.prod(1.0 - pk[book.weapon[mine], cls[k]])
        if len(own.in_flight_track):
            n = np.array([np.sum(own.in_flight_track == num) for num in tracks.number[rows]])
            surv *= (1.0 - pk[:, cls].max(axis=0)) ** n
        return surv

    # ----------------------------------------------------------- engagements
    def _permitted(self, nation: np.ndarray, goal: np.ndarray) -> np.ndarray:
        """Whether each intercept point `goal` (theatre frame) lies in its `nation`'s
        permitted area. A chase whose point has left it is broken off: the target would be
        out of bounds when in range (no release, rules 3-6), and the chase would carry the
        aircraft deeper into Ukraine, or nearer Belarus and Russia, than its rules allow.
        Airborne, it goes back to its station (or home); still on the ground, it stands
        down. The track may be taken again if it comes back."""
        glat, glon, _ = THEATRE.to_lla(goal)
        inside = np.ones(len(goal), bool)
        for n, nr in self.rules.items():
            m = nation == n
            if m.any():
                inside[m] = nr.permitted.contains(glat[m], glon[m])
        return inside

    def _engagements(self, tracks: Tracks, tracks_t: float, own: OwnForces,
                     state: np.ndarray, t: float, full: bool
                     ) -> tuple[np.ndarray, Steer, Fire, Held]:
        """Steer engaged aircraft to their lead points; fire where the release check passes."""
        book, cfg = self.book, self.config
        eng = np.flatnonzero(book.engaged)
        if not full:
            eng = eng[book.close[eng]]
        if not len(eng):
            return _NONE, Steer(), Fire(), Held()
        numbers = tracks.number
        order = np.argsort(numbers, kind="stable")
        srt = numbers[order]
        if len(srt):
            pos = np.minimum(np.searchsorted(srt, book.track[eng]), len(srt) - 1)
            found = srt[pos] == book.track[eng]
        else:
            pos, found = np.zeros(len(eng), np.int64), np.zeros(len(eng), bool)
        lost = eng[~found]  # the track ended (destroyed or dropped): back to the station
        self._end(lost, "track_lost")
        eng, rows = eng[found], order[pos[found]]
        chasing = (state[eng] == INTERCEPT) | (state[eng] == SCRAMBLE)
        eng, rows = eng[chasing], rows[chasing]
        flying = state[eng] == INTERCEPT
        x = tracks.x[rows].copy()
        x[:, :3] += x[:, 3:] * (t - tracks_t)  # extrapolate the picture to now
        table = self.table
        w = book.weapon[eng]
        p = own.pos[eng]
        # the intercept from where each aircraft is, after its scramble delay if still on
        # the ground (the target moves on meanwhile); airborne, the delay is 0 and this is
        # the steering's own geometry (the lead point flown to), computed once for both
        delay = np.where(flying, 0.0, own.alert_delay_s[eng])
        p_t = x[:, :2] + x[:, 3:5] * delay[:, None]
        envelope = table.reach(w, aspect_cos(p_t, x[:, 3:5], p[:, :2]))
        reach = RANGE_MARGIN * envelope
        tau = time_to_range(p_t - p[:, :2], x[:, 3:5], own.dash_ms[eng], reach)
        tau = np.where(np.isfinite(tau), tau, 0.0) + delay
        goal = lead_point(x[:, :3], x[:, 3:6], tau)
        # within range already (waiting for approval, or just after a pass): hold at a
        # standoff inside the envelope rather than close below the minimum range
        rmin = table.rmin[w]
        inside = np.flatnonzero(flying & (np.linalg.norm(x[:, :3] - p, axis=1) < reach))
        if len(inside):
            hold = rmin[inside] + STANDOFF * (reach[inside] - rmin[inside])
            goal[inside] = standoff_point(x[inside, :3], x[inside, 3:6], p[inside], hold)
        off = ~self._permitted(own.nation[eng], goal)
        if off.any():
            self._end(eng[off], "out_of_area")
            lost = np.concatenate([lost, eng[off]])
        keep = flying & ~off
        eng, rows, x, w, p = eng[keep], rows[keep], x[keep], w[keep], p[keep]
        envelope, tau, goal = envelope[keep], tau[keep], goal[keep]
        if not len(eng):
            return lost, Steer(), Fire(), Held()
        steer = Steer(eng, goal)
        book.close[eng] = (tau < cfg.close_s) & (book.ready_t[eng] < t + cfg.close_s)
        book.eta[eng] = np.maximum(tau, book.ready_t[eng] - t)
        ok = (book.state[eng] == APPROVED) & release_ok(
            p, own.nation[eng], x, tracks.cls[rows], w, self.rules, table,
            entry_p=self._entry_p(tracks, rows, t), reach=envelope)
        ok &= own.rounds[eng, w] > 0
        # hold fire (debris over own towns, a threat leaving on its own): judged on the track
        hold = np.zeros(len(eng), np.int8)
        if ok.any():
            hold[ok] = hold_fire_reasons(self.rules, own.nation[eng[ok]], x[ok],
                                         tracks.cls[rows[ok]])
        first = ok & (hold > 0) & (book.held[eng] == 0)
        book.held[eng[first]] = hold[first]
        held = Held(eng[first], book.track[eng[first]].copy(), hold[first].astype(np.int64))
        ok &= hold == 0
        if not ok.any():
            return lost, steer, Fire(), held
        a = eng[ok]
        fire = Fire(a, book.track[a].copy(), w[ok], x[ok])
        book.end(a)
        return lost, steer, fire, held
