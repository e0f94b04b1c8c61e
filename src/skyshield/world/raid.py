"""Raid generation: the scenario's waves -> a `Threats` struct with launch times and routes.

Everything random comes from the numpy Generator passed in, drawn in a fixed order, so the
same scenario and seed give the same raid bit for bit.

Per wave: launch times are stratified over the window (one draw per equal slice, so they
spread and stay inside it); launch points are jittered in a disc around a named launch area,
exact at a `{lat, lon}` point and uniform inside a polygon; targets are drawn uniformly from
the wave's places (target areas expanded). Routes, built in the theatre frame
(`world.routes`), go launch -> `via:` waypoints -> the routing's own points -> target:

- ``direct``: no points of its own.
- ``border``: along the Moldovan and Romanian borders from the Odesa end (Dniester estuary),
  northward and westward (or along Budjak toward the Danube), on a chain at one of the
  declared insets inside Ukraine (`routes.BORDER_INSETS_M`); leaves it near the target.
- ``north_west``: along the Belarusian border (inside Ukraine) from its Russian end westward,
  leaving the chain at or before the target's nearest point (never past it toward Poland).
- ``belarus``: the same, on the Belarusian side: the route crosses Belarus by request.
- ``moldova``: across central Moldova: the route crosses Moldova by request.
- ``south``: up from the Black Sea off Odesa, across Odesa region and Vinnytsia (corridor
  points that would take it away from its target are dropped).
- ``mixed``: one of direct/south/border/north_west per threat, weighted by where the launch
  area is (north, middle or south), as in real raids (never Belarus or Moldova).

Every leg then keeps out of Belarus, Moldova and NATO unless the wave asks for them (a `via:`
point there, a routing through it, a launch from Belarus): `routes.keep_out` detours it.
Declared options (`wave.options`) add doglegs (cruise missiles 3-5 by default), a hold
(`loiter`), a cut into the skimmed neighbour (`graze`, border-following routings) and
turning back (`turn_back`). A route longer than the type's range falls back to ``direct``.
Ballistic threats fly direct and are flagged not interceptable by fighters.

Fates (`RaidPlan.fate`): a threat flies to its target (`TARGET`), or loses its navigation
(probability per type from `raid.strays` or the library) at a drawn share of its route and
either comes down there (`LOST`) or, for a declared share, drifts until its range is
exhausted (`STRAY`), or turns back (`TURNED_BACK`) and flies home
and on until empty; decoys (`DECOY`) fly past their aim point until empty. All but `TARGET`
routes run past the range, so the threat EXPIRES where its fuel ends and falls there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

import numpy as np
import shapely
from numpy.typing import NDArray

from skyshield.geo import borders as gb
from skyshield.geo.frame import THEATRE
from skyshield.model.library import ThreatClass, ThreatType, library
from skyshield.model.resolve import locate, wave_targets
from skyshield.model.scenario import LatLon, LaunchPolygon, Scenario, Wave
from skyshield.units import KM, MINUTE
from skyshield.world import routes as rt
from skyshield.world.routes import BORDER_INSETS_M, BorderChain, border_chain
from skyshield.world.threats import PROFILES, Threats

__all__ = [
    "ROUTINGS",
    "BorderChain",
    "Fate",
    "RaidPlan",
    "border_chain",
    "cruise_band",
    "generate_raid",
    "launch_site",
    "plan_route",
    "route_xy",
]

ROUTINGS = ("direct", "south", "border", "north_west", "belarus", "moldova")

LAUNCH_JITTER_M = 25 * KM  # radius of the launch-point disc around a named area [m]
FOLLOW_START_M = 30 * KM  # a border route joins its chain within this of the chain origin [m]
CORRIDOR_JITTER_M = 20 * KM  # radius of the jitter of `south` corridor points [m]
MOLDOVA_JITTER_M = 25 * KM  # radius of the jitter of the `moldova` crossing point [m]
RANGE_MARGIN = 0.97  # routes use at most this share of the type's range [-]
CM_DOGLEGS = ((3, 5), (10 * KM, 40 * KM))  # cruise-missile default doglegs: count, offset [m]
TAIL_MARGIN_M = 5 * KM  # drift tails run this far past the range, so the flight expires [m]

# Weights of direct/south/border/north_west for `mixed`, by launch-area latitude.
_MIXED_NORTH = (0.40, 0.00, 0.15, 0.45)  # launch north of 50.5 N (Kursk, Bryansk...)
_MIXED_MIDDLE = (0.50, 0.00, 0.25, 0.25)
_MIXED_SOUTH = (0.30, 0.35, 0.35, 0.00)  # launch south of 47.5 N (Crimea, seas)

FloatArray = NDArray[np.float64]


class Fate(IntEnum):
    """How a threat's flight is planned to end. Stored as int8 in `RaidPlan.fate`."""

    TARGET = 0  # flies to its target
    STRAY = 1  # loses its navigation, drifts until empty
    TURNED_BACK = 2  # turns back, flies home and on until empty
    DECOY = 3  # flies past its aim point until empty
    LOST = 4  # loses its navigation and comes down where it is lost


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
    fate: NDArray[np.int8] | None = None  # (N,) `Fate` code [-]
    s_lost: FloatArray | None = None  # (N,) frame distance flown when navigation is lost, NaN

    def __len__(self) -> int:
        return len(self.threats)


