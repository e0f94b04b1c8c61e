"""The dynamic problem: every permitted (aircraft, weapon, track) triple, stated before solving.

For each triple at once (arrays (S, W, T)): the earliest intercept (time and point on the
track's constant-velocity path) given the aircraft's position, dash speed, scramble delay,
fuel and rounds, the weapon's launch range at the engagement aspect, the target's speed
against the weapon's limit, and the nation's approval delay (a shot waits for approval, so
the release time is the later of the two and the aim point moves on with the track). A
triple is infeasible when the release comes after the track's deadline (its predicted
NATO entry or impact), when the fuel does not cover the dash, the way home and the
reserve, when the aim point lies in a keep-out circle, or when the aim point or the
aircraft's straight path to it leaves its nation's permitted area: all applied *before*
solving, so the solver's answer stays optimal for the problem it is given.

The static problem handed to a `StaticSolver` has one "weapon" row per aircraft with one
round (`one_per_aircraft`, the default: an aircraft flies one engagement at a time; on
each track the row carries the aircraft's weapon type of most net gain) or one per
(aircraft, weapon type) with its rounds. Pk per weapon × threat class (the reference
library) is discounted by exp(-release / `time_scale_s`) (the chance the engagement still
ends in a shot), the threat value is the assessment's, the price per round in value units
is `cost_price` × the weapon's cost plus the missile's opportunity cost `reserve_value`
(discounted as the Pk is: a shot not made spends nothing), the aircraft's nation is the
burden-sharing group and `max_rounds_per_track` the per-target cap. The
constants and their calibration: `DynamicConfig` and docs/assign.md. `commit` turns the
answer into this cycle's engagements: each aircraft takes, of the tracks the plan gives it,
the one it reaches first (the rest is the plan, re-solved next cycle: a rolling plan).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skyshield.decide.assess import CLASS_VALUE
from skyshield.decide.assign.static import StaticProblem
from skyshield.decide.engage import Shooters, WeaponTable
from skyshield.decide.intercept import aspect_cos, lead_point, time_to_range
from skyshield.decide.roe import NationRules
from skyshield.doctrine import DASH_BURN, RANGE_MARGIN, RESERVE_S
from skyshield.geo.frame import THEATRE

PATH_SAMPLES = 3  # points of the straight path to the aim point checked against the area [-]


@dataclass(frozen=True)
class DynamicConfig:
    """What the planner prices and limits (value units are those of the threat value)."""

    # value units per USD (docs/assign.md): an AIM-9X ($440 k) costs 8.8, an AIM-120C
    # ($1.05 M) 21, a gun pass ($2 k) 0.04; with the reserve below, an AIM-9X goes to a drone
    # a gun can reach only above a value of 31 (never, in practice), to a cruise missile above
    # 17.6 (assessed 18 to 130), an AIM-120C above 33. Of the prices flown over 30 seeds it
    # is the one that spends less per kill than the engine's matching in both scenarios and
    # destroys more in mass-raid; in western-night it destroys 0.6 less (± 6.2, a tie; 7e-6
    # destroys as much less and spends a third more per kill)
    cost_price: float = 2e-5
    # opportunity cost of a round of a missile (a weapon without a target-speed limit), as a
    # share of the expected class value it would destroy on the best class it can engage
    # (docs/assign.md): an AIM-120C is kept at 3.75, an AIM-9X at 3.5
    reserve: float = 0.5  # [-]
    # Pk of a triple discounted by exp(-release / time_scale_s), the chance the engagement
    # still ends in a shot (fitted to the engine's matching: 96 % at 4-8 min, 41 % beyond
    # 30 min), so the sooner shooter is preferred and long intercepts count less
    time_scale_s: float = 2400.0  # [s]
    # the price discounted by the same chance: an engagement that does not end in a shot
    # spends no round, so whether a shot pays (Pk x value > price) does not depend on how
    # far ahead it is, only which shooter is preferred does (docs/assign.md)
    discount_price: bool = True
    burden: float = 0.0  # weight of sum over nations of (shots)^2 [value units]
    # rounds one track may receive in one plan: 1 with shoot-look-shoot (a second shooter
    # waits for the first one's outcome); the rolling planner gives 2 without it
    max_rounds_per_track: int = 1  # [rounds]
    path_samples: int = PATH_SAMPLES
    # one row per aircraft with one round, its weapon the one of most net gain
    # (value x Pk - price) on each track: an aircraft flies one engagement at a time, so a
    # plan that gives one aircraft several tracks at once (a row per weapon type with all
    # its rounds) leaves its neighbours idle and is not flown (docs/assign.md); rounds
    # left for later are priced by `reserve`. False: a row per (aircraft, weapon type)
    one_per_aircraft: bool = True
    # the value a track is planned for: the assessment's (class value x place, NATO entry
    # and urgency factors) or the class value alone (what the engine's matching ranks by)
    assessed_value: bool = True
    # the predicted arrival at the likeliest place ahead as a hard deadline: off, since the
    # heading-cone place of a waypoint-routed cruise missile is often one it turns away
    # from (western-night seed 2: with it, 1 Kh-101 killed instead of 3); NATO entry is kept
    impact_deadline: bool = False
    # the assessment horizon as a hard deadline: off, the discount of `time_scale_s` makes a
    # long intercept count less instead of not at all (the engine's matching flies them too)
    horizon_deadline: bool = False
    # re-tasking: an aircraft still flying to its engagement (not about to release) is
    # planned again each cycle with its track kept for it alone; sent elsewhere only if
    # the new triple gains this much more than its own (value units: the approval asked
    # again and the approach flown so far). None: engaged aircraft are never re-planned.
    # 2 is about the net gain of a gun pass on a median drone (0.5 x 6.8 - 0.04 = 3.4)
    # less the chase already flown; on seeds 31-54 of western-night it turned -5.5 value
    # against the matching into +8.1 (docs/assign.md)
    retask_price: float | None = 2.0
    # only an engagement still this far from its release (in range and approved) is
    # planned again: a near one is nearly done, and moving it costs its approval. On
    # seeds 31-54, 120 s kept western-night's gain (+8.1, as with 0) and mass-raid's
    # (+15.8 against the matching, +4.6 with 0: it moved missiles between cruise missiles)
    retask_after_s: float = 120.0  # [s]


def reserve_value(table: WeaponTable, reserve: float) -> np.ndarray:
    """(W,) opportunity cost of one round of each weapon [value units] (docs/assign.md)."""
    best = (table.pk * CLASS_VALUE[None, :]).max(axis=1)
    return reserve * np.where(np.isfinite(table.max_target_speed), 0.0, best)


@dataclass(frozen=True)
class DynamicProblem:
    """The static problem of one decision cycle and how its rows map back to the forces."""

    static: StaticProblem
    shooter: np.ndarray  # (I,) shooter index (into `Shooters`) of each static weapon row
    weapon: np.ndarray  # (I,T) weapon index (into the weapon table) of each row and track
    time: np.ndarray  # (I,T) release time from now [s] (inf infeasible)
    aim: np.ndarray  # (I,T,3) aim point [m]
    n_triples: int  # permitted (aircraft, weapon, track) triples considered
    n_feasible: int  # of those, feasible ones


@dataclass(frozen=True)
class Commit:
    """This cycle's engagements from a plan: one per aircraft (several may share a track)."""

    shooter: np.ndarray  # (k,) index into Shooters
    track: np.ndarray  # (k,) row of the tracks given to `build`
    weapon: np.ndarray  # (k,) weapon index
    time: np.ndarray  # (k,) release time from now [s]
    aim: np.ndarray  # (k,3) aim point [m]
    planned_value: float  # expected value destroyed by the committed shots [value units]

    def __len__(self) -> int:
        return len(self.shooter)


