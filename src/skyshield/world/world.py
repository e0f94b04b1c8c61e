"""The truth state of a run as one object: threats, coalition fleet, Ukrainian sites, weapons.

`World` advances to a time, resolves weapons that arrive, lets Ukrainian sites fire, keeps
the airspace bookkeeping, produces observations (truth-fed or radar plots), reports the
own forces as the coalition knows them and carries out `Orders`. It writes its events to
an injected sink (anything with the `EventLog.add` signature) and never imports `picture`
or `decide`: truth does not know what we believe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from skyshield.contracts import AIRBORNE, AircraftState, EventKind, Orders, OwnForces, Plots
from skyshield.doctrine import NATO
from skyshield.geo.borders import borders
from skyshield.geo.frame import THEATRE
from skyshield.geo.proximity import border_proximity
from skyshield.model.library import ThreatClass, library
from skyshield.model.scenario import Scenario
from skyshield.units import KM
from skyshield.world.airspace import AirspaceMonitor
from skyshield.world.debris import DebrisLog
from skyshield.world.draws import COALITION, UKRAINE, KillDraws
from skyshield.world.raid import RaidPlan
from skyshield.world.threats import ThreatStatus
from skyshield.world.weapons import Shots, acquire, draw_kills, flyout_time

__all__ = ["EventSink", "Exposure", "RadarFeed", "TruthFeed", "World"]

S = AircraftState
NATO_MARGIN_M = 15_000.0  # border-distance table error (cell, frame scale) plus slack [m]
BINGO_CHECK_EVERY = 5  # ticks between bingo checks of aircraft flown every tick [-]
BASKET_M = 3000.0  # seeker acquisition radius around the aim point [m]


class EventSink(Protocol):
    """Where the world writes its events (`sim.ledger.Ledger` in a run)."""

    def add(self, t: Any, kind: Any, **cols: Any) -> int:
        """Append events of one kind (see `sim.events.EventLog.add`)."""
        ...


@dataclass
class Exposure:
    """Per-aircraft exposure sampled by the airspace bookkeeping (SI)."""

    depth_max: np.ndarray  # max distance from NATO territory inside Ukraine [m]
    depth_sum: np.ndarray  # sum of depth samples while inside Ukraine [m]
    depth_n: np.ndarray  # number of depth samples [-]
    risk_s: np.ndarray  # time inside an active Ukrainian engagement zone [s]
    closest_blr_rus: np.ndarray  # closest approach to Belarus / Russia [m]
    in_risk: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    @classmethod
    def zeros(cls, n: int) -> Exposure:
        """Nothing sampled yet for `n` aircraft."""
        return cls(np.zeros(n), np.zeros(n), np.zeros(n, np.int64), np.zeros(n),
                   np.full(n, np.inf), np.zeros(n, bool))


class World:
    """Truth of one run (see the module docstring)."""

    def __init__(self, scenario: Scenario, raid: RaidPlan, forces: Any, events: EventSink,
                 rng: np.random.Generator,
                 keep_out: np.ndarray | None = None, radars: Any = None,
                 sense_rng: np.random.Generator | None = None) -> None:
        self.scenario = scenario
        self.kind = EventKind
        self.events = events
        self.rng = rng
        self.sense_rng = sense_rng
        self.raid = raid
        self.th = raid.threats
        types = [library().threat(n) for n in raid.type_names]
        self.type_names = np.array([tt.name for tt in types], dtype=object)
        self.type_cost = np.array([tt.unit_cost_usd for tt in types], float)
        self.gbad_engageable = np.array([tt.cls != ThreatClass.ballistic for tt in types], bool)
        self.type_rcs = np.array([tt.rcs_m2 for tt in types], float)
        self.forces = forces
        self.fleet = forces.fleet
        self.sites = forces.sites
        self.keep_out = np.zeros((0, 3)) if keep_out is None else keep_out
        if len(self.keep_out):
            self.fleet.keep_out = self.keep_out
        self.radars = radars
        self.hold_fire_m = scenario.deconfliction.hold_fire_km * KM  # SI, converted once
        self.weapon_names = np.array(forces.table.name, dtype=object)
        self.site_names = np.array(self.sites.name, dtype=object)
        self.shots = Shots()
        self._impacts, self._next_impact = None, np.inf  # t_impact seen, its minimum [s]
        n, m = len(self.fleet), len(self.th)
        self.exposure = Exposure.zeros(n)
        self.nato_monitor = AirspaceMonitor.for_countries(NATO, m)
        self.ukr_monitor = AirspaceMonitor.for_countries(["UKR"], n)
        self.nato_entry_t = np.full(m, np.nan)
        self.th_lat, self.th_lon, _ = THEATRE.to_lla(self.th.pos)
        self.th_alive_prev = np.zeros(m, bool)
        self.nato_prox = border_proximity(tuple(sorted(NATO)))
        self.max_speed = float(self.th.speed.max(initial=0.0))  # bounds travel per call [m/s]
        self.th_t = 0.0  # time the threats were last brought to [s]
        self.synced_t = -1.0  # time every aircraft was last brought to [s]
        self.ac_lat, self.ac_lon, _ = THEATRE.to_lla(self.fleet.pos)
        # where the debris of kills and missed weapons falls (its own draws: never moves kills)
        self.debris = DebrisLog(_child(rng), scenario.debris.near_population_km)
        self.draws = KillDraws(m, rng)  # kill draws as common random numbers (world.draws)
        lib = library()
        self.weapon_range_m = np.array([
            lib.weapon(n).rmax_head_km * KM if n in lib.weapons else 0.0
            for n in forces.table.name], float)  # aerodynamic range, where a miss falls

    # -------------------------------------------------------------- advance
    def truth(self, t: float) -> None:
        """Bring the threats to time `t` (they fly closed-form routes, so this is exact).

        Threat positions are computed only when something reads them (sensors, Ukrainian
        sites, weapons, bookkeeping), not on every tick; events carry their exact times.
        """
        th, K = self.th, self.kind
        if self.th_t >= t:
            return
        ev = th.step(self.th_t, t - self.th_t)
        self.th_t = t
        for idx, kind in ((ev.launched, K.LAUNCH), (ev.impacted, K.IMPACT),
                          (ev.expired, K.EXPIRED)):
            if len(idx):
                at = th.wp[idx, 0] if kind == K.LAUNCH else th.pos[idx]
                when = th.t_launch[idx] if kind == K.LAUNCH else th.t_end[idx]
                lat, lon, alt = THEATRE.to_lla(at)
                self.events.add(when, kind, threat=idx, lat=lat, lon=lon, alt=alt,
                                detail=self.type_names[th.type_idx[idx]])

    def move_close(self, t: float, close: np.ndarray, k: int) -> None:
        """Fly aircraft `close` (engagements about to release) to `t`; bingo checked every
        `BINGO_CHECK_EVERY` ticks `k`."""
        if len(close):
            fl = self.fleet
            self._record(fl.step(t - fl.t_pos[close], check=k % BINGO_CHECK_EVERY == 0,
                                 idx=close), t)

    def sync(self, t: float) -> None:
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
        fl, K = self.fleet, self.kind
        if len(ch["took_off"]):
            idx = ch["took_off"]
            self.events.add(t, K.SCRAMBLE, aircraft=idx, nation=fl.nation[idx],
                            value=(fl.station[idx] < 0).astype(float))
        if len(ch["on_station"]):
            idx = ch["on_station"]
            self.events.add(t, K.ON_STATION, aircraft=idx, nation=fl.nation[idx])
        if len(ch["bingo"]):
            idx = ch["bingo"]
            self.events.add(t, K.BINGO, aircraft=idx, nation=fl.nation[idx],
                            detail=np.where(ch["bingo_fuel"], "fuel", "weapons"))
        if len(ch["landed"]):
            idx = ch["landed"]
            self.events.add(t, K.LAND, aircraft=idx, nation=fl.nation[idx])

    # ------------------------------------------------------------ weapons
    def resolve_shots(self, t: float) -> None:
        """Weapons whose fly-out ended: draw kills, destroy threats."""
        ti = self.shots.t_impact
        if ti is not self._impacts:  # the weapons in flight changed (arrays are replaced)
            self._impacts, self._next_impact = ti, (float(ti.min()) if len(ti) else np.inf)
        if self._next_impact > t:
            return
        self.truth(t)
        due = self.shots.pop_due(t)
        th, K = self.th, self.kind
        alive = th.status == ThreatStatus.FLYING
        kill = draw_kills(due, th.cls, alive, self.forces.table.pk,
                          self.draws.uniforms(COALITION, due.target))
        # two weapons on one threat in the same tick: only the first kills
        first = np.zeros(len(due), bool)
        if kill.any():
            _, pos = np.unique(due.target[kill], return_index=True)
            first[np.flatnonzero(kill)[pos]] = True
        kill &= first
        fl = self.fleet
        tgt = due.target[kill]
        if len(tgt):
            self.debris.kills(t, tgt, th.pos[tgt], th.vel[tgt], th.cls[tgt],
                              fl.nation[due.shooter[kill]])
            th.destroy(tgt, t)
            lat, lon, alt = THEATRE.to_lla(th.pos[tgt])
            self.events.add(t, K.KILL, threat=tgt, aircraft=due.shooter[kill],
                            track=due.track[kill], nation=fl.nation[due.shooter[kill]],
                            weapon=self.weapon_names[due.weapon[kill]], lat=lat, lon=lon,
                            alt=alt, value=self.type_cost[th.type_idx[tgt]])
        miss = ~kill
        if miss.any():
            self.debris.misses(t, due.origin[miss], due.aim[miss],
                               self.weapon_range_m[due.weapon[miss]],
                               fl.nation[due.shooter[miss]], self.weapon_names[due.weapon[miss]])
            self.events.add(t, K.MISS, threat=due.target[miss], aircraft=due.shooter[miss],
                            track=due.track[miss], nation=fl.nation[due.shooter[miss]],
                            weapon=self.weapon_names[due.weapon[miss]])

    def ukrainian_defence(self, t: float) -> None:
        """Ukrainian sites engage threats inside their zones (with the hold-fire policy)."""
        self.sync(t)
        sites, K = self.sites, self.kind
        if not len(sites) or not (sites.active & (sites.magazine > 0) & (sites.next_t <= t)).any():
            return
        self.truth(t)
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
            near[cand] = (d <= self.hold_fire_m).any(axis=1)
            hold = np.broadcast_to(near[None, :], (len(self.sites), len(th)))
        sites, tgt, killed = self.sites.engage(
            t, th.pos, engageable, hold, lambda k: self.draws.uniforms(UKRAINE, k))
        if len(sites):
            lat, lon, alt = THEATRE.to_lla(th.pos[tgt])
            self.events.add(t, K.GBAD_SHOT, threat=tgt, nation="UKR",
                            weapon=self.site_names[sites], lat=lat, lon=lon, alt=alt)
            k = tgt[killed]
            if len(k):
                self.debris.kills(t, k, th.pos[k], th.vel[k], th.cls[k], "UKR")
                th.destroy(k, t)
                self.events.add(t, K.GBAD_KILL, threat=k, nation="UKR",
                                weapon=self.site_names[sites[killed]], lat=lat[killed],
                                lon=lon[killed], alt=alt[killed],
                                value=self.type_cost[th.type_idx[k]])

    # ----------------------------------------------------------- airspace
    def monitor(self, t: float, dt: float, depth: bool) -> None:
        """Airspace bookkeeping: threats into NATO, aircraft over Ukraine, depth."""
        self.truth(t)
        self.sync(t)
        th, fl, K, ex = self.th, self.fleet, self.kind, self.exposure
        # only threats near a NATO border can cross one before the next call: watch those
        # (positions of threats watched now or at the last call; the others are unused)
        watch = (th.status == ThreatStatus.FLYING) & (
            self.nato_prox(th.pos[:, :2]) < NATO_MARGIN_M + self.max_speed * dt)
        moving = np.flatnonzero(watch | self.th_alive_prev)
        self.th_alive_prev = watch
        if len(moving):
            lat, lon = self.th_lat.copy(), self.th_lon.copy()
            lat[moving], lon[moving], _ = THEATRE.to_lla(th.pos[moving])
            ev = self.nato_monitor.update(t - dt, t, self.th_lat, self.th_lon, lat, lon, watch)
            self.th_lat, self.th_lon = lat, lon
        else:  # no threat near a NATO border, now or at the last call: nothing can cross
            ev = self.nato_monitor.update(t - dt, t, self.th_lat, self.th_lon, self.th_lat,
                                          self.th_lon, watch)
        if len(ev):
            n = ev.entries
            self.nato_entry_t[n.idx] = n.t
            self.events.add(n.t, K.NATO_ENTRY, threat=n.idx, nation=n.country,
                            lat=n.lat, lon=n.lon, detail=n.country)
            x = ev.exits
            self.events.add(x.t, K.NATO_EXIT, threat=x.idx, nation=x.country,
                            lat=x.lat, lon=x.lon, value=x.t - self.nato_entry_t[x.idx],
                            detail=x.country)
        air = fl.airborne
        lat, lon, _ = THEATRE.to_lla(fl.pos)
        ev = self.ukr_monitor.update(t - dt, t, self.ac_lat, self.ac_lon, lat, lon, air)
        self.ac_lat, self.ac_lon = lat, lon
        if len(ev):
            for part, kind in ((ev.entries, K.UKR_ENTRY), (ev.exits, K.UKR_EXIT)):
                self.events.add(part.t, kind, aircraft=part.idx, nation=fl.nation[part.idx],
                                lat=part.lat, lon=part.lon)
        # (lat, lon of the aircraft at t, as above: the projection is computed point by point)
        inside_ukr = self.ukr_monitor.inside & air
        if depth and inside_ukr.any():
            idx = np.flatnonzero(inside_ukr)
            d = borders().distance_to_any(lat[idx], lon[idx], NATO)
            ex.depth_max[idx] = np.maximum(ex.depth_max[idx], d)
            ex.depth_sum[idx] += d
            ex.depth_n[idx] += 1
        if depth and air.any():
            idx = np.flatnonzero(air)
            d = borders().distance_to_any(lat[idx], lon[idx], ("BLR", "RUS"))
            ex.closest_blr_rus[idx] = np.minimum(ex.closest_blr_rus[idx], d)

    def fratricide(self, t: float, dt: float) -> None:
        """Exposure to Ukrainian fire: time inside active engagement zones, and risk events.

        A fratricide-risk event is an aircraft entering an active zone whose site may fire
        near it: under `sites_hold_fire` sites never fire within the safe distance of a
        fighter, so exposure there carries no risk event.
        """
        self.sync(t)
        fl, ex = self.fleet, self.exposure
        if not len(self.sites):
            return
        risk = fl.airborne & self.sites.in_zone(fl.pos).any(axis=0)
        ex.risk_s += dt * risk
        if self.scenario.deconfliction.policy == "sites_hold_fire":
            return
        new = np.flatnonzero(risk & ~ex.in_risk)
        if len(new):
            lat, lon, alt = THEATRE.to_lla(fl.pos[new])
            self.events.add(t, self.kind.FRATRICIDE_RISK, aircraft=new, nation=fl.nation[new],
                            lat=lat, lon=lon, alt=alt)
        ex.in_risk = risk

    # ------------------------------------------------------------ observe
    def flying(self, t: float) -> np.ndarray:
        """Indices of the threats in flight at `t`."""
        self.truth(t)
        return np.flatnonzero(self.th.status == ThreatStatus.FLYING)

    def truth_plots(self, t: float) -> Plots:
        """Every flying threat as an exact plot with its truth id, velocity and class."""
        alive = self.flying(t)
        th, n = self.th, len(alive)
        return Plots(t=np.full(n, float(t)), sensor=np.full(n, -1, np.int64), z=th.pos[alive],
                     R=np.zeros((n, 3, 3)), truth_id=alive, vel=th.vel[alive],
                     cls=th.cls[alive])

    def radar_plots(self, t: float, dt: float) -> Plots | None:
        """Plots of the radar scans in (t - dt, t]; None when no radar scanned."""
        if not len(self.radars.scan_times(t - dt, t)[0]):
            return None
        alive = self.flying(t)
        th = self.th
        return self.radars.scan(t, th.pos[alive], th.type_idx[alive], alive, self.sense_rng,
                                t_prev=t - dt, truth_vel=th.vel[alive])

    def own_forces(self, t: float, on_alert: tuple[int, ...] = ()) -> OwnForces:
        """The coalition's own aircraft as it knows them (views of the fleet arrays)."""
        fl = self.fleet
        return OwnForces(t=t, nation=fl.nation, squadron=fl.squadron, state=fl.state,
                         pos=fl.pos, base=fl.base, cruise_ms=fl.cruise_ms, dash_ms=fl.dash_ms,
                         fuel_s=fl.fuel_s, rounds=fl.rounds, alert_delay_s=fl.alert_delay_s,
                         station=fl.station, station_center=fl.station_center,
                         in_flight_track=self.shots.track, on_alert=on_alert)

    # -------------------------------------------------------------- act
    def apply(self, orders: Orders) -> None:
        """Carry out one step's orders, in the order `Orders` documents."""
        fl, t = self.fleet, orders.t
        if len(orders.alert):
            fl.state[orders.alert] = S.ALERT
        p = orders.patrol
        if len(p.aircraft):
            st = self.forces.stations
            fl.send_to_station(p.aircraft, p.station, st.center[p.station], st.radius[p.station])
            fl.launch(p.aircraft, S.TRANSIT, p.delay_s)
        e = orders.engage
        if len(e.aircraft):
            a = e.aircraft[e.scramble]
            if len(a):
                fl.station[a] = -1
                fl.launch(a, S.INTERCEPT, e.delay_s[e.scramble])
            fl.intercept(e.aircraft, e.track, e.aim)
        if len(orders.release):
            fl.release(orders.release)
        if len(orders.steer.aircraft):
            fl.goal[orders.steer.aircraft] = orders.steer.goal
        if len(orders.fire.aircraft):
            self._fire(orders.fire, t)

    def _fire(self, f: Any, t: float) -> None:
        """Release the weapons of `f` (an `Orders.fire`): the seeker finds its target in truth."""
        fl, a, x, w = self.fleet, f.aircraft, f.aim, f.weapon
        self.truth(t)
        th = self.th
        target = acquire(x[:, :3], np.full(len(a), BASKET_M), th.pos,
                         th.status == ThreatStatus.FLYING)
        aim_truth = np.where(target[:, None] >= 0, th.pos[np.maximum(target, 0)], x[:, :3])
        fly = flyout_time(fl.pos[a], aim_truth, self.forces.speed_ms[w])
        self.shots.add(t + fly, a, target, f.track, w, origin=fl.pos[a], aim=aim_truth)
        fl.rounds[a, w] -= 1
        lat, lon, alt = THEATRE.to_lla(fl.pos[a])
        tlat, tlon, talt = THEATRE.to_lla(x[:, :3])  # the aimed track, where it was believed
        self.events.add(t, self.kind.SHOT, threat=target, aircraft=a, track=f.track,
                        nation=fl.nation[a], weapon=self.weapon_names[w], lat=lat, lon=lon,
                        alt=alt, value=self.forces.table.cost[w], tlat=tlat, tlon=tlon,
                        talt=talt)
        fl.release(a)

    # ------------------------------------------------------------- replay
    def sample(self, t: float) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Positions for the replay: {kind: (ids, xyz, state)} of threats and aircraft."""
        self.sync(t)
        self.truth(t)
        th, fl = self.th, self.fleet
        alive = np.flatnonzero(th.status == ThreatStatus.FLYING)
        air = np.flatnonzero(AIRBORNE[fl.state])
        return {"threat": (alive, th.pos[alive], th.cls[alive]),
                "aircraft": (air, fl.pos[air], fl.state[air])}


def _child(rng: np.random.Generator) -> np.random.Generator:
    """An independent generator derived from `rng` without drawing from it."""
    try:
        return rng.spawn(1)[0]
    except (TypeError, ValueError, AttributeError):  # not built from a SeedSequence
        return np.random.Generator(rng.bit_generator.jumped())


@dataclass(frozen=True)
class TruthFeed:
    """Observations for the perfect picture: every flying threat, exactly, on refresh ticks."""

    measured: bool = False  # plots are truth, not measurements (no detection statistics)

    def observe(self, world: World, t: float, dt: float, refresh: bool) -> Plots | None:
        """Truth plots at `t` when `refresh`; None otherwise."""
        return world.truth_plots(t) if refresh else None


@dataclass(frozen=True)
class RadarFeed:
    """Observations for the tracker: the plots of the radars that scanned this tick."""

    measured: bool = True

    def observe(self, world: World, t: float, dt: float, refresh: bool) -> Plots | None:
        """Radar plots of (t - dt, t]; None when no radar scanned."""
        return world.radar_plots(t, dt)
