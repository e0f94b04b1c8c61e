"""Raid generation: the scenario's waves -> a `Threats` struct with launch times and routes.

Everything random comes from the numpy Generator passed in, drawn in a fixed order, so the
same scenario and seed give the same raid bit for bit.

Per wave: launch times are stratified over the window (one draw per equal slice, so they
spread and stay inside it); launch points are jittered in a disc around the launch area;
targets are drawn uniformly from the wave's places (target areas expanded). Routes, built in
the theatre frame, follow the wave's `routing`:

- ``direct``: launch -> target.
- ``border``: skims the Moldovan and Romanian borders as real raids do: from the Odesa end of
  the UKR-MDA border (Dniester estuary) northward and westward along the UKR-MDA and UKR-ROU
  borders, turn points a few km inside Ukraine (the real border, `geo.borders`, offset
  inward), jittered so that navigation errors carry some threats into Moldovan or Romanian
  airspace; leaves the border near the target.
- ``north_west``: along the UKR-BLR border (a few km inside Ukraine) from its eastern end
  westward into Volyn, leaving it a little west of the target so the threat comes down from
  the north-west, toward Poland's side.
- ``south``: up from the Black Sea off Odesa, across Odesa region and Vinnytsia (corridor
  points that would take it away from its target are dropped).
- ``mixed``: one of the above per threat, with weights that depend on where the launch area
  is (north, middle or south), as in real raids.

Cruise missiles add 3-5 doglegs on the open legs (launch -> route, route -> target).
A route longer than the type's range falls back to ``direct`` (with, then without doglegs);
a target out of range even then is kept, and the threat expires on the way.
Ballistic threats fly direct and are flagged not interceptable by fighters.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from numpy.typing import NDArray

from skyshield.geo import borders as gb
from skyshield.geo.frame import THEATRE
from skyshield.model.library import Place, ThreatClass, ThreatType, library
from skyshield.model.resolve import wave_targets
from skyshield.model.scenario import Scenario
from skyshield.units import KM, MINUTE
from skyshield.world.threats import PROFILES, Threats

__all__ = [
    "ROUTINGS",
    "BorderChain",
    "RaidPlan",
    "border_chain",
    "cruise_band",
    "generate_raid",
    "route_xy",
]

ROUTINGS = ("direct", "south", "border", "north_west")  # codes of `RaidPlan.routing`

LAUNCH_JITTER_M = 25 * KM  # radius of the launch-point disc [m]
BORDER_INSET_M = 6 * KM  # how far inside Ukraine border-skimming turn points lie [m]
BORDER_JITTER_M = 2.5 * KM  # sigma of the turn-point navigation error [m]
BORDER_SPACING_M = 35 * KM  # spacing of turn points along a border [m]
CHAIN_END_M = 20 * KM  # turn points stop this far before the end of a border chain [m]
CORRIDOR_JITTER_M = 20 * KM  # radius of the jitter of `south` corridor points [m]
RANGE_MARGIN = 0.97  # routes use at most this share of the type's range [-]
DOGLEGS = (3, 5)  # cruise-missile dogleg count, inclusive [-]
DOGLEG_OFFSET_M = (10 * KM, 40 * KM)  # lateral offset of a dogleg [m]

# Weights of direct/south/border/north_west for `mixed`, by launch-area latitude.
_MIXED_NORTH = (0.40, 0.00, 0.15, 0.45)  # launch north of 50.5 N (Kursk, Bryansk...)
_MIXED_MIDDLE = (0.50, 0.00, 0.25, 0.25)
_MIXED_SOUTH = (0.30, 0.35, 0.35, 0.00)  # launch south of 47.5 N (Crimea, seas)

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class RaidPlan:
    """A generated raid: the threats and the name lists their index arrays point into."""

    threats: Threats
    type_names: list[str]  # threats.type_idx -> canonical threat type name
    target_names: list[str]  # threats.target_idx -> canonical place name
    launch_names: list[str]  # launch_idx -> launch area name
    launch_idx: NDArray[np.int32]  # (N,) launch area of each threat [-]
    wave: NDArray[np.int32]  # (N,) index of the scenario wave [-]
    routing: NDArray[np.int8]  # (N,) routing flown, index into ROUTINGS [-]

    def __len__(self) -> int:
        return len(self.threats)


# ---------------------------------------------------------------------------- borders
@dataclass(frozen=True)
class BorderChain:
    """A polyline a few km inside Ukraine along part of its border, in the theatre frame."""

    xy: FloatArray  # (M,2) points, in flying order [m]
    arc: FloatArray  # (M,) distance along the chain [m]

    def at(self, a: FloatArray) -> FloatArray:
        """Points (…,2) at arc lengths a [m] (clipped to the chain)."""
        a = np.clip(a, 0.0, self.arc[-1])
        return np.stack([np.interp(a, self.arc, self.xy[:, 0]),
                         np.interp(a, self.arc, self.xy[:, 1])], axis=-1)

    def nearest_arc(self, p: FloatArray) -> float:
        """Arc length of the chain point nearest to p (2,) [m]."""
        d2 = np.sum((self.xy - p) ** 2, axis=1)
        return float(self.arc[int(np.argmin(d2))])


@lru_cache(maxsize=4)
def border_chain(which: str) -> BorderChain:
    """The inset chain along ``"south"`` (UKR-MDA/ROU) or ``"north"`` (UKR-BLR) border.

    South runs from the point nearest Odesa (Dniester estuary) north along Transnistria,
    west along northern Moldova and Romania to the Hungarian tripoint. North runs from the
    Russian tripoint west to the Polish tripoint. Derived from `geo.borders` polygons.
    """
    b = gb.borders()
    ukr = b.frame_geometry("UKR")
    others = ("MDA", "ROU") if which == "south" else ("BLR",)
    other = shapely.union_all([b.frame_geometry(c) for c in others])
    shared = shapely.line_merge(shapely.intersection(ukr.boundary, shapely.buffer(other, 500.0)))
    parts = shapely.get_parts(shared)
    line = max(parts, key=lambda g: g.length)
    dense = shapely.get_coordinates(
        shapely.line_interpolate_point(line, np.arange(0.0, line.length, 2 * KM))
    )
    if which == "south":
        o = library().place("Odesa")
        start = int(np.argmin(np.sum((dense - THEATRE.to_xy(o.lat, o.lon)) ** 2, axis=1)))
        west = dense[0, 0] < dense[-1, 0]  # which end is the Hungarian one
        dense = dense[start::-1] if west else dense[start:]
    elif dense[0, 0] < dense[-1, 0]:  # north: fly east -> west
        dense = dense[::-1]
    # Move every point inward: nearest point on the boundary of Ukraine shrunk by the inset.
    inner = shapely.buffer(ukr, -BORDER_INSET_M).boundary
    near = shapely.get_coordinates(shapely.shortest_line(shapely.points(dense), inner))[1::2]
    step = np.hypot(*np.diff(near, axis=0).T)
    keep = np.concatenate([[True], step > 1.0])
    near = near[keep]
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(near, axis=0).T))])
    return BorderChain(near, arc)


# ----------------------------------------------------------------------------- routes
def _chain_points(chain: BorderChain, a0: float, a1: float, rng: np.random.Generator
                  ) -> FloatArray:
    """Turn points from arc a0 to a1 along a chain, with navigation jitter."""
    if a1 - a0 < 1.0:
        arcs = np.array([a0])
    else:
        m = int(np.ceil((a1 - a0) / BORDER_SPACING_M)) + 1
        arcs = np.linspace(a0, a1, m)
    return chain.at(arcs) + rng.normal(0.0, BORDER_JITTER_M, (arcs.size, 2))


def _disc(rng: np.random.Generator, radius: float, n: int = 1) -> FloatArray:
    """n points uniform in a disc of the given radius around 0 [m]."""
    r = radius * np.sqrt(rng.random(n))
    a = rng.uniform(0.0, 2 * np.pi, n)
    return np.stack([r * np.cos(a), r * np.sin(a)], axis=-1)


@lru_cache(maxsize=1)
def _south_corridor() -> FloatArray:
    """Anchor points of the `south` route: off Odesa at sea, Odesa region, Vinnytsia [m]."""
    lib = library()
    o, v = lib.place("Odesa"), lib.place("Vinnytsia")
    odesa, vinn = THEATRE.to_xy([o.lat, v.lat], [o.lon, v.lon])
    sea = odesa + np.array([0.5, -0.85]) * 35 * KM  # ~35 km SSE of Odesa, in the gulf
    return np.stack([sea, odesa + (vinn - odesa) / 3.0, vinn])


def route_xy(routing: str, launch: FloatArray, target: FloatArray,
             rng: np.random.Generator) -> FloatArray:
    """Route points (M,2) in the frame [m], launch and target included, before doglegs."""
    if routing == "direct":
        mid = np.zeros((0, 2))
    elif routing == "border" or routing == "north_west":
        chain = border_chain("south" if routing == "border" else "north")
        a0 = rng.uniform(0.0, 30 * KM)
        at = chain.nearest_arc(target)
        if routing == "border":
            a1 = at + rng.uniform(-30 * KM, 30 * KM)
        else:  # leave a little west of the target: come down from the north-west
            a1 = at + rng.uniform(0.0, 60 * KM)
        a1 = float(np.clip(a1, a0, chain.arc[-1] - CHAIN_END_M))
        mid = _chain_points(chain, a0, a1, rng)
    elif routing == "south":
        anchors = _south_corridor() + _disc(rng, CORRIDOR_JITTER_M, 3)
        mid_list, prev = [], launch
        for p in anchors:  # keep a corridor point only if it brings the target closer
            if np.hypot(*(p - target)) < np.hypot(*(prev - target)):
                mid_list.append(p)
                prev = p
        mid = np.array(mid_list).reshape(-1, 2)
    else:
        raise ValueError(f"unknown routing {routing!r}; expected one of {ROUTINGS}")
    return np.concatenate([launch[None], mid, target[None]])


def _add_doglegs(pts: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Insert 3-5 doglegs on the first and last legs, shared in proportion to their lengths."""
    n = int(rng.integers(DOGLEGS[0], DOGLEGS[1] + 1))
    legs = [0] if len(pts) == 2 else [0, len(pts) - 2]
    lens = np.array([np.hypot(*(pts[i + 1] - pts[i])) for i in legs])
    share = np.zeros(len(legs), int)
    for _ in range(n):  # one at a time to the leg with the most length per dogleg
        share[int(np.argmax(lens / (share + 1)))] += 1
    sign = rng.choice((-1.0, 1.0))
    out: list[FloatArray] = [pts[0]]
    for i in range(len(pts) - 1):
        a, b = pts[i], pts[i + 1]
        m = share[legs.index(i)] if i in legs else 0
        if m:
            d = b - a
            length = float(np.hypot(*d))
            u = d / max(length, 1.0)
            perp = np.array([-u[1], u[0]])
            f = (np.arange(1, m + 1) + rng.uniform(-0.3, 0.3, m)) / (m + 1)
            off = rng.uniform(*DOGLEG_OFFSET_M, m)
            off = np.minimum(off, 0.25 * length / (m + 1))
            for fj, oj in zip(f, off, strict=True):
                out.append(a + fj * d + sign * oj * perp)
                sign = -sign
        out.append(b)
    return np.array(out)


