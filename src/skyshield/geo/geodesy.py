"""WGS84 geodesics (pyproj.Geod, i.e. GeographicLib), vectorised and broadcasting.

Degrees and metres at the interface; every function accepts scalars or numpy arrays that
broadcast against each other and returns float arrays of the broadcast shape.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod

__all__ = ["WGS84", "distance", "forward", "inverse", "path_length"]

FloatArray = NDArray[np.float64]


@lru_cache(maxsize=1)
def _geod() -> Geod:
    """The shared WGS84 ellipsoid (built once; Geod is cheap but not free)."""
    return Geod(ellps="WGS84")


WGS84 = _geod()


def _flat(*args: ArrayLike) -> tuple[tuple[int, ...], list[FloatArray]]:
    """Broadcast the inputs and flatten them to contiguous float64 (pyproj wants 1-D)."""
    arrs = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
    shape = arrs[0].shape
    return shape, [np.ascontiguousarray(a).ravel() for a in arrs]


def inverse(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Geodesic distance [m] and forward/back azimuths [deg] between point pairs."""
    shape, (la1, lo1, la2, lo2) = _flat(lat1, lon1, lat2, lon2)
    az12, az21, dist = WGS84.inv(lo1, la1, lo2, la2)
    return (
        np.reshape(dist, shape),
        np.reshape(az12, shape),
        np.reshape(az21, shape),
    )


def distance(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> FloatArray:
    """Geodesic distance [m] between point pairs."""
    return inverse(lat1, lon1, lat2, lon2)[0]


def forward(
    lat: ArrayLike, lon: ArrayLike, az_deg: ArrayLike, dist_m: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """End point (lat, lon) [deg] after dist_m along the geodesic leaving at azimuth az_deg."""
    shape, (la, lo, az, d) = _flat(lat, lon, az_deg, dist_m)
    lo2, la2, _ = WGS84.fwd(lo, la, az, d)
    return np.reshape(la2, shape), np.reshape(lo2, shape)


def path_length(lats: ArrayLike, lons: ArrayLike) -> FloatArray:
    """Geodesic length [m] of polylines given by vertices along the last axis."""
    la = np.asarray(lats, dtype=np.float64)
    lo = np.asarray(lons, dtype=np.float64)
    la, lo = np.broadcast_arrays(la, lo)
    if la.shape[-1] < 2:
        return np.zeros(la.shape[:-1])
    legs = distance(la[..., :-1], lo[..., :-1], la[..., 1:], lo[..., 1:])
    return legs.sum(axis=-1)