# ----------------------------------------------------------------------------- routes
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


def _follow(chain: BorderChain, target: FloatArray, rng: np.random.Generator,
            leave: tuple[float, float]) -> FloatArray:
    """Points along a chain from near its origin toward the target, leaving it between
    leave[0] before and leave[1] past the target's nearest chain point (in flying order)."""
    at = chain.nearest_arc(target)
    sign = 1.0 if at >= chain.origin else -1.0
    a0 = chain.origin + sign * rng.uniform(0.0, FOLLOW_START_M)
    a1 = at + sign * rng.uniform(-leave[0], leave[1])
    if (a1 - a0) * sign < 0:
        a1 = a0
    return chain.section(a0, a1)


def route_xy(routing: str, launch: FloatArray, target: FloatArray,
             rng: np.random.Generator, via: FloatArray | None = None,
             inset: float = BORDER_INSETS_M[0]) -> FloatArray:
    """Route points (M,2) in the frame [m], launch and target included, before doglegs and
    before keeping out of forbidden airspace (`routes.keep_out`)."""
    via = np.zeros((0, 2)) if via is None else via
    here = via[-1] if len(via) else launch
    if routing == "direct":
        mid = np.zeros((0, 2))
    elif routing == "border":
        mid = _follow(border_chain("south", inset), target, rng, (10 * KM, 30 * KM))
    elif routing == "north_west":
        mid = _follow(border_chain("north", inset), target, rng, (40 * KM, 0.0))
    elif routing == "belarus":
        mid = _follow(border_chain("belarus", inset), target, rng, (40 * KM, 0.0))
    elif routing == "moldova":
        mid = _moldova_point(rng)[None]
    elif routing == "south":
        anchors = _south_corridor() + _disc(rng, CORRIDOR_JITTER_M, 3)
        mid_list, prev = [], here
        for p in anchors:  # keep a corridor point only if it brings the target closer
            if np.hypot(*(p - target)) < np.hypot(*(prev - target)):
                mid_list.append(p)
                prev = p
        mid = np.array(mid_list).reshape(-1, 2)
    else:
        raise ValueError(f"unknown routing {routing!r}; expected one of {ROUTINGS}")
    return np.concatenate([launch[None], via, mid, target[None]])


def _moldova_point(rng: np.random.Generator) -> FloatArray:
    """A crossing point in central Moldova (Chișinău, jittered, kept inside Moldova) [m]."""
    c = library().place("Chișinău")
    base = THEATRE.to_xy(c.lat, c.lon)
    p = base + _disc(rng, MOLDOVA_JITTER_M)[0]
    return p if shapely.contains_xy(gb.borders().frame_geometry("MDA"), *p) else base


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


def _mixed_weights(lat: float) -> tuple[float, ...]:
    if lat >= 50.5:
        return _MIXED_NORTH
    if lat < 47.5:
        return _MIXED_SOUTH
    return _MIXED_MIDDLE


def launch_site(area: str | LatLon | LaunchPolygon) -> tuple[str, float, float]:
    """(name, lat, lon) of a wave's launch area: a library place, a point or a polygon."""
    if isinstance(area, LatLon):
        return f"{area.lat:.2f}N {area.lon:.2f}E", area.lat, area.lon
    if isinstance(area, LaunchPolygon):
        pts = np.asarray(area.points, float)
        xy = THEATRE.to_xy(pts[:, 0], pts[:, 1])
        lat, lon = THEATRE.from_xy(xy.mean(axis=0))
        return f"polygon {float(lat):.2f}N {float(lon):.2f}E", float(lat), float(lon)
    p = library().place(area)
    return p.name, p.lat, p.lon


