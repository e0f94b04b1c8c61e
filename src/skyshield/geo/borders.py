"""Country borders of the theatre: exact, vectorised point lookup, distances and crossings.

The product reads only the shipped `skyshield/data/borders.geojson` (Natural Earth 1:10m,
German point of view, so Crimea is Ukraine; see `data/borders.SOURCE.md`). Polygons are WGS84
lon/lat; "inside" means `shapely.contains_xy` on them (a point on a border is in neither
country). Metric work (distances, segment crossings) runs in the theatre frame.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import shape

from skyshield.geo import geodesy
from skyshield.geo.frame import THEATRE, TheatreFrame

__all__ = [
    "NATO",
    "Borders",
    "Crossing",
    "borders",
    "country_of",
    "depth_inside",
    "distance_to_border",
    "first_crossing",
    "segment_entries",
]

FloatArray = NDArray[np.float64]
StrArray = NDArray[np.str_]

NATO_ORDER = ("POL", "SVK", "HUN", "ROU")  # the NATO neighbours, in display and column order
NATO = frozenset(NATO_ORDER)
CELL_DEG = 1.0 / 64.0  # lookup-grid cell [deg] (~1.7 km N-S); a power of two keeps floor() exact
DENSIFY_DEG = 0.005  # max lon/lat edge before projecting (frame chord vs lon/lat line < 1 mm) [deg]
_MIXED = 255  # grid code: the cell touches a border, decide exactly per point


@dataclass(frozen=True)
class Crossing:
    """Where and when a path first enters a country other than the one it started in."""

    t: float  # time of the crossing [s]
    lat: float  # [deg]
    lon: float  # [deg]
    from_iso3: str  # country at the start of the path ("" if outside all)
    to_iso3: str  # country entered


@dataclass(frozen=True)
class _Grid:
    """Precomputed lookup raster: country index + 1 per cell, or _MIXED with candidate bits."""

    lon0: float  # west edge of column 0 [deg]
    lat0: float  # south edge of row 0 [deg]
    code: NDArray[np.uint8]  # (ny, nx): 0 outside, i+1 country i, _MIXED near a border
    cand: NDArray[np.uint8]  # (ny, nx): bit i set if country i may contain part of the cell


@dataclass(frozen=True)
class _Edges:
    """A country's boundary in the frame as straight segments a -> b, with an STRtree."""

    a: FloatArray  # (M, 2) [m]
    b: FloatArray  # (M, 2) [m]
    tree: shapely.STRtree


