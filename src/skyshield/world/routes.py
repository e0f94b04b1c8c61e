"""Route geometry in the theatre frame: border chains, detours around forbidden airspace, and
the declared route options (doglegs, loitering, a border graze, turning back, drift tails).

Every route is a polyline of frame points [m], straight legs as the kinematics fly them.
Which countries a route may cross is explicit: `forbidden_for` starts from Belarus, Moldova
and the NATO neighbours and removes only what the wave asks for (a `via:` point in a
country, a routing through Belarus or Moldova, a launch from Belarus). `keep_out` then
detours every leg that would enter a forbidden country along the boundary of that country
grown by an inset, so a route never enters it by construction (the detour lies at the inset
from the polygon, less a simplification tolerance below the inset).

Border-following routings (`border`, `north_west`, `belarus`) fly a `BorderChain`: the
boundary of the skimmed neighbour grown by one of `BORDER_INSETS_M`, clipped to the side
flown on and kept the same inset away from every other forbidden country.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import shapely
from numpy.typing import NDArray

from skyshield.geo import borders as gb
from skyshield.geo.frame import THEATRE
from skyshield.units import KM

__all__ = [
    "BORDER_INSETS_M",
    "BorderChain",
    "DEFAULT_FORBIDDEN",
    "add_doglegs",
    "border_chain",
    "drift_tail",
    "forbidden_for",
    "forbidden_geometry",
    "graze",
    "keep_out",
    "length",
    "loiter",
    "point_at",
    "truncate",
    "turn_back",
]

FloatArray = NDArray[np.float64]

DEFAULT_FORBIDDEN = frozenset({"BLR", "MDA", "POL", "SVK", "HUN", "ROU"})
BORDER_INSETS_M = (6 * KM, 9 * KM, 12 * KM)  # declared insets of border-following routes [m]
DETOUR_INSET_M = 6 * KM  # inset of a detour around forbidden airspace [m]
APPROACH_M = 1.0  # approach points lie this much beyond the inset [m]
SIMPLIFY = 0.25  # simplification tolerance as a share of the inset [-]
QUAD_SEGS = 8  # buffer arc segments per quarter circle
DRIFT_STEP_M = 20 * KM  # leg length of a drifting flight [m]

# Which neighbour a border-following routing skims, which side it flies on, where it starts.
_CHAINS = {
    "south": (("MDA", "ROU"), "UKR", "Odesa"),  # UKR side of Moldova/Romania, from Odesa
    "north": (("BLR",), "UKR", "east"),  # UKR side of Belarus, from the Russian end
    "belarus": (("UKR",), "BLR", "east"),  # BLR side of Ukraine, from the Russian end
}


def length(pts: FloatArray) -> float:
    """Length of a frame polyline [m]."""
    return float(np.sum(np.hypot(*np.diff(pts, axis=0).T))) if len(pts) > 1 else 0.0


def _arc(pts: FloatArray) -> FloatArray:
    return np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])


def point_at(pts: FloatArray, s: float | FloatArray) -> FloatArray:
    """Point(s) at frame arc length s along a polyline (clipped to it) [m]."""
    a = _arc(pts)
    s = np.clip(s, 0.0, a[-1])
    return np.stack([np.interp(s, a, pts[:, 0]), np.interp(s, a, pts[:, 1])], axis=-1)


def truncate(pts: FloatArray, s: float) -> FloatArray:
    """The polyline from its start to arc length s [m]."""
    a = _arc(pts)
    if s >= a[-1]:
        return pts.copy()
    k = int(np.searchsorted(a, s, side="right"))
    return np.concatenate([pts[:k], point_at(pts, s)[None]])


# ------------------------------------------------------------------ forbidden airspace
def forbidden_for(launch_country: str, via_countries: Iterable[str] = (),
                  routing: str = "") -> frozenset[str]:
    """Countries a route may not enter: Belarus, Moldova and NATO, less what is asked for."""
    out = set(DEFAULT_FORBIDDEN) - set(via_countries) - {launch_country}
    if routing == "belarus":
        out.discard("BLR")
    if routing == "moldova":
        out.discard("MDA")
    return frozenset(out)


@lru_cache(maxsize=32)
def forbidden_geometry(codes: frozenset[str]) -> shapely.Geometry:
    """Union of the countries' frame polygons (prepared)."""
    b = gb.borders()
    g = shapely.union_all([b.frame_geometry(c) for c in sorted(codes)])
    shapely.prepare(g)
    return g