def _inside(rules: dict[str, NationRules], nation: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Whether each point (k,3) lies in the permitted area of the nation given per point."""
    ok = np.zeros(len(pts), bool)
    if not len(pts):
        return ok
    lat, lon, _ = THEATRE.to_lla(pts)
    for n, nr in rules.items():
        m = nation == n
        if m.any():
            ok[m] = nr.permitted.contains(lat[m], lon[m])
    return ok


def build(
    tracks_x: np.ndarray,
    value: np.ndarray,
    deadline: np.ndarray,
    allowed: np.ndarray,
    tracks_cls: np.ndarray,
    shooters: Shooters,
    rules: dict[str, NationRules],
    table: WeaponTable,
    config: DynamicConfig | None = None,
    keep_out: np.ndarray | None = None,
    extra_cost: np.ndarray | None = None,
) -> DynamicProblem:
    """State the problem for tracks (T,6) and shooters, every triple at once.

    `value (T,)` threat values, `deadline (T,)` seconds from now before which a release
    must happen, `allowed (T,S)` the rules' permission to engage each track where it is,
    `extra_cost (T,S)` a price added to every round of a shooter on a track [value units]
    (the re-tasking price), not discounted.
    """
    cfg = config or DynamicConfig()
    sh = shooters
    T, S = len(tracks_x), len(sh)
    W = len(table.name)
    x = tracks_x
    speed = np.linalg.norm(x[:, 3:5], axis=1)
    pk_tw = table.pk[:, tracks_cls].T  # (T,W)
    usable_tw = (pk_tw > 0) & (speed[:, None] <= table.max_target_speed[None, :])
    # geometry shared by every weapon: the track after the shooter's scramble delay
    p_t = x[:, None, :2] + x[:, None, 3:5] * sh.delay[None, :, None]
    d = p_t - sh.pos[None, :, :2]
    cos_a = aspect_cos(p_t, x[:, None, 3:5], sh.pos[None, :, :2])
    vel = np.broadcast_to(x[:, None, 3:5], d.shape)
    time = np.full((S, W, T), np.inf)
    aim = np.zeros((S, W, T, 3))
    base_ok = allowed.T  # (S,T)
    triples = 0
    for w in range(W):  # weapon types are few (a handful): vectorised over (T, S) inside
        has = sh.rounds[:, w] > 0
        ok = base_ok & has[:, None] & usable_tw[None, :, w]
        triples += int(ok.sum())
        if not ok.any():
            continue
        reach = RANGE_MARGIN * table.reach(np.full(cos_a.shape, w), cos_a)
        tau = time_to_range(d, vel, sh.speed[None, :], reach)
        total = (tau + sh.delay[None, :]).T  # (S,T)
        ok &= np.isfinite(total)
        pt = lead_point(x[None, :, :3], x[None, :, 3:6], np.where(ok, total, 0.0))  # (S,T,3)
        # a shot waits for its approval: the release is the later of the two
        si, tj = np.nonzero(ok)
        delay = np.zeros(len(si))
        lat, lon, _ = THEATRE.to_lla(pt[si, tj])
        for n, nr in rules.items():
            m = sh.nation[si] == n
            if m.any():
                delay[m] = nr.approval_delay(lat[m], lon[m])
        rel = np.maximum(total[si, tj], delay)
        p_rel = lead_point(x[tj, :3], x[tj, 3:6], rel)
        dash = tau.T[si, tj]
        home = np.linalg.norm(p_rel[:, :2] - sh.base[si, :2], axis=1) / sh.cruise[si]
        good = rel < deadline[tj]
        good &= sh.fuel_s[si] > DASH_BURN * dash + home + RESERVE_S
        for cx, cy, r in keep_out if keep_out is not None else ():
            good &= np.hypot(p_rel[:, 0] - cx, p_rel[:, 1] - cy) >= r
        nation = sh.nation[si]
        idx = np.flatnonzero(good)
        for k in range(1, cfg.path_samples + 1):  # aim point (k = n) and the path before it
            if not len(idx):
                break
            f = k / cfg.path_samples
            pts = sh.pos[si[idx]] + f * (p_rel[idx] - sh.pos[si[idx]])
            inside = _inside(rules, nation[idx], pts)
            good[idx[~inside]] = False
            idx = idx[inside]
        time[si[good], w, tj[good]] = rel[good]
        aim[si[good], w, tj[good]] = p_rel[good]
    feasible = np.isfinite(time)  # (S,W,T)
    price = cfg.cost_price * table.cost + reserve_value(table, cfg.reserve)  # (W,) [value]
    pk = np.where(feasible, pk_tw.T[None], 0.0)  # (S,W,T)
    cost = np.broadcast_to(price[None, :, None], time.shape)  # (S,W,T) [value]
    if cfg.time_scale_s > 0:  # the chance the engagement still happens
        happens = np.exp(-np.where(feasible, time, 0.0) / cfg.time_scale_s)
        pk = pk * happens
        if cfg.discount_price:  # a round is spent only if the shot happens
            cost = cost * happens
    if extra_cost is not None:
        cost = cost + extra_cost.T[:, None, :]
    if cfg.one_per_aircraft:  # a row per aircraft, its best weapon on each track
        rows_s = np.flatnonzero(feasible.any(axis=(1, 2)))
        gain = np.where(feasible, value[None, None, :] * pk - cost, -np.inf)[rows_s]
        w_it = gain.argmax(axis=1)  # (I,T)

        def pick(a: np.ndarray) -> np.ndarray:
            """a (S,W,T,...) at each row's chosen weapon: (I,T,...)."""
            idx = w_it.reshape(w_it.shape[:1] + (1,) + w_it.shape[1:] + (1,) * (a.ndim - 3))
            return np.take_along_axis(a[rows_s], idx, axis=1)[:, 0]

        ok, pk_it, cost_it = pick(feasible), pick(pk), pick(cost)
        time_it, aim_it, weapon = pick(time), pick(aim), w_it
        rounds = np.ones(len(rows_s), np.int64)
    else:  # a row per (aircraft, weapon type) with its rounds
        rows_s, rows_w = np.nonzero(feasible.any(axis=2))
        ok, pk_it, cost_it = (a[rows_s, rows_w] for a in (feasible, pk, cost))
        time_it, aim_it = time[rows_s, rows_w], aim[rows_s, rows_w]
        weapon = np.repeat(rows_w[:, None], T, axis=1)
        rounds = sh.rounds[rows_s, rows_w]
    static = StaticProblem.build(
        value, pk_it, rounds, allowed=ok, cost=cost_it, cost_price=1.0,
        group=sh.nation[rows_s], burden=cfg.burden, cap=np.full(T, cfg.max_rounds_per_track),
    )
    return DynamicProblem(static, rows_s, weapon, time_it, aim_it, triples,
                          int(feasible.sum()))


def commit(problem: DynamicProblem, x: np.ndarray, value: np.ndarray | None = None) -> Commit:
    """Each aircraft's first engagement of the plan `x (I,T)`: its earliest planned release.

    Ties (two weapon types of one aircraft on the same track) go to the higher Pk. The
    planned value is that of the committed shots alone: sum over their tracks of
    `value` (default the problem's) × (1 - product of (1 - Pk)).
    """
    i, j = np.nonzero(x)
    if not len(i):
        z = np.zeros(0, np.int64)
        return Commit(z, z, z, np.zeros(0), np.zeros((0, 3)), 0.0)
    s = problem.shooter[i]
    t = problem.time[i, j]
    pk = problem.static.pk[i, j]
    order = np.lexsort((-pk, t, s))  # per shooter: earliest, then best Pk
    first = order[np.r_[True, s[order][1:] != s[order][:-1]]]
    i, j = i[first], j[first]
    surv = np.ones(problem.static.shape[1])
    np.multiply.at(surv, j, 1.0 - problem.static.pk[i, j])
    planned = float((problem.static.value if value is None else value) @ (1.0 - surv))
    return Commit(problem.shooter[i], j, problem.weapon[i, j], problem.time[i, j],
                  problem.aim[i, j], planned)
