"""Weapons in flight: released by an aircraft at a track, they fly out and kill or miss.

A weapon is aimed at a track (what we believe); the world decides what it hits: the seeker
acquires the nearest live threat within its acquisition basket around the aim point, or
nothing (a false or stale track wastes the shot). The outcome is drawn against the
notional probability of kill when the fly-out time has elapsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Shots:
    """Weapons in flight, as parallel arrays."""

    t_impact: np.ndarray = field(default_factory=lambda: np.zeros(0))  # [s]
    shooter: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # aircraft idx
    target: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # truth id or -1
    track: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # aimed track
    weapon: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # weapon idx
    origin: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # release point [m]
    aim: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # aim point [m]

    def __len__(self) -> int:
        return len(self.t_impact)

    def add(
        self,
        t_impact: np.ndarray,
        shooter: np.ndarray,
        target: np.ndarray,
        track: np.ndarray,
        weapon: np.ndarray,
        origin: np.ndarray | None = None,
        aim: np.ndarray | None = None,
    ) -> None:
        """Append k new weapons in flight (released at `origin`, aimed at `aim`, frame xy)."""
        k = len(np.atleast_1d(t_impact))
        self.origin = np.r_[self.origin, np.zeros((k, 2)) if origin is None
                            else np.asarray(origin, float)[:, :2]]
        self.aim = np.r_[self.aim, np.zeros((k, 2)) if aim is None
                         else np.asarray(aim, float)[:, :2]]
        self.t_impact = np.r_[self.t_impact, t_impact]
        self.shooter = np.r_[self.shooter, shooter]
        self.target = np.r_[self.target, target]
        self.track = np.r_[self.track, track]
        self.weapon = np.r_[self.weapon, weapon]

    def pop_due(self, t: float) -> Shots:
        """Remove and return the weapons whose fly-out ends at or before `t`."""
        due = self.t_impact <= t
        out = Shots(
            self.t_impact[due],
            self.shooter[due],
            self.target[due],
            self.track[due],
            self.weapon[due],
            self.origin[due],
            self.aim[due],
        )
        keep = ~due
        self.origin, self.aim = self.origin[keep], self.aim[keep]
        self.t_impact, self.shooter = self.t_impact[keep], self.shooter[keep]
        self.target, self.track, self.weapon = (
            self.target[keep],
            self.track[keep],
            self.weapon[keep],
        )
        return out


def acquire(
    aim: np.ndarray, basket_m: np.ndarray, truth_pos: np.ndarray, alive: np.ndarray
) -> np.ndarray:
    """Truth index acquired by each of k seekers aimed at `aim` (k,3), or -1 if none in basket."""
    if len(aim) == 0:
        return np.zeros(0, np.int64)
    live = np.flatnonzero(alive)
    if len(live) == 0:
        return np.full(len(aim), -1, np.int64)
    d = np.linalg.norm(aim[:, None, :] - truth_pos[live][None, :, :], axis=2)
    j = np.argmin(d, axis=1)
    hit = d[np.arange(len(aim)), j] <= basket_m
    return np.where(hit, live[j], -1)


def flyout_time(
    shooter_pos: np.ndarray, target_pos: np.ndarray, speed_ms: np.ndarray
) -> np.ndarray:
    """Fly-out time [s] of weapons from shooters to targets at mean speed (at least 1 s)."""
    return np.maximum(np.linalg.norm(target_pos - shooter_pos, axis=1) / speed_ms, 1.0)


def draw_kills(
    shots: Shots,
    target_cls: np.ndarray,
    target_alive: np.ndarray,
    pk_table: np.ndarray,
    u: np.ndarray,
) -> np.ndarray:
    """Kill mask for due shots: target alive and its uniform `u` below the Pk for its class.

    `pk_table` is (weapons, classes); `u` one uniform per shot (`world.draws.KillDraws`).
    """
    valid = shots.target >= 0
    cls = np.where(valid, target_cls[np.maximum(shots.target, 0)], 0)
    pk = pk_table[shots.weapon, cls]
    return valid & target_alive[np.maximum(shots.target, 0)] & (u < pk)