def _disk_geometry(name: str, key: object, compute: Callable[[], shapely.Geometry]
                   ) -> shapely.Geometry:
    """`compute()` kept in the on-disk cache (`skyshield.diskcache`) as WKB, which holds the
    coordinates' exact doubles: buffering the 1:10m borders costs 0.2-0.3 s a process."""
    from skyshield.diskcache import cached

    return cached(name, repr(key), compute, lambda g: shapely.to_wkb(g),
                  lambda b: shapely.from_wkb(b))


@lru_cache(maxsize=64)
def _grown(codes: frozenset[str], inset: float) -> shapely.Geometry:
    """The forbidden countries grown by `inset` [m] (prepared)."""
    g = _disk_geometry("routes_grown", (sorted(codes), float(inset), QUAD_SEGS),
                       lambda: shapely.buffer(forbidden_geometry(codes), inset,
                                              quad_segs=QUAD_SEGS))
    shapely.prepare(g)
    return g


@lru_cache(maxsize=64)
def _rings(codes: frozenset[str], inset: float) -> tuple[tuple[FloatArray, FloatArray], ...]:
    """The rings of the grown countries, simplified by `SIMPLIFY` of the inset where that
    still keeps them out of the countries, as (coordinates, arc length) pairs."""
    f = forbidden_geometry(codes)
    out = []
    for poly in shapely.get_parts(_grown(codes, inset)):
        for ring in (poly.exterior, *poly.interiors):
            simple = shapely.simplify(ring, SIMPLIFY * inset)
            r = simple if not shapely.intersects(f, simple) else ring
            c = shapely.get_coordinates(r)
            out.append((c, _arc(c)))
    return tuple(out)


@lru_cache(maxsize=64)
def _ring_boxes(codes: frozenset[str], inset: float) -> FloatArray:
    """(K, 4) bounding boxes x0, y0, x1, y1 of `_rings(codes, inset)` [m]."""
    return np.array([[*c.min(axis=0), *c.max(axis=0)] for c, _ in _rings(codes, inset)])


