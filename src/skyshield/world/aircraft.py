"""Coalition aircraft: a small state machine and point-mass kinematics, vectorised over the fleet.

States follow the sortie: on the ground (ready or on alert) -> scramble -> transit to a
patrol station -> patrol orbit -> intercept -> return to base on bingo fuel or no weapons
-> turnaround -> ready again. Orders (which aircraft goes where, who intercepts what) come
from the engine; this module only flies them and keeps the books.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from skyshield.contracts import AIRBORNE, AircraftState
from skyshield.doctrine import DASH_BURN, RESERVE_S

__all__ = ["AIRBORNE", "MIN_SORTIE_S", "RESERVE_S", "AircraftState", "Fleet", "keep_outside"]
CLIMB_MS = 100.0  # climb and descent rate [m/s]
LAND_RADIUS_M = 3000.0  # distance from base at which an aircraft lands [m]
ORBIT_LEAD_RAD = 0.35  # how far ahead on the orbit circle an aircraft aims [rad]
MIN_SORTIE_S = 60.0  # an aircraft that took off flies at least this long before landing [s]


# plain ints for the hot path (an IntEnum attribute lookup costs a microsecond)
READY, ALERT, SCRAMBLE, TRANSIT, PATROL, INTERCEPT, RTB, TURNAROUND = range(8)



@dataclass
class Fleet:
    """All coalition aircraft of a run as parallel arrays (BlueSky style)."""

    nation: np.ndarray  # ISO3 code of each aircraft's nation [str]
    squadron: np.ndarray  # index of its squadron in the run's squadron list [-]
    ac_type: np.ndarray  # index of its type in the run's interceptor list [-]
    base: np.ndarray  # base position, theatre frame (N,3) [m]
    cruise_ms: np.ndarray  # cruise true airspeed [m/s]
    dash_ms: np.ndarray  # dash (intercept) speed [m/s]
    endurance_s: np.ndarray  # endurance at cruise on a full load of fuel [s]
    rounds_full: np.ndarray  # full weapon load (N,W) [rounds]
    alert_delay_s: np.ndarray  # alert to airborne [s]
    turnaround_s: np.ndarray  # landing to ready [s]
    state: np.ndarray = field(init=False)  # AircraftState [int8]
    pos: np.ndarray = field(init=False)  # position (N,3) [m]
    vel: np.ndarray = field(init=False)  # velocity (N,3) [m/s]
    fuel_s: np.ndarray = field(init=False)  # endurance left at cruise [s]
    rounds: np.ndarray = field(init=False)  # weapons left (N,W) [rounds]
    timer: np.ndarray = field(init=False)  # time left in SCRAMBLE/TURNAROUND [s]
    goal: np.ndarray = field(init=False)  # point flown to (N,3) [m]
    station: np.ndarray = field(init=False)  # patrol station index or -1 [-]
    station_center: np.ndarray = field(init=False)  # its orbit centre (N,3) [m]
    station_radius: np.ndarray = field(init=False)  # its orbit radius [m]
    target: np.ndarray = field(init=False)  # assigned track number or -1 [-]
    after_scramble: np.ndarray = field(init=False)  # state entered when airborne [int8]
    sorties: np.ndarray = field(init=False)  # sorties flown [-]
    flight_s: np.ndarray = field(init=False)  # time airborne [s]
    sortie_s: np.ndarray = field(init=False)  # time airborne in the current sortie [s]
    t_pos: np.ndarray = field(init=False)  # time each aircraft was last integrated to [s]
    keep_out: np.ndarray = field(init=False)  # (K,3) circles x, y, radius never entered [m]

    def __post_init__(self) -> None:
        n = len(self.nation)
        self.state = np.zeros(n, np.int8)
        self.pos = self.base.astype(float).copy()
        self.vel = np.zeros((n, 3))
        self.fuel_s = self.endurance_s.astype(float).copy()
        self.rounds = self.rounds_full.copy()
        self.timer = np.zeros(n)
        self.goal = self.base.astype(float).copy()
        self.station = np.full(n, -1, np.int64)
        self.station_center = self.base.astype(float).copy()
        self.station_radius = np.ones(n)
        self.target = np.full(n, -1, np.int64)
        self.after_scramble = np.full(n, AircraftState.TRANSIT, np.int8)
        self.sorties = np.zeros(n, np.int64)
        self.flight_s = np.zeros(n)
        self.sortie_s = np.zeros(n)
        self.t_pos = np.zeros(n)
        self.keep_out = np.zeros((0, 3))

    def __len__(self) -> int:
        return len(self.nation)

    @property
    def airborne(self) -> np.ndarray:
        """Mask of aircraft in the air."""
        return AIRBORNE[self.state]

    def time_to_base(self, idx: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Time to fly home at cruise speed [s]."""
        d = np.hypot(*(self.pos[idx, :2] - self.base[idx, :2]).T)
        return d / self.cruise_ms[idx]

    # ------------------------------------------------------------------ orders
    def launch(self, idx: np.ndarray, then: AircraftState, delay_s: np.ndarray) -> None:
        """Start aircraft `idx` on a sortie: airborne after `delay_s`, then in state `then`."""
        self.state[idx] = AircraftState.SCRAMBLE
        self.timer[idx] = delay_s
        self.after_scramble[idx] = then

    def send_to_station(
        self, idx: np.ndarray, station: np.ndarray, center: np.ndarray, radius: np.ndarray
    ) -> None:
        """Assign aircraft `idx` to patrol stations (the orbit centre and radius)."""
        self.station[idx] = station
        self.station_center[idx] = center
        self.station_radius[idx] = radius

    def intercept(self, idx: np.ndarray, track: np.ndarray, aim: np.ndarray) -> None:
        """Send airborne aircraft `idx` after `track`, flying toward aim points `aim` (k,3)."""
        airborne = self.airborne[idx]
        self.target[idx] = track
        self.goal[idx] = aim
        self.state[idx[airborne]] = AircraftState.INTERCEPT
        self.after_scramble[idx[~airborne]] = AircraftState.INTERCEPT

    def release(self, idx: np.ndarray) -> None:
        """End the engagement of aircraft `idx`: back to their station, or home."""
        self.target[idx] = -1
        engaged = self.state[idx] == AircraftState.INTERCEPT
        has_station = self.station[idx] >= 0
        self.state[idx[engaged & has_station]] = AircraftState.TRANSIT
        self.state[idx[engaged & ~has_station]] = AircraftState.RTB
        # still on the ground: a patrol launch goes on to its station; a scramble with no
        # station left to fly to stands down (back on alert) instead of taking off to land
        waiting = self.state[idx] == AircraftState.SCRAMBLE
        self.after_scramble[idx[waiting & has_station]] = AircraftState.TRANSIT
        down = idx[waiting & ~has_station]
        self.state[down] = AircraftState.ALERT
        self.timer[down] = 0.0

    # -------------------------------------------------------------------- step
    def step(self, dt: float | np.ndarray, check: bool = True,
             idx: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Advance aircraft `idx` (default all) by `dt` seconds (a scalar, or one per aircraft
        of `idx`); return indices of state changes.

        The engine integrates engaged aircraft every tick and the others on a slower
        period (straight legs and orbits are flown exactly enough at a few seconds).
        `check=False` skips the bingo checks (fuel and weapons).
        """
        st = self.state
        idx = np.arange(len(st)) if idx is None else np.asarray(idx, np.int64)
        # one step per aircraft (np.full for the usual scalar: broadcast_to costs 5 us a call)
        dtv = (np.full(idx.shape, float(dt)) if np.ndim(dt) == 0
               else np.broadcast_to(np.asarray(dt, float), idx.shape))
        self.t_pos[idx] += dtv
        took_off = ready = _EMPTY
        si = st[idx]
        w = _WAITING[si]
        if w.any():
            wait = idx[w]
            self.timer[wait] -= dtv[w]
            done = wait[self.timer[wait] <= 0]
            if len(done):
                sd = st[done]
                took_off, ready = done[sd == SCRAMBLE], done[sd == TURNAROUND]
                st[took_off] = self.after_scramble[took_off]
                self.sorties[took_off] += 1
                self.sortie_s[took_off] = 0.0
                st[ready] = READY
                self.fuel_s[ready] = self.endurance_s[ready]
                self.rounds[ready] = self.rounds_full[ready]
                si = st[idx]  # states changed

        air = AIRBORNE[si]
        a = idx[air]
        if not len(a):
            return {"took_off": took_off, "on_station": _EMPTY, "landed": _EMPTY,
                    "bingo": _EMPTY, "bingo_fuel": _EMPTY_BOOL}
        dt = dtv[air]
        sa = st[a]
        pos, goal = self.pos[a], self.goal[a]
        # goals per state (intercept goals are set by orders)
        pm, tm, rm, dash = sa == PATROL, sa == TRANSIT, sa == RTB, sa == INTERCEPT
        if pm.any():
            p = a[pm]
            c = self.station_center[p]
            ang = np.arctan2(pos[pm, 1] - c[:, 1], pos[pm, 0] - c[:, 0]) + ORBIT_LEAD_RAD
            r = self.station_radius[p]
            g = c.copy()
            g[:, 0] += r * np.cos(ang)
            g[:, 1] += r * np.sin(ang)
            goal[pm] = g
        if tm.any():
            goal[tm] = self.station_center[a[tm]]
        if rm.any():
            goal[rm] = self.base[a[rm]]

        # kinematics: fly straight at the goal at the state's speed, climb at a fixed rate
        speed = np.where(dash, self.dash_ms[a], self.cruise_ms[a])
        d = goal - pos
        dist = np.hypot(d[:, 0], d[:, 1])
        d[:, :2] *= (np.minimum(speed * dt, dist) / np.maximum(dist, 1e-9))[:, None]
        climb = CLIMB_MS * dt  # vertical step clipped to +-climb (np.clip, without its wrapper)
        np.minimum(np.maximum(d[:, 2], -climb, out=d[:, 2]), climb, out=d[:, 2])
        new = pos + d
        if len(self.keep_out):
            new = keep_outside(new, self.keep_out)
            d = new - pos
        self.pos[a] = new
        self.vel[a] = d / dt[:, None]
        self.goal[a] = goal
        self.flight_s[a] += dt
        self.sortie_s[a] += dt
        self.fuel_s[a] -= np.where(dash, DASH_BURN * dt, dt)

        # transitions
        arrived = a[tm & (dist <= self.station_radius[a] * 1.05)]
        st[arrived] = PATROL
        landed = a[rm & (dist <= LAND_RADIUS_M) & (self.sortie_s[a] >= MIN_SORTIE_S)]
        if len(landed):
            st[landed] = TURNAROUND
            self.timer[landed] = self.turnaround_s[landed]
            self.pos[landed] = self.base[landed]
            self.vel[landed] = 0.0
            self.station[landed] = -1
            self.target[landed] = -1
        bingo, bingo_fuel = _EMPTY, _EMPTY_BOOL
        if check:
            f = a[~rm]
            home = np.hypot(*(self.pos[f, :2] - self.base[f, :2]).T) / self.cruise_ms[f]
            low = self.fuel_s[f] < home + RESERVE_S
            empty = self.rounds[f].sum(axis=1) == 0
            hit = low | empty
            bingo, bingo_fuel = f[hit], low[hit]
            if len(bingo):
                st[bingo] = RTB
                self.target[bingo] = -1
        return {"took_off": took_off, "on_station": arrived, "landed": landed,
                "bingo": bingo, "bingo_fuel": bingo_fuel}


def keep_outside(xyz: np.ndarray, circles: np.ndarray) -> np.ndarray:
    """Positions pushed radially out of keep-out circles (x, y, r): a path that would cross
    one slides around its edge instead."""
    out = xyz.copy()
    c = np.asarray(circles, float).reshape(-1, 3)
    # the usual case, nobody inside any circle, in one test (the same distances as below)
    if not (np.hypot(out[:, 0, None] - c[:, 0], out[:, 1, None] - c[:, 1]) < c[:, 2]).any():
        return out
    for cx, cy, r in circles:  # circles are few (one per air-defence site)
        dx, dy = out[:, 0] - cx, out[:, 1] - cy
        dist = np.hypot(dx, dy)
        inside = dist < r
        if inside.any():
            f = r / np.maximum(dist[inside], 1e-6)
            out[inside, 0] = cx + dx[inside] * f
            out[inside, 1] = cy + dy[inside] * f
    return out


_EMPTY = np.zeros(0, np.int64)
_EMPTY_BOOL = np.zeros(0, bool)
_WAITING = np.isin(np.arange(8), (SCRAMBLE, TURNAROUND))  # per state: on a timer
