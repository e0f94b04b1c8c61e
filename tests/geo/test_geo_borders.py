"""Borders: exact country lookup, distances to borders, segment entries and path crossings."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from geo_places import PLACES
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from skyshield.geo import borders as bd
from skyshield.geo.frame import THEATRE

GEOD = Geod(ellps="WGS84")
ALL = ("UKR", "POL", "SVK", "HUN", "ROU", "MDA", "BLR", "RUS")


def _reference(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Brute force: first polygon (shapely) containing each point."""
    b = bd.borders()
    out = np.full(lat.shape, "", dtype="<U3")
    for iso in b.codes:
        hit = shapely.contains_xy(b.geometry[iso], lon, lat) & (out == "")
        out[hit] = iso
    return out


def test_shipped_file_metadata() -> None:
    b = bd.borders()
    assert b.codes == ALL
    assert frozenset({"POL", "SVK", "HUN", "ROU"}) == bd.NATO == b.nato
    assert b.names["UKR"] == "Ukraine" and b.names["POL"] == "Poland"
    assert all(g.is_valid and not g.is_empty for g in b.geometry.values())


@pytest.mark.parametrize("name", sorted(PLACES))
def test_country_of_known_places(name: str) -> None:
    lat, lon, iso = PLACES[name]
    assert bd.country_of(lat, lon) == iso


def test_country_of_shape_and_outside() -> None:
    got = bd.country_of(
        np.array([[49.83826, 0.0], [np.nan, 43.5]]), np.array([[24.02324, 0.0], [24.0, 34.0]])
    )
    assert got.shape == (2, 2)
    assert got.tolist() == [["UKR", ""], ["", ""]]  # Lviv, off the map, NaN, Black Sea


def test_crimea_is_ukraine_and_przewodow_near_border() -> None:
    assert (
        bd.country_of([44.58883, 44.95719, 45.3607], [33.5224, 34.11079, 36.4706]).tolist()
        == ["UKR"] * 3
    )
    d = bd.distance_to_border(50.474, 23.926, "POL")
    assert 4_000 < d < 8_000  # Przewodow lies about 6 km from the Ukrainian border
    assert bd.depth_inside(50.474, 23.926, "POL") == pytest.approx(d)
    assert bd.depth_inside(50.474, 23.926, "UKR") == 0.0


def test_country_of_exact_on_random_and_border_points() -> None:
    rng = np.random.default_rng(7)
    lat = rng.uniform(40, 60, 300_000)
    lon = rng.uniform(12, 45, 300_000)
    assert np.array_equal(bd.country_of(lat, lon), _reference(lat, lon))
    # Points on and within millimetres of the borders (where the raster must defer).
    v = shapely.get_coordinates(bd.borders().geometry["UKR"].boundary)
    jitter = rng.normal(0.0, 1e-7, v.shape) * rng.integers(0, 2, (len(v), 1))
    pts = v + jitter
    assert np.array_equal(bd.country_of(pts[:, 1], pts[:, 0]), _reference(pts[:, 1], pts[:, 0]))


def _brute_distance(lat: float, lon: float, iso: str) -> float:
    """Min geodesic distance to the boundary densified to ~50 m (independent of the frame)."""
    g = bd.borders().geometry[iso]
    near = shapely.intersection(g.boundary, shapely.box(lon - 4, lat - 3, lon + 4, lat + 3))
    c = shapely.get_coordinates(shapely.segmentize(near, 0.0005))
    _, _, d = GEOD.inv(np.full(len(c), lon), np.full(len(c), lat), c[:, 0], c[:, 1])
    return float(d.min())


@pytest.mark.parametrize(
    ("lat", "lon", "iso"),
    [
        (49.83826, 24.02324, "POL"),
        (50.474, 23.926, "POL"),
        (48.6242, 22.2947, "SVK"),
        (48.5, 25.0, "ROU"),
        (50.75932, 25.34244, "BLR"),
        (47.0, 28.0, "MDA"),
    ],
)
def test_distance_to_border_vs_brute_force(lat: float, lon: float, iso: str) -> None:
    got = float(bd.distance_to_border(lat, lon, iso))
    assert got == pytest.approx(_brute_distance(lat, lon, iso), rel=0.002, abs=30.0)


def test_distance_to_border_vectorised() -> None:
    lat = np.array([[49.83826, 50.474], [48.6242, 47.0]])
    lon = np.array([[24.02324, 23.926], [22.2947, 28.0]])
    d = bd.distance_to_border(lat, lon, "UKR")
    assert d.shape == (2, 2)
    assert d[0, 1] == pytest.approx(float(bd.distance_to_border(50.474, 23.926, "POL")), rel=1e-3)