def _nearest_ring(rings: tuple[tuple[FloatArray, FloatArray], ...], boxes: FloatArray,
                  p: FloatArray, q: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The ring with the least distance to p plus distance to q (the first of equals), as
    `min(rings, key=...)`; a ring whose box is already farther is not projected on."""
    lo = np.hypot(np.maximum(np.maximum(boxes[:, 0] - p[0], p[0] - boxes[:, 2]), 0.0),
                  np.maximum(np.maximum(boxes[:, 1] - p[1], p[1] - boxes[:, 3]), 0.0))
    lo += np.hypot(np.maximum(np.maximum(boxes[:, 0] - q[0], q[0] - boxes[:, 2]), 0.0),
                   np.maximum(np.maximum(boxes[:, 1] - q[1], q[1] - boxes[:, 3]), 0.0))
    lo = lo * (1.0 - 1e-9) - 1e-3  # a margin far above rounding: the bound stays below
    pick = rings[0]
    best = _project(*pick, p)[1] + _project(*pick, q)[1]
    for r, bound in zip(rings[1:], lo.tolist()[1:], strict=True):
        if bound >= best:
            continue  # its value is at least the bound, so at least `best`: not the min
        v = _project(*r, p)[1] + _project(*r, q)[1]
        if v < best:
            best, pick = v, r
    return pick


def _project(c: FloatArray, a: FloatArray, p: FloatArray) -> tuple[float, float]:
    """(arc length of the nearest point to p on polyline c, its distance) [m]."""
    d = c[1:] - c[:-1]
    den = np.maximum(np.einsum("ij,ij->i", d, d), 1e-9)
    u = np.clip(np.einsum("ij,ij->i", p - c[:-1], d) / den, 0.0, 1.0)
    q = c[:-1] + u[:, None] * d
    dist = np.hypot(*(q - p).T)
    k = int(np.argmin(dist))
    return float(a[k] + u[k] * (a[k + 1] - a[k])), float(dist[k])


def _ring_arc(c: FloatArray, a: FloatArray, p: FloatArray, q: FloatArray) -> FloatArray:
    """The shorter way along a closed ring (c, arc a) from the point nearest p to q's."""
    total = a[-1]
    sp, _ = _project(c, a, p)
    sq, _ = _project(c, a, q)
    fwd = (sq - sp) % total
    if fwd <= total - fwd:
        s0, s1, sign = sp, sp + fwd, 1.0
    else:
        s0, s1, sign = sp, sp - (total - fwd), -1.0
    inner_s = a[1:-1]
    if sign > 0:
        ss = np.concatenate([inner_s, inner_s + total])
        ss = ss[(ss > s0) & (ss < s1)]
    else:
        ss = np.concatenate([inner_s - total, inner_s])[::-1]
        ss = ss[(ss < s0) & (ss > s1)]
    mid = point_at(c, ss % total) if ss.size else np.zeros((0, 2))
    return np.concatenate([point_at(c, s0 % total)[None], mid, point_at(c, s1 % total)[None]])


def _detour_leg(a: FloatArray, b: FloatArray, codes: frozenset[str], inset: float
                ) -> FloatArray | None:
    """Points strictly between a and b that take the leg around the forbidden countries, or
    None if the leg does not enter them. Uses an inset below the ends' own distances."""
    f = forbidden_geometry(codes)
    leg = shapely.LineString([a, b])
    if not shapely.intersects(f, leg):
        return np.zeros((0, 2))
    d = inset
    ends = shapely.points(np.stack([a, b]))
    # the exact distances matter only for an end within the inset (the prepared, indexed
    # test first: a distance to the 1:10m polygons walks every vertex)
    if shapely.dwithin(f, ends, inset).any():
        da, db = (float(shapely.distance(shapely.Point(p), f)) for p in (a, b))
        while d > 1.0 and d >= min(da, db):
            d /= 2.0  # powers of two of the inset: a few cached buffers
        if d >= min(da, db):  # an end point is on the border: nothing to keep out of
            return None
    g = _grown(codes, d)
    inside = shapely.intersection(leg, g)
    pieces = [p for p in shapely.get_parts(shapely.line_merge(inside)) if p.length > 0]
    out: list[FloatArray] = []
    rings = _rings(codes, d)
    ab = b - a
    nab = float(np.dot(ab, ab)) or 1.0

    def along(p: FloatArray) -> float:
        return float(np.dot(p - a, ab) / nab)

    pieces.sort(key=lambda p: along(shapely.get_coordinates(p)[0]))
    for piece in pieces:
        cc = shapely.get_coordinates(piece)
        p, q = (cc[0], cc[-1]) if along(cc[0]) <= along(cc[-1]) else (cc[-1], cc[0])
        if not shapely.intersects(f, piece):
            continue  # passes within the inset but never enters: keep the straight leg
        c, a_ = _nearest_ring(rings, _ring_boxes(codes, d), p, q)
        out.append(_ring_arc(c, a_, p, q))
    return np.concatenate(out) if out else np.zeros((0, 2))


def _approach_points(pts: FloatArray, codes: frozenset[str], inset: float) -> FloatArray:
    """Launch and target closer than the inset to a forbidden country get an approach point:
    the nearest point at the inset, so the long legs keep the inset and only the last (or
    first) few km come closer."""
    f = forbidden_geometry(codes)
    grown = _grown(codes, inset)
    out = [pts]
    for end in (0, len(pts) - 1):
        p = shapely.Point(pts[end])
        if shapely.contains(grown, p) and not shapely.contains(f, p):
            q = shapely.get_coordinates(shapely.shortest_line(p, grown.boundary))[1]
            u = q - pts[end]
            q = q + APPROACH_M * u / max(float(np.hypot(*u)), 1e-9)
            nxt = pts[1] if end == 0 else pts[-2]
            if np.hypot(*(nxt - pts[end])) > np.hypot(*(q - pts[end])):
                out.append((end, q))
    if len(out) == 1:
        return pts
    res = pts
    for end, q in sorted(out[1:], key=lambda e: -e[0]):
        at = 1 if end == 0 else len(res) - 1
        res = np.insert(res, at, q, axis=0)
    return res


def keep_out(pts: FloatArray, codes: frozenset[str], inset: float = DETOUR_INSET_M,
             fixed: Iterable[int] = ()) -> FloatArray:
    """The route with every leg that enters a forbidden country detoured around it.

    Route points themselves are kept (a target next to a border stays where it is); legs
    starting at an index in `fixed` are left alone (a declared graze)."""
    if not codes or len(pts) < 2:
        return pts
    f = forbidden_geometry(codes)
    skip = set(fixed)
    if not skip and len(pts) > 2:  # interior points inside (a dogleg pushed in): drop them
        inside = shapely.contains_xy(f, pts[1:-1, 0], pts[1:-1, 1])
        if inside.any():
            pts = np.concatenate([pts[:1], pts[1:-1][~inside], pts[-1:]])
    if not skip:
        pts = _approach_points(pts, codes, inset)
    legs = shapely.linestrings(np.stack([pts[:-1], pts[1:]], axis=1))
    bad = np.flatnonzero(shapely.intersects(f, legs))  # prepared geometry first: fast
    bad = [int(i) for i in bad if int(i) not in skip]
    if not bad:
        return pts
    out: list[FloatArray] = [pts[:1]]
    for i in range(len(pts) - 1):
        if i in bad:
            mid = _detour_leg(pts[i], pts[i + 1], codes, inset)
            if mid is None and not skip:  # an interior end point on the border: drop it
                ends = [j for j in (i, i + 1) if 0 < j < len(pts) - 1]
                if ends:
                    drop = min(ends, key=lambda j: shapely.distance(shapely.Point(pts[j]), f))
                    return keep_out(np.delete(pts, drop, axis=0), codes, inset)
            if mid is not None and len(mid):
                out.append(mid)
        out.append(pts[i + 1 : i + 2])
    res = np.concatenate(out)
    keep = np.concatenate([[True], np.hypot(*np.diff(res, axis=0).T) > 1.0])
    return res[keep]


# ----------------------------------------------------------------------- border chains
@dataclass(frozen=True, eq=False)
class BorderChain:
    """A polyline at a fixed inset from a neighbour, on the side flown, in the frame."""

    line: shapely.LineString  # the chain, from one end to the other [m]
    origin: float  # arc length where routes join it (Odesa end, Russian end) [m]
    inset: float  # distance kept from the skimmed neighbour and every forbidden country [m]
    neighbours: tuple[str, ...]  # the countries skimmed

    @cached_property
    def xy(self) -> FloatArray:
        return shapely.get_coordinates(self.line)

    @cached_property
    def arc(self) -> FloatArray:
        return _arc(self.xy)

    @property
    def length(self) -> float:
        return float(self.line.length)

    def at(self, a: float | FloatArray) -> FloatArray:
        """Point(s) at arc length a (clipped)."""
        return point_at(self.xy, a)

    def nearest_arc(self, p: FloatArray) -> float:
        """Arc length of the chain point nearest to p (2,) [m]."""
        return _project(self.xy, self.arc, np.asarray(p, float))[0]

    def section(self, a0: float, a1: float) -> FloatArray:
        """Turn points following the chain from arc a0 to a1 (either way)."""
        a0, a1 = (float(np.clip(v, 0.0, self.length)) for v in (a0, a1))
        if abs(a1 - a0) < 1.0:
            return self.at(a0)[None]
        lo, hi = min(a0, a1), max(a0, a1)
        arc = self.arc
        inner = (arc > lo) & (arc < hi)
        c = np.concatenate([point_at(self.xy, lo)[None], self.xy[inner],
                            point_at(self.xy, hi)[None]])
        return c[::-1] if a1 < a0 else c


@lru_cache(maxsize=16)
def border_chain(which: str, inset: float = BORDER_INSETS_M[0]) -> BorderChain:
    """The chain of routing family ``"south"``, ``"north"`` or ``"belarus"`` at `inset` [m]."""
    from skyshield.model.library import library

    skim, side, start = _CHAINS[which]
    line = _disk_geometry("routes_chain", (which, float(inset), QUAD_SEGS, SIMPLIFY),
                          lambda: _chain_line(which, inset))
    if start == "east":
        origin = 0.0
    else:
        p = library().place(start)
        origin = float(line.project(shapely.Point(THEATRE.to_xy(p.lat, p.lon))))
    return BorderChain(line, origin, inset, skim)


def _chain_line(which: str, inset: float) -> shapely.LineString:
    """The line of `border_chain(which, inset)`, oriented from its origin end."""
    skim, side, start = _CHAINS[which]
    b = gb.borders()
    side_g = b.frame_geometry(side)
    grown = shapely.buffer(forbidden_geometry(frozenset(skim)), inset, quad_segs=QUAD_SEGS)
    chain = shapely.intersection(shapely.boundary(grown), side_g)
    others = (DEFAULT_FORBIDDEN | {"UKR"}) - set(skim) - {side}
    if others:
        chain = shapely.difference(chain, _grown(frozenset(others), inset))
    parts = shapely.get_parts(shapely.line_merge(chain))
    line = max(parts, key=lambda g: g.length)
    line = shapely.simplify(line, SIMPLIFY * inset)  # within a quarter inset of the chain
    c = shapely.get_coordinates(line)
    if start == "east" and c[0, 0] <= c[-1, 0]:
        line = shapely.LineString(c[::-1])
    return line


# --------------------------------------------------------------------- route options
def add_doglegs(pts: FloatArray, rng: np.random.Generator, count: tuple[int, int],
                offset_m: tuple[float, float]) -> FloatArray:
    """Insert count[0]..count[1] doglegs on the first and last legs, shared in proportion to
    their lengths, alternating sides, each at most a quarter of its sub-leg sideways."""
    n = int(rng.integers(count[0], count[1] + 1))
    if n == 0:
        return pts
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
            ln = float(np.hypot(*d))
            u = d / max(ln, 1.0)
            perp = np.array([-u[1], u[0]])
            f = (np.arange(1, m + 1) + rng.uniform(-0.3, 0.3, m)) / (m + 1)
            off = rng.uniform(*offset_m, m)
            off = np.minimum(off, 0.25 * ln / (m + 1))
            for fj, oj in zip(f, off, strict=True):
                out.append(a + fj * d + sign * oj * perp)
                sign = -sign
        out.append(b)
    return np.array(out)


def loiter(pts: FloatArray, before_m: float, hold_m: float, leg_m: float) -> FloatArray:
    """Insert a hold of `hold_m` flown back and forth along the route's own track, `before_m`
    before its end: the hold covers only ground the route already flies."""
    total = length(pts)
    s = max(total - before_m, 0.0)
    leg = min(leg_m, s) if s > 0 else 0.0
    if hold_m <= 0 or leg <= 1.0:
        return pts
    a = _arc(pts)
    k = int(np.searchsorted(a, s, side="right"))
    here = point_at(pts, s)
    back = point_at(pts, s - leg)
    chord = float(np.hypot(*(back - here)))
    if chord <= 1.0:
        return pts
    n = int(hold_m // (2 * chord))
    rest = hold_m - n * 2 * chord
    part = here + (back - here) * (rest / 2 / chord)
    hold = [here, back] * n + ([here, part] if rest > 1.0 else [])
    return np.concatenate([pts[:k], np.array(hold + [here]).reshape(-1, 2), pts[k:]])


def graze(pts: FloatArray, chain: BorderChain, a_mid: float, depth_m: float,
          length_m: float) -> tuple[FloatArray, list[int]]:
    """Replace the stretch of route near chain arc `a_mid` by a cut `depth_m` into the
    neighbour; returns the route and the leg indices that enter it (to keep as they are)."""
    f = forbidden_geometry(frozenset(chain.neighbours))
    c = chain.at(a_mid)
    core = _grown(frozenset(chain.neighbours), -depth_m)  # points `depth_m` inside
    out_pt = shapely.get_coordinates(shapely.shortest_line(shapely.Point(c), core.boundary))[1]
    p_in = chain.at(a_mid - length_m / 2)
    p_out = chain.at(a_mid + length_m / 2)
    if not shapely.contains_xy(f, *out_pt):
        return pts, []
    # Splice: keep route points before the nearest to p_in and after the nearest to p_out.
    d_in = np.hypot(*(pts - p_in).T)
    d_out = np.hypot(*(pts - p_out).T)
    i, j = int(np.argmin(d_in)), int(np.argmin(d_out))
    if j <= i:
        i, j = j, i
        p_in, p_out = p_out, p_in
    new = np.concatenate([pts[: i + 1], np.array([p_in, out_pt, p_out]), pts[j:]])
    return new, [i + 1, i + 2]


def turn_back(pts: FloatArray, s_turn: float) -> FloatArray:
    """Fly the route to arc s_turn, then back along it to the launch point."""
    out = truncate(pts, s_turn)
    return np.concatenate([out, out[-2::-1]])


def drift_tail(start: FloatArray, heading: float, dist_m: float, rng: np.random.Generator,
               heading_sigma: float, drift_sigma_per_step: float) -> FloatArray:
    """A drifting flight from `start` [m] (heading [rad] from +x, counter-clockwise) for
    `dist_m`: legs of `DRIFT_STEP_M` whose heading takes a random walk; start excluded."""
    n = max(int(np.ceil(dist_m / DRIFT_STEP_M)), 1)
    h = heading + rng.normal(0.0, heading_sigma) + np.cumsum(
        rng.normal(0.0, drift_sigma_per_step, n))
    step = np.full(n, dist_m / n)
    d = np.stack([np.cos(h) * step, np.sin(h) * step], axis=-1)
    return start + np.cumsum(d, axis=0)
