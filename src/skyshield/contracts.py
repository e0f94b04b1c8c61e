"""What passes between the stages of the loop, as struct-of-arrays types.

`world` produces `Plots` and reads `Orders`; `picture` consumes `Plots` and produces
`Tracks` (picture/tracks.py); `decide` consumes `Tracks` and `OwnForces` and produces
`Orders`. Every stage imports this module; it imports nothing of theirs, so neither
`picture` nor `decide` needs `world` (DESIGN.md, "Rules of the house"). SI units, the
theatre frame (x east, y north, z altitude) throughout.

Plots
-----
Plots: the noisy detections radars hand to the picture, as a struct of arrays.

Columns (all length N, one row per detection, time-ordered after `sorted()`):

- ``t``        (N,)     float  scan time [s since scenario start]
- ``sensor``   (N,)     int    radar index in its `RadarNet`
- ``z``        (N, 3)   float  measured position, theatre frame x east, y north, z altitude [m]
- ``R``        (N,3,3)  float  measurement covariance in the theatre frame [m²]
- ``truth_id`` (N,)     int    truth id of the target, -1 for a false alarm or when the
  feed has none (a live feed never has one). Metrics only: the tracker never reads it
  (DESIGN.md, "Identifiers"); the perfect picture, a what-if baseline, is keyed by it.
- ``vel``      (N, 3)   float  optional measured velocity [m/s] (truth-fed or cooperative
  feeds; radars leave it None)
- ``cls``      (N,)     int    optional declared threat class (`ThreatClass` order; None
  when the feed does not classify)
"""


from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

import numpy as np

__all__ = ["AIRBORNE", "AircraftState", "Engage", "EventKind", "Fire", "Orders", "OwnForces",
           "PatrolLaunch", "PatrolPlan", "Plots", "Steer", "Withdrawn"]



