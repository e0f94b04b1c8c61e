"""Where a falling object lands: the throw of debris released at altitude with a speed.

One model shared by truth (`world.debris`, where the debris of a kill falls) and belief
(`decide.roe` hold-fire rules, which predict it from a track), so that both judge the same
physics. NOTIONAL, public-textbook level: the object falls from altitude ``h`` with drag,
reaching a terminal speed ``v_t`` (heavy warhead section or light airframe debris); its
horizontal speed ``v`` decays with time constant ``TAU_S``:

    t_fall = sqrt(2 h / g)                  if h < v_t^2 / (2 g)
           = h / v_t + v_t / (2 g)          otherwise
    throw  = v * TAU_S * (1 - exp(-t_fall / TAU_S))        along the velocity

The spread of the fall point (one sigma, every direction) grows with the throw and the
height: ``sigma = SPREAD_THROW * throw + SPREAD_HEIGHT * h + SPREAD_MIN_M``; the footprint
is the disc of `FOOTPRINT_SIGMAS` sigma around the mean point.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["FOOTPRINT_SIGMAS", "fall_time", "footprint", "throw"]

FloatArray = NDArray[np.float64]

G = 9.80665  # standard gravity [m/s^2]
TAU_S = 6.0  # horizontal-speed decay time of tumbling debris [s] (NOTIONAL)
V_TERMINAL_WARHEAD = 120.0  # terminal speed of a warhead section [m/s] (NOTIONAL)
V_TERMINAL_DEBRIS = 40.0  # terminal speed of light airframe debris [m/s] (NOTIONAL)
SPREAD_THROW = 0.15  # sigma per metre of throw [-] (NOTIONAL)
SPREAD_HEIGHT = 0.10  # sigma per metre of release height [-] (NOTIONAL)
SPREAD_MIN_M = 50.0  # smallest sigma [m] (NOTIONAL)
FOOTPRINT_SIGMAS = 3.0  # footprint radius in sigmas [-]


def fall_time(alt: ArrayLike, warhead: ArrayLike) -> FloatArray:
    """Time to fall from `alt` [m] to the ground [s], with drag (see the module text)."""
    h = np.maximum(np.asarray(alt, float), 0.0)
    vt = np.where(np.asarray(warhead, bool), V_TERMINAL_WARHEAD, V_TERMINAL_DEBRIS)
    return np.where(h < vt**2 / (2 * G), np.sqrt(2 * h / G), h / vt + vt / (2 * G))


def throw(vel_xy: ArrayLike, alt: ArrayLike, warhead: ArrayLike) -> FloatArray:
    """Horizontal offset (..., 2) [m] from the release point to the mean fall point."""
    v = np.asarray(vel_xy, float)
    tf = fall_time(alt, warhead)
    k = TAU_S * (1.0 - np.exp(-tf / TAU_S))
    return v * np.asarray(k)[..., None]


def footprint(vel_xy: ArrayLike, alt: ArrayLike, warhead: ArrayLike
              ) -> tuple[FloatArray, FloatArray]:
    """(mean offset (..., 2) [m], footprint radius (...) [m]) of a fall."""
    off = throw(vel_xy, alt, warhead)
    h = np.maximum(np.asarray(alt, float), 0.0)
    sigma = SPREAD_THROW * np.hypot(off[..., 0], off[..., 1]) + SPREAD_HEIGHT * h + SPREAD_MIN_M
    return off, FOOTPRINT_SIGMAS * sigma