def _launch_points(area: str | LatLon | LaunchPolygon, n: int, rng: np.random.Generator
                   ) -> FloatArray:
    """n launch points [m]: a disc around a named area, the point itself, or uniform in a
    polygon (rejection sampling in the frame)."""
    _, lat, lon = launch_site(area)
    if isinstance(area, LatLon):
        return np.repeat(THEATRE.to_xy(lat, lon)[None], n, axis=0)
    if isinstance(area, LaunchPolygon):
        pts = np.asarray(area.points, float)
        poly = shapely.make_valid(shapely.Polygon(THEATRE.to_xy(pts[:, 0], pts[:, 1])))
        x0, y0, x1, y1 = poly.bounds
        out = np.zeros((0, 2))
        while len(out) < n:
            c = rng.uniform((x0, y0), (x1, y1), (4 * n + 8, 2))
            out = np.concatenate([out, c[shapely.contains_xy(poly, c[:, 0], c[:, 1])]])
        return out[:n]
    return THEATRE.to_xy(lat, lon) + _disc(rng, LAUNCH_JITTER_M, n)


def _heading(pts: FloatArray, s: float) -> float:
    """Heading [rad from +x] of the leg at frame arc length s."""
    a = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
    k = int(np.clip(np.searchsorted(a, s, side="right") - 1, 0, len(pts) - 2))
    d = pts[k + 1] - pts[k]
    return float(np.arctan2(d[1], d[0]))


def _child(rng: np.random.Generator) -> np.random.Generator:
    """An independent generator derived from `rng` without drawing from it."""
    try:
        return rng.spawn(1)[0]
    except (TypeError, ValueError, AttributeError):  # not built from a SeedSequence
        return np.random.Generator(rng.bit_generator.jumped())


def _geodesic_length(pts: FloatArray) -> float:
    """WGS84 geodesic length of a frame polyline [m] (as `Threats` measures its legs)."""
    from skyshield.geo import geodesy

    lat, lon = THEATRE.from_xy(pts)
    return float(np.sum(geodesy.distance(lat[:-1], lon[:-1], lat[1:], lon[1:])))


def _nav_loss(scenario: Scenario, tt: ThreatType) -> float:
    """Probability of navigation loss of a type: the scenario's, else the library's."""
    st = scenario.raid.strays
    if not st.enabled or tt.cls is ThreatClass.ballistic:
        return 0.0
    lib = library()
    for name, p in st.nav_loss.items():
        if lib.threats.get(name) is tt:
            return p
    return tt.nav_loss


def plan_route(wave: Wave, routing: str, launch: FloatArray, target: FloatArray,
                via: FloatArray, forbid: frozenset[str], tt: ThreatType,
                rng: np.random.Generator) -> tuple[FloatArray, list[int], str]:
    """One threat's planned route (before its fate), the graze legs, the routing flown."""
    opts = wave.options
    cm = tt.cls is ThreatClass.cruise_missile
    if opts.doglegs is not None:
        dl = (opts.doglegs.count, (opts.doglegs.offset_km[0] * KM, opts.doglegs.offset_km[1] * KM))
    else:
        dl = CM_DOGLEGS if cm else None
    limit = RANGE_MARGIN * tt.range_m
    inset = BORDER_INSETS_M[int(rng.integers(len(BORDER_INSETS_M)))]

    def build(r: str, doglegs: bool) -> FloatArray:
        pts = route_xy(r, launch, target, rng, via, inset)
        if doglegs and dl is not None:
            pts = rt.add_doglegs(pts, rng, *dl)
        return rt.keep_out(pts, forbid)

    pts = build(routing, True)
    if rt.length(pts) > limit and routing != "direct":  # too long: fall back to direct
        routing = "direct"
        pts = build(routing, True)
    if rt.length(pts) > limit and dl is not None:
        pts = build(routing, False)
    fixed: list[int] = []
    chain_name = {"border": "south", "north_west": "north"}.get(routing)
    if opts.graze is not None and chain_name and rng.random() < opts.graze.share:
        chain = border_chain(chain_name, inset)
        arcs = [chain.nearest_arc(p) for p in pts[1:-1]]
        if len(arcs) >= 2:
            a_mid = rng.uniform(min(arcs), max(arcs))
            pts, fixed = rt.graze(pts, chain, a_mid, opts.graze.depth_km * KM,
                                  opts.graze.length_km * KM)
    if opts.loiter is not None and rng.random() < opts.loiter.share:
        hold = opts.loiter.minutes * MINUTE * tt.speed_ms
        pts = rt.loiter(pts, opts.loiter.before_target_km * KM, hold, opts.loiter.leg_km * KM)
    return pts, fixed, routing


