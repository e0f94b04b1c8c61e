"""Zones (no-go areas, engagement areas) as prepared lon/lat polygons, built from plain numbers.

Builders take degrees and kilometres and return a `Zone`. Metric buffers are computed band by
band (1 degree of latitude), each in a Lambert conformal frame fitted to that band plus the
buffer distance (scale error ~0.01 % for 50 km, < 0.1 % for 200 km, vs 0.37 % in the theatre
frame), with curves densified to a few hundred metres, then mapped back to lon/lat.
This module must not import `skyshield.model`: callers pass numbers and ISO codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import Polygon, box

from skyshield.geo import geodesy
from skyshield.geo.borders import DENSIFY_DEG, Borders, borders, from_frame, to_frame
from skyshield.geo.frame import THEATRE, TheatreFrame

__all__ = [
    "Zone", "circle", "country", "difference", "intersection", "near_border", "near_country",
    "polygon", "union",
]

QUAD_SEGS = 64  # buffer arc segments per quarter circle (100 km radius -> 2.5 km chords)
SEG_M = 2000.0  # max straight-edge length in a frame before mapping back to lon/lat [m]
SAGITTA_M = 10.0  # max gap between a geodesic circle and its polygon [m]
BAND_DEG = 1.0  # latitude band with its own fitted frame (keeps scale error < 0.1 %) [deg]
KM_PER_DEG = 111.0  # rough ground km per degree of latitude (only for generous clipping)


@dataclass(frozen=True)
class Zone:
    """A named area on the ground (shapely geometry in lon/lat degrees, prepared on creation)."""

    name: str
    geometry: shapely.Geometry  # Polygon / MultiPolygon, x = lon, y = lat [deg]

    def __post_init__(self) -> None:
        """Prepare the geometry once so that contains() is fast."""
        shapely.prepare(self.geometry)

    def contains(self, lat: ArrayLike, lon: ArrayLike) -> NDArray[np.bool_]:
        """True where a point lies strictly inside the zone (broadcast)."""
        return shapely.contains_xy(self.geometry, np.asarray(lon), np.asarray(lat))

    def area_km2(self) -> float:
        """Geodesic area on WGS84 [km^2]."""
        area, _ = geodesy.WGS84.geometry_area_perimeter(shapely.orient_polygons(self.geometry))
        return abs(area) / 1e6

    @property
    def is_empty(self) -> bool:
        """True if the zone covers nothing."""
        return bool(self.geometry.is_empty)


def polygon(points_latlon: ArrayLike, name: str = "polygon", frame: TheatreFrame = THEATRE) -> Zone:
    """Zone bounded by (lat, lon) corners, edges straight in the frame (as flight legs are)."""
    pts = np.asarray(points_latlon, np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3:
        raise ValueError(f"polygon needs (N>=3, 2) lat/lon points, got shape {pts.shape}")
    ring = Polygon(frame.to_xy(pts[:, 0], pts[:, 1]))
    ring = shapely.make_valid(shapely.segmentize(ring, SEG_M))
    return Zone(name, from_frame(ring, frame))


def circle(lat: float, lon: float, radius_km: float, name: str = "circle") -> Zone:
    """Geodesic disc: every boundary vertex exactly radius_km from the centre on WGS84."""
    if radius_km <= 0:
        raise ValueError(f"radius_km must be > 0, got {radius_km}")
    r = radius_km * 1000.0
    n = max(64, int(np.ceil(np.pi * np.sqrt(r / (2 * SAGITTA_M)))))
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    la, lo = geodesy.forward(lat, lon, az, r)
    return Zone(name, shapely.orient_polygons(Polygon(np.stack([lo, la], axis=-1))))


def near_country(
    country: str,
    within_km: float,
    inside: str = "UKR",
    name: str | None = None,
    source: Borders | None = None,
) -> Zone:
    """Territory of `inside` within within_km of country `country`."""
    name = name or f"{inside} within {within_km:g} km of {country}"
    return near_border([country], within_km, inside, name, source)


def near_border(
    countries: Iterable[str],
    within_km: float,
    inside: str = "UKR",
    name: str | None = None,
    source: Borders | None = None,
) -> Zone:
    """Territory of `inside` within within_km of any of `countries` (the typical no-go zone).

    With the shipped borders the result is kept in the on-disk set-up cache
    (`skyshield.diskcache`): growing a border by tens of km costs about 0.1 s per zone.
    """
    countries = list(countries)
    name = name or f"{inside} within {within_km:g} km of {'/'.join(countries)}"
    if source is not None:
        return Zone(name, _near_border(countries, within_km, inside, source))
    from skyshield.diskcache import cached

    key = repr((countries, float(within_km), inside, BAND_DEG, QUAD_SEGS, DENSIFY_DEG, SEG_M))
    geom = cached("near_border", key, lambda: _near_border(countries, within_km, inside, None),
                  shapely.to_wkb, shapely.from_wkb)
    return Zone(name, geom)


def _near_border(
    countries: list[str], within_km: float, inside: str, source: Borders | None
) -> shapely.Geometry:
    """The geometry of `near_border`."""
    src = source or borders()
    region = src.geometry[inside]
    w, s, e, n = region.bounds
    pad_lat = 1.5 * within_km / KM_PER_DEG
    pad_lon = pad_lat / np.cos(np.radians(min(n + pad_lat, 80.0)))
    cut = np.append(np.arange(np.floor(s), n, BAND_DEG), n)
    pieces = []
    for lo, hi in zip(cut[:-1], cut[1:], strict=True):
        target = shapely.intersection(region, box(w - 1, lo, e + 1, hi))
        if target.is_empty:
            continue
        near = box(w - pad_lon, lo - pad_lat, e + pad_lon, hi + pad_lat)
        frame = TheatreFrame.fitted(lo - pad_lat, hi + pad_lat, 0.5 * (w + e))
        buf = _buffer(
            [shapely.intersection(src.geometry[c], near) for c in countries],
            within_km * 1000.0,
            frame,
        )
        pieces.append(shapely.intersection(buf, target))
    return shapely.union_all(pieces) if pieces else Polygon()


def _buffer(geoms: list[shapely.Geometry], d: float, frame: TheatreFrame) -> shapely.Geometry:
    """Union of lon/lat geometries grown by d metres, computed in `frame`, back in lon/lat."""
    parts = [
        shapely.buffer(to_frame(shapely.segmentize(g, DENSIFY_DEG), frame), d, quad_segs=QUAD_SEGS)
        for g in geoms
        if not g.is_empty
    ]
    if not parts:
        return Polygon()
    return from_frame(shapely.segmentize(shapely.union_all(parts), SEG_M), frame)


def union(*zones: Zone, name: str | None = None) -> Zone:
    """Zone covering any of the zones."""
    geom = shapely.union_all([z.geometry for z in zones])
    return Zone(name or " | ".join(z.name for z in zones), geom)


def difference(a: Zone, *b: Zone, name: str | None = None) -> Zone:
    """Zone a minus every zone in b."""
    geom = a.geometry
    if b:
        geom = shapely.difference(geom, shapely.union_all([z.geometry for z in b]))
    return Zone(name or " - ".join([a.name] + [z.name for z in b]), geom)


def intersection(*zones: Zone, name: str | None = None) -> Zone:
    """Zone covered by every one of the zones."""
    geom = zones[0].geometry
    for z in zones[1:]:
        geom = shapely.intersection(geom, z.geometry)
    return Zone(name or " & ".join(z.name for z in zones), geom)


def country(iso3: str, name: str | None = None) -> Zone:
    """A country's whole territory (its airspace) as a zone."""
    return Zone(name or iso3, borders().geometry[iso3])
