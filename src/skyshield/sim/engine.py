"""The tick engine: world moves -> sensing -> picture -> decide -> orders -> world.

One `Engine.run()` is one run of a scenario with one seed. The order of the stages inside
a tick is fixed and readable (BlueSky habit); slow stages run on their own periods (the
assigner re-plans every `decide_period_s`, patrols are topped up every `patrol_period_s`).
The decide stage sees tracks only; truth is read here to move things and score outcomes.
"""

from __future__ import annotations

import time as wallclock
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from skyshield.decide.assess import HORIZON_S, EntryCache
from skyshield.decide.assign import ASSIGNERS
from skyshield.decide.engage import Shooters, near_permitted, plan, release_ok
from skyshield.decide.intercept import aspect_cos, lead_point, time_to_range
from skyshield.decide.roe import compile_rules, required_horizon_s
from skyshield.geo.borders import NATO, borders
from skyshield.geo.frame import THEATRE
from skyshield.geo.proximity import border_proximity
from skyshield.model.library import ThreatClass, library
from skyshield.model.scenario import Scenario
from skyshield.picture.perfect import PerfectPicture
from skyshield.picture.tracker import Tracker
from skyshield.picture.tracks import Tracks
from skyshield.sim.build import (
    BASKET_M,
    build_forces,
    build_radars,
    keep_out_circles,
    move_stations_clear,
)
from skyshield.sim.events import EventKind, EventLog
from skyshield.sim.result import RunResult, Trajectories
from skyshield.world.aircraft import (
    AIRBORNE,
    INTERCEPT,
    RESERVE_S,
    SCRAMBLE,
    AircraftState,
)
from skyshield.world.airspace import AirspaceMonitor
from skyshield.world.raid import generate_raid
from skyshield.world.threats import ThreatStatus
from skyshield.world.weapons import Shots, acquire, draw_kills, flyout_time

S = AircraftState
PATROL_START_S = 300.0  # a planned patrol launch: start-up to airborne [s]
CLOSE_S = 20.0  # an engagement this close to release is flown every tick [s]
NATO_MARGIN_M = 15_000.0  # border-distance table error (cell, frame scale) plus slack [m]
PICTURES = ("perfect", "tracked")


@dataclass(frozen=True)
class EngineConfig:
    """How a run is wired and paced."""

    picture: str = "perfect"  # "perfect" (truth under own track numbers) or "tracked"
    assign: str = "greedy"  # name of the assigner (decide.assign.ASSIGNERS)
    decide_period_s: float = 5.0  # re-planning period of the assigner [s]
    patrol_period_s: float = 30.0  # patrol relief check period [s]
    replay_dt_s: float = 10.0  # replay sampling period [s]
    depth_period_s: float = 60.0  # depth-into-Ukraine sampling period [s]
    monitor_period_s: float = 10.0  # airspace bookkeeping period (crossings stay exact) [s]
    picture_period_s: float = 5.0  # perfect-picture refresh period [s] (tracked: every scan)
    gbad_period_s: float = 5.0  # Ukrainian fire-control cycle [s]
    cruise_period_s: float = 5.0  # integration period of aircraft not engaged [s]