def _length(pts: FloatArray) -> float:
    """Length of a frame polyline [m] (within 0.4 % of the geodesic)."""
    return float(np.sum(np.hypot(*np.diff(pts, axis=0).T)))


def cruise_band(tt: ThreatType) -> tuple[float, float]:
    """Planned cruise altitude band [m] of a threat type (see `threats.PROFILES`)."""
    prof = PROFILES[tt.cls]
    if tt.cls is ThreatClass.ballistic:
        apogee = tt.alt_cruise_m or prof.cruise_hi_m
        return apogee, apogee
    if tt.cls is ThreatClass.cruise_missile:
        lo = max(prof.cruise_lo_m, tt.alt_min_m + prof.wobble_m)
        hi = min(prof.cruise_hi_m, tt.alt_max_m - prof.wobble_m) if tt.alt_max_m else (
            prof.cruise_hi_m)
        return (lo, hi) if hi > lo else (prof.cruise_lo_m, prof.cruise_hi_m)
    ac = tt.alt_cruise_m
    if ac <= 0:
        return prof.cruise_lo_m, prof.cruise_hi_m
    lo = max(0.5 * ac, tt.alt_min_m)
    hi = min(1.5 * ac, tt.alt_max_m) if tt.alt_max_m else 1.5 * ac
    return (lo, hi) if hi > lo else (ac, ac)


