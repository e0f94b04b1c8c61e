"""Every visit of every threat to every theatre country, exact, from the flown paths.

Threat routes are piecewise linear in the theatre frame and a threat moves along each leg
linearly in geodesic distance (`world.threats`), so the path flown up to the end of a run is
known exactly after the fact: the route cut at the distance flown. Each leg is intersected
with each country's frame polygon (shapely 2, vectorised, candidates from an STRtree), so a
visit is found however short it is (a 30-second graze between two bookkeeping ticks too);
pieces that continue from one leg into the next are joined into one visit. The time of a
point is the launch time plus its geodesic distance along the route over the speed.

`max_depth_km` is the deepest point of the visit from that country's border (coastline
included), found by branch and bound on the distance function (1-Lipschitz along a line):
within `DEPTH_TOL_M` of the true maximum.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from skyshield.geo import borders as gb
from skyshield.geo.frame import THEATRE
from skyshield.units import KM, MINUTE

__all__ = ["COLUMNS", "DEPTH_TOL_M", "THEATRE_COUNTRIES", "airspace_metrics",
           "crossings", "flown_paths"]

FloatArray = NDArray[np.float64]

THEATRE_COUNTRIES = ("POL", "SVK", "HUN", "ROU", "MDA", "BLR", "RUS")  # all but Ukraine
DEPTH_TOL_M = 250.0  # max_depth_km is within this of the deepest point of the visit [m]
COLUMNS = ("threat", "country", "t_entry", "t_exit", "duration_s", "max_depth_km",
           "entry_lat", "entry_lon", "exit_lat", "exit_lon", "entered", "exited")


def flown_paths(wp: FloatArray, n_wp: NDArray[np.int64], cum: FloatArray, s_flown: FloatArray
                ) -> tuple[FloatArray, FloatArray, NDArray[np.int64], NDArray[np.int64],
                           FloatArray, FloatArray]:
    """The legs flown by each threat up to geodesic distance `s_flown` [m].

    Returns per flown leg: start (L,2) and end (L,2) frame points [m], the threat, the leg
    index, and the geodesic distances at its start and end [m]. Vectorised over threats."""
    n, k = cum.shape
    if n == 0 or k < 2:
        z = np.zeros((0, 2))
        return z, z, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    c0, c1 = cum[:, :-1], cum[:, 1:]
    legs = np.arange(k - 1)[None, :]
    valid = (legs < (n_wp[:, None] - 1)) & (c0 < s_flown[:, None]) & (c1 > c0)
    i, j = np.nonzero(valid)
    a = wp[i, j, :2]
    b = wp[i, j + 1, :2]
    s0, s1 = cum[i, j], cum[i, j + 1]
    s_end = np.minimum(s1, s_flown[i])
    u = (s_end - s0) / (s1 - s0)
    b = a + u[:, None] * (b - a)
    return a, b, i.astype(np.int64), j.astype(np.int64), s0, s_end


def crossings(wp: FloatArray, n_wp: NDArray[np.int64], cum: FloatArray, t_launch: FloatArray,
              speed: FloatArray, s_flown: FloatArray,
              countries: Iterable[str] = THEATRE_COUNTRIES) -> pd.DataFrame:
    """One row per threat and visit of a country (columns `COLUMNS`), sorted by threat, time.

    ``wp, n_wp, cum`` are the `Threats` route arrays, ``s_flown`` the geodesic distance each
    threat flew by the end of the run (0 for threats never launched). ``entered`` is False
    for a visit that starts at the launch point, ``exited`` False for one that ends where
    the flight ended (fell, was destroyed, hit its target or was still flying)."""
    a, b, thr, _, s0, s1 = flown_paths(wp, n_wp, cum, np.asarray(s_flown, float))
    if a.shape[0] == 0:
        return _empty()
    segs = shapely.linestrings(np.stack([a, b], axis=1))
    rows: list[pd.DataFrame] = []
    brd = gb.borders()
    for iso in countries:
        seg, lo, hi = _inside_intervals(brd, iso, a, b, segs)
        if seg.size:
            rows.append(_visits(iso, seg, lo, hi, a, b, thr, s0, s1, t_launch, speed))
    if not rows:
        return _empty()
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["threat", "t_entry", "country"], kind="stable",
                           ignore_index=True)


def _inside_intervals(brd: gb.Borders, iso: str, a: FloatArray, b: FloatArray,
                      segs: NDArray) -> tuple[NDArray[np.int64], FloatArray, FloatArray]:
    """Per segment a->b, the fraction intervals [lo, hi] inside country iso, sorted by
    segment then lo. Exact: the candidate fractions are the segment's intersections with the
    boundary edges (an STRtree of edges), the state between two is tested at the midpoint."""
    poly = brd.frame_geometry(iso)
    e = brd._edges((iso,))
    si, ej = e.tree.query(segs, predicate="intersects")
    n = a.shape[0]
    has = np.zeros(n, bool)
    has[si] = True
    # Segments that meet no edge are wholly inside or wholly outside: test their start.
    plain = np.flatnonzero(~has)
    inside = plain[shapely.contains_xy(poly, a[plain, 0], a[plain, 1])]
    seg_l = [inside]
    lo_l, hi_l = [np.zeros(inside.size)], [np.ones(inside.size)]
    if si.size:
        t_c, s_c = gb._crossing_params(a[si], b[si], e.a[ej], e.b[ej], si)
        hit = np.unique(si)
        s_all = np.concatenate([s_c, hit, hit])
        t_all = np.concatenate([t_c, np.zeros(hit.size), np.ones(hit.size)])
        order = np.lexsort((t_all, s_all))
        s_all, t_all = s_all[order], t_all[order]
        nxt = np.flatnonzero((s_all[1:] == s_all[:-1]) & (t_all[1:] > t_all[:-1]))
        s_iv, ta, tb = s_all[nxt], t_all[nxt], t_all[nxt + 1]
        mid = a[s_iv] + 0.5 * (ta + tb)[:, None] * (b[s_iv] - a[s_iv])
        ok = shapely.contains_xy(poly, mid[:, 0], mid[:, 1])
        s_iv, ta, tb = s_iv[ok], ta[ok], tb[ok]
        # join touching intervals of one segment (a candidate inside a piece)
        cont = np.r_[False, (s_iv[1:] == s_iv[:-1]) & (ta[1:] <= tb[:-1] + 1e-12)]
        start = np.flatnonzero(~cont)
        end = np.r_[start[1:], s_iv.size] - 1
        seg_l.append(s_iv[start])
        lo_l.append(ta[start])
        hi_l.append(tb[end])
    seg = np.concatenate(seg_l).astype(np.int64)
    lo, hi = np.concatenate(lo_l), np.concatenate(hi_l)
    order = np.lexsort((lo, seg))
    return seg[order], lo[order], hi[order]


def _visits(iso: str, seg: NDArray[np.int64], lo: FloatArray, hi: FloatArray, a: FloatArray,
            b: FloatArray, thr: NDArray[np.int64], s0: FloatArray, s1: FloatArray,
            t_launch: FloatArray, speed: FloatArray) -> pd.DataFrame:
    """Join the pieces (segment, [lo, hi]) of one country into visits and describe them."""
    # A piece continues the previous one if it starts where that ended: the same threat,
    # the next leg (or the same leg), touching at the shared point.
    prev_end = np.r_[-1.0, hi[:-1]]
    prev_seg = np.r_[-1, seg[:-1]]
    same_thr = np.r_[False, thr[seg[1:]] == thr[seg[:-1]]]
    cont = same_thr & (((prev_seg == seg - 1) & (prev_end >= 1 - 1e-9) & (lo <= 1e-9))
                       | ((prev_seg == seg) & (np.abs(prev_end - lo) <= 1e-9)))
    visit = np.cumsum(~cont) - 1
    nv = int(visit[-1]) + 1
    start = np.flatnonzero(~cont)
    end = np.r_[start[1:], seg.size] - 1
    sa, sb = seg[start], seg[end]
    ua, ub = lo[start], hi[end]
    p_in = a[sa] + ua[:, None] * (b[sa] - a[sa])
    p_out = a[sb] + ub[:, None] * (b[sb] - a[sb])
    g_in = s0[sa] + ua * (s1[sa] - s0[sa])
    g_out = s0[sb] + ub * (s1[sb] - s0[sb])
    who = thr[sa]
    t_in = t_launch[who] + g_in / speed[who]
    t_out = t_launch[who] + g_out / speed[who]
    # entered: not at the very start of the flight; exited: not at its very end.
    first_leg = np.r_[True, thr[1:] != thr[:-1]]
    last_leg = np.r_[thr[1:] != thr[:-1], True]
    entered = ~(first_leg[sa] & (ua <= 1e-9))
    exited = ~(last_leg[sb] & (ub >= 1 - 1e-9))
    depth = _max_depth(iso, seg, lo, hi, a, b, visit, nv)
    lat_in, lon_in = THEATRE.from_xy(p_in)
    lat_out, lon_out = THEATRE.from_xy(p_out)
    return pd.DataFrame({
        "threat": who.astype(np.int64), "country": iso, "t_entry": t_in, "t_exit": t_out,
        "duration_s": t_out - t_in, "max_depth_km": depth / KM,
        "entry_lat": lat_in, "entry_lon": lon_in, "exit_lat": lat_out, "exit_lon": lon_out,
        "entered": entered, "exited": exited,
    })


def _max_depth(iso: str, seg: NDArray[np.int64], lo: FloatArray, hi: FloatArray,
               a: FloatArray, b: FloatArray, visit: NDArray[np.int64], nv: int) -> FloatArray:
    """Deepest ground distance [m] from the border per visit, by branch and bound."""
    edges = gb.borders()._edges((iso,))
    pa = a[seg] + lo[:, None] * (b[seg] - a[seg])
    pb = a[seg] + hi[:, None] * (b[seg] - a[seg])
    v = visit.copy()

    def dist(p: FloatArray) -> FloatArray:
        _, d = edges.tree.query_nearest(shapely.points(p), return_distance=True,
                                        all_matches=False)
        lat, _ = THEATRE.from_xy(p)
        return d / THEATRE.scale(lat)  # frame metres -> ground metres

    da, db = dist(pa), dist(pb)
    best = np.zeros(nv)
    np.maximum.at(best, v, np.maximum(da, db))
    for _ in range(60):
        ln = np.hypot(*(pb - pa).T) / THEATRE.scale(THEATRE.from_xy(0.5 * (pa + pb))[0])
        ub = 0.5 * (da + db + ln)
        open_ = ub > best[v] + DEPTH_TOL_M
        if not open_.any():
            break
        pa, pb, da, db, v = pa[open_], pb[open_], da[open_], db[open_], v[open_]
        pm = 0.5 * (pa + pb)
        dm = dist(pm)
        np.maximum.at(best, v, dm)
        pa, pb = np.concatenate([pa, pm]), np.concatenate([pm, pb])
        da, db = np.concatenate([da, dm]), np.concatenate([dm, db])
        v = np.concatenate([v, v])
    return best


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(COLUMNS, (
        "int64", "object", "float64", "float64", "float64", "float64", "float64", "float64",
        "float64", "float64", "bool", "bool"), strict=True)})


def airspace_metrics(table: pd.DataFrame, countries: Iterable[str] = THEATRE_COUNTRIES
                     ) -> dict[str, Any]:
    """Per country: threats that entered (a visit that began with a crossing, not at the
    launch point), minutes inside on those visits, the longest stay, the maximum depth, and
    how many of those threats ended their flight inside (fell, were shot down, hit)."""
    out: dict[str, Any] = {}
    inc = table[table["entered"]] if len(table) else table
    for iso in countries:
        g = inc[inc["country"] == iso] if len(inc) else inc
        out[iso] = {
            "threats_entered": int(g["threat"].nunique()) if len(g) else 0,
            "visits": len(g),
            "minutes": round(float(g["duration_s"].sum()) / MINUTE, 2) if len(g) else 0.0,
            "longest_min": round(float(g["duration_s"].max()) / MINUTE, 2) if len(g) else 0.0,
            "max_depth_km": round(float(g["max_depth_km"].max()), 1) if len(g) else 0.0,
            "ended_inside": int((~g["exited"]).sum()) if len(g) else 0,
        }
    return out
