"""Zones: geodesic circles, metric-accurate near-border buffers, set operations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshield.geo import borders as bd
from skyshield.geo import zones
from skyshield.geo.geodesy import distance

NEIGHBOURS = ("POL", "SVK", "HUN", "ROU")


@settings(max_examples=60, deadline=None)
@given(st.floats(43.0, 57.0), st.floats(13.0, 42.0), st.floats(1.0, 500.0))
def test_circle_area_and_radius(lat: float, lon: float, r_km: float) -> None:
    z = zones.circle(lat, lon, r_km)
    assert z.area_km2() == pytest.approx(np.pi * r_km**2, rel=0.01)
    ring = np.asarray(z.geometry.exterior.coords)
    assert np.allclose(distance(lat, lon, ring[:, 1], ring[:, 0]), r_km * 1000.0, rtol=1e-9)
    assert z.contains(lat, lon)


def _sample(z: zones.Zone, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    w, s, e, nn = z.geometry.bounds
    return rng.uniform(s, nn, n), rng.uniform(w, e, n)


@settings(max_examples=8, deadline=None)
@given(st.floats(10.0, 150.0), st.sets(st.sampled_from(NEIGHBOURS), min_size=1), st.integers(0, 99))
def test_near_border_is_metric(within_km: float, isos: set[str], seed: int) -> None:
    z = zones.near_border(sorted(isos), within_km)
    lat, lon = _sample(z, 20_000, seed)
    d = np.min([bd.distance_to_border(lat, lon, c) for c in sorted(isos)], axis=0)
    inside = z.contains(lat, lon)
    ukr = bd.country_of(lat, lon) == "UKR"
    assert inside.any()
    assert np.all(ukr[inside])  # only Ukrainian territory
    assert d[inside].max() <= within_km * 1000.0 * 1.001  # nothing farther than D (+0.1 %)
    missed = ukr & ~inside
    assert missed.sum() == 0 or d[missed].min() >= within_km * 1000.0 * 0.999


def test_near_country_russia_and_set_operations() -> None:
    rus = zones.near_country("RUS", 100.0)
    west = zones.near_border(NEIGHBOURS, 50.0)
    assert rus.name == "UKR within 100 km of RUS"
    # Kharkiv (~30 km from Russia) is in, Lviv is not; Uzhhorod (on the Slovak border) is west.
    assert rus.contains(49.98081, 36.25272) and not rus.contains(49.83826, 24.02324)
    assert west.contains(48.6242, 22.2947) and not west.contains(50.45, 30.52)
    both = zones.union(rus, west)
    assert both.area_km2() == pytest.approx(rus.area_km2() + west.area_km2(), rel=1e-6)
    kyiv = zones.circle(50.45, 30.52, 200.0)
    rest = zones.difference(kyiv, rus)
    overlap = kyiv.geometry.intersection(rus.geometry)
    assert rest.area_km2() < kyiv.area_km2()
    assert not overlap.is_empty
    pt = overlap.representative_point()
    assert kyiv.contains(pt.y, pt.x) and not rest.contains(pt.y, pt.x)
    assert zones.near_country("POL", 10.0, inside="MDA").is_empty


def test_polygon_zone() -> None:
    z = zones.polygon([[50.0, 24.0], [50.0, 26.0], [51.0, 25.0]], name="tri")
    assert z.name == "tri"
    got = z.contains(np.array([50.3, 50.9, 49.9]), np.array([25.0, 24.1, 25.0]))
    assert got.tolist() == [True, False, False]
    with pytest.raises(ValueError, match="lat/lon"):
        zones.polygon([[50.0, 24.0], [50.0, 26.0]])
