"""Debris: where the wreck of every kill and every missed interceptor falls, and on whom.

A kill at altitude leaves a footprint (`geo.fallout`): the mean fall point thrown along the
velocity, and a disc of spread around it. The debris point is drawn inside that disc (a
normal of the footprint's sigma, clipped to its radius) from the run's generator. Drones
and cruise missiles carry a warhead (a heavy, compact falling section); decoys do not.
A missed air-to-air missile flies on along its line of fire to its maximum range and falls
there (the gun's rounds at the gun's range). Each point gets its country and whether it lies
within `near_km` of a populated place (`model.population`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from skyshield.geo import fallout
from skyshield.geo.borders import NATO, country_of
from skyshield.geo.frame import THEATRE
from skyshield.model.library import ThreatClass
from skyshield.model.population import near_population

__all__ = ["NEAR_POPULATION_KM", "DebrisLog", "Falls", "debris_metrics", "has_warhead",
           "kill_debris",
           "munition_falls"]

FloatArray = NDArray[np.float64]

NEAR_POPULATION_KM = 5.0  # debris this close to a populated place counts as "near" [km]
_WARHEAD = np.zeros(len(ThreatClass), bool)
for _c in (ThreatClass.drone, ThreatClass.cruise_missile, ThreatClass.ballistic,
           ThreatClass.unknown):
    _WARHEAD[_c.code] = True


def has_warhead(cls: ArrayLike) -> NDArray[np.bool_]:
    """Whether threats of these class codes carry a warhead (decoys do not)."""
    return _WARHEAD[np.asarray(cls, np.int64)]


@dataclass(frozen=True)
class Falls:
    """Fall points, struct of arrays."""

    lat: FloatArray  # [deg]
    lon: FloatArray  # [deg]
    country: NDArray[np.str_]  # ISO3 ("" at sea / outside)
    near_population: NDArray[np.bool_]
    mean_xy: FloatArray  # (N,2) mean fall point in the frame [m]
    radius_m: FloatArray  # (N,) footprint radius [m] (0 for munitions)

    def __len__(self) -> int:
        return int(self.lat.shape[0])


def kill_debris(pos: ArrayLike, vel: ArrayLike, cls: ArrayLike, rng: np.random.Generator,
                near_km: float = NEAR_POPULATION_KM) -> Falls:
    """Debris of kills at frame positions `pos` (N,3) with velocities `vel` (N,3) [m, m/s]
    of threats of class codes `cls`: one point per kill, drawn inside its footprint."""
    pos = np.atleast_2d(np.asarray(pos, float))
    vel = np.atleast_2d(np.asarray(vel, float))
    n = pos.shape[0]
    wh = has_warhead(cls) if n else np.zeros(0, bool)
    off, radius = fallout.footprint(vel[:, :2], pos[:, 2], wh)
    mean = pos[:, :2] + off
    d = rng.normal(0.0, 1.0, (n, 2)) * (radius / fallout.FOOTPRINT_SIGMAS)[:, None]
    r = np.hypot(d[:, 0], d[:, 1])
    scale = np.where(r > radius, radius / np.maximum(r, 1e-9), 1.0)
    pt = mean + d * scale[:, None]
    return _falls(pt, mean, radius, near_km)


def munition_falls(shooter: ArrayLike, aim: ArrayLike, max_range_m: ArrayLike,
                   near_km: float = NEAR_POPULATION_KM) -> Falls:
    """Where missed weapons fall: from the shooter (N,2+) along the line to the aim point
    (N,2+) at the weapon's maximum range [m]."""
    s = np.atleast_2d(np.asarray(shooter, float))[:, :2]
    a = np.atleast_2d(np.asarray(aim, float))[:, :2]
    d = a - s
    ln = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1.0)
    pt = s + d / ln[:, None] * np.asarray(max_range_m, float)[:, None]
    return _falls(pt, pt, np.zeros(len(pt)), near_km)


def _falls(pt: FloatArray, mean: FloatArray, radius: FloatArray, near_km: float) -> Falls:
    if len(pt) == 0:
        z = np.zeros(0)
        return Falls(z, z, np.zeros(0, "<U3"), np.zeros(0, bool), np.zeros((0, 2)), z)
    lat, lon = THEATRE.from_xy(pt)
    return Falls(lat, lon, country_of(lat, lon).astype("<U3"),
                 near_population(lat, lon, near_km), mean, radius)


