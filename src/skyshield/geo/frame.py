"""The theatre frame: one conformal plane (x east, y north, z = altitude, metres) for kinematics.

`THEATRE` is a Lambert conformal conic (LCC) on WGS84 fitted to the theatre box 43-57 N,
13-42 E so that the largest point scale error over the box is as small as a conic allows
(minimax). An LCC's scale depends on latitude only, so the fit is one-dimensional: the cone
constant is the one whose secant parallels are the box edges (equal scale at 43 N and 57 N),
and the overall scale is then lowered until the excess at the edges equals the deficit at the
centre. That is the same as a two-standard-parallel LCC with

- standard parallels ``lat_1 = 45.126558 N``, ``lat_2 = 55.047314 N`` (scale exactly 1 there),
  equivalently secant parallels 43/57 N with ``k_0 = 1.0037394``;
- origin ``lat_0 = 50 N``, ``lon_0 = 27.5 E`` (box centre); no false easting/northing;
- point scale 1.0037394 at 43 N and 57 N, 0.9962606 at 50.174 N: max error 0.374 %.

Straight-line distances in this plane stay within 0.44 % of the WGS84 geodesic for pairs up
to 1,500 km inside the box (worst of 100k random pairs: 0.436 %, long east-west lines near
57 N where the chord adds to the scale error; mean 0.23 %). Tests check 0.5 % against
GeographicLib; `benchmarks/bench_frame.py` prints the worst pair found. Use `fitted` for a
local frame on a narrower latitude band (smaller error), e.g. for metric buffers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from pyproj.enums import TransformDirection

__all__ = ["THEATRE", "TheatreFrame", "lcc_scale", "minimax_parallels"]

FloatArray = NDArray[np.float64]

_A = 6378137.0  # WGS84 semi-major axis [m]
_F = 1.0 / 298.257223563  # WGS84 flattening
_E2 = _F * (2.0 - _F)  # first eccentricity squared
_E = float(np.sqrt(_E2))
_LONGLAT = "+proj=longlat +ellps=WGS84 +no_defs"


@dataclass(frozen=True)
class TheatreFrame:
    """A WGS84 Lambert conformal conic plane; parameters only, transformers built on first use."""

    lat_1: float  # first standard parallel [deg]
    lat_2: float  # second standard parallel [deg]
    lat_0: float  # latitude of origin (y = 0) [deg]
    lon_0: float  # central meridian (x = 0) [deg]

    @classmethod
    def fitted(cls, lat_min: float, lat_max: float, lon_0: float) -> TheatreFrame:
        """Frame with minimax scale error over the band lat_min..lat_max (origin mid-band)."""
        lat_1, lat_2, _ = minimax_parallels(lat_min, lat_max)
        return cls(float(lat_1), float(lat_2), float(0.5 * (lat_min + lat_max)), float(lon_0))

    @cached_property  # built once per frame (an f-string of four reprs costs 3 us a call)
    def proj4(self) -> str:
        """PROJ string of the plane."""
        return (
            f"+proj=lcc +lat_1={float(self.lat_1)!r} +lat_2={float(self.lat_2)!r} "
            f"+lat_0={float(self.lat_0)!r} +lon_0={float(self.lon_0)!r} "
            "+x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
        )

    def to_xy(self, lat: ArrayLike, lon: ArrayLike) -> FloatArray:
        """Geodetic (lat, lon) [deg] to plane coordinates (..., 2) [m]."""
        la, lo = np.broadcast_arrays(np.asarray(lat, np.float64), np.asarray(lon, np.float64))
        fwd, _ = _transformers(self.proj4, threading.get_ident())
        x, y = _transform(fwd, lo, la)
        return np.stack([x, y], axis=-1).reshape(*la.shape, 2)

    def from_xy(self, xy: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Plane coordinates (..., 2) [m] to geodetic (lat, lon) [deg]."""
        xy = np.asarray(xy, np.float64)
        _, inv = _transformers(self.proj4, threading.get_ident())
        lon, lat = _transform(inv, xy[..., 0], xy[..., 1])
        shape = xy.shape[:-1]
        return np.reshape(lat, shape), np.reshape(lon, shape)

    def to_xyz(self, lat: ArrayLike, lon: ArrayLike, alt: ArrayLike = 0.0) -> FloatArray:
        """Geodetic (lat, lon [deg], alt [m]) to theatre xyz (..., 3) [m]; z = altitude."""
        la, lo, al = np.broadcast_arrays(
            np.asarray(lat, np.float64), np.asarray(lon, np.float64), np.asarray(alt, np.float64)
        )
        xy = self.to_xy(la, lo)
        return np.concatenate([xy, al[..., None]], axis=-1)

    def to_lla(self, xyz: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Theatre xyz (..., 3) [m] to geodetic (lat, lon [deg], alt [m])."""
        xyz = np.asarray(xyz, np.float64)
        lat, lon = self.from_xy(xyz[..., :2])
        return lat, lon, xyz[..., 2].copy()

    def scale(self, lat: ArrayLike) -> FloatArray:
        """Point scale factor k (plane metres per ground metre) at latitude lat [deg]."""
        return lcc_scale(lat, self.lat_1, self.lat_2)


@lru_cache(maxsize=64)
def _transformers(proj4: str, _thread: int) -> tuple[Transformer, Transformer]:
    """Forward and inverse transformers per frame and thread (pyproj is not thread-safe)."""
    fwd = Transformer.from_crs(_LONGLAT, proj4, always_xy=True)
    inv = Transformer.from_crs(proj4, _LONGLAT, always_xy=True)
    return fwd, inv


_FORWARD = TransformDirection.FORWARD


def _transform(tr: Transformer, a: np.ndarray, b: np.ndarray) -> tuple[FloatArray, FloatArray]:
    """`tr.transform(a.ravel(), b.ravel())` for float arrays: the same PROJ call on fresh
    contiguous copies, transformed in place, without the public method's per-call checks
    and conversions of its inputs (half of its 13 us on the few points of a tick; the
    frame is projected tens of thousands of times a run). Falls back to the public method
    where pyproj's inner transformer is not there."""
    x = np.array(a, np.float64).ravel()  # copies: PROJ writes its result into them
    y = np.array(b, np.float64).ravel()
    inner = getattr(tr, "_transformer", None)
    if inner is None or not hasattr(inner, "_transform"):
        return tr.transform(x, y)
    try:
        inner._transform(x, y, None, None, _FORWARD, False, False)
    except TypeError:  # another pyproj's private signature: the public method
        return tr.transform(x, y)  # the binding failed: the copies are untouched
    return x, y


def _m(lat: ArrayLike) -> FloatArray:
    """Snyder's m(phi) = cos(phi) / sqrt(1 - e^2 sin^2 phi)."""
    p = np.radians(lat)
    return np.cos(p) / np.sqrt(1.0 - _E2 * np.sin(p) ** 2)


def _t(lat: ArrayLike) -> FloatArray:
    """Snyder's t(phi), the isometric-latitude term of the ellipsoidal LCC."""
    p = np.radians(lat)
    s = np.sin(p)
    return np.tan(np.pi / 4 - p / 2) / ((1 - _E * s) / (1 + _E * s)) ** (_E / 2)


def lcc_scale(lat: ArrayLike, lat_1: float, lat_2: float) -> FloatArray:
    """Point scale of a WGS84 LCC with standard parallels lat_1, lat_2 (Snyder 1987, eq. 15-4)."""
    n = np.log(_m(lat_1) / _m(lat_2)) / np.log(_t(lat_1) / _t(lat_2))
    return _m(lat_1) * (_t(lat) / _t(lat_1)) ** n / _m(lat)


def minimax_parallels(lat_min: float, lat_max: float) -> tuple[float, float, float]:
    """Standard parallels minimising max |k - 1| over lat_min..lat_max, and that max error."""
    from scipy.optimize import brentq  # here, not at import: scipy.optimize costs 0.35 s

    grid = np.linspace(lat_min, lat_max, 20001)
    k = lcc_scale(grid, lat_min, lat_max)
    i = int(np.argmin(k))
    s = 2.0 / (1.0 + k[i])  # lowers edge scale 1 -> 1+err and centre k_min -> 1-err

    def excess(p: float) -> float:
        return float(s * lcc_scale(p, lat_min, lat_max) - 1.0)

    lat_1 = brentq(excess, lat_min, grid[i], xtol=1e-12)
    lat_2 = brentq(excess, grid[i], lat_max, xtol=1e-12)
    return lat_1, lat_2, float(s - 1.0)


THEATRE = TheatreFrame(lat_1=45.12655800799739, lat_2=55.04731375540583, lat_0=50.0, lon_0=27.5)
"""The theatre frame (LCC, 43-57 N minimax; see the module docstring for the numbers)."""
