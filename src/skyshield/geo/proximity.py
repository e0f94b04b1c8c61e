"""Approximate distance to a set of borders, by table lookup in the theatre frame.

A cheap prefilter for per-tick work: an object farther than a few kilometres from every
border of interest cannot cross one within a bookkeeping period, so exact (and costly)
crossing tests can skip it. Accuracy is the cell size; use it only with a margin.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from skyshield.geo.borders import borders
from skyshield.geo.frame import THEATRE

EXTENT_M = (-1_400_000.0, 1_400_000.0, -1_000_000.0, 1_000_000.0)  # x0, x1, y0, y1 [m]


@dataclass(frozen=True)
class BorderProximity:
    """Distance [m] to the nearest boundary of some countries on a regular grid (frame xy)."""

    x0: float
    y0: float
    cell: float
    dist: np.ndarray  # (ny, nx) distance from each cell centre to the boundary [m]

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        """Approximate distance [m] of points (..., 2) to the boundary (0 outside the grid)."""
        ny, nx = self.dist.shape
        x, y = xy[..., 0], xy[..., 1]
        # (integer clips as minimum of maximum: np.clip's wrapper costs more than the work)
        ix = np.minimum(np.maximum(((x - self.x0) / self.cell).astype(np.int64), 0), nx - 1)
        iy = np.minimum(np.maximum(((y - self.y0) / self.cell).astype(np.int64), 0), ny - 1)
        out = self.dist[iy, ix]
        outside = (x < self.x0) | (y < self.y0) | (x > self.x0 + nx * self.cell) | (
            y > self.y0 + ny * self.cell)
        return np.where(outside, 0.0, out)


@lru_cache(maxsize=8)
def border_proximity(codes: tuple[str, ...], cell_m: float = 2000.0) -> BorderProximity:
    """Distance table to the nearest boundary of any country in `codes` (the borders between
    them included), built once per process."""
    from skyshield.diskcache import cached

    x0, x1, y0, y1 = EXTENT_M
    dist = cached("border_proximity", repr((tuple(codes), float(cell_m), tuple(EXTENT_M))),
                  lambda: _table(codes, cell_m), _npy_dump, _npy_load)
    return BorderProximity(float(x0), float(y0), float(cell_m), dist)


def _table(codes: tuple[str, ...], cell_m: float) -> np.ndarray:
    """The distance table of `border_proximity` [m] (float32)."""
    from scipy import ndimage
    x0, x1, y0, y1 = EXTENT_M
    xs = np.arange(x0 + cell_m / 2, x1, cell_m)
    ys = np.arange(y0 + cell_m / 2, y1, cell_m)
    gx, gy = np.meshgrid(xs, ys)
    lat, lon = THEATRE.from_xy(np.stack([gx, gy], axis=-1))
    country = borders().country_of(lat, lon)
    dist = np.full(country.shape, np.inf)
    for code in codes:
        inside = country == code
        # distance to the nearest cell on the other side, less half a cell (the boundary)
        d = np.where(inside, ndimage.distance_transform_edt(inside),
                     ndimage.distance_transform_edt(~inside)) * cell_m
        np.minimum(dist, d, out=dist)
    dist = np.maximum(dist - cell_m / 2, 0.0)
    return dist.astype(np.float32)


def _npy_dump(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


def _npy_load(b: bytes) -> np.ndarray:
    return np.load(io.BytesIO(b), allow_pickle=False)
