"""The theatre frame: minimax LCC parameters, <= 0.5 % distance error, round trip < 1 cm."""

from __future__ import annotations

import numpy as np
import pytest
from geographiclib.geodesic import Geodesic
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyproj import Proj

from skyshield.geo.frame import THEATRE, TheatreFrame, minimax_parallels

G = Geodesic.WGS84
lats = st.floats(43.0, 57.0)
lons = st.floats(13.0, 42.0)


def test_parameters_are_the_minimax_fit() -> None:
    lat_1, lat_2, err = minimax_parallels(43.0, 57.0)
    assert THEATRE.lat_1 == pytest.approx(lat_1, abs=1e-7)
    assert THEATRE.lat_2 == pytest.approx(lat_2, abs=1e-7)
    assert err == pytest.approx(0.0037394, abs=1e-7)
    grid = np.linspace(43.0, 57.0, 1401)
    k = Proj(THEATRE.proj4).get_factors(np.full(grid.size, 30.0), grid).meridional_scale
    assert np.abs(k - 1).max() == pytest.approx(err, rel=1e-4)  # PROJ agrees with our formula
    assert k[0] == pytest.approx(k[-1], abs=1e-9)  # equal excess at both box edges
    assert np.allclose(THEATRE.scale(grid), k, atol=1e-9)
    # Any other pair of standard parallels does worse somewhere in the box.
    for d1, d2 in ((0.3, 0.0), (0.0, -0.3), (-0.2, 0.2)):
        other = TheatreFrame(lat_1 + d1, lat_2 + d2, 50.0, 27.5)
        assert np.abs(other.scale(grid) - 1).max() > err


@settings(max_examples=300, deadline=None)
@given(lats, lons, lats, lons)
def test_frame_distance_within_half_percent(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    true = G.Inverse(lat1, lon1, lat2, lon2)["s12"]
    assume(1000.0 < true <= 1.5e6)
    xy = THEATRE.to_xy([lat1, lat2], [lon1, lon2])
    plane = float(np.hypot(*(xy[1] - xy[0])))
    assert abs(plane / true - 1.0) <= 0.005


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(lats, lons, st.floats(-100.0, 20000.0)), min_size=1, max_size=50))
def test_round_trip_under_1cm(pts: list[tuple[float, float, float]]) -> None:
    lat, lon, alt = (np.array(v) for v in zip(*pts, strict=True))
    xyz = THEATRE.to_xyz(lat, lon, alt)
    assert xyz.shape == (len(pts), 3)
    lat2, lon2, alt2 = THEATRE.to_lla(xyz)
    for i in range(len(pts)):
        assert G.Inverse(lat[i], lon[i], lat2[i], lon2[i])["s12"] < 0.01
    assert np.array_equal(alt2, alt)


def test_axes_and_broadcast() -> None:
    o = THEATRE.to_xyz(50.0, 27.5, 1000.0)
    assert np.allclose(o, [0.0, 0.0, 1000.0], atol=1e-6)
    east = THEATRE.to_xy(50.0, 28.0)
    north = THEATRE.to_xy(50.5, 27.5)
    assert east[0] > 3.5e4 and abs(east[1]) < 500.0  # x points east
    assert north[1] > 5.5e4 and abs(north[0]) < 1e-6  # y points north
    grid = THEATRE.to_xyz(np.full((4, 1), 50.0), np.linspace(20, 30, 5))
    assert grid.shape == (4, 5, 3)
    lat, lon = THEATRE.from_xy(THEATRE.to_xy(np.full((4, 1), 50.0), np.linspace(20, 30, 5)))
    assert lat.shape == (4, 5) and np.allclose(lon[2], np.linspace(20, 30, 5))


def test_frame_is_a_frozen_value() -> None:
    with pytest.raises(AttributeError):
        THEATRE.lat_0 = 1.0  # type: ignore[misc]
    assert TheatreFrame(THEATRE.lat_1, THEATRE.lat_2, 50.0, 27.5) == THEATRE


def test_projection_short_cut_gives_the_public_transform_bits() -> None:
    """`to_lla` / `to_xy` call PROJ's inner transform on copies (no per-call conversion):
    the same bits as `Transformer.transform`, for strided views and any shape."""
    import threading

    from skyshield.geo.frame import _transformers

    fwd, inv = _transformers(THEATRE.proj4, threading.get_ident())
    rng = np.random.default_rng(3)
    xyz = rng.uniform(-9e5, 9e5, (7, 40, 3))
    lat, lon, alt = THEATRE.to_lla(xyz)
    ref_lon, ref_lat = inv.transform(xyz[..., 0].ravel(), xyz[..., 1].ravel())
    assert np.array_equal(lat.ravel(), ref_lat) and np.array_equal(lon.ravel(), ref_lon)
    assert np.array_equal(alt, xyz[..., 2])
    xy = THEATRE.to_xy(lat.T, lon.T)  # a transposed (non-contiguous) input
    ref_x, ref_y = fwd.transform(lon.T.ravel(), lat.T.ravel())
    assert np.array_equal(xy[..., 0].ravel(), ref_x) and np.array_equal(xy[..., 1].ravel(), ref_y)
    assert xy.shape == (40, 7, 2)
    one = THEATRE.to_lla(xyz[0, 0])  # a single point
    assert one[0].shape == () and one[0] == ref_lat[0]
