"""The decide stage as one call: assess -> rules -> assign, and the weapon-release check.

Works on what the coalition knows: tracks (never truth) and the state of its own aircraft
(`Shooters`). Returns the engagements to start; the engine flies them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from skyshield.decide.assess import threat_value
from skyshield.decide.assign import Assigner, AssignmentProblem
from skyshield.decide.intercept import aspect_cos, lead_point, time_to_range
from skyshield.decide.roe import NationRules
from skyshield.doctrine import DASH_BURN, RANGE_MARGIN, RESERVE_S
from skyshield.geo.frame import THEATRE
from skyshield.geo.zones import Zone


@dataclass(frozen=True)
class WeaponTable:
    """The weapons of a run, as arrays indexed by weapon (W) and threat class (C)."""

    name: list[str]
    pk: np.ndarray  # (W,C) single-shot kill probability [-]
    rmax_head: np.ndarray  # (W,) max launch range, head-on, small targets [m]
    rmax_tail: np.ndarray  # (W,) max launch range, tail chase, small targets [m]
    rmin: np.ndarray  # (W,) min launch range [m]
    cost: np.ndarray  # (W,) cost per shot [USD]
    max_target_speed: np.ndarray  # (W,) fastest target it can engage [m/s]

    def reach(self, w: np.ndarray, cos_aspect: np.ndarray) -> np.ndarray:
        """Max launch range for weapons `w` at the given aspect (1 head-on, -1 tail)."""
        f = (1.0 + cos_aspect) / 2.0
        return self.rmax_tail[w] + f * (self.rmax_head[w] - self.rmax_tail[w])


@dataclass(frozen=True)
class Shooters:
    """The coalition aircraft that could take a new engagement, as the coalition knows them."""

    index: np.ndarray  # aircraft index in the fleet [-]
    nation: np.ndarray  # ISO3 [str]
    pos: np.ndarray  # (S,3) theatre frame [m]
    speed: np.ndarray  # dash speed [m/s]
    cruise: np.ndarray  # cruise speed [m/s]
    delay: np.ndarray  # time before it can start (0 airborne, scramble time on alert) [s]
    rounds: np.ndarray  # (S,W) weapons left [rounds]
    fuel_s: np.ndarray  # endurance left at cruise [s]
    base: np.ndarray  # (S,3) home base [m]

    def __len__(self) -> int:
        return len(self.index)


@dataclass(frozen=True)
class Engagements:
    """New engagements: shooter `shooter[i]` (index into Shooters) takes track row `track[i]`."""

    shooter: np.ndarray
    track: np.ndarray
    weapon: np.ndarray
    time: np.ndarray  # time to bring the track within range [s]
    aim: np.ndarray  # (k,3) aim point [m]

    def __len__(self) -> int:
        return len(self.shooter)

    def select(self, k: np.ndarray) -> Engagements:
        """The engagements at positions `k`."""
        return Engagements(self.shooter[k], self.track[k], self.weapon[k], self.time[k],
                           self.aim[k])


BBOX_SAMPLES = 32  # points per side sampled to bound a zone in the frame (edges curve) [-]


@lru_cache(maxsize=64)
def _bbox_of_bounds(bounds: tuple[float, float, float, float]) -> tuple[float, ...]:
    lon0, lat0, lon1, lat1 = bounds
    lat = np.linspace(lat0, lat1, BBOX_SAMPLES)
    lon = np.linspace(lon0, lon1, BBOX_SAMPLES)
    xy = THEATRE.to_xy(*np.meshgrid(lat, lon, indexing="ij"))  # edges curve: sample all
    box = (xy[..., 0].min(), xy[..., 1].min(), xy[..., 0].max(), xy[..., 1].max())
    return tuple(float(v) for v in box)


def frame_bbox(zone: Zone) -> tuple[float, float, float, float]:
    """Bounding box (x0, y0, x1, y1) of a zone in the theatre frame [m].

    Cached by the zone's geographic bounds (a bounded cache: no `id()` keys that outlive
    their zones in a process running many runs).
    """
    return _bbox_of_bounds(tuple(float(v) for v in zone.geometry.bounds))  # type: ignore[return-value]


def weapon_choice(
    cls: np.ndarray, speed: np.ndarray, rounds: np.ndarray, table: WeaponTable
) -> tuple[np.ndarray, np.ndarray]:
    """Best weapon per (track, shooter) and its Pk: most Pk per notional dollar, with a say for Pk.

    Score = Pk / (1 + cost / 200,000 USD), so a gun beats a missile against a slow drone
    while an AIM-120 still beats a gun against a cruise missile. (T,S) arrays.
    """
    pk = table.pk[:, cls].T  # (T,W)
    usable = speed[:, None] <= table.max_target_speed[None, :]  # (T,W)
    score = np.where(usable, pk / (1.0 + table.cost / 2e5), 0.0)  # (T,W)
    score = np.where(rounds[None, :, :] > 0, score[:, None, :], 0.0)  # (T,S,W)
    w = np.argmax(score, axis=2)
    best_pk = np.take_along_axis(
        np.broadcast_to(pk[:, None, :], score.shape), w[..., None], axis=2
    )[..., 0]
    has = np.take_along_axis(score, w[..., None], axis=2)[..., 0] > 0
    return w, np.where(has, best_pk, 0.0)


EntryP = Callable[[np.ndarray, float, tuple[str, ...]], np.ndarray]


def target_ok(nr: NationRules, lat: np.ndarray, lon: np.ndarray, alt: np.ndarray,
              cls: np.ndarray, entry_p: EntryP | None) -> np.ndarray:
    """`nr.target_ok`, asking `entry_p` only about tracks that every other rule allows."""
    question = nr.trigger_question()
    if question is None or entry_p is None:
        return nr.target_ok(lat, lon, alt, cls)
    ok = nr.target_ok(lat, lon, alt, cls, p_entry=np.ones(len(lat)))  # trigger aside
    need = np.flatnonzero(ok)
    if len(need):
        p = np.zeros(len(lat))
        p[need] = entry_p(need, *question)
        ok = nr.target_ok(lat, lon, alt, cls, p_entry=p)
    return ok


def permitted_boxes(rules: dict[str, NationRules]) -> np.ndarray:
    """(K, 4) frame bounding boxes (x0, y0, x1, y1) of the nations' permitted areas [m]."""
    return np.array([frame_bbox(nr.permitted) for nr in rules.values()], float).reshape(-1, 4)


