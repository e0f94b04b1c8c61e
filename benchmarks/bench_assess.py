"""Threat assessment speed on 1,000 tracks, against the 5 s re-planning period and a peer.

Prints the time of one `assess` call on (a) a realistic picture (the mass-raid scenario's
threats, run to 01:20, topped up to 1,000 tracks from later launches) and (b) a harsh
synthetic one (1,000 tracks scattered over western Ukraine with random courses, half of
them cruise missiles), with ratios against the 5 s decide period and against
`geo.borders.segment_entries` on the same tracks' mean paths (the peer it replaces).
"""

from __future__ import annotations

import time

import numpy as np

from skyshield.decide.assess import assess
from skyshield.geo.borders import borders
from skyshield.geo.frame import THEATRE


def best(f, n=7):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return min(ts)


def picture_synthetic(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    lat, lon = rng.uniform(47, 52, n), rng.uniform(23, 33, n)
    p = THEATRE.to_xyz(lat, lon, 500.0)
    h = rng.uniform(0, 2 * np.pi, n)
    sp = rng.choice([50.0, 200.0], n)
    x = np.concatenate([p, np.stack([sp * np.sin(h), sp * np.cos(h), 0 * h], 1)], 1)
    return x, rng.choice([0, 2], n)


def picture_raid(n=1000):
    from skyshield.model.loader import load_scenario
    from skyshield.world.raid import generate_raid

    sc = load_scenario("mass-raid")
    th = generate_raid(sc, np.random.default_rng(0)).threats
    t = 80 * 60.0
    th.step(0.0, t)  # one big step: positions along the routes at 01:20
    x = np.concatenate([th.pos, th.vel], 1)
    alive = np.flatnonzero(np.linalg.norm(th.vel[:, :2], axis=1) > 0)
    idx = np.resize(alive, n)
    return x[idx], th.cls[idx].astype(int)


def main() -> None:
    P = np.diag([200.0**2] * 3 + [10.0**2] * 3)
    assess(np.zeros((1, 6)) + [0, 0, 500, 50, 0, 0], P[None], np.array([0]), 0.0)  # warm up
    for name, (x, cls) in (("raid (mass-raid at 01:20)", picture_raid()),
                           ("synthetic, harsh", picture_synthetic())):
        n = len(x)
        Pn = np.broadcast_to(P, (n, 6, 6))
        t_a = best(lambda x=x, Pn=Pn, cls=cls: assess(x, Pn, cls, 0.0, horizon_s=1200.0))
        lat0, lon0 = THEATRE.from_xy(x[:, :2])
        lat1, lon1 = THEATRE.from_xy(x[:, :2] + x[:, 3:5] * 1200.0)
        codes = borders().codes
        t_s = best(lambda a=(lat0, lon0, lat1, lon1, codes): borders().segment_entries(*a), 3)
        print(f"{name}: {n} tracks, assess {t_a * 1e3:.1f} ms "
              f"({t_a / 5.0:.2%} of the 5 s decide period); segment_entries on the mean "
              f"paths alone {t_s * 1e3:.1f} ms (assess / peer = {t_a / t_s:.2f})")


if __name__ == "__main__":
    main()
