"""Ukrainian ground-based air defence: sites with a missile engagement zone and a magazine.

Each ready site fires at the nearest live threat inside its zone (range and altitude band)
that no other site is engaging this tick; the kill is drawn at once (short fly-out). Sites
act on their own picture, modelled here as truth: they are not the coalition's decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Sites:
    """Ukrainian air-defence sites as parallel arrays."""

    name: list[str]
    pos: np.ndarray  # site position, theatre frame (M,3) [m]
    range_m: np.ndarray  # engagement range [m]
    alt_min: np.ndarray  # lowest engageable altitude [m]
    alt_max: np.ndarray  # highest engageable altitude [m]
    magazine: np.ndarray  # missiles left [-]
    pk: np.ndarray  # probability of kill per shot [-]
    reload_s: np.ndarray  # time between shots [s]
    active: np.ndarray  # site switched on [bool]
    next_t: np.ndarray = field(init=False)  # earliest time of the next shot [s]

    def __post_init__(self) -> None:
        self.next_t = np.zeros(len(self.name))

    def __len__(self) -> int:
        return len(self.name)

    def in_zone(self, xyz: np.ndarray) -> np.ndarray:
        """(M, N) mask: point n is inside the engagement zone of active site m."""
        d = np.hypot(xyz[None, :, 0] - self.pos[:, None, 0], xyz[None, :, 1] - self.pos[:, None, 1])
        z = xyz[None, :, 2]
        live = (self.active & (self.magazine > 0))[:, None]
        return (
            live
            & (d <= self.range_m[:, None])
            & (z >= self.alt_min[:, None])
            & (z <= self.alt_max[:, None])
        )

    def engage(
        self,
        t: float,
        xyz: np.ndarray,
        engageable: np.ndarray,
        hold: np.ndarray | None,
        uniforms: Callable[[np.ndarray], np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fire every ready site at one threat; return (site, threat index, killed) arrays.

        `uniforms(threats)` gives one uniform per shot for its kill draw.

        `engageable` masks the threats a site may shoot at (alive, not ballistic);
        `hold` is an optional (M, N) mask of site/threat pairs under a hold-fire order.
        """
        ready = np.flatnonzero(self.active & (self.magazine > 0) & (self.next_t <= t))
        if len(ready) == 0:
            empty = np.zeros(0, np.int64)
            return empty, empty, np.zeros(0, bool)
        # cheap prefilter: the bounding box of the ready sites' circles
        r = self.range_m[ready]
        x, y = xyz[:, 0], xyz[:, 1]
        box = (x >= (self.pos[ready, 0] - r).min()) & (x <= (self.pos[ready, 0] + r).max())
        box &= (y >= (self.pos[ready, 1] - r).min()) & (y <= (self.pos[ready, 1] + r).max())
        cand = np.flatnonzero(engageable & box)
        if len(ready) == 0 or len(cand) == 0:
            empty = np.zeros(0, np.int64)
            return empty, empty, np.zeros(0, bool)
        p = xyz[cand]
        d = np.hypot(
            p[None, :, 0] - self.pos[ready, None, 0], p[None, :, 1] - self.pos[ready, None, 1]
        )
        ok = (
            (d <= self.range_m[ready, None])
            & (p[None, :, 2] >= self.alt_min[ready, None])
            & (p[None, :, 2] <= self.alt_max[ready, None])
        )
        if hold is not None:
            ok &= ~hold[np.ix_(ready, cand)]
        if not ok.any():  # no threat in any ready site's zone (no draw is made either)
            empty = np.zeros(0, np.int64)
            return empty, empty, np.zeros(0, bool)
        d = np.where(ok, d, np.inf)
        sites, targets = [], []
        taken = np.zeros(len(cand), bool)
        for i in np.argsort(d.min(axis=1)):  # loop over ready sites (a handful), not threats
            row = np.where(taken, np.inf, d[i])
            j = int(np.argmin(row))
            if np.isfinite(row[j]):
                taken[j] = True
                sites.append(ready[i])
                targets.append(cand[j])
        sites_a = np.asarray(sites, np.int64)
        targets_a = np.asarray(targets, np.int64)
        killed = uniforms(targets_a) < self.pk[sites_a]
        self.magazine[sites_a] -= 1
        self.next_t[sites_a] = t + self.reload_s[sites_a]
        return sites_a, targets_a, killed