def _mixed_weights(launch: Place) -> tuple[float, ...]:
    if launch.lat >= 50.5:
        return _MIXED_NORTH
    if launch.lat < 47.5:
        return _MIXED_SOUTH
    return _MIXED_MIDDLE


# ------------------------------------------------------------------------------ raid
def generate_raid(scenario: Scenario, rng: np.random.Generator) -> RaidPlan:
    """Every threat of the scenario's raid, with launch times, routes and profiles."""
    lib = library()
    type_names: list[str] = []
    target_names: list[str] = []
    launch_names: list[str] = []

    def index(names: list[str], name: str) -> int:
        if name not in names:
            names.append(name)
        return names.index(name)

    routes: list[FloatArray] = []
    alts: list[FloatArray] = []
    cols: dict[str, list] = {k: [] for k in (
        "t", "speed", "range", "type", "cls", "target", "icpt", "launch", "wave", "routing",
        "climb", "dive", "wob", "wlen", "phase")}
    for w_i, wave in enumerate(scenario.raid.waves):
        tt = lib.threat(wave.threat)
        la = lib.place(wave.launch_area)
        targets = wave_targets(scenario, wave)
        prof = PROFILES[tt.cls]
        band = cruise_band(tt)
        n = wave.count
        lo, hi = wave.window_min[0] * MINUTE, wave.window_min[1] * MINUTE
        t_launch = lo + (np.arange(n) + rng.random(n)) / n * (hi - lo)
        launch_xy = THEATRE.to_xy(la.lat, la.lon) + _disc(rng, LAUNCH_JITTER_M, n)
        pick = rng.integers(0, len(targets), n)
        if wave.routing == "mixed":
            routing = rng.choice(len(ROUTINGS), size=n, p=_mixed_weights(la))
        else:
            routing = np.full(n, ROUTINGS.index(wave.routing))
        if tt.cls is ThreatClass.ballistic:
            routing[:] = ROUTINGS.index("direct")
        limit = RANGE_MARGIN * tt.range_m
        for j in range(n):
            tgt = targets[pick[j]]
            txy = THEATRE.to_xy(tgt.lat, tgt.lon)
            r = int(routing[j])
            pts = route_xy(ROUTINGS[r], launch_xy[j], txy, rng)
            cm = tt.cls is ThreatClass.cruise_missile
            if cm:
                pts = _add_doglegs(pts, rng)
            if _length(pts) > limit and r != 0:  # too long: fall back to direct
                r = 0
                pts = route_xy("direct", launch_xy[j], txy, rng)
                if cm:
                    pts = _add_doglegs(pts, rng)
            if cm and _length(pts) > limit:
                pts = pts[[0, -1]]
            routes.append(pts)
            m = len(pts)
            alts.append(rng.uniform(*band, m) if prof.per_point
                        else np.full(m, rng.uniform(*band)))
            cols["routing"].append(r)
            cols["target"].append(index(target_names, tgt.name))
        cols["t"].append(t_launch)
        cols["speed"].append(np.full(n, tt.speed_ms))
        cols["range"].append(np.full(n, tt.range_m))
        cols["type"].append(np.full(n, index(type_names, tt.name)))
        cols["cls"].append(np.full(n, tt.cls.code))
        cols["icpt"].append(np.full(n, tt.interceptable and tt.cls is not ThreatClass.ballistic))
        cols["launch"].append(np.full(n, index(launch_names, la.name)))
        cols["wave"].append(np.full(n, w_i))
        cols["climb"].append(np.full(n, prof.climb))
        cols["dive"].append(np.full(n, prof.dive))
        cols["wob"].append(np.full(n, prof.wobble_m))
        cols["wlen"].append(np.full(n, prof.wobble_len_m))
        cols["phase"].append(rng.uniform(0.0, 2 * np.pi, n))

    n_all = len(routes)
    k = max(len(p) for p in routes)
    n_wp = np.array([len(p) for p in routes], np.int64)
    xy = np.zeros((n_all, k, 2))
    alt = np.zeros((n_all, k))
    for i, (p, a) in enumerate(zip(routes, alts, strict=True)):
        xy[i, : len(p)] = p
        xy[i, len(p):] = p[-1]
        alt[i, : len(a)] = a
        alt[i, len(a):] = a[-1]
    lat, lon = THEATRE.from_xy(xy)

    def cat(key: str) -> np.ndarray:
        v = cols[key]
        return np.concatenate(v) if v and isinstance(v[0], np.ndarray) else np.asarray(v)

    threats = Threats.from_routes(
        lat, lon, alt, n_wp,
        t_launch=cat("t"), speed=cat("speed"), range_m=cat("range"),
        type_idx=cat("type"), threat_cls=cat("cls"), target_idx=cat("target"),
        interceptable=cat("icpt"), climb=cat("climb"), dive=cat("dive"),
        wobble_m=cat("wob"), wobble_len_m=cat("wlen"), wobble_phase=cat("phase"),
    )
    return RaidPlan(
        threats=threats,
        type_names=type_names,
        target_names=target_names,
        launch_names=launch_names,
        launch_idx=cat("launch").astype(np.int32),
        wave=cat("wave").astype(np.int32),
        routing=cat("routing").astype(np.int8),
    )