def near_permitted(tracks_x: np.ndarray, rules: dict[str, NationRules],
                   boxes: np.ndarray | None = None) -> np.ndarray:
    """Cheap prefilter in the frame: tracks inside some nation's permitted bounding box.

    `boxes` is `permitted_boxes(rules)`, for a caller that asks often (one broadcast test
    against every box instead of a loop over nations)."""
    b = permitted_boxes(rules) if boxes is None else boxes
    x, y = tracks_x[:, 0, None], tracks_x[:, 1, None]
    return ((x >= b[:, 0]) & (x <= b[:, 2]) & (y >= b[:, 1]) & (y <= b[:, 3])).any(axis=1)


def plan(
    tracks_x: np.ndarray,
    tracks_cls: np.ndarray,
    shooters: Shooters,
    rules: dict[str, NationRules],
    table: WeaponTable,
    assigner: Assigner,
    entry_p: EntryP | None = None,
    keep_out: np.ndarray | None = None,
) -> Engagements:
    """Choose new engagements for free shooters against unengaged tracks (rows of `tracks_x`).

    `entry_p(rows, within_s, countries)` gives the probability that tracks `rows` enter
    the countries within the window, for `predicted_entry` triggers; it is asked only
    about tracks every other rule allows (without it, a track meets such a trigger only
    once inside the protected airspace). `keep_out` (K,3) circles (x, y, radius) are
    areas fighters must not enter (deconfliction): intercepts aimed inside are refused.
    """
    T, S = len(tracks_x), len(shooters)
    empty = Engagements(*(np.zeros(0, np.int64),) * 4, np.zeros((0, 3)))
    if T == 0 or S == 0:
        return empty
    lat, lon, alt = THEATRE.to_lla(tracks_x[:, :3])
    # rules: which nations may engage each track where it is now
    allowed = np.zeros((T, S), bool)
    for nation, nr in rules.items():
        cols = shooters.nation == nation
        if cols.any():
            allowed[:, cols] = target_ok(nr, lat, lon, alt, tracks_cls, entry_p)[:, None]
    rows = np.flatnonzero(allowed.any(axis=1))
    if len(rows) == 0:
        return empty
    x, cls = tracks_x[rows], tracks_cls[rows]
    speed = np.linalg.norm(x[:, 3:5], axis=1)
    w, pk = weapon_choice(cls, speed, shooters.rounds, table)
    # where each shooter starts: target moves on during the scramble delay
    p_t = x[:, None, :2] + x[:, None, 3:5] * shooters.delay[None, :, None]
    d = p_t - shooters.pos[None, :, :2]
    cos_a = aspect_cos(p_t, x[:, None, 3:5], shooters.pos[None, :, :2])
    reach = RANGE_MARGIN * table.reach(w, cos_a)
    tau = time_to_range(
        d, np.broadcast_to(x[:, None, 3:5], d.shape), shooters.speed[None, :], reach
    )
    total = tau + shooters.delay[None, :]
    aim = lead_point(x[:, None, :3], x[:, None, 3:6], total)  # (T',S,3)
    home = np.linalg.norm(aim[..., :2] - shooters.base[None, :, :2], axis=2) / shooters.cruise
    fuel_ok = shooters.fuel_s[None, :] > DASH_BURN * tau + home + RESERVE_S
    for cx, cy, r in keep_out if keep_out is not None else ():
        fuel_ok &= np.hypot(aim[..., 0] - cx, aim[..., 1] - cy) >= r
    problem = AssignmentProblem(
        value=threat_value(cls), time=np.where(fuel_ok, total, np.inf), allowed=allowed[rows], pk=pk
    )
    chosen = assigner.assign(problem)
    r, s = chosen.track, chosen.shooter
    # the intercept point itself must be inside the shooter nation's permitted area
    alat, alon, _ = THEATRE.to_lla(aim[r, s])
    ok = np.ones(len(r), bool)
    for nation, nr in rules.items():
        m = shooters.nation[s] == nation
        if m.any():
            ok[m] = nr.permitted.contains(alat[m], alon[m])
    r, s = r[ok], s[ok]
    return Engagements(s, rows[r], w[r, s], total[r, s], aim[r, s])


