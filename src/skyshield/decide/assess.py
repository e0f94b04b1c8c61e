"""Threat assessment: where each track is going, whether it will enter NATO airspace, and
what it is worth engaging. One call assesses every track at once (struct of arrays).

For every track (filter state ``x (N,6)`` and covariance ``P (N,6,6)``, theatre frame) the
prediction is constant velocity over a horizon ``H``:

- **mean path**: the segment ``p -> p + v H``; the first country it enters (other than the
  one it is in) and when, and the time to enter each NATO neighbour (POL, SVK, HUN, ROU).
- **probability of entering NATO airspace** within ``H`` (or any ``T <= H``, per country,
  through `Assessment.p_entry`), from the covariance. *Sampled, not analytic*: K fixed
  points ``z_k`` of a 4-D standard normal (scrambled Sobol, fixed seed: the same for every
  run and every track, so the assessment is deterministic and draws nothing from the run's
  generator) are mapped through the Cholesky factor of the horizontal block of ``P``
  (``px, py, vx, vy``) to K possible states; each flies its own straight segment, tested
  exactly against the border polygons for its first entry. The entry *time* of a sample is
  its entry fraction times ``H`` (exact for constant velocity), so one pass answers every
  window ``T <= H``. Why not analytic: a Gaussian cross-track approximation treats the border
  as a straight line, and the borders that matter here are not (the Bug river, the corner
  of Romania and Moldova, the Danube delta), and a path may clip a country and leave it;
  samples handle every shape with the same exact code the tests check against brute force.
  Cost is kept down by testing each track's K segments only against the border edges inside
  the box that holds all of them (one STRtree query per track, not per sample) with the
  crossing arithmetic in numpy, and by simplifying the borders by `SIMPLIFY_M` (far below
  the spread of the samples). With K = 32 quasi-random points the estimate is within about
  0.05 of a brute-force Monte-Carlo estimate (tests: 0.08, see `tests/decide/test_assess`).
- **places it may be heading for**: library places of kind city / critical_site with a value,
  inside a cone ahead of it (half-angle `CONE_DEG` widened by the heading uncertainty),
  ranked by value x alignment / (1 + distance / `PLACE_D0_M`).
- **value**: class value x (1 + value of the place it most likely threatens / 100)
  x (1 + `NATO_WEIGHT` p_nato) x urgency, urgency = 1 + exp(-t / `URGENCY_S`) for the
  sooner of reaching that place and entering NATO airspace.

Perfect-picture tracks carry a nominal covariance (`PictureOptions`), so both pictures are
assessed the same way; a singular or missing covariance is floored (`P_FLOOR_*`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from skyshield.diskcache import cached
from skyshield.doctrine import HORIZON_S
from skyshield.geo.borders import NATO_ORDER, borders, wkb_dump, wkb_load
from skyshield.geo.frame import THEATRE
from skyshield.model.library import ThreatClass, library

if TYPE_CHECKING:  # pragma: no cover
    from skyshield.picture.tracks import Tracks

__all__ = [
    "CLASS_VALUE",
    "NATO_ORDER",
    "WATCHED",
    "Assessment",
    "assess",
    "rank_threats",
    "assess_tracks",
    "threat_value",
]

#: Notional value of engaging one track of each class, by ThreatClass code.
CLASS_VALUE = np.array(
    [
        {
            ThreatClass.drone: 3.0,
            ThreatClass.decoy: 1.0,
            ThreatClass.cruise_missile: 10.0,
            ThreatClass.ballistic: 0.0,
            ThreatClass.aircraft: 0.0,
            ThreatClass.unknown: 2.0,
        }[c]
        for c in ThreatClass
    ]
)

WATCHED = (*NATO_ORDER, "MDA")  # countries with sampled entry times (coalition airspace)
N_SAMPLES = 32  # K: sampled states per track (a power of two for the Sobol set) [-]
SIMPLIFY_M = 100.0  # border simplification for the crossing tests (frame) [m]
P_FLOOR_POS = 1.0  # added to position variances before factorising [m^2]
P_FLOOR_VEL = 0.01  # added to velocity variances [m^2/s^2]
MIN_SPEED = 1.0  # below this a track has no heading [m/s]
CONE_DEG = 15.0  # half-angle of the cone ahead searched for places [deg]
CONE_MAX_DEG = 45.0  # widest cone, whatever the heading uncertainty [deg]
PLACE_MAX_M = 1500e3  # places farther than this are not "ahead" [m]
PLACE_D0_M = 300e3  # distance scale of the place ranking [m]
NATO_WEIGHT = 2.0  # extra value per unit probability of entering NATO airspace [-]
URGENCY_S = 900.0  # time scale of the urgency factor [s]
_SOBOL_SEED = 20251120


def threat_value(cls: np.ndarray) -> np.ndarray:
    """Value of engaging each track, from its class alone (the engine's baseline)."""
    return CLASS_VALUE[cls]


# --------------------------------------------------------------------------- borders
@dataclass(frozen=True)
class _EdgeSet:
    """Border edges of some countries in the frame, oriented so that each country's inside is
    on the left of every edge (exterior rings CCW, holes CW), with an STRtree."""

    codes: tuple[str, ...]
    a: np.ndarray  # (E,2) edge start [m]
    d: np.ndarray  # (E,2) edge vector b - a [m]
    ad: np.ndarray  # (E,) cross(a, d) [m^2]
    country: np.ndarray  # (E,) index into codes
    tree: shapely.STRtree
    polygons: tuple[shapely.Geometry, ...]  # simplified frame polygons, prepared

    def crossings(self, p0: np.ndarray, p1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First entry fraction and crossing count of segments ``p0 -> p1`` per country.

        ``p0, p1`` are (G,K,2): G groups of K segments each (a track's samples). Candidate
        edges are found once per group: those whose box meets the box of its K segments
        (STRtree), kept if they meet the group's rectangle aligned with its mean direction
        (numpy); every segment of the group is then tested exactly against them. Returns
        ``frac (G,K,C)`` (inf where no entry) and ``count (G,K,C)`` (boundary crossings).
        """
        G, K, _ = p0.shape
        C = len(self.codes)
        frac = np.full(G * K * C, np.inf)
        count = np.zeros(G * K * C, np.int64)
        if G == 0:
            return frac.reshape(G, K, C), count.reshape(G, K, C)
        lo = np.minimum(p0.min(axis=1), p1.min(axis=1))
        hi = np.maximum(p0.max(axis=1), p1.max(axis=1))
        gi, ej = self.tree.query(shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]))
        if gi.size and K > 1:
            gi, ej = self._in_fan(p0, p1, gi, ej)
        if gi.size == 0:
            return frac.reshape(G, K, C), count.reshape(G, K, C)
        q0 = p0[gi]  # (Q,K,2)
        r = p1[gi] - q0
        dx, dy = self.d[ej, 0][:, None], self.d[ej, 1][:, None]
        den = r[..., 0] * dy - r[..., 1] * dx  # cross(r, d)
        # q = a - p0: cross(q, d) = cross(a, d) - cross(p0, d); cross(q, r) likewise
        qd = self.ad[ej][:, None] - (q0[..., 0] * dy - q0[..., 1] * dx)
        qx = self.a[ej, 0][:, None] - q0[..., 0]
        qy = self.a[ej, 1][:, None] - q0[..., 1]
        qr = qx * r[..., 1] - qy * r[..., 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            t = qd / den
            u = qr / den
        hit = (den != 0) & (t >= 0) & (t <= 1) & (u >= 0) & (u < 1)
        qi, k = np.nonzero(hit)
        idx = (gi[qi] * K + k) * C + self.country[ej[qi]]
        np.add.at(count, idx, 1)
        enter = den[qi, k] < 0  # the segment passes from the right of the edge to its left
        np.minimum.at(frac, idx[enter], t[qi, k][enter])
        return frac.reshape(G, K, C), count.reshape(G, K, C)

    @staticmethod
    def _axes(p0: np.ndarray, p1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per group: origin (G,2) and unit along-direction (G,2) of its mean segment."""
        o = p0.mean(axis=1)
        u = (p1 - p0).mean(axis=1)
        n = np.hypot(u[:, 0], u[:, 1])
        u = np.where(n[:, None] > 0, u / np.where(n > 0, n, 1.0)[:, None], [1.0, 0.0])
        return o, u

    def _in_fan(self, p0: np.ndarray, p1: np.ndarray, gi: np.ndarray, ej: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """Keep the (group, edge) pairs whose edge is not wholly on one side of the group's
        rectangle aligned with its mean direction (separating-axis test on its two axes)."""
        grp, inv = np.unique(gi, return_inverse=True)  # only groups with candidates
        o, u = self._axes(p0[grp], p1[grp])
        nrm = np.stack([-u[:, 1], u[:, 0]], axis=1)
        pts = np.concatenate([p0[grp], p1[grp]], axis=1) - o[:, None, :]  # (G',2K,2)
        s = np.einsum("gki,gi->gk", pts, u)
        c = np.einsum("gki,gi->gk", pts, nrm)
        smin, smax, cmin, cmax = s.min(1)[inv], s.max(1)[inv], c.min(1)[inv], c.max(1)[inv]
        ea = self.a[ej] - o[inv]
        eb = ea + self.d[ej]
        ug, ng = u[inv], nrm[inv]
        sa, sb = (ea * ug).sum(1), (eb * ug).sum(1)
        ca, cb = (ea * ng).sum(1), (eb * ng).sum(1)
        keep = ~((np.maximum(sa, sb) < smin) | (np.minimum(sa, sb) > smax)
                 | (np.maximum(ca, cb) < cmin) | (np.minimum(ca, cb) > cmax))
        return gi[keep], ej[keep]

    def inside(self, xy: np.ndarray) -> np.ndarray:
        """(M,C) whether each frame point is inside each (simplified) country."""
        return np.stack([shapely.contains_xy(g, xy[:, 0], xy[:, 1]) for g in self.polygons],
                        axis=-1)


@lru_cache(maxsize=4)
def _edge_set(codes: tuple[str, ...], tol_m: float = SIMPLIFY_M) -> _EdgeSet:
    """Simplified, oriented frame edges of `codes` (built once per process)."""
    b = borders()

    def simplified() -> list[shapely.Geometry]:
        return [shapely.orient_polygons(shapely.simplify(b.frame_geometry(iso), tol_m))
                for iso in codes]

    # simplifying the 1:10m polygons costs 0.1-0.2 s a process: kept in the on-disk cache
    geoms = (simplified() if b.disk_key is None else
             cached("assess_edges", repr((b.disk_key, codes, float(tol_m))), simplified,
                    wkb_dump, wkb_load))
    A, D, Cn, polys = [], [], [], []
    for i, g in enumerate(geoms):
        shapely.prepare(g)
        polys.append(g)
        for ring in shapely.get_rings(shapely.get_parts(g)):
            xy = shapely.get_coordinates(ring)
            A.append(xy[:-1])
            D.append(xy[1:] - xy[:-1])
            Cn.append(np.full(len(xy) - 1, i))
    a, d = np.concatenate(A), np.concatenate(D)
    tree = shapely.STRtree(shapely.linestrings(np.stack([a, a + d], axis=1)))
    ad = a[:, 0] * d[:, 1] - a[:, 1] * d[:, 0]
    return _EdgeSet(codes, a, d, ad, np.concatenate(Cn), tree, tuple(polys))


@lru_cache(maxsize=4)
def _unit_samples(k: int) -> np.ndarray:
    """K fixed points of a 4-D standard normal (scrambled Sobol, fixed seed), (K,4).

    Kept in the on-disk set-up cache: the same points every time, and scipy.stats costs
    about half a second to import.
    """
    import io

    from skyshield.diskcache import cached

    def compute() -> np.ndarray:
        from scipy.stats import norm, qmc

        u = qmc.Sobol(d=4, scramble=True, seed=_SOBOL_SEED).random(k)
        return norm.ppf(np.clip(u, 1e-9, 1 - 1e-9))

    def dump(a: np.ndarray) -> bytes:
        buf = io.BytesIO()
        np.save(buf, a, allow_pickle=False)
        return buf.getvalue()

    return cached("unit_samples", repr((k, _SOBOL_SEED)), compute, dump,
                  lambda b: np.load(io.BytesIO(b), allow_pickle=False))


@dataclass(frozen=True)
class _Places:
    """Library places that can be targets: cities and critical sites with a value."""

    name: np.ndarray  # (M,) str
    kind: np.ndarray  # (M,) str
    country: np.ndarray  # (M,) ISO3
    xy: np.ndarray  # (M,2) frame [m]
    value: np.ndarray  # (M,) notional value [-]


@lru_cache(maxsize=1)
def _places() -> _Places:
    recs = [p for p in library().places if p.kind in ("city", "critical_site") and p.value > 0]
    lat = np.array([p.lat for p in recs])
    lon = np.array([p.lon for p in recs])
    return _Places(
        np.array([p.name for p in recs], dtype=object),
        np.array([p.kind for p in recs], dtype=object),
        np.array([p.country for p in recs], dtype=object),
        THEATRE.to_xy(lat, lon),
        np.array([p.value for p in recs], float),
    )


# ------------------------------------------------------------------------ assessment
@dataclass(frozen=True)
class Assessment:
    """The assessment of N tracks at time `t` (struct of arrays; row i is track row i).

    Times are seconds from `t`; ``inf`` means "not within the horizon". Countries are ISO3
    codes (``""``: none / outside every polygon).
    """

    t: float  # time of the assessment [s]
    horizon_s: float  # prediction horizon [s]
    number: np.ndarray  # (N,) track numbers (-1 if not given)
    cls: np.ndarray  # (N,) ThreatClass code
    lat: np.ndarray  # (N,) [deg]
    lon: np.ndarray  # (N,) [deg]
    alt: np.ndarray  # (N,) [m]
    speed: np.ndarray  # (N,) ground speed [m/s]
    heading_deg: np.ndarray  # (N,) course over ground, clockwise from frame north [deg]
    country: np.ndarray  # (N,) country the track is in now
    next_country: np.ndarray  # (N,) next country the mean path enters within the horizon
    t_next_country: np.ndarray  # (N,) when [s]
    t_to_border: np.ndarray  # (N,4) mean-path entry time into POL, SVK, HUN, ROU [s] (0 inside)
    p_nato: np.ndarray  # (N,) probability of being in NATO airspace within the horizon [-]
    heading_places: np.ndarray  # (N,3) names of the likeliest places ahead ("" none)
    place_value: np.ndarray  # (N,) value of the first of them (0 none) [-]
    t_to_place: np.ndarray  # (N,) time to reach it at the current speed [s]
    value: np.ndarray  # (N,) threat value (what engaging it is worth) [-]
    t_entry: np.ndarray = field(repr=False)  # (N,K,5) sampled entry times into WATCHED [s]

    def __len__(self) -> int:
        return int(self.number.shape[0])

    def p_entry(self, within_s: float, countries: Sequence[str] = NATO_ORDER) -> np.ndarray:
        """(N,) probability of being inside any of `countries` (from `WATCHED`) at some time
        within `within_s` (clipped to the horizon); being inside now counts."""
        cols = [WATCHED.index(c) for c in countries if c in WATCHED]
        if not cols or len(self) == 0:
            return np.zeros(len(self))
        first = self.t_entry[:, :, cols].min(axis=2)
        return (first <= min(within_s, self.horizon_s)).mean(axis=1)

    def select(self, rows: np.ndarray) -> Assessment:
        """The assessment of some rows only (a mask or an index array), e.g. the free tracks."""
        from dataclasses import fields, replace

        n = len(self)
        kw = {f.name: getattr(self, f.name)[rows] for f in fields(self)
              if isinstance(getattr(self, f.name), np.ndarray)
              and getattr(self, f.name).shape[:1] == (n,)}
        return replace(self, **kw)

    def rows_of(self, numbers: np.ndarray) -> np.ndarray:
        """Row of each track number in this assessment (-1 if absent)."""
        numbers = np.asarray(numbers, np.int64)
        order = np.argsort(self.number, kind="stable")
        srt = self.number[order]
        pos = np.minimum(np.searchsorted(srt, numbers), max(len(srt) - 1, 0))
        found = (srt[pos] == numbers) if len(srt) else np.zeros(numbers.shape, bool)
        return np.where(found, order[pos] if len(srt) else -1, -1)

    @cached_property
    def reasons(self) -> list[list[str]]:
        """Short, readable reasons for each track's value (built on first use)."""
        out = []
        for i in range(len(self)):
            cls = list(ThreatClass)[int(self.cls[i])].value.replace("_", " ")
            r = [f"{cls}, {self.speed[i] * 3.6:.0f} km/h heading {self.heading_deg[i]:03.0f}"]
            if self.heading_places[i, 0]:
                more = [str(n) for n in self.heading_places[i, 1:] if n]
                also = f"; also ahead: {', '.join(more)}" if more else ""
                r.append(f"heading for {self.heading_places[i, 0]} (value "
                         f"{self.place_value[i]:g}) in {_mins(self.t_to_place[i])}{also}")
            if self.country[i] in NATO_ORDER:
                r.append(f"inside {self.country[i]} airspace")
            elif self.next_country[i]:
                r.append(f"enters {self.next_country[i]} in {_mins(self.t_next_country[i])}")
            if self.p_nato[i] > 0:
                r.append(f"p(NATO airspace within {self.horizon_s / 60:.0f} min) = "
                         f"{self.p_nato[i]:.2f}")
            out.append(r)
        return out


def _mins(s: float) -> str:
    return f"{s / 60:.1f} min" if np.isfinite(s) else "-"


def assess(
    tracks_x: np.ndarray,
    tracks_P: np.ndarray | None,
    tracks_cls: np.ndarray,
    t: float,
    horizon_s: float = HORIZON_S,
    numbers: np.ndarray | None = None,
    n_samples: int = N_SAMPLES,
    nominal_sigma: tuple[float, float] = (200.0, 10.0),
) -> Assessment:
    """Assess every track at once (see the module docstring).

    ``tracks_x (N,6)`` and ``tracks_P (N,6,6)`` are in the theatre frame [m, m/s];
    ``tracks_cls (N,)`` ThreatClass codes; ``t`` the time they are valid at [s]. A missing
    ``tracks_P`` gets the nominal (position, velocity) sigmas ``nominal_sigma`` [m, m/s].
    """
    x = np.asarray(tracks_x, float).reshape(-1, 6)
    N, H, K = len(x), float(horizon_s), int(n_samples)
    cls = np.asarray(tracks_cls, np.int64).reshape(N)
    if tracks_P is None:
        sp, sv = nominal_sigma
        P = np.broadcast_to(np.diag([sp**2] * 3 + [sv**2] * 3), (N, 6, 6))
    else:
        P = np.asarray(tracks_P, float).reshape(N, 6, 6)
    num = np.full(N, -1, np.int64) if numbers is None else np.asarray(numbers, np.int64)
    lat, lon, alt = THEATRE.to_lla(x[:, :3])
    p, v = x[:, :2], x[:, 3:5]
    speed = np.hypot(v[:, 0], v[:, 1])
    heading = np.degrees(np.arctan2(v[:, 0], v[:, 1])) % 360.0
    country = borders().country_of(lat, lon)

    # ---- mean path: next country and time to each NATO border
    allc = _edge_set(borders().codes)
    frac, _ = allc.crossings(p[:, None], (p + v * H)[:, None])
    frac = frac[:, 0]  # (N,C)
    frac[np.asarray(allc.codes)[None, :] == country[:, None]] = np.inf  # not an entry
    j = np.argmin(frac, axis=1) if N else np.zeros(0, np.int64)
    f = frac[np.arange(N), j]
    next_country = np.where(np.isfinite(f), np.asarray(allc.codes)[j], "").astype("<U3")
    t_next = f * H
    t_border = np.stack([frac[:, allc.codes.index(c)] * H for c in NATO_ORDER], axis=1)
    t_border[country[:, None] == np.asarray(NATO_ORDER)[None, :]] = 0.0

    # ---- sampled entries into the watched countries
    t_entry = _sampled_entries(p, v, P, H, K)
    first = t_entry[:, :, :len(NATO_ORDER)].min(axis=2)
    p_nato = (first <= H).mean(axis=1) if N else np.zeros(0)

    # ---- places ahead
    sig_head = _heading_sigma(v, P, speed)
    names, pval, t_place = _places_ahead(p, v, speed, sig_head)

    # ---- value
    t_soon = np.minimum(t_place, np.where(p_nato > 0, t_border.min(axis=1), np.inf))
    urgency = 1.0 + np.exp(-np.where(np.isfinite(t_soon), t_soon, np.inf) / URGENCY_S)
    value = CLASS_VALUE[cls] * (1.0 + pval / 100.0) * (1.0 + NATO_WEIGHT * p_nato) * urgency
    return Assessment(
        t=float(t), horizon_s=H, number=num, cls=cls, lat=lat, lon=lon, alt=alt, speed=speed,
        heading_deg=heading, country=country, next_country=next_country, t_next_country=t_next,
        t_to_border=t_border, p_nato=p_nato, heading_places=names, place_value=pval,
        t_to_place=t_place, value=value, t_entry=t_entry,
    )


def assess_tracks(tracks: Tracks, t: float, horizon_s: float = HORIZON_S, **kw: Any
                  ) -> Assessment:
    """`assess` on a `Tracks` picture (track numbers carried along)."""
    return assess(tracks.x, tracks.P, tracks.cls, t, horizon_s, numbers=tracks.number, **kw)


def _sampled_entries(p: np.ndarray, v: np.ndarray, P: np.ndarray, H: float, K: int
                     ) -> np.ndarray:
    """(N,K,5) time of first being inside each WATCHED country per sampled state [s]:
    0 if the sample starts inside, inf if it does not get there within H."""
    N = len(p)
    C = len(WATCHED)
    if N == 0:
        return np.zeros((0, K, C))
    h = [0, 1, 3, 4]
    P4 = P[:, h][:, :, h] + np.diag([P_FLOOR_POS, P_FLOOR_POS, P_FLOOR_VEL, P_FLOOR_VEL])
    try:
        L = np.linalg.cholesky(P4)
    except np.linalg.LinAlgError:  # not positive definite: clip eigenvalues
        w, V = np.linalg.eigh(0.5 * (P4 + np.swapaxes(P4, 1, 2)))
        L = V * np.sqrt(np.maximum(w, 1e-9))[:, None, :]
    dz = np.einsum("nij,kj->nki", L, _unit_samples(K))  # (N,K,4)
    p0 = p[:, None, :] + dz[..., :2]
    p1 = p0 + (v[:, None, :] + dz[..., 2:]) * H
    es = _edge_set(WATCHED)
    frac, _ = es.crossings(p0, p1)
    # where each sample starts: the mean point's side, flipped by an odd number of crossings
    inside_mean = es.inside(p)  # (N,C)
    _, n_cross = es.crossings(np.broadcast_to(p[:, None, :], p0.shape), p0)
    start_in = inside_mean[:, None, :] ^ (n_cross % 2 == 1)
    return np.where(start_in, 0.0, frac * H)


def _heading_sigma(v: np.ndarray, P: np.ndarray, speed: np.ndarray) -> np.ndarray:
    """Standard deviation of the course [rad]: cross-track velocity sigma / speed."""
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.stack([-v[:, 1], v[:, 0]], axis=1) / speed[:, None]
        var = np.einsum("ni,nij,nj->n", n, P[:, 3:5, 3:5], n)
        s = np.sqrt(np.maximum(var, 0.0)) / speed
    return np.where(speed > MIN_SPEED, s, np.pi)


def _places_ahead(p: np.ndarray, v: np.ndarray, speed: np.ndarray, sig_head: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-3 place names ahead, the value of the first and the time to reach it."""
    N = len(p)
    pl = _places()
    names = np.full((N, 3), "", dtype=object)
    if N == 0 or len(pl.value) == 0:
        return names, np.zeros(N), np.full(N, np.inf)
    d = pl.xy[None, :, :] - p[:, None, :]  # (N,M,2)
    dist = np.hypot(d[..., 0], d[..., 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        cosang = np.einsum("nmi,ni->nm", d, v) / (dist * speed[:, None])
    ang = np.arccos(np.clip(np.nan_to_num(cosang, nan=-1.0), -1.0, 1.0))
    cone = np.minimum(np.radians(CONE_DEG) + 2.0 * sig_head, np.radians(CONE_MAX_DEG))
    ok = (ang <= cone[:, None]) & (dist <= PLACE_MAX_M) & (speed[:, None] > MIN_SPEED)
    align = np.exp(-0.5 * (ang / (0.5 * cone[:, None])) ** 2)
    score = np.where(ok, pl.value[None, :] * align / (1.0 + dist / PLACE_D0_M), 0.0)
    top = np.argsort(-score, axis=1, kind="stable")[:, :3]
    top_score = np.take_along_axis(score, top, axis=1)
    names = np.where(top_score > 0, pl.name[top], "")
    first = top[:, 0]
    has = top_score[:, 0] > 0
    pval = np.where(has, pl.value[first], 0.0)
    with np.errstate(divide="ignore"):
        t_place = np.where(has, dist[np.arange(N), first] / np.maximum(speed, 1e-9), np.inf)
    return names, pval, t_place


# ------------------------------------------------------------------------------ report
def rank_threats(tracks: Tracks, t: float, top: int = 10, horizon_s: float = HORIZON_S
                 ) -> list[dict[str, Any]]:
    """Rank the confirmed tracks of a picture by threat value, for a person to read.

    Returns up to `top` rows, most valuable first, each a dict with the track number, its
    class, position, speed and course, the country it is in and the next one it will enter
    (and when), the time to each NATO border, the probability of entering NATO airspace, the
    places it may be heading for, its value and the reasons, in units a person reads
    (km/h, degrees, minutes). `skyshield.sim.inspect.assess_at` runs a scenario to a time
    and calls this.
    """
    a = assess_tracks(tracks.confirmed_only(), t, horizon_s)
    order = np.argsort(-a.value, kind="stable")[:top]
    rows = []
    for rank, i in enumerate(order, 1):
        rows.append({
            "rank": rank,
            "track": int(a.number[i]),
            "class": list(ThreatClass)[int(a.cls[i])].value,
            "lat": round(float(a.lat[i]), 4),
            "lon": round(float(a.lon[i]), 4),
            "alt_m": round(float(a.alt[i])),
            "speed_kmh": round(float(a.speed[i]) * 3.6),
            "heading_deg": round(float(a.heading_deg[i])),
            "country": str(a.country[i]),
            "next_country": str(a.next_country[i]),
            "t_next_country_min": _round_min(a.t_next_country[i]),
            "t_to_border_min": {c: _round_min(a.t_to_border[i, k])
                                for k, c in enumerate(NATO_ORDER)},
            "p_nato": round(float(a.p_nato[i]), 2),
            "heading_for": [str(n) for n in a.heading_places[i] if n],
            "value": round(float(a.value[i]), 2),
            "reasons": a.reasons[i],
        })
    return rows


def _round_min(s: float) -> float | None:
    return round(float(s) / 60.0, 1) if np.isfinite(s) else None


class EntryCache:
    """Trigger probabilities per track number, reassessed at most every `period_s`.

    Only the tracks a `predicted_entry` rule is asked about are assessed (those already
    inside a nation's area), and a track's figures are reused for `period_s`: assessment is
    the costly part of a decision, and an entry probability changes slowly.
    """

    def __init__(self, horizon_s: float, period_s: float = 15.0) -> None:
        self.horizon_s = horizon_s
        self.period_s = period_s
        self.numbers = np.zeros(0, np.int64)  # assessed track numbers, sorted
        self.t = np.zeros(0)  # when each was assessed [s]
        self.within: dict[tuple[float, tuple[str, ...]], np.ndarray] = {}
        self.assessment: Assessment | None = None  # the latest batch (for display)

    def p_entry(self, tracks: Tracks, rows: np.ndarray, t: float, within_s: float,
                countries: Sequence[str]) -> np.ndarray:
        """P(inside any of `countries` within `within_s`) for track rows `rows` of `tracks`."""
        key = (float(within_s), tuple(countries))
        if key not in self.within:  # a new question: forget what was stored for the others
            self.numbers, self.t, self.within = np.zeros(0, np.int64), np.zeros(0), {}
        numbers = tracks.number[rows]
        fresh = np.zeros(len(rows), bool)
        if len(self.numbers):
            pos_c = np.minimum(np.searchsorted(self.numbers, numbers), len(self.numbers) - 1)
            fresh = (self.numbers[pos_c] == numbers) & (t - self.t[pos_c] < self.period_s)
        stale = rows[~fresh]
        if len(stale):
            a = assess_tracks(tracks.select(stale), t, self.horizon_s)
            self.assessment = a
            self._store(a.number, t, a, key)
        return self.within[key][np.searchsorted(self.numbers, numbers)]

    def _store(self, numbers: np.ndarray, t: float, a: Assessment,
               key: tuple[float, tuple[str, ...]]) -> None:
        keys = set(self.within) | {key}
        merged = np.union1d(self.numbers, numbers)
        new_t = np.zeros(len(merged))
        old = np.searchsorted(merged, self.numbers)
        new_t[old] = self.t
        new = np.searchsorted(merged, numbers)
        new_t[new] = t
        within = {}
        for k in keys:
            col = np.zeros(len(merged))
            if k in self.within:
                col[old] = self.within[k]
            col[new] = a.p_entry(k[0], k[1])
            within[k] = col
        self.numbers, self.t, self.within = merged, new_t, within