class Engine:
    """Runs one scenario with one seed; `run()` returns a `RunResult`."""

    def __init__(
        self, scenario: Scenario, config: EngineConfig | None = None, seed: int | None = None
    ) -> None:
        self.scenario = scenario
        self.config = config or EngineConfig()
        self.seed = scenario.seed if seed is None else seed

    # ------------------------------------------------------------------- setup
    def _setup(self) -> None:
        sc, cfg = self.scenario, self.config
        if cfg.picture not in PICTURES:
            raise ValueError(f"unknown picture {cfg.picture!r}: expected one of {PICTURES}")
        if cfg.assign not in ASSIGNERS:
            raise ValueError(
                f"unknown assigner {cfg.assign!r}: expected one of {sorted(ASSIGNERS)}"
            )
        root = np.random.SeedSequence(self.seed)
        raid_seq, draw_seq, sense_seq = root.spawn(3)
        self.rng = np.random.default_rng(draw_seq)
        self.sense_rng = np.random.default_rng(sense_seq)
        self.raid = generate_raid(sc, np.random.default_rng(raid_seq))
        self.th = self.raid.threats
        types = [library().threat(n) for n in self.raid.type_names]
        self.type_names = np.array([tt.name for tt in types], dtype=object)
        self.type_cost = np.array([tt.unit_cost_usd for tt in types], float)
        self.gbad_engageable = np.array([tt.cls != ThreatClass.ballistic for tt in types], bool)
        self.type_rcs = np.array([tt.rcs_m2 for tt in types], float)
        self.forces = build_forces(sc)
        self.fleet = self.forces.fleet
        self.on_alert = [s.on_alert for m in sc.coalition for s in m.squadrons]
        self.keep_out = np.zeros((0, 3))
        if sc.deconfliction.policy == "fighters_keep_out":
            self.keep_out = keep_out_circles(self.forces.sites, sc.deconfliction.hold_fire_km)
            self.fleet.keep_out = self.keep_out
            move_stations_clear(self.forces.stations, self.keep_out)
        self.sites = self.forces.sites
        self.weapon_names = np.array(self.forces.table.name, dtype=object)
        self.site_names = np.array(self.sites.name, dtype=object)
        self.rules = compile_rules(sc)
        self.entry = EntryCache(max(HORIZON_S, required_horizon_s(sc)))
        self.assigner = ASSIGNERS[cfg.assign]()
        self.events = EventLog()
        self.shots = Shots()
        self.picture = PerfectPicture(sc.picture.nominal_sigma_m, sc.picture.nominal_sigma_ms)
        self.tracker = Tracker() if cfg.picture == "tracked" else None
        self.radars = build_radars(sc, self.type_rcs) if cfg.picture == "tracked" else None
        self._set_tracks(Tracks.empty(), 0.0)
        self.detections: list[tuple[np.ndarray, np.ndarray]] = []
        self.n_plots = 0
        n = len(self.fleet)
        self.eng_track = np.full(n, -1, np.int64)  # track number engaged by each aircraft
        self.eng_weapon = np.zeros(n, np.int64)
        self.eng_approved = np.zeros(n)  # time national approval is given [s]
        self.eng_close = np.zeros(n, bool)  # engagement about to release: every tick
        self.shots_fired = np.zeros(n, np.int64)
        self.kills = np.zeros(n, np.int64)
        self.depth_max = np.zeros(n)  # max distance from NATO territory inside Ukraine [m]
        self.depth_sum = np.zeros(n)  # sum of depth samples while inside Ukraine [m]
        self.depth_n = np.zeros(n, np.int64)
        self.risk_s = np.zeros(n)  # time inside an active Ukrainian MEZ [s]
        self.in_risk = np.zeros(n, bool)
        self.approvals = np.zeros(n, np.int64)
        self.approval_delay = np.zeros(n)
        self.closest_blr_rus = np.full(n, np.inf)  # closest approach to BLR/RUS [m]
        self.killer = np.full(len(self.th), "", dtype=object)  # nation or site name
        self.kill_weapon = np.full(len(self.th), "", dtype=object)
        self.nato_monitor = AirspaceMonitor.for_countries(NATO, len(self.th))
        self.ukr_monitor = AirspaceMonitor.for_countries(["UKR"], n)
        self.nato_entry_t = np.full(len(self.th), np.nan)
        self.th_lat, self.th_lon, _ = THEATRE.to_lla(self.th.pos)
        self.th_alive_prev = np.zeros(len(self.th), bool)
        self.nato_prox = border_proximity(tuple(sorted(NATO)))
        self.max_speed = float(self.th.speed.max(initial=0.0))  # bounds travel per call [m/s]
        self.th_t = 0.0  # time the threats were last brought to [s]
        self.synced_t = -1.0  # time every aircraft was last brought to [s]
        self.ac_lat, self.ac_lon, _ = THEATRE.to_lla(self.fleet.pos)
        self.traj = Trajectories()

    # --------------------------------------------------------------------- run
    def start(self) -> Engine:
        """Build the run's world at t = 0 (called by `run` and `run_until`)."""
        self._setup()
        cfg, dt = self.config, self.scenario.tick_s
        self.dt = dt
        self.k = 0
        self.t = 0.0
        self.every = {name: max(1, int(round(p / dt))) for name, p in (
            ("decide", cfg.decide_period_s), ("patrol", cfg.patrol_period_s),
            ("replay", cfg.replay_dt_s), ("depth", cfg.depth_period_s),
            ("monitor", cfg.monitor_period_s), ("picture", cfg.picture_period_s),
            ("gbad", cfg.gbad_period_s), ("cruise", cfg.cruise_period_s))}
        self.wall0 = wallclock.perf_counter()
        return self

    def step(self) -> None:
        """One tick, stages in their fixed order."""
        self.k += 1
        k, dt, every = self.k, self.dt, self.every
        t = self.t = k * dt
        self._move(t, dt)  # world moves
        self._resolve_shots(t)  # weapons in flight arrive
        if k % every["gbad"] == 0:
            self._ukrainian_defence(t)  # Ukrainian sites fire
            self._fratricide(t, every["gbad"] * dt)
        if k % every["monitor"] == 0:
            self._monitor(t, every["monitor"] * dt, depth=k % every["depth"] == 0)
        if k % every["patrol"] == 0 or k == 1:
            self._patrols(t)
        self._sense(t, k % every["picture"] == 0)  # sensing -> picture
        if k % every["decide"] == 0:
            self._decide(t)  # decide -> orders
        self._engagements(t)  # orders -> world: fly intercepts, release weapons
        if k % every["replay"] == 0:
            self._sample(t)

    def run_until(self, t_stop: float) -> Engine:
        """Start if needed and step until simulated time `t_stop` [s]; returns self."""
        if not hasattr(self, "k"):
            self.start()
        n = int(round(min(t_stop, self.scenario.duration_s) / self.dt))
        while self.k < n:
            self.step()
        self._truth(self.t)
        self._sync(self.t)
        return self

    def run(self, progress: Callable[[float, float], None] | None = None) -> RunResult:
        """Fly the whole scenario; `progress(t, duration)` is called every simulated minute."""
        self.start()
        n_ticks = int(round(self.scenario.duration_s / self.dt))
        minute = max(1, int(round(60.0 / self.dt)))
        while self.k < n_ticks:
            self.step()
            if progress is not None and self.k % minute == 0:
                progress(self.t, self.scenario.duration_s)
        self._truth(self.t)
        self._sync(self.t)
        return self._finish(n_ticks * self.dt, wallclock.perf_counter() - self.wall0)

    # ------------------------------------------------------------------ stages
    def _truth(self, t: float) -> None:
        """Bring the threats to time `t` (they fly closed-form routes, so this is exact).

        Threat positions are computed only when something reads them (sensors, Ukrainian
        sites, weapons, bookkeeping), not on every tick; events carry their exact times.
        """
        th = self.th
        if self.th_t >= t:
            return
        ev = th.step(self.th_t, t - self.th_t)
        self.th_t = t
        for idx, kind in ((ev.launched, EventKind.LAUNCH), (ev.impacted, EventKind.IMPACT),
                          (ev.expired, EventKind.EXPIRED)):
            if len(idx):
                at = th.wp[idx, 0] if kind == EventKind.LAUNCH else th.pos[idx]
                when = th.t_launch[idx] if kind == EventKind.LAUNCH else th.t_end[idx]
                lat, lon, alt = THEATRE.to_lla(at)
                self.events.add(when, kind, threat=idx, lat=lat, lon=lon, alt=alt,
                                detail=self.type_names[th.type_idx[idx]])

    def _move(self, t: float, dt: float) -> None:
        """Engaged aircraft move every tick; the others every `cruise_period_s` (`_sync`).

        Threats move on demand (`_truth`).
        """
        fl = self.fleet
        if self.k % self.every["cruise"] == 0:
            self._sync(t)
            return
        busy = np.flatnonzero((self.eng_track >= 0) & self.eng_close)
        if len(busy):
            self._record(fl.step(t - fl.t_pos[busy], check=self.k % 5 == 0, idx=busy), t)

    def _sync(self, t: float) -> None:
        """Bring every aircraft to time `t` (readers of aircraft positions call this)."""
        if self.synced_t == t:
            return
        fl = self.fleet
        stale = np.flatnonzero(fl.t_pos < t - 1e-9)
        if len(stale):
            self._record(fl.step(t - fl.t_pos[stale], check=True, idx=stale), t)
        self.synced_t = t

    def _record(self, ch: dict[str, np.ndarray], t: float) -> None:
        """Events of the aircraft state changes of one step."""
        fl = self.fleet
        if len(ch["took_off"]):
            idx = ch["took_off"]
            self.events.add(
                t,
                EventKind.SCRAMBLE,
                aircraft=idx,
                nation=fl.nation[idx],
                value=(fl.station[idx] < 0).astype(float),
            )
        if len(ch["on_station"]):
            idx = ch["on_station"]
            self.events.add(t, EventKind.ON_STATION, aircraft=idx, nation=fl.nation[idx])
        if len(ch["bingo"]):
            idx = ch["bingo"]
            self.events.add(
                t,
                EventKind.BINGO,
                aircraft=idx,
                nation=fl.nation[idx],
                detail=np.where(ch["bingo_fuel"], "fuel", "weapons"),
            )
            self.eng_track[idx] = -1
        if len(ch["landed"]):
            idx = ch["landed"]
            self.events.add(t, EventKind.LAND, aircraft=idx, nation=fl.nation[idx])

    def _resolve_shots(self, t: float) -> None:
        """Weapons whose fly-out ended: draw kills, destroy threats."""
        if not len(self.shots) or self.shots.t_impact.min() > t:
            return
        self._truth(t)
        due = self.shots.pop_due(t)
        th = self.th
        alive = th.status == ThreatStatus.FLYING
        kill = draw_kills(due, th.cls, alive, self.forces.table.pk, self.rng)
        # two weapons on one threat in the same tick: only the first kills
        first = np.zeros(len(due), bool)
        if kill.any():
            _, pos = np.unique(due.target[kill], return_index=True)
            first[np.flatnonzero(kill)[pos]] = True
        kill &= first
        fl = self.fleet
        tgt = due.target[kill]
        if len(tgt):
            th.destroy(tgt, t)
            self.kills += np.bincount(due.shooter[kill], minlength=len(fl))
            self.killer[tgt] = fl.nation[due.shooter[kill]]
            self.kill_weapon[tgt] = self.weapon_names[due.weapon[kill]]
            lat, lon, alt = THEATRE.to_lla(th.pos[tgt])
            cost = self.type_cost[th.type_idx[tgt]]
            self.events.add(
                t,
                EventKind.KILL,
                threat=tgt,
                aircraft=due.shooter[kill],
                track=due.track[kill],
                nation=fl.nation[due.shooter[kill]],
                weapon=self.weapon_names[due.weapon[kill]],
                lat=lat,
                lon=lon,
                alt=alt,
                value=cost,
            )
        miss = ~kill
        if miss.any():
            self.events.add(
                t,
                EventKind.MISS,
                threat=due.target[miss],
                aircraft=due.shooter[miss],
                track=due.track[miss],
                nation=fl.nation[due.shooter[miss]],
                weapon=self.weapon_names[due.weapon[miss]],
            )

    def _ukrainian_defence(self, t: float) -> None:
        """Ukrainian sites engage threats inside their zones (with the hold-fire policy)."""
        self._sync(t)
        sites = self.sites
        if not len(sites) or not (sites.active & (sites.magazine > 0) & (sites.next_t <= t)).any():
            return
        self._truth(t)
        th = self.th
        engageable = (th.status == ThreatStatus.FLYING) & self.gbad_engageable[th.type_idx]
        if not engageable.any():
            return
        hold = None
        dec = self.scenario.deconfliction
        fl = self.fleet
        air = fl.airborne
        if dec.policy == "sites_hold_fire" and air.any():
            cand = np.flatnonzero(engageable)
            d = np.linalg.norm(th.pos[cand, None, :2] - fl.pos[None, air, :2], axis=2)
            near = np.zeros(len(th), bool)
            near[cand] = (d <= dec.hold_fire_km * 1000.0).any(axis=1)
            hold = np.broadcast_to(near[None, :], (len(self.sites), len(th)))
        sites, tgt, killed = self.sites.engage(t, th.pos, engageable, hold, self.rng)
        if len(sites):
            lat, lon, alt = THEATRE.to_lla(th.pos[tgt])
            self.events.add(
                t,
                EventKind.GBAD_SHOT,
                threat=tgt,
                nation="UKR",
                weapon=self.site_names[sites],
                lat=lat,
                lon=lon,
                alt=alt,
            )
            k = tgt[killed]
            if len(k):
                th.destroy(k, t)
                self.killer[k] = "UKR"
                self.kill_weapon[k] = self.site_names[sites[killed]]
                cost = self.type_cost[th.type_idx[k]]
                self.events.add(
                    t,
                    EventKind.GBAD_KILL,
                    threat=k,
                    nation="UKR",
                    weapon=self.site_names[sites[killed]],
                    lat=lat[killed],
                    lon=lon[killed],
                    alt=alt[killed],
                    value=cost,
                )

    def _monitor(self, t: float, dt: float, depth: bool) -> None:
        """Airspace bookkeeping: threats into NATO, aircraft over Ukraine, depth."""
        self._truth(t)
        self._sync(t)
        th, fl = self.th, self.fleet
        # only threats near a NATO border can cross one before the next call: watch those
        # (positions of threats watched now or at the last call; the others are unused)
        watch = (th.status == ThreatStatus.FLYING) & (
            self.nato_prox(th.pos[:, :2]) < NATO_MARGIN_M + self.max_speed * dt)
        moving = np.flatnonzero(watch | self.th_alive_prev)
        self.th_alive_prev = watch
        lat, lon = self.th_lat.copy(), self.th_lon.copy()
        lat[moving], lon[moving], _ = THEATRE.to_lla(th.pos[moving])
        ev = self.nato_monitor.update(t - dt, t, self.th_lat, self.th_lon, lat, lon, watch)
        self.th_lat, self.th_lon = lat, lon
        if len(ev):
            n = ev.entries
            self.nato_entry_t[n.idx] = n.t
            self.events.add(n.t, EventKind.NATO_ENTRY, threat=n.idx, nation=n.country,
                            lat=n.lat, lon=n.lon, detail=n.country)
            x = ev.exits
            self.events.add(x.t, EventKind.NATO_EXIT, threat=x.idx, nation=x.country,
                            lat=x.lat, lon=x.lon, value=x.t - self.nato_entry_t[x.idx],
                            detail=x.country)
        air = fl.airborne
        lat, lon, _ = THEATRE.to_lla(fl.pos)
        ev = self.ukr_monitor.update(t - dt, t, self.ac_lat, self.ac_lon, lat, lon, air)
        self.ac_lat, self.ac_lon = lat, lon
        if len(ev):
            for part, kind in ((ev.entries, EventKind.UKR_ENTRY),
                               (ev.exits, EventKind.UKR_EXIT)):
                self.events.add(part.t, kind, aircraft=part.idx, nation=fl.nation[part.idx],
                                lat=part.lat, lon=part.lon)
        inside_ukr = self.ukr_monitor.inside & air
        if depth and inside_ukr.any():
            idx = np.flatnonzero(inside_ukr)
            lat, lon, _ = THEATRE.to_lla(fl.pos[idx])
            d = borders().distance_to_any(lat, lon, NATO)
            self.depth_max[idx] = np.maximum(self.depth_max[idx], d)
            self.depth_sum[idx] += d
            self.depth_n[idx] += 1
        if depth and air.any():
            idx = np.flatnonzero(air)
            lat, lon, _ = THEATRE.to_lla(fl.pos[idx])
            d = borders().distance_to_any(lat, lon, ("BLR", "RUS"))
            self.closest_blr_rus[idx] = np.minimum(self.closest_blr_rus[idx], d)

    def _fratricide(self, t: float, dt: float) -> None:
        """Exposure to Ukrainian fire: time inside active engagement zones, and risk events.

        A fratricide-risk event is an aircraft entering an active zone whose site may fire
        near it: under `sites_hold_fire` sites never fire within the safe distance of a
        fighter, so exposure there carries no risk event.
        """
        self._sync(t)
        fl = self.fleet
        if not len(self.sites):
            return
        risk = fl.airborne & self.sites.in_zone(fl.pos).any(axis=0)
        self.risk_s += dt * risk
        if self.scenario.deconfliction.policy == "sites_hold_fire":
            return
        new = np.flatnonzero(risk & ~self.in_risk)
        if len(new):
            lat, lon, alt = THEATRE.to_lla(fl.pos[new])
            self.events.add(t, EventKind.FRATRICIDE_RISK, aircraft=new, nation=fl.nation[new],
                            lat=lat, lon=lon, alt=alt)
        self.in_risk = risk

    def _patrols(self, t: float) -> None:
        """Keep each patrol station manned: launch relief before the aircraft there go bingo."""
        self._sync(t)
        st, fl = self.forces.stations, self.fleet
        # promote turned-around aircraft back to alert where a squadron is short
        for k, want in enumerate(self.on_alert):
            mine = fl.squadron == k
            short = want - int(np.sum(mine & (fl.state == S.ALERT)))
            if short > 0:
                ready = np.flatnonzero(mine & (fl.state == S.READY))[:short]
                fl.state[ready] = S.ALERT
        if not len(st):
            return
        manned = (
            (fl.state == S.SCRAMBLE)
            | (fl.state == S.TRANSIT)
            | (fl.state == S.PATROL)
            | (fl.state == S.INTERCEPT)
        )
        to_station = np.linalg.norm(fl.station_center[:, :2] - fl.base[:, :2], axis=1) / (
            fl.cruise_ms
        )
        # an aircraft no longer counts once it will need relief before a new one can arrive
        staying = fl.fuel_s > fl.time_to_base() + RESERVE_S + to_station + 600.0
        for i in range(len(st)):  # stations are few (tens): a loop over them is fine
            if t < st.start_s[i]:
                continue
            have = int(np.sum(manned & staying & (fl.station == i)))
            need = int(st.required[i]) - have
            if need <= 0:
                continue
            pool = np.flatnonzero((fl.squadron == st.squadron[i]) & (fl.state == S.READY))[:need]
            if len(pool):
                fl.send_to_station(pool, np.full(len(pool), i), st.center[i], st.radius[i])
                fl.launch(pool, S.TRANSIT, np.full(len(pool), PATROL_START_S))

    def _sense(self, t: float, refresh: bool) -> None:
        """Build the picture the decide stage will see: perfect, or radars + tracker."""
        th = self.th
        if self.tracker is None:
            if refresh:
                self._truth(t)
                alive = np.flatnonzero(th.status == ThreatStatus.FLYING)
                self._set_tracks(self.picture.update(alive, th.pos[alive], th.vel[alive], t,
                                                     cls=th.cls[alive]), t)
            return
        if not len(self.radars.scan_times(t - self.dt, t)[0]):
            if refresh:
                self._set_tracks(self.tracker.picture(t).confirmed_only(), t)
            return
        self._truth(t)
        alive = np.flatnonzero(th.status == ThreatStatus.FLYING)
        plots = self.radars.scan(t, th.pos[alive], th.type_idx[alive], alive, self.sense_rng,
                                 t_prev=t - self.dt, truth_vel=th.vel[alive])
        if len(plots):
            self.detections.append((plots.t, plots.truth_id))
            self.n_plots += len(plots)
        if len(plots) or refresh:
            self._set_tracks(self.tracker.update(plots, t).confirmed_only(), t)

    def _set_tracks(self, tracks: Tracks, t: float) -> None:
        """Publish a new picture (and an index of its track numbers for fast lookups)."""
        self.tracks, self.tracks_t = tracks, t
        self.track_order = np.argsort(tracks.number, kind="stable")
        self.track_sorted = tracks.number[self.track_order]

    def _entry_p(self, rows: np.ndarray, t: float):  # noqa: ANN202 - an EntryP callable
        """Trigger probabilities for picture rows `rows`, as `decide.engage.EntryP` wants."""

        def entry_p(sub: np.ndarray, within_s: float, countries: tuple[str, ...]) -> np.ndarray:
            return self.entry.p_entry(self.tracks, rows[sub], t, within_s, countries)

        return entry_p

    def _busy_tracks(self) -> np.ndarray:
        """Track numbers already engaged (an aircraft on them or a weapon in flight)."""
        return np.union1d(self.eng_track[self.eng_track >= 0], self.shots.track)

    def _decide(self, t: float) -> None:
        """Assign free shooters to unengaged tracks; start the intercepts."""
        self._sync(t)
        tracks, fl = self.tracks, self.fleet
        near = np.flatnonzero(near_permitted(tracks.x, self.rules))
        free = ~np.isin(tracks.number[near], self._busy_tracks())
        if not free.any():
            return
        has_rounds = fl.rounds.sum(axis=1) > 0
        idle = self.eng_track < 0
        airborne_free = idle & has_rounds & ((fl.state == S.TRANSIT) | (fl.state == S.PATROL))
        alert = idle & has_rounds & (fl.state == S.ALERT)
        cand = np.flatnonzero(airborne_free | alert)
        if not len(cand):
            return
        shooters = Shooters(
            index=cand,
            nation=fl.nation[cand],
            pos=fl.pos[cand],
            speed=fl.dash_ms[cand],
            cruise=fl.cruise_ms[cand],
            delay=np.where(fl.state[cand] == S.ALERT, fl.alert_delay_s[cand], 0.0),
            rounds=fl.rounds[cand],
            fuel_s=fl.fuel_s[cand],
            base=fl.base[cand],
        )
        rows = near[free]
        e = plan(tracks.x[rows], tracks.cls[rows], shooters, self.rules, self.forces.table,
                 self.assigner, entry_p=self._entry_p(rows, t), keep_out=self.keep_out)
        if not len(e):
            return
        ac = cand[e.shooter]
        trk = tracks.number[rows[e.track]]
        self.eng_track[ac] = trk
        self.eng_weapon[ac] = e.weapon
        lat, lon, alt = THEATRE.to_lla(e.aim)
        delay = np.zeros(len(ac))
        for nation, nr in self.rules.items():
            m = fl.nation[ac] == nation
            if m.any():
                delay[m] = nr.approval_delay(lat[m], lon[m])
        self.eng_approved[ac] = t + delay
        on_alert = fl.state[ac] == S.ALERT
        if on_alert.any():
            a = ac[on_alert]
            fl.station[a] = -1
            fl.launch(a, S.INTERCEPT, fl.alert_delay_s[a])
        fl.intercept(ac, trk, e.aim)
        self.events.add(
            t,
            EventKind.ASSIGN,
            aircraft=ac,
            track=trk,
            nation=fl.nation[ac],
            weapon=self.weapon_names[e.weapon],
            lat=lat,
            lon=lon,
            alt=alt,
            value=e.time,
        )
        need = delay > 0
        if need.any():
            self.approvals[ac[need]] += 1
            self.approval_delay[ac[need]] += delay[need]
            self.events.add(
                t,
                EventKind.APPROVAL_REQUEST,
                aircraft=ac[need],
                track=trk[need],
                nation=fl.nation[ac[need]],
                value=delay[need],
            )
            self.events.add(
                t + delay[need],
                EventKind.APPROVAL,
                aircraft=ac[need],
                track=trk[need],
                nation=fl.nation[ac[need]],
                value=delay[need],
            )

    def _engagements(self, t: float) -> None:
        """Steer engaged aircraft at their tracks and release weapons when allowed.

        Every engagement is handled on the cruise period; those about to release (within
        `CLOSE_S` of weapon range and of approval) every tick.
        """
        fl = self.fleet
        eng = np.flatnonzero(self.eng_track >= 0)
        if self.k % self.every["cruise"] != 0:
            eng = eng[self.eng_close[eng]]
        if not len(eng):
            return
        # engagements whose aircraft left the fight (bingo, landed) end
        st = fl.state[eng]
        gone = (st != INTERCEPT) & (st != SCRAMBLE)
        if gone.any():
            self.eng_track[eng[gone]] = -1
            eng = eng[~gone]
        tracks, order, numbers = self.tracks, self.track_order, self.track_sorted
        if len(numbers):
            pos = np.minimum(np.searchsorted(numbers, self.eng_track[eng]), len(numbers) - 1)
            found = numbers[pos] == self.eng_track[eng]
        else:
            pos, found = np.zeros(len(eng), np.int64), np.zeros(len(eng), bool)
        lost = eng[~found]
        if len(lost):  # the track ended (destroyed or dropped): back to the station
            fl.release(lost)
            self.eng_track[lost] = -1
        eng, rows = eng[found], order[pos[found]]
        flying = fl.state[eng] == INTERCEPT
        eng, rows = eng[flying], rows[flying]
        if not len(eng):
            return
        x = tracks.x[rows].copy()
        x[:, :3] += x[:, 3:] * (t - self.tracks_t)  # extrapolate the picture to now
        table = self.forces.table
        w = self.eng_weapon[eng]
        cos_a = aspect_cos(x[:, :2], x[:, 3:5], fl.pos[eng, :2])
        reach = 0.8 * table.reach(w, cos_a)
        tau = time_to_range(x[:, :2] - fl.pos[eng, :2], x[:, 3:5], fl.dash_ms[eng], reach)
        tau = np.where(np.isfinite(tau), tau, 0.0)
        fl.goal[eng] = lead_point(x[:, :3], x[:, 3:6], tau)
        self.eng_close[eng] = (tau < CLOSE_S) & (self.eng_approved[eng] < t + CLOSE_S)
        ok = (t >= self.eng_approved[eng]) & release_ok(
            fl.pos[eng], fl.nation[eng], x, tracks.cls[rows], w, self.rules, table,
            entry_p=self._entry_p(rows, t))
        ok &= fl.rounds[eng, w] > 0
        if not ok.any():
            return
        a, x, w = eng[ok], x[ok], w[ok]
        self._truth(t)
        th = self.th
        target = acquire(
            x[:, :3], np.full(len(a), BASKET_M), th.pos, th.status == ThreatStatus.FLYING
        )
        aim_truth = np.where(target[:, None] >= 0, th.pos[np.maximum(target, 0)], x[:, :3])
        fly = flyout_time(fl.pos[a], aim_truth, self.forces.speed_ms[w])
        self.shots.add(t + fly, a, target, self.eng_track[a], w)
        fl.rounds[a, w] -= 1
        self.shots_fired[a] += 1
        lat, lon, alt = THEATRE.to_lla(fl.pos[a])
        tlat, tlon, talt = THEATRE.to_lla(x[:, :3])  # the aimed track, where it was believed
        self.events.add(
            t,
            EventKind.SHOT,
            threat=target,
            aircraft=a,
            track=self.eng_track[a],
            nation=fl.nation[a],
            weapon=self.weapon_names[w],
            lat=lat,
            lon=lon,
            alt=alt,
            value=table.cost[w],
            tlat=tlat,
            tlon=tlon,
            talt=talt,
        )
        fl.release(a)
        self.eng_track[a] = -1

    def _sample(self, t: float) -> None:
        """Store positions for the replay."""
        self._sync(t)
        self._truth(t)
        th, fl = self.th, self.fleet
        alive = np.flatnonzero(th.status == ThreatStatus.FLYING)
        self.traj.add(t, "threat", alive, th.pos[alive], th.cls[alive])
        air = np.flatnonzero(AIRBORNE[fl.state])
        self.traj.add(t, "aircraft", air, fl.pos[air], fl.state[air])
        if self.tracker is not None:
            tr = self.tracks
            xyz = tr.x[:, :3] + tr.x[:, 3:] * (t - self.tracks_t)
            self.traj.add(t, "track", tr.number, xyz, tr.cls)

    # ------------------------------------------------------------------ finish
    def _finish(self, t_end: float, wall_s: float) -> RunResult:
        return RunResult.from_engine(self, t_end, wall_s)