def debris_metrics(debris: pd.DataFrame, munitions: pd.DataFrame | None = None
                   ) -> dict[str, Any]:
    """The `debris` block of metrics.json: kills' debris on NATO territory, near population,
    on Ukraine, by country; missed munitions falling on NATO territory.

    `debris` has one row per kill with ``debris_country`` and ``debris_near_population``;
    `munitions` one row per missed weapon with ``country`` (and ``near_population``)."""
    c = debris["debris_country"].astype(str) if len(debris) else pd.Series(dtype=str)
    near = debris["debris_near_population"].astype(bool) if len(debris) else pd.Series(
        dtype=bool)
    nato = c.isin(sorted(NATO))
    out: dict[str, Any] = {
        "kills": len(debris),
        "on_nato": int(nato.sum()),
        "on_nato_near_population": int((nato & near).sum()),
        "near_population": int(near.sum()),
        "on_ukraine": int((c == "UKR").sum()),
        "by_country": {k: int(v) for k, v in c[c != ""].value_counts().sort_index().items()},
    }
    m = munitions if munitions is not None else pd.DataFrame({"country": []})
    mc = m["country"].astype(str) if len(m) else pd.Series(dtype=str)
    out["munitions_missed"] = len(m)
    out["munitions_on_nato"] = int(mc.isin(sorted(NATO)).sum())
    out["munitions_on_nato_near_population"] = int(
        (mc.isin(sorted(NATO)) & m["near_population"].astype(bool)).sum()) if len(m) else 0
    return out


class DebrisLog:
    """The debris of a run, appended as kills and misses happen; tables at the end.

    Draws come from its own generator (derived from the run seed), so recording debris
    never shifts the kill draws of the run."""

    def __init__(self, rng: np.random.Generator, near_km: float = NEAR_POPULATION_KM) -> None:
        self.rng = rng
        self.near_km = near_km
        self._kills: list[pd.DataFrame] = []
        self._misses: list[pd.DataFrame] = []

    def kills(self, t: float, threat: ArrayLike, pos: ArrayLike, vel: ArrayLike,
              cls: ArrayLike, by: ArrayLike) -> Falls:
        """Debris of threats killed at `t` (positions and velocities just before the kill)."""
        threat = np.atleast_1d(np.asarray(threat, np.int64))
        if threat.size == 0:
            return _falls(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0), self.near_km)
        f = kill_debris(pos, vel, cls, self.rng, self.near_km)
        self._kills.append(pd.DataFrame({
            "threat": threat, "t": float(t), "debris_lat": f.lat, "debris_lon": f.lon,
            "debris_country": f.country.astype(str), "debris_near_population":
            f.near_population, "debris_radius_m": f.radius_m,
            "debris_warhead": has_warhead(cls), "by": np.broadcast_to(
                np.asarray(by, dtype=object), threat.shape)}))
        return f

    def misses(self, t: float, shooter: ArrayLike, aim: ArrayLike, max_range_m: ArrayLike,
               nation: ArrayLike, weapon: ArrayLike) -> Falls:
        """Where weapons that missed at `t` fall (see `munition_falls`)."""
        s = np.atleast_2d(np.asarray(shooter, float))
        if s.shape[0] == 0 or s.size == 0:
            return _falls(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0), self.near_km)
        f = munition_falls(s, aim, max_range_m, self.near_km)
        self._misses.append(pd.DataFrame({
            "t": float(t), "nation": np.asarray(nation, dtype=object),
            "weapon": np.asarray(weapon, dtype=object), "lat": f.lat, "lon": f.lon,
            "country": f.country.astype(str), "near_population": f.near_population}))
        return f

    def kill_table(self) -> pd.DataFrame:
        """One row per kill: threat, t, debris_lat/lon/country/near_population, ..."""
        cols = ["threat", "t", "debris_lat", "debris_lon", "debris_country",
                "debris_near_population", "debris_radius_m", "debris_warhead", "by"]
        return (pd.concat(self._kills, ignore_index=True) if self._kills
                else pd.DataFrame({c: [] for c in cols}))

    def miss_table(self) -> pd.DataFrame:
        """One row per missed weapon: t, nation, weapon, lat, lon, country, near_population."""
        cols = ["t", "nation", "weapon", "lat", "lon", "country", "near_population"]
        return (pd.concat(self._misses, ignore_index=True) if self._misses
                else pd.DataFrame({c: [] for c in cols}))