@dataclass(frozen=True)
class Plots:
    """Detections of one or more scans, struct of arrays (see module docstring for units)."""

    t: np.ndarray  # scan time [s]
    sensor: np.ndarray  # radar index [-]
    z: np.ndarray  # measured position, theatre xyz [m]
    R: np.ndarray  # measurement covariance [m²]
    truth_id: np.ndarray  # truth id, -1 false alarm or none (metrics only)
    vel: np.ndarray | None = None  # (N,3) measured velocity [m/s], if the feed gives it
    cls: np.ndarray | None = None  # (N,) declared class, if the feed gives it

    @classmethod
    def empty(cls) -> Plots:
        """An empty batch, so callers never special-case 'no detections'."""
        return cls(
            t=np.zeros(0),
            sensor=np.zeros(0, dtype=np.int64),
            z=np.zeros((0, 3)),
            R=np.zeros((0, 3, 3)),
            truth_id=np.zeros(0, dtype=np.int64),
        )

    @classmethod
    def from_arrays(
        cls,
        t: np.ndarray,
        sensor: np.ndarray,
        z: np.ndarray,
        R: np.ndarray,
        truth_id: np.ndarray | None = None,
    ) -> Plots:
        """Build from array-likes with dtype and shape coercion (truth_id defaults to -1)."""
        z = np.asarray(z, dtype=float).reshape(-1, 3)
        n = z.shape[0]
        t = np.broadcast_to(np.asarray(t, dtype=float), (n,)).copy()
        sensor = np.broadcast_to(np.asarray(sensor, dtype=np.int64), (n,)).copy()
        R = np.asarray(R, dtype=float).reshape(n, 3, 3)
        tid = (
            np.full(n, -1, dtype=np.int64)
            if truth_id is None
            else np.asarray(truth_id, dtype=np.int64).reshape(n)
        )
        return cls(t=t, sensor=sensor, z=z, R=R, truth_id=tid)

    def __len__(self) -> int:
        """Number of detections."""
        return int(self.t.shape[0])

    @staticmethod
    def concat(parts: Iterable[Plots]) -> Plots:
        """Stack several batches into one (order kept; call `sorted()` for time order)."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return Plots.empty()
        return Plots(
            t=np.concatenate([p.t for p in parts]),
            sensor=np.concatenate([p.sensor for p in parts]),
            z=np.concatenate([p.z for p in parts]),
            R=np.concatenate([p.R for p in parts]),
            truth_id=np.concatenate([p.truth_id for p in parts]),
            vel=None if any(p.vel is None for p in parts)
            else np.concatenate([p.vel for p in parts]),
            cls=None if any(p.cls is None for p in parts)
            else np.concatenate([p.cls for p in parts]),
        )

    def select(self, index: np.ndarray | Sequence[int] | slice) -> Plots:
        """Rows picked by a boolean mask, an index array or a slice."""
        return Plots(
            t=self.t[index],
            sensor=self.sensor[index],
            z=self.z[index],
            R=self.R[index],
            truth_id=self.truth_id[index],
            vel=None if self.vel is None else self.vel[index],
            cls=None if self.cls is None else self.cls[index],
        )

    def sorted(self) -> Plots:
        """Time-ordered copy (stable; ties broken by sensor) as the contract requires."""
        order = np.lexsort((self.sensor, self.t))
        return self.select(order)


class AircraftState(IntEnum):
    """Life cycle of a coalition aircraft (the fleet's state column; int8 in arrays)."""

    READY = 0  # on the ground, can be launched
    ALERT = 1  # quick-reaction alert: scramble on an intercept order
    SCRAMBLE = 2  # starting up; airborne after its timer
    TRANSIT = 3  # flying to a patrol station
    PATROL = 4  # orbiting a station
    INTERCEPT = 5  # flying an engagement at dash speed
    RTB = 6  # returning to base
    TURNAROUND = 7  # on the ground: refuel and re-arm


AIRBORNE = np.array([s in (AircraftState.TRANSIT, AircraftState.PATROL,
                           AircraftState.INTERCEPT, AircraftState.RTB)
                     for s in AircraftState], bool)  # indexed by state


@dataclass(frozen=True)
class OwnForces:
    """What the coalition knows of its own aircraft at time `t` (N aircraft, struct of arrays).

    A live system fills it from its own reports; the simulation hands a view of the fleet.
    Indices into these arrays are the aircraft ids used in `Orders`.
    """

    t: float  # time of the report [s]
    nation: np.ndarray  # (N,) ISO3 [str]
    squadron: np.ndarray  # (N,) squadron index [-]
    state: np.ndarray  # (N,) AircraftState [int]
    pos: np.ndarray  # (N,3) position, theatre frame [m]
    base: np.ndarray  # (N,3) home base [m]
    cruise_ms: np.ndarray  # (N,) cruise speed [m/s]
    dash_ms: np.ndarray  # (N,) dash speed [m/s]
    fuel_s: np.ndarray  # (N,) endurance left at cruise [s]
    rounds: np.ndarray  # (N,W) weapons left per weapon of the table [rounds]
    alert_delay_s: np.ndarray  # (N,) scramble time from alert [s]
    station: np.ndarray  # (N,) patrol station index, -1 none [-]
    station_center: np.ndarray  # (N,3) centre of the assigned station [m]
    in_flight_track: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # track numbers our weapons in flight are aimed at (one entry per weapon) [-]
    on_alert: tuple[int, ...] = ()  # aircraft each squadron keeps on alert [-]

    def __len__(self) -> int:
        return len(self.state)


@dataclass(frozen=True)
class PatrolPlan:
    """Patrol stations of all squadrons, as arrays (K stations)."""

    name: list[str]
    squadron: np.ndarray  # (K,) squadron index [-]
    center: np.ndarray  # (K,3) orbit centre, theatre frame, z = patrol altitude [m]
    radius: np.ndarray  # (K,) orbit radius [m]
    required: np.ndarray  # (K,) aircraft kept on station [-]
    start_s: np.ndarray  # (K,) first time the station is manned [s]

    def __len__(self) -> int:
        return len(self.name)

    @classmethod
    def empty(cls) -> PatrolPlan:
        """No stations."""
        return cls([], np.zeros(0, np.int64), np.zeros((0, 3)), np.zeros(0),
                   np.zeros(0, np.int64), np.zeros(0))


def _i(a: np.ndarray | None = None) -> np.ndarray:
    return np.zeros(0, np.int64) if a is None else np.asarray(a, np.int64)


@dataclass(frozen=True)
class PatrolLaunch:
    """Send aircraft `aircraft` to stations `station`, airborne after `delay_s`."""

    aircraft: np.ndarray = field(default_factory=_i)
    station: np.ndarray = field(default_factory=_i)
    delay_s: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class Engage:
    """New engagements: aircraft `aircraft` after track `track` with weapon `weapon`.

    Aircraft on alert (`scramble`) are launched first, airborne after `delay_s`.
    """

    aircraft: np.ndarray = field(default_factory=_i)
    track: np.ndarray = field(default_factory=_i)  # track number [-]
    weapon: np.ndarray = field(default_factory=_i)  # weapon index in the table [-]
    aim: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))  # intercept point [m]
    time: np.ndarray = field(default_factory=lambda: np.zeros(0))  # time to range [s]
    scramble: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    delay_s: np.ndarray = field(default_factory=lambda: np.zeros(0))  # scramble delay [s]