def test_lutsk_to_lublin_crosses_into_poland_on_time() -> None:
    (la0, lo0, _), (la1, lo1, _) = PLACES["Lutsk"], PLACES["Lublin"]
    p = THEATRE.to_xy([la0, la1], [lo0, lo1])
    speed = 50.0  # m/s, straight in the frame
    duration = float(np.hypot(*(p[1] - p[0]))) / speed
    c = bd.first_crossing([la0, la1], [lo0, lo1], [0.0, duration])
    assert c is not None and (c.from_iso3, c.to_iso3) == ("UKR", "POL")

    def country_at(t: float) -> str:
        lat, lon = THEATRE.from_xy(p[0] + (t / duration) * (p[1] - p[0]))
        return str(bd.country_of(lat, lon))

    # Independent: dense scan for the first sample in Poland, then bisection on country_of.
    ts = np.linspace(0.0, duration, 20001)
    lat, lon = THEATRE.from_xy(p[0] + (ts / duration)[:, None] * (p[1] - p[0]))
    k = int(np.argmax(bd.country_of(lat, lon) == "POL"))
    lo, hi = ts[k - 1], ts[k]
    assert country_at(lo) != "POL"
    while hi - lo > 1e-3:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if country_at(mid) == "POL" else (mid, hi)
    assert c.t == pytest.approx(hi, abs=1.0)
    assert bd.distance_to_border(c.lat, c.lon, "POL") < 1.0  # the crossing point is on the border


def test_first_crossing_none_and_multi_leg() -> None:
    assert bd.first_crossing([49.8, 50.4], [24.0, 30.5], [0.0, 1000.0]) is None  # Lviv->Kyiv
    # Kyiv -> Lviv -> Rzeszow: enters Poland on the second leg.
    c = bd.first_crossing(
        [50.45, 49.83826, 50.04132], [30.52, 24.02324, 21.99901], [0.0, 5000.0, 7000.0]
    )
    assert c is not None and c.to_iso3 == "POL" and 5000.0 < c.t < 7000.0


seg_lat = st.floats(46.0, 53.0)
seg_lon = st.floats(19.0, 32.0)


@settings(max_examples=150, deadline=None)
@given(seg_lat, seg_lon, seg_lat, seg_lon, st.sets(st.sampled_from(ALL), min_size=1))
def test_segment_entries_consistent_with_country_of(
    lat0: float, lon0: float, lat1: float, lon1: float, isos: set[str]
) -> None:
    iso3s = sorted(isos)
    frac, who = bd.segment_entries(lat0, lon0, lat1, lon1, iso3s)
    p = THEATRE.to_xy([lat0, lat1], [lon0, lon1])
    length = float(np.hypot(*(p[1] - p[0])))
    n = 4001
    f = np.linspace(0.0, 1.0, n)
    lat, lon = THEATRE.from_xy(p[0] + f[:, None] * (p[1] - p[0]))
    along = bd.country_of(lat, lon)
    # A sampled transition into a listed country implies an entry no later than that sample.
    trans = np.flatnonzero(np.isin(along[1:], iso3s) & (along[1:] != along[:-1])) + 1
    if trans.size:
        assert np.isfinite(frac) and frac <= f[trans[0]] + 1e-12
    if not np.isfinite(frac):
        assert who == ""
        return
    assert who in iso3s
    eps = 0.5 / max(length, 1.0)  # half a metre along the segment
    after = p[0] + min(frac + eps, 1.0) * (p[1] - p[0])
    la, lo = THEATRE.from_xy(after)
    assert bd.country_of(la, lo) == who or bd.distance_to_border(la, lo, str(who)) < 1.0
    if frac > eps:
        la, lo = THEATRE.from_xy(p[0] + (frac - eps) * (p[1] - p[0]))
        assert bd.country_of(la, lo) != who or bd.distance_to_border(la, lo, str(who)) < 0.01
        # Nothing listed was entered before: samples before frac are never a fresh entry.
        assert not trans.size or f[trans[0]] >= frac - 1e-12


def test_segment_entries_vectorised_and_start_inside() -> None:
    lat0 = np.array([49.83826, 50.04132, 49.83826, 50.0])
    lon0 = np.array([24.02324, 21.99901, 24.02324, 24.0])
    lat1 = np.array([50.04132, 49.83826, 49.9, 50.0])
    lon1 = np.array([21.99901, 24.02324, 24.5, 24.0])
    frac, who = bd.segment_entries(lat0, lon0, lat1, lon1, ["POL", "UKR"])
    assert who.tolist() == ["POL", "UKR", "", ""]  # Lviv->Rzeszow, back, inside UKR, zero length
    assert 0.0 < frac[0] < 1.0 and 0.0 < frac[1] < 1.0 and np.isnan(frac[2:]).all()
    assert frac[0] + frac[1] == pytest.approx(1.0, abs=1e-9)  # same border point both ways
