"""Threat truth: every drone, decoy and missile of a run as parallel arrays (BlueSky style).

A threat flies its route, launch point -> turn points -> target, at constant speed along the
WGS84 geodesic distance of each leg. Legs are straight lines in the theatre frame; progress
along a leg is measured in geodesic metres, so the time to fly a route is its geodesic length
over the speed exactly (the frame's own scale error, < 0.4 %, does not leak into timing).

Distance flown is a closed form of time, ``s = speed * (t - t_launch)``, clipped to the end
of the flight, so a step costs the same whatever the tick and launches inside a tick need no
special case. Altitude follows a per-class profile (see `PROFILES`):

    z(s) = min(cruise(s) + wobble(s), climb * s, dive * (length - s))

``cruise(s)`` interpolates the planned altitude stored in ``wp[..., 2]`` along the route;
``climb`` and ``dive`` (metres of height per metre flown) make every flight leave the ground
at launch and hit the ground at the target; ``wobble`` is the terrain-following undulation of
cruise missiles. A threat ends IMPACTED at its target (position = target, z = 0) or EXPIRED
where its range runs out, whichever comes first, or DESTROYED when `destroy` is called.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skyshield.geo import geodesy
from skyshield.geo.frame import THEATRE
from skyshield.model.library import ThreatClass

__all__ = ["PROFILES", "AltitudeProfile", "ThreatEvents", "ThreatStatus", "Threats"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
_EMPTY = np.zeros(0, np.int64)
_EMPTY.setflags(write=False)


class ThreatStatus(IntEnum):
    """Where a threat is in its life. Stored as int8 in `Threats.status`."""

    PENDING = 0  # not launched yet (sits at its launch point, on the ground)
    FLYING = 1
    DESTROYED = 2  # shot down (by the coalition or by Ukraine); frozen where it was hit
    IMPACTED = 3  # reached its target
    EXPIRED = 4  # ran out of range before its target


@dataclass(frozen=True)
class AltitudeProfile:
    """How a class of threat flies vertically (drawn by the raid generator per threat)."""

    cruise_lo_m: float  # lowest planned cruise altitude [m]
    cruise_hi_m: float  # highest planned cruise altitude [m]
    per_point: bool  # draw a new cruise altitude at every route point (else one per threat)
    climb: float  # altitude gained per metre flown after launch [m/m]
    dive: float  # altitude lost per metre flown before the target [m/m]
    wobble_m: float  # amplitude of the terrain-following undulation [m]
    wobble_len_m: float  # its wavelength [m]


# Notional profiles. Drones and decoys climb to a low-to-medium cruise altitude (clipped to
# the type's band); cruise missiles hug the ground at 30-100 m with an undulation; ballistic
# missiles fly a steep trapezoid up to their apogee (`alt_cruise_m`). The cruise band of
# drones and ballistic missiles comes from the type (see `raid.cruise_band`).
PROFILES: dict[ThreatClass, AltitudeProfile] = {
    ThreatClass.drone: AltitudeProfile(300.0, 2000.0, False, 0.08, 0.3, 0.0, 1.0),
    ThreatClass.decoy: AltitudeProfile(300.0, 2000.0, False, 0.08, 0.3, 0.0, 1.0),
    ThreatClass.cruise_missile: AltitudeProfile(45.0, 85.0, True, 0.05, 0.1, 15.0, 9000.0),
    ThreatClass.ballistic: AltitudeProfile(20000.0, 50000.0, False, 1.0, 1.0, 0.0, 1.0),
    ThreatClass.aircraft: AltitudeProfile(3000.0, 9000.0, False, 0.1, 0.1, 0.0, 1.0),
    ThreatClass.unknown: AltitudeProfile(300.0, 2000.0, False, 0.08, 0.3, 0.0, 1.0),
}


class ThreatEvents(NamedTuple):
    """Threat indices whose status changed during one `Threats.step` (sorted, int64)."""

    launched: IntArray
    impacted: IntArray
    expired: IntArray


@dataclass(eq=False)
class Threats:
    """All threats of a run. Build with `Threats.from_routes`; advance with `step`.

    Route arrays are padded to K points by repeating the last point; ``cum`` is +inf there.
    """

    type_idx: NDArray[np.int32]  # index into the run's list of threat type names [-]
    cls: NDArray[np.int8]  # ThreatClass code [-]
    target_idx: NDArray[np.int32]  # index into the run's list of target places [-]
    interceptable: NDArray[np.bool_]  # may fighters engage it (False for ballistic) [-]
    t_launch: FloatArray  # launch time [s since scenario start]
    speed: FloatArray  # true airspeed = ground speed [m/s]
    range_m: FloatArray  # distance it can fly [m]
    wp: FloatArray  # route points (N,K,3), theatre xyz; z = planned cruise altitude [m]
    n_wp: IntArray  # number of route points, launch and target included (>= 2) [-]
    cum: FloatArray  # (N,K) geodesic distance from launch to each route point [m]
    climb: FloatArray  # climb gradient after launch [m/m]
    dive: FloatArray  # dive gradient onto the target [m/m]
    wobble_m: FloatArray  # terrain-following undulation amplitude [m]
    wobble_k: FloatArray  # its wavenumber [rad/m]
    wobble_phase: FloatArray  # its phase [rad]

    id: IntArray = field(init=False)  # truth id, 0..N-1 [-]
    length: FloatArray = field(init=False)  # route length (geodesic) [m]
    status: NDArray[np.int8] = field(init=False)  # ThreatStatus [-]
    leg: IntArray = field(init=False)  # current leg: wp[leg] -> wp[leg+1] [-]
    s: FloatArray = field(init=False)  # distance flown along the route [m]
    pos: FloatArray = field(init=False)  # position (N,3), theatre xyz [m]
    vel: FloatArray = field(init=False)  # velocity (N,3), theatre frame [m/s]
    t_end: FloatArray = field(init=False)  # time it was destroyed/impacted/expired, NaN [s]

    def __post_init__(self) -> None:
        n, k = self.cum.shape
        self.id = np.arange(n, dtype=np.int64)
        self.status = np.zeros(n, np.int8)
        self.leg = np.zeros(n, np.int64)
        self.s = np.zeros(n)
        self.t_end = np.full(n, np.nan)
        self.length = self.cum[np.arange(n), self.n_wp - 1].copy()
        # Per-leg data, flattened to (N*K, ...) so one `take` gathers a leg per threat.
        wp = self.wp
        with np.errstate(invalid="ignore"):
            leg_len = np.diff(self.cum, axis=1)  # (N,K-1); inf/nan past the end
        ok = np.isfinite(leg_len) & (leg_len > 0)
        safe = np.where(ok, leg_len, 1.0)
        d = np.zeros((n, k, 3))
        d[:, :-1, :] = np.where(ok[..., None], (wp[:, 1:] - wp[:, :-1]) / safe[..., None], 0.0)
        self._dir = d.reshape(n * k, 3)  # frame displacement per geodesic metre; z: cruise slope
        self._base = wp.reshape(n * k, 3).copy()
        self._cum_flat = np.where(np.isfinite(self.cum), self.cum, np.inf).reshape(n * k)
        self._row0 = np.arange(n, dtype=np.int64) * k
        self._s_end = np.minimum(self.length, self.range_m)  # where the flight ends [m]
        self._reach = self.length <= self.range_m  # ends at the target (else expires)
        self._s_stop = self._s_end.copy()  # frozen distance (set by destroy) [m]
        self._fly = np.zeros(n, bool)
        self._order = np.argsort(self.t_launch, kind="stable")
        self._t_sorted = self.t_launch[self._order]
        self._next = 0  # first not-yet-launched position in _order
        self._has_wobble = bool(np.any(self.wobble_m > 0))
        # Current-leg cache, refreshed only for threats whose leg changes.
        self._fi = self._row0.copy()  # flat index of the current leg
        self._ccur = self._cum_flat[self._fi].copy()
        self._cnext = self._cum_flat[self._fi + 1].copy() if k > 1 else np.full(n, np.inf)
        self._bcur = self._base[self._fi].copy()
        self._dcur = self._dir[self._fi].copy()
        # Scratch buffers (one allocation per run, not per tick).
        self._sraw = np.zeros(n)
        self._tmp = np.zeros(n)
        self._tmp2 = np.zeros(n)
        self._b = np.zeros(n, bool)
        self._new = np.zeros((n, 3))
        self.pos = np.zeros((n, 3))
        self.vel = np.zeros((n, 3))
        self._kinematics(0.0, 1.0)  # everyone at its launch point, on the ground

    # ------------------------------------------------------------------------- building
    @classmethod
    def from_routes(
        cls,
        lat: ArrayLike,
        lon: ArrayLike,
        alt: ArrayLike,
        n_wp: ArrayLike,
        *,
        t_launch: ArrayLike,
        speed: ArrayLike,
        range_m: ArrayLike,
        type_idx: ArrayLike = 0,
        threat_cls: ArrayLike = ThreatClass.drone.code,
        target_idx: ArrayLike = 0,
        interceptable: ArrayLike = True,
        climb: ArrayLike | None = None,
        dive: ArrayLike | None = None,
        wobble_m: ArrayLike | None = None,
        wobble_len_m: ArrayLike | None = None,
        wobble_phase: ArrayLike = 0.0,
    ) -> Threats:
        """Threats from routes given as (N,K) arrays of WGS84 route points.

        `lat`, `lon` [deg] and `alt` (planned cruise altitude at each point) [m] are (N,K);
        only the first `n_wp[i]` points of row i are read. Scalars broadcast to N. Climb,
        dive and wobble default to the class profile in `PROFILES`.
        """
        lat = np.atleast_2d(np.asarray(lat, np.float64))
        lon = np.atleast_2d(np.asarray(lon, np.float64))
        n, k = lat.shape
        alt = np.broadcast_to(np.asarray(alt, np.float64), (n, k))
        n_wp = np.broadcast_to(np.asarray(n_wp, np.int64), (n,)).copy()
        if n and (n_wp.min() < 2 or n_wp.max() > k):
            raise ValueError(f"every route needs 2..{k} points, got n_wp in "
                             f"[{n_wp.min()}, {n_wp.max()}]")

        def per(v: ArrayLike, dtype: type) -> NDArray:
            return np.broadcast_to(np.asarray(v, dtype), (n,)).copy()

        code = per(threat_cls, np.int8)
        classes = list(ThreatClass)

        def prof(v: ArrayLike | None, attr: str) -> FloatArray:
            if v is not None:
                return per(v, np.float64)
            return np.array([getattr(PROFILES[classes[c]], attr) for c in code], np.float64)

        # Pad past the end by repeating the last point, so every array stays finite.
        col = np.arange(k)[None, :]
        last = n_wp[:, None] - 1
        src = np.minimum(col, last)
        rows = np.arange(n)[:, None]
        la, lo, al = lat[rows, src], lon[rows, src], alt[rows, src]
        if not (np.isfinite(la).all() and np.isfinite(lo).all() and np.isfinite(al).all()):
            raise ValueError("route points must be finite")
        wp = THEATRE.to_xyz(la, lo, al)
        legs = geodesy.distance(la[:, :-1], lo[:, :-1], la[:, 1:], lo[:, 1:]) if k > 1 else (
            np.zeros((n, 0)))
        cum = np.concatenate([np.zeros((n, 1)), np.cumsum(legs, axis=1)], axis=1)
        cum[col > last] = np.inf
        wl = prof(wobble_len_m, "wobble_len_m")
        return cls(
            type_idx=per(type_idx, np.int32),
            cls=code,
            target_idx=per(target_idx, np.int32),
            interceptable=per(interceptable, np.bool_),
            t_launch=per(t_launch, np.float64),
            speed=per(speed, np.float64),
            range_m=per(range_m, np.float64),
            wp=wp,
            n_wp=n_wp,
            cum=cum,
            climb=prof(climb, "climb"),
            dive=prof(dive, "dive"),
            wobble_m=prof(wobble_m, "wobble_m"),
            wobble_k=2.0 * np.pi / np.maximum(wl, 1.0),
            wobble_phase=per(wobble_phase, np.float64),
        )

    # ------------------------------------------------------------------------- queries
    def __len__(self) -> int:
        return int(self.id.shape[0])

    @property
    def alive(self) -> NDArray[np.bool_]:
        """Mask of threats in flight (a fresh array)."""
        return self.status == ThreatStatus.FLYING

    def lla(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Current positions as WGS84 (lat [deg], lon [deg], alt [m])."""
        return THEATRE.to_lla(self.pos)

    def route_lla(self, i: int) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Route points of threat i (launch .. target) as (lat, lon, planned alt)."""
        return THEATRE.to_lla(self.wp[i, : self.n_wp[i]])

    def leg_lengths(self, i: int) -> FloatArray:
        """Geodesic leg lengths of threat i's route [m]."""
        return np.diff(self.cum[i, : self.n_wp[i]])

    # ------------------------------------------------------------------------- actions
    def destroy(self, idx: ArrayLike, t: float) -> IntArray:
        """Mark threats destroyed at time t [s]; only those in flight change. Returns them."""
        idx = np.atleast_1d(np.asarray(idx, np.int64))
        idx = np.unique(idx[self.status[idx] == ThreatStatus.FLYING])
        if idx.size:
            self.status[idx] = ThreatStatus.DESTROYED
            self.t_end[idx] = t
            self._s_stop[idx] = self.s[idx]
            self._fly[idx] = False
            self.vel[idx] = 0.0
        return idx

    def step(self, t: float, dt: float) -> ThreatEvents:
        """Advance every threat from t to t + dt [s]: launches, flight, impacts, expiry."""
        t1 = t + dt
        launched = impacted = expired = _EMPTY
        if self._next < self._t_sorted.shape[0] and self._t_sorted[self._next] <= t1:
            q = int(np.searchsorted(self._t_sorted, t1, side="right"))
            idx = self._order[self._next : q]
            self._next = q
            launched = np.sort(idx[self.status[idx] == ThreatStatus.PENDING])
            self.status[launched] = ThreatStatus.FLYING
            self._fly[launched] = True
        sraw = self._sraw
        np.subtract(t1, self.t_launch, out=sraw)
        sraw *= self.speed
        fin = self._b
        np.greater_equal(sraw, self._s_end, out=fin)
        fin &= self._fly
        if fin.any():
            idx = np.flatnonzero(fin)
            hit = self._reach[idx]
            self.status[idx] = np.where(hit, ThreatStatus.IMPACTED, ThreatStatus.EXPIRED)
            self.t_end[idx] = self.t_launch[idx] + self._s_end[idx] / self.speed[idx]
            self._fly[idx] = False
            impacted, expired = idx[hit], idx[~hit]
        self._kinematics(t1, dt)
        return ThreatEvents(launched, impacted, expired)

    # ------------------------------------------------------------------------- internals
    def _kinematics(self, t1: float, dt: float) -> None:
        """Positions and velocities at t1 from the closed-form distance flown."""
        s = self.s
        np.subtract(t1, self.t_launch, out=s)
        s *= self.speed
        np.minimum(s, self._s_stop, out=s)
        np.maximum(s, 0.0, out=s)
        self._advance_legs(s)
        ds = self._tmp
        np.subtract(s, self._ccur, out=ds)
        new = self._new
        np.multiply(self._dcur, ds[:, None], out=new)
        new += self._bcur
        z = new[:, 2]
        if self._has_wobble:
            w = self._tmp2
            np.multiply(s, self.wobble_k, out=w)
            w += self.wobble_phase
            np.sin(w, out=w)
            w *= self.wobble_m
            z += w
        np.multiply(s, self.climb, out=ds)
        np.minimum(z, ds, out=z)
        np.subtract(self.length, s, out=ds)
        ds *= self.dive
        np.minimum(z, ds, out=z)
        # Velocity: along the current leg in the frame; vertical from the altitude change.
        np.multiply(self.speed, self._fly, out=ds)
        np.multiply(self._dcur, ds[:, None], out=self.vel)
        vz = self.vel[:, 2]
        np.subtract(z, self.pos[:, 2], out=vz)
        vz *= self._fly
        vz /= dt
        np.copyto(self.pos, new)

    def _advance_legs(self, s: FloatArray) -> None:
        """Move the current-leg cache past every route point that s has passed (bounded)."""
        adv = self._b
        np.greater(s, self._cnext, out=adv)
        if not adv.any():
            return
        idx = np.flatnonzero(adv)
        k = self.cum.shape[1]
        for _ in range(k):  # at most K-1 route points can be passed
            self.leg[idx] += 1
            fi = self._fi[idx] + 1
            self._fi[idx] = fi
            self._ccur[idx] = self._cum_flat[fi]
            self._cnext[idx] = self._cum_flat[np.minimum(fi + 1, self._cum_flat.shape[0] - 1)]
            more = s[idx] > self._cnext[idx]
            if not more.any():
                break
            idx = idx[more]
        # Refresh the leg geometry of every threat whose leg changed this tick.
        changed = np.flatnonzero(adv)
        fi = self._fi[changed]
        self._bcur[changed] = self._base[fi]
        self._dcur[changed] = self._dir[fi]