@dataclass(frozen=True)
class Steer:
    """Fly aircraft `aircraft` toward `goal` (the lead point of their track)."""

    aircraft: np.ndarray = field(default_factory=_i)
    goal: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))


@dataclass(frozen=True)
class Fire:
    """Release weapon `weapon` from `aircraft` at track `track`, believed at `aim` (k,6)."""

    aircraft: np.ndarray = field(default_factory=_i)
    track: np.ndarray = field(default_factory=_i)
    weapon: np.ndarray = field(default_factory=_i)
    aim: np.ndarray = field(default_factory=lambda: np.zeros((0, 6)))  # track state x [m, m/s]


@dataclass(frozen=True)
class Held:
    """Engagements whose release a pilot withheld under `hold_fire` (first time only)."""

    aircraft: np.ndarray = field(default_factory=_i)
    track: np.ndarray = field(default_factory=_i)
    reason: np.ndarray = field(default_factory=_i)  # decide.roe.Reason code


@dataclass(frozen=True)
class Withdrawn:
    """Approval requests `id` withdrawn: their engagements ended before any verdict.

    `why` per request, a key of `decide.approve.WITHDRAWN_WHY`: `aircraft_left` (the
    aircraft left the fight), `track_lost` (the track ended), `timeout` (the core's
    approval timeout passed), `out_of_area` (the chase was broken off at the edge of the
    nation's permitted area), `retasked` (the rolling plan sent the aircraft elsewhere).
    """

    id: np.ndarray = field(default_factory=_i)  # request id [-]
    why: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="<U13"))

    def __len__(self) -> int:
        return len(self.id)


@dataclass(frozen=True)
class Orders:
    """Everything one decide step asks of the forces, applied in this field order.

    `alert` promotes ready aircraft to quick-reaction alert; `patrol` launches relief;
    `engage` starts intercepts; `release` ends engagements (back to station or home)
    before `steer` and `fire`; the shooters of `fire` are released after firing. `close`
    lists aircraft whose engagement is about to release (a simulation integrates those
    every tick); `requests` are the approval requests made this step, `decisions` the
    verdicts learnt, `withdrawn` the requests withdrawn (the approver was told to drop them).
    """

    t: float
    alert: np.ndarray = field(default_factory=_i)
    patrol: PatrolLaunch = field(default_factory=PatrolLaunch)
    engage: Engage = field(default_factory=Engage)
    release: np.ndarray = field(default_factory=_i)
    steer: Steer = field(default_factory=Steer)
    fire: Fire = field(default_factory=Fire)
    close: np.ndarray = field(default_factory=_i)
    requests: object = None  # decide.approve.Requests made this step (None: none)
    decisions: object = None  # decide.approve.Decisions learnt this step (None: none)
    held: Held = field(default_factory=Held)  # releases withheld under hold_fire
    withdrawn: Withdrawn = field(default_factory=Withdrawn)  # requests withdrawn this step


class EventKind(StrEnum):
    """Kinds of events; the `value` column's meaning is given per kind."""

    LAUNCH = "launch"  # a threat is launched
    SCRAMBLE = "scramble"  # an aircraft leaves the ground (value: 1 alert, 0 patrol)
    ON_STATION = "on_station"  # an aircraft reaches its patrol station
    ASSIGN = "assign"  # an aircraft is assigned a track (value: time to intercept, s)
    APPROVAL_REQUEST = "approval_request"  # national approval asked (value: delay, s)
    APPROVAL = "approval"  # national approval given (value: delay incurred, s)
    # a pending approval request withdrawn: its engagement ended before any verdict
    # (value: seconds it waited; detail: aircraft_left, track_lost, timeout, out_of_area,
    # retasked)
    APPROVAL_WITHDRAWN = "approval_withdrawn"
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
    PILOT_HOLD = "pilot_hold"  # a coalition pilot withheld a release (detail: hold_fire rule)
