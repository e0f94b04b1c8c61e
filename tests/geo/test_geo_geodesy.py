"""skyshield.geo.geodesy against the independent GeographicLib Python implementation."""

from __future__ import annotations

import numpy as np
import pytest
from geographiclib.geodesic import Geodesic

from skyshield.geo import geodesy

G = Geodesic.WGS84


def _random(n: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    return (
        rng.uniform(40, 60, n),
        rng.uniform(10, 45, n),
        rng.uniform(40, 60, n),
        rng.uniform(10, 45, n),
    )


def test_inverse_matches_geographiclib() -> None:
    lat1, lon1, lat2, lon2 = _random(200)
    dist, az12, az21 = geodesy.inverse(lat1, lon1, lat2, lon2)
    for i in range(lat1.size):
        ref = G.Inverse(lat1[i], lon1[i], lat2[i], lon2[i])
        assert dist[i] == pytest.approx(ref["s12"], abs=1e-6)
        assert az12[i] == pytest.approx(ref["azi1"], abs=1e-9)
        # pyproj's back azimuth points from 2 to 1; GeographicLib's azi2 is the forward one.
        assert (az21[i] - (ref["azi2"] + 180.0) + 180.0) % 360.0 - 180.0 == pytest.approx(
            0.0, abs=1e-9
        )


def test_forward_matches_geographiclib() -> None:
    lat1, lon1, _, _ = _random(200, seed=1)
    az = np.linspace(-180, 180, 200)
    d = np.linspace(1.0, 2.0e6, 200)
    lat2, lon2 = geodesy.forward(lat1, lon1, az, d)
    for i in range(200):
        ref = G.Direct(lat1[i], lon1[i], az[i], d[i])
        assert lat2[i] == pytest.approx(ref["lat2"], abs=1e-10)
        assert lon2[i] == pytest.approx(ref["lon2"], abs=1e-10)


def test_broadcast_shapes_and_distance() -> None:
    lat1 = np.full((3, 1), 50.0)
    d = geodesy.distance(lat1, 24.0, 50.0, np.array([24.0, 25.0, 26.0, 27.0]))
    assert d.shape == (3, 4)
    assert d[0, 0] == 0.0
    assert d[1, 1] == pytest.approx(G.Inverse(50, 24, 50, 25)["s12"], abs=1e-6)


def test_path_length_is_sum_of_legs() -> None:
    lats = np.array([[50.0, 51.0, 52.0], [49.0, 49.0, 49.0]])
    lons = np.array([[24.0, 25.0, 24.0], [20.0, 30.0, 40.0]])
    got = geodesy.path_length(lats, lons)
    for k in range(2):
        ref = sum(
            G.Inverse(lats[k, i], lons[k, i], lats[k, i + 1], lons[k, i + 1])["s12"]
            for i in range(2)
        )
        assert got[k] == pytest.approx(ref, abs=1e-6)
    assert geodesy.path_length([50.0], [24.0]) == 0.0