class Borders:
    """Country polygons (lon/lat, keyed by ISO alpha-3) with fast exact lookups."""

    def __init__(
        self,
        geometry: dict[str, shapely.Geometry],
        names: dict[str, str],
        frame: TheatreFrame = THEATRE,
    ) -> None:
        """Store the polygons, names and metric frame; all derived state is built lazily."""
        self.geometry = geometry
        self.names = names
        self.frame = frame
        self.codes: tuple[str, ...] = tuple(geometry)
        self.disk_key: str | None = None  # set for the shipped borders: derived tables cached
        self.nato = NATO & set(self.codes)
        if len(self.codes) > 8:
            raise ValueError("at most 8 countries (candidate bitmask is uint8)")
        for g in geometry.values():
            shapely.prepare(g)

    @classmethod
    def from_geojson(cls, text: str, frame: TheatreFrame = THEATRE) -> Borders:
        """Parse a FeatureCollection whose feature ids are ISO alpha-3 codes."""
        features = json.loads(text)["features"]
        geometry = {f["id"]: shape(f["geometry"]) for f in features}
        names = {f["id"]: f["properties"]["name"] for f in features}
        return cls(geometry, names, frame)

    # ---- point lookup ----------------------------------------------------------------------

    def country_of(self, lat: ArrayLike, lon: ArrayLike) -> StrArray:
        """ISO alpha-3 code of the country containing each point ("" outside all)."""
        la, lo = np.broadcast_arrays(np.asarray(lat, np.float64), np.asarray(lon, np.float64))
        idx = self._country_index(la.ravel(), lo.ravel())
        return self.code_table[idx].reshape(la.shape)

    def country_index(self, lat: NDArray[np.float64], lon: NDArray[np.float64]
                      ) -> NDArray[np.uint8]:
        """`country_of` of 1-D float arrays as indices into `code_table` (0: outside all),
        for callers that compare countries often (integers, no strings)."""
        return self._country_index(lat, lon)

    @cached_property
    def code_table(self) -> StrArray:
        """"" then the ISO codes, in the order of `country_index`."""
        return np.array(("",) + self.codes, dtype="<U3")

    def _country_index(self, lat: FloatArray, lon: FloatArray) -> NDArray[np.uint8]:
        """Country index + 1 (0 outside) per point: grid lookup, exact test near borders."""
        g = self._grid
        ny, nx = g.code.shape
        with np.errstate(invalid="ignore"):
            fx = np.floor((lon - g.lon0) / CELL_DEG)
            fy = np.floor((lat - g.lat0) / CELL_DEG)
        ok = (fx >= 0) & (fx < nx) & (fy >= 0) & (fy < ny)
        ix = np.where(ok, fx, 0).astype(np.intp)
        iy = np.where(ok, fy, 0).astype(np.intp)
        out = np.where(ok, g.code[iy, ix], 0).astype(np.uint8)
        mixed = np.flatnonzero(out == _MIXED)
        if mixed.size:
            out[mixed] = 0
            cand = g.cand[iy[mixed], ix[mixed]]
            for i, iso in enumerate(self.codes):
                sel = mixed[((cand >> i) & 1).astype(bool) & (out[mixed] == 0)]
                if sel.size:
                    hit = shapely.contains_xy(self.geometry[iso], lon[sel], lat[sel])
                    out[sel[hit]] = i + 1
        return out

    def _first_containing(self, lat: FloatArray, lon: FloatArray) -> NDArray[np.uint8]:
        """Country index + 1 per point by testing every polygon (the slow exact reference)."""
        out = np.zeros(lat.shape, np.uint8)
        for i, iso in enumerate(self.codes):
            free = out == 0
            hit = shapely.contains_xy(self.geometry[iso], lon[free], lat[free])
            out[np.flatnonzero(free)[hit]] = i + 1
        return out

    @cached_property
    def _grid(self) -> _Grid:
        """The lookup raster (`_build_grid`), from the on-disk cache for the shipped borders
        (0.4 s to build, plus 0.2 s to import scipy.ndimage)."""
        if self.disk_key is None:
            return self._build_grid()
        from skyshield.diskcache import cached

        def dump(g: _Grid) -> bytes:
            buf = io.BytesIO()
            np.savez(buf, origin=np.array([g.lon0, g.lat0]), code=g.code, cand=g.cand)
            return buf.getvalue()

        def load(b: bytes) -> _Grid:
            with np.load(io.BytesIO(b), allow_pickle=False) as z:
                lon0, lat0 = (float(v) for v in z["origin"])
                return _Grid(lon0, lat0, z["code"], z["cand"])

        return cached("country_grid", repr((self.disk_key, self.codes, CELL_DEG)),
                      self._build_grid, dump, load)

    def _build_grid(self) -> _Grid:
        """Build the lookup raster: cells a border passes through (dilated by one) are mixed."""
        bounds = np.array([g.bounds for g in self.geometry.values()])
        lon0 = np.floor(bounds[:, 0].min() / CELL_DEG - 2) * CELL_DEG
        lat0 = np.floor(bounds[:, 1].min() / CELL_DEG - 2) * CELL_DEG
        nx = int(np.ceil((bounds[:, 2].max() - lon0) / CELL_DEG)) + 2
        ny = int(np.ceil((bounds[:, 3].max() - lat0) / CELL_DEG)) + 2
        bits = np.zeros((ny + 2, nx + 2), np.uint8)  # padded by one cell for the dilation
        for i, g in enumerate(self.geometry.values()):
            # Samples no more than a cell apart: every cell the boundary touches is within
            # one cell of a sample, so the 3x3 dilation below marks it.
            pts = shapely.get_coordinates(shapely.segmentize(g.boundary, CELL_DEG))
            cx = np.floor((pts[:, 0] - lon0) / CELL_DEG).astype(np.intp) + 1
            cy = np.floor((pts[:, 1] - lat0) / CELL_DEG).astype(np.intp) + 1
            bits[cy, cx] |= np.uint8(1 << i)
        near = np.zeros_like(bits)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                near[1:-1, 1:-1] |= bits[1 + dy : ny + 1 + dy, 1 + dx : nx + 1 + dx]
        near = near[1:-1, 1:-1]
        mixed = near != 0
        code, cand = self._label_cells(mixed, lon0, lat0)
        code[mixed] = _MIXED
        cand = np.where(mixed, near | cand, 0).astype(np.uint8)
        return _Grid(float(lon0), float(lat0), code, cand)

    def _label_cells(
        self, mixed: NDArray[np.bool_], lon0: float, lat0: float
    ) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
        """Country per border-free region (one exact test per region) and per mixed-cell centre."""
        from scipy import ndimage  # here: scipy.ndimage costs 0.2 s to import

        labels, n = ndimage.label(~mixed)  # 4-connected regions of border-free cells
        flat = labels.ravel()
        rep = np.zeros(n + 1, np.intp)
        rep[flat] = np.arange(flat.size)  # any member cell of each region
        ry, rx = np.divmod(rep[1:], mixed.shape[1])
        region = self._first_containing(lat0 + (ry + 0.5) * CELL_DEG, lon0 + (rx + 0.5) * CELL_DEG)
        code = np.concatenate([[0], region]).astype(np.uint8)[labels]
        # A country whose boundary misses a mixed cell contains all or none of it: test centres.
        my, mx = np.nonzero(mixed)
        clat, clon = lat0 + (my + 0.5) * CELL_DEG, lon0 + (mx + 0.5) * CELL_DEG
        cand = np.zeros(mixed.shape, np.uint8)
        for i, g in enumerate(self.geometry.values()):
            hit = shapely.contains_xy(g, clon, clat)
            cand[my[hit], mx[hit]] |= np.uint8(1 << i)
        return code, cand

    # ---- metric geometry in the frame ------------------------------------------------------

    def frame_geometry(self, iso3: str) -> shapely.Geometry:
        """The country polygon projected to the frame [m] (edges densified first), prepared."""
        return self._frame_geometries[iso3]

    @cached_property
    def _frame_geometries(self) -> dict[str, shapely.Geometry]:
        """All countries in the frame, built once (kept in the on-disk cache as WKB, which
        holds the coordinates' exact doubles, for the shipped borders)."""

        def compute() -> list[shapely.Geometry]:
            return [to_frame(shapely.segmentize(g, DENSIFY_DEG), self.frame)
                    for g in self.geometry.values()]

        if self.disk_key is None:
            geoms = compute()
        else:
            from skyshield.diskcache import cached

            geoms = cached("border_in_frame_all",
                           repr((self.disk_key, self.codes, DENSIFY_DEG, self.frame.proj4)),
                           compute, wkb_dump, wkb_load)
        out = {}
        for iso, fg in zip(self.geometry, geoms, strict=True):
            shapely.prepare(fg)
            out[iso] = fg
        return out

    @lru_cache(maxsize=16)  # noqa: B019 - one Borders per process; edges are per country
    def _edges(self, codes: tuple[str, ...]) -> _Edges:
        """Boundary segments of some countries in the frame, with a spatial index."""
        lines = shapely.get_parts(
            shapely.boundary([self.frame_geometry(c) for c in codes])).ravel()
        lines = np.concatenate([shapely.get_parts(x) for x in lines])
        a_list, b_list = [], []
        for line in lines:
            c = shapely.get_coordinates(line)
            a_list.append(c[:-1])
            b_list.append(c[1:])
        a, b = np.concatenate(a_list), np.concatenate(b_list)
        tree = shapely.STRtree(shapely.linestrings(np.stack([a, b], axis=1)))
        return _Edges(a, b, tree)

    def distance_to_border(self, lat: ArrayLike, lon: ArrayLike, iso3: str) -> FloatArray:
        """Geodesic distance [m] from each point to the boundary of country iso3."""
        return self.distance_to_any(lat, lon, (iso3,))

    def distance_to_any(self, lat: ArrayLike, lon: ArrayLike, iso3s: Iterable[str]
                        ) -> FloatArray:
        """Geodesic distance [m] from each point to the nearest boundary of any country given."""
        return self.nearest_on_border(lat, lon, iso3s)[2]

    def nearest_on_border(self, lat: ArrayLike, lon: ArrayLike, iso3s: Iterable[str]
                          ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Nearest point (lat, lon) [deg] on the boundary of any country given, and the
        geodesic distance to it [m], for each point (NaN for non-finite points)."""
        codes = tuple(sorted(iso3s))
        la, lo = np.broadcast_arrays(np.asarray(lat, np.float64), np.asarray(lon, np.float64))
        la, lo = la.ravel(), lo.ravel()
        out = np.full((3, la.shape[0]), np.nan)
        ok = np.isfinite(la) & np.isfinite(lo)
        if ok.any():
            # Nearest boundary point in the frame (scale varies < 0.4 %, so it is also the
            # geodesically nearest to second order), then the exact geodesic to it.
            p = self.frame.to_xy(la[ok], lo[ok])
            e = self._edges(codes)
            _, j = e.tree.query_nearest(shapely.points(p), all_matches=False)
            q = _closest_on_segments(p, e.a[j], e.b[j])
            qlat, qlon = self.frame.from_xy(q)
            out[0, ok], out[1, ok] = qlat, qlon
            out[2, ok] = geodesy.distance(la[ok], lo[ok], qlat, qlon)
        shape = np.broadcast_shapes(np.shape(lat), np.shape(lon))
        return out[0].reshape(shape), out[1].reshape(shape), out[2].reshape(shape)

    def depth_inside(self, lat: ArrayLike, lon: ArrayLike, iso3: str) -> FloatArray:
        """Distance [m] to the boundary of iso3 for points inside it, 0 elsewhere."""
        la, lo = np.broadcast_arrays(np.asarray(lat, np.float64), np.asarray(lon, np.float64))
        inside = shapely.contains_xy(self.geometry[iso3], lo, la)
        out = np.zeros(la.shape)
        if inside.any():
            out[inside] = self.distance_to_border(la[inside], lo[inside], iso3)
        return out

    # ---- crossings -------------------------------------------------------------------------

    def segment_entries(
        self,
        lat0: ArrayLike,
        lon0: ArrayLike,
        lat1: ArrayLike,
        lon1: ArrayLike,
        iso3s: Iterable[str],
    ) -> tuple[FloatArray, StrArray]:
        """Fraction along each segment (straight in the frame) where it first enters one of iso3s.

        Returns (frac, country): NaN and "" where the segment enters none. Being inside a
        country at the start is not an entry (leaving and coming back is). Exact: candidate
        fractions are the segment's intersections with the boundary edges; the inside/outside
        state between consecutive candidates is tested at the midpoint.
        """
        arrs = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (lat0, lon0, lat1, lon1)))
        shape_ = arrs[0].shape
        la0, lo0, la1, lo1 = (v.ravel() for v in arrs)
        p0 = self.frame.to_xy(la0, lo0)
        p1 = self.frame.to_xy(la1, lo1)
        n = p0.shape[0]
        best = np.full(n, np.inf)
        who = np.full(n, "", dtype="<U3")
        for iso in iso3s:
            f = self._entry_fraction(p0, p1, iso)
            better = f < best
            best[better] = f[better]
            who[better] = iso
        frac = np.where(np.isfinite(best), best, np.nan)
        return frac.reshape(shape_), who.reshape(shape_)

    def _entry_fraction(self, p0: FloatArray, p1: FloatArray, iso3: str) -> FloatArray:
        """First fraction at which each frame segment p0->p1 passes from outside into iso3."""
        n = p0.shape[0]
        out = np.full(n, np.inf)
        good = np.all(np.isfinite(p0) & np.isfinite(p1), axis=1) & np.any(p0 != p1, axis=1)
        if not good.any():
            return out
        e = self._edges((iso3,))
        lines = shapely.linestrings(np.stack([p0, p1], axis=1)[good])
        si, ej = e.tree.query(lines, predicate="intersects")
        if si.size == 0:
            return out
        seg = np.flatnonzero(good)[si]
        t_cand, s_cand = _crossing_params(p0[seg], p1[seg], e.a[ej], e.b[ej], seg)
        # Every segment with candidates also gets its end points, then sort per segment.
        hit = np.unique(seg)
        s_all = np.concatenate([s_cand, hit, hit])
        t_all = np.concatenate([t_cand, np.zeros(hit.size), np.ones(hit.size)])
        order = np.lexsort((t_all, s_all))
        s_all, t_all = s_all[order], t_all[order]
        # Intervals between consecutive distinct candidates of the same segment.
        nxt = np.flatnonzero((s_all[1:] == s_all[:-1]) & (t_all[1:] > t_all[:-1]))
        s_iv, ta, tb = s_all[nxt], t_all[nxt], t_all[nxt + 1]
        geom = self.frame_geometry(iso3)
        mid = p0[s_iv] + 0.5 * (ta + tb)[:, None] * (p1[s_iv] - p0[s_iv])
        inside = shapely.contains_xy(geom, mid[:, 0], mid[:, 1])
        # State before each interval: previous interval of the same segment, else the start point.
        first = np.ones(s_iv.size, bool)
        first[1:] = s_iv[1:] != s_iv[:-1]
        before = np.empty(s_iv.size, bool)
        before[1:] = inside[:-1]
        start_in = shapely.contains_xy(geom, p0[s_iv[first], 0], p0[s_iv[first], 1])
        before[first] = start_in
        entry = inside & ~before
        np.minimum.at(out, s_iv[entry], ta[entry])
        return out

    def first_crossing(self, lat: ArrayLike, lon: ArrayLike, t: ArrayLike) -> Crossing | None:
        """First time a path (vertices with times, straight legs in the frame) enters a country
        other than its start country, or None. Time is interpolated along the leg."""
        la, lo, tt = (np.asarray(v, np.float64).ravel() for v in (lat, lon, t))
        if la.size < 2:
            return None
        start = str(self.country_of(la[0], lo[0]))
        others = [c for c in self.codes if c != start]
        frac, who = self.segment_entries(la[:-1], lo[:-1], la[1:], lo[1:], others)
        legs = np.flatnonzero(np.isfinite(frac))
        if legs.size == 0:
            return None
        i = int(legs[0])
        f = float(frac[i])
        p = self.frame.to_xy(la[i : i + 2], lo[i : i + 2])
        clat, clon = self.frame.from_xy(p[0] + f * (p[1] - p[0]))
        tc = tt[i] + f * (tt[i + 1] - tt[i])
        return Crossing(float(tc), float(clat), float(clon), start, str(who[i]))


def to_frame(geom: shapely.Geometry, frame: TheatreFrame = THEATRE) -> shapely.Geometry:
    """Project a lon/lat geometry to frame metres (vertex-wise; densify long edges first)."""
    return shapely.transform(geom, lambda c: frame.to_xy(c[:, 1], c[:, 0]))


def from_frame(geom: shapely.Geometry, frame: TheatreFrame = THEATRE) -> shapely.Geometry:
    """Project a frame geometry [m] back to lon/lat (vertex-wise; densify long edges first)."""

    def inv(c: FloatArray) -> FloatArray:
        lat, lon = frame.from_xy(c)
        return np.stack([lon, lat], axis=-1)

    return shapely.transform(geom, inv)


def wkb_dump(geoms: Sequence[shapely.Geometry]) -> bytes:
    """Geometries as bytes for the on-disk cache: length-prefixed WKB (exact doubles)."""
    out = []
    for g in geoms:
        w = shapely.to_wkb(g)
        out += [len(w).to_bytes(8, "little"), w]
    return b"".join(out)


def wkb_load(b: bytes) -> list[shapely.Geometry]:
    """The geometries of `wkb_dump` (a damaged entry raises: the cache then recomputes)."""
    out, i = [], 0
    while i < len(b):
        n = int.from_bytes(b[i : i + 8], "little")
        if n <= 0 or i + 8 + n > len(b):
            raise ValueError("damaged WKB list")
        out.append(shapely.from_wkb(b[i + 8 : i + 8 + n]))
        i += 8 + n
    return out


def _closest_on_segments(p: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    """Closest point to p on each segment a-b (row-wise)."""
    ab = b - a
    den = np.einsum("ij,ij->i", ab, ab)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.einsum("ij,ij->i", p - a, ab) / den
    u = np.clip(np.nan_to_num(u), 0.0, 1.0)
    return a + u[:, None] * ab


def _cross(u: FloatArray, v: FloatArray) -> FloatArray:
    """2-D cross product, row-wise."""
    return u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]


def _crossing_params(
    p0: FloatArray, p1: FloatArray, a: FloatArray, b: FloatArray, seg: NDArray[np.intp]
) -> tuple[FloatArray, NDArray[np.intp]]:
    """Fractions along p0->p1 where it meets edge a-b (both end fractions if collinear)."""
    r, s, q = p1 - p0, b - a, a - p0
    den = _cross(r, s)
    rr = np.einsum("ij,ij->i", r, r)
    scale = np.sqrt(rr * np.einsum("ij,ij->i", s, s))
    par = np.abs(den) <= 1e-12 * scale
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(par, np.nan, _cross(q, s) / den)
        ta = np.einsum("ij,ij->i", q, r) / rr
        tb = np.einsum("ij,ij->i", b - p0, r) / rr
    t_all = np.concatenate([t[~par], ta[par], tb[par]])
    s_all = np.concatenate([seg[~par], seg[par], seg[par]])
    keep = np.isfinite(t_all)
    return np.clip(t_all[keep], 0.0, 1.0), s_all[keep]


@lru_cache(maxsize=1)
def borders() -> Borders:
    """The shipped theatre borders (loaded once per process)."""
    text = resources.files("skyshield").joinpath("data/borders.geojson").read_text("utf-8")
    b = Borders.from_geojson(text)
    b.disk_key = "data/borders.geojson"  # the cache key's data stamp covers this file
    return b


def country_of(lat: ArrayLike, lon: ArrayLike) -> StrArray:
    """ISO alpha-3 code of the shipped-border country containing each point ("" outside)."""
    return borders().country_of(lat, lon)


def distance_to_border(lat: ArrayLike, lon: ArrayLike, iso3: str) -> FloatArray:
    """Geodesic distance [m] from each point to the boundary of iso3 (shipped borders)."""
    return borders().distance_to_border(lat, lon, iso3)


def depth_inside(lat: ArrayLike, lon: ArrayLike, iso3: str) -> FloatArray:
    """Distance [m] to the boundary of iso3 for points inside it, else 0 (shipped borders)."""
    return borders().depth_inside(lat, lon, iso3)


def segment_entries(
    lat0: ArrayLike, lon0: ArrayLike, lat1: ArrayLike, lon1: ArrayLike, iso3s: Sequence[str]
) -> tuple[FloatArray, StrArray]:
    """First entry fraction and country per segment (shipped borders); see Borders."""
    return borders().segment_entries(lat0, lon0, lat1, lon1, iso3s)


def first_crossing(lat: ArrayLike, lon: ArrayLike, t: ArrayLike) -> Crossing | None:
    """First entry of a timed path into a country other than its start (shipped borders)."""
    return borders().first_crossing(lat, lon, t)
