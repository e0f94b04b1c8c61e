"""Intercept geometry: when and where a shooter can bring a target within weapon range.

All functions broadcast over the leading axes (pass (T,1,·) targets and (1,S,·) shooters to
get (T,S) matrices) and use the first two components (x, y) of the last axis.
The target is assumed to keep its velocity (constant-velocity prediction from its track).
"""

from __future__ import annotations

import numpy as np


def time_to_range(d: np.ndarray, v: np.ndarray, speed: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Earliest time [s] at which a shooter flying at `speed` gets within `reach` of a target.

    `d` is target minus shooter position and `v` the target velocity (…,2) in metres and
    m/s. Solves |d + v t| = reach + speed t for the smallest t >= 0; inf if never.
    """
    dx, dy, vx, vy = d[..., 0], d[..., 1], v[..., 0], v[..., 1]
    dd = dx * dx + dy * dy
    dv = dx * vx + dy * vy
    vv = vx * vx + vy * vy
    a = speed**2 - vv
    b = 2.0 * (reach * speed - dv)
    c = reach**2 - dd
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        disc = b * b - 4.0 * a * c
        # the smaller positive root is (-b + sqrt(disc)) / 2a both for a > 0 (roots of
        # opposite signs) and a < 0 (target faster: both roots positive when b > 0)
        root = (-b + np.sqrt(disc)) / (2.0 * a)
        linear = -c / np.where(b != 0, b, np.inf)  # a == 0: equal speeds
    big = np.abs(a) > 1e-9
    ok = np.where(big, (disc >= 0) & ((a > 0) | (b > 0)), b > 0)
    t = np.where(ok, np.where(big, root, linear), np.inf)
    t = np.where(c >= 0, 0.0, t)  # already within reach
    return np.where(np.isfinite(t) & (t >= 0), t, np.inf)


def lead_point(p: np.ndarray, v: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Predicted target position after `t` seconds at constant velocity."""
    return p + v * np.asarray(t)[..., None]


def standoff_point(target: np.ndarray, vel: np.ndarray, shooter: np.ndarray,
                   hold: np.ndarray) -> np.ndarray:
    """(n,3) point `hold` metres from each target on the line to its shooter [m].

    Where an aircraft already within launch range flies while its shot waits (approval,
    the next release check): flying at the target itself would close inside the weapon's
    minimum range and hold there, matched to the target's speed, never able to fire. A
    shooter on top of its target holds behind it (against its velocity).
    """
    d = shooter - target
    n = np.linalg.norm(d, axis=-1)
    back = -vel
    nb = np.linalg.norm(back, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where((n > 1e-6)[:, None], d / n[:, None],
                     np.where((nb > 1e-9)[:, None], back / nb[:, None], [1.0, 0.0, 0.0]))
    return target + u * np.asarray(hold)[:, None]


def aspect_cos(
    target_pos: np.ndarray, target_vel: np.ndarray, shooter_pos: np.ndarray
) -> np.ndarray:
    """Cosine of the aspect: 1 when the target flies straight at the shooter (head-on)."""
    lx = shooter_pos[..., 0] - target_pos[..., 0]
    ly = shooter_pos[..., 1] - target_pos[..., 1]
    vx, vy = target_vel[..., 0], target_vel[..., 1]
    nv = np.sqrt((vx * vx + vy * vy) * (lx * lx + ly * ly))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (vx * lx + vy * ly) / nv
    return np.where(nv > 0, c, 0.0)