# ------------------------------------------------------------------------------ raid
def generate_raid(scenario: Scenario, rng: np.random.Generator) -> RaidPlan:
    """Every threat of the scenario's raid, with launch times, routes, profiles and fates."""
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
        "climb", "dive", "wob", "wlen", "phase", "fate", "s_lost")}
    st = scenario.raid.strays
    fate_rng = _child(rng)  # fates draw apart: declaring strays never moves other routes
    for w_i, wave in enumerate(scenario.raid.waves):
        tt = lib.threat(wave.threat)
        la_name, la_lat, la_lon = launch_site(wave.launch_area)
        la_country = str(gb.country_of(la_lat, la_lon))
        targets = wave_targets(scenario, wave)
        prof = PROFILES[tt.cls]
        band = cruise_band(tt)
        n = wave.count
        lo, hi = wave.window_min[0] * MINUTE, wave.window_min[1] * MINUTE
        t_launch = lo + (np.arange(n) + rng.random(n)) / n * (hi - lo)
        launch_xy = _launch_points(wave.launch_area, n, rng)
        pick = rng.integers(0, len(targets), n)
        if wave.routing == "mixed":
            routing = rng.choice(4, size=n, p=_mixed_weights(la_lat))
        else:
            routing = np.full(n, ROUTINGS.index(wave.routing))
        ballistic = tt.cls is ThreatClass.ballistic
        if ballistic:
            routing[:] = ROUTINGS.index("direct")
        via_ll = [locate(v) for v in wave.via]
        via = (THEATRE.to_xy([v[0] for v in via_ll], [v[1] for v in via_ll]).reshape(-1, 2)
               if via_ll else np.zeros((0, 2)))
        via_c = {str(c) for c in gb.country_of([v[0] for v in via_ll], [v[1] for v in via_ll])
                 } if via_ll else set()
        p_lost = _nav_loss(scenario, tt)
        decoy = tt.cls is ThreatClass.decoy
        for j in range(n):
            tgt = targets[pick[j]]
            txy = THEATRE.to_xy(tgt.lat, tgt.lon)
            r = ROUTINGS[int(routing[j])]
            if ballistic:
                pts, r = np.stack([launch_xy[j], txy]), "direct"
            else:
                forbid = rt.forbidden_for(la_country, via_c, r)
                pts, _, r = plan_route(wave, r, launch_xy[j], txy, via, forbid, tt, rng)
            fate, s_lost = Fate.TARGET, np.nan
            tb = wave.options.turn_back
            if not ballistic and tb is not None and fate_rng.random() < tb.share:
                pts = rt.turn_back(pts, fate_rng.uniform(*tb.at_fraction) * rt.length(pts))
                fate = Fate.TURNED_BACK
            range_j = tt.range_m
            if p_lost > 0 and fate_rng.random() < p_lost:
                s_lost = fate_rng.uniform(*st.at_fraction) * rt.length(pts)
                heading = _heading(pts, s_lost)
                pts = rt.truncate(pts, s_lost)
                if fate_rng.random() < st.drift_share:
                    fate = Fate.STRAY
                else:  # comes down where it is lost: its flight ends there
                    fate = Fate.LOST
                    range_j = _geodesic_length(pts)
                    d = pts[-1] - pts[-2] if len(pts) > 1 else np.array([1.0, 0.0])
                    pts = np.concatenate([pts, (pts[-1] + d / max(np.hypot(*d), 1.0)
                                                * TAIL_MARGIN_M)[None]])
            elif decoy and fate is Fate.TARGET:
                fate = Fate.DECOY
            if fate not in (Fate.TARGET, Fate.LOST):
                flown = rt.length(pts)
                if fate is not Fate.STRAY:
                    heading = _heading(pts, flown)
                left = tt.range_m * 1.01 - flown + TAIL_MARGIN_M  # frame vs geodesic: 0.4 %
                if left > 0:
                    sig = np.radians(st.drift_deg_per_10km) * np.sqrt(rt.DRIFT_STEP_M / 10e3)
                    tail = rt.drift_tail(pts[-1], heading, left, fate_rng,
                                         np.radians(st.heading_sigma_deg)
                                         if fate is Fate.STRAY else 0.0, sig)
                    pts = np.concatenate([pts, tail])
            routes.append(pts)
            m = len(pts)
            alts.append(rng.uniform(*band, m) if prof.per_point
                        else np.full(m, rng.uniform(*band)))
            cols["routing"].append(ROUTINGS.index(r))
            cols["target"].append(index(target_names, tgt.name))
            cols["fate"].append(int(fate))
            cols["s_lost"].append(s_lost)
            cols["range"].append(range_j)
        cols["t"].append(t_launch)
        cols["speed"].append(np.full(n, tt.speed_ms))
        cols["type"].append(np.full(n, index(type_names, tt.name)))
        cols["cls"].append(np.full(n, tt.cls.code))
        cols["icpt"].append(np.full(n, tt.interceptable and not ballistic))
        cols["launch"].append(np.full(n, index(launch_names, la_name)))
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
        fate=cat("fate").astype(np.int8),
        s_lost=cat("s_lost").astype(np.float64),
    )