def release_ok(
    shooter_pos: np.ndarray,
    shooter_nation: np.ndarray,
    target_x: np.ndarray,
    target_cls: np.ndarray,
    weapon: np.ndarray,
    rules: dict[str, NationRules],
    table: WeaponTable,
    entry_p: EntryP | None = None,
    reach: np.ndarray | None = None,
) -> np.ndarray:
    """May each engaged shooter fire now: target within the weapon envelope, rules met.

    `entry_p(rows, within_s, countries)` answers `predicted_entry` triggers, rows being
    indices into `target_x`. `reach` is `table.reach(weapon, aspect)` when the caller has
    it already (the decider steering the same engagements).
    """
    if len(shooter_pos) == 0:
        return np.zeros(0, bool)
    rng = np.linalg.norm(target_x[:, :3] - shooter_pos, axis=1)
    if reach is None:
        reach = table.reach(weapon, aspect_cos(target_x[:, :2], target_x[:, 3:5],
                                               shooter_pos[:, :2]))
    ok = (rng <= reach) & (rng >= table.rmin[weapon])
    if not ok.any():
        return ok
    slat, slon, _ = THEATRE.to_lla(shooter_pos)
    tlat, tlon, talt = THEATRE.to_lla(target_x[:, :3])
    for nation, nr in rules.items():
        m = ok & (shooter_nation == nation)
        if m.any():
            ok[m] = nr.shooter_ok(slat[m], slon[m]) & nr.target_ok(
                tlat[m], tlon[m], talt[m], target_cls[m]
            )
    return ok
