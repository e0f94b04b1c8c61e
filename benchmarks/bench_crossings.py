"""Exact crossings after the fact vs the tick-by-tick airspace monitor, on one mass raid.

Both find the visits of ~900 threats to the seven theatre countries around Ukraine: the
reference steps the threats every `--tick` seconds and watches each tick's segment with
`world.airspace.AirspaceMonitor` (one country set per monitor); `world.crossings` cuts the
flown paths once against the real polygons. Prints the CPU time of each (interleaved
repeats, min and spread), their ratio, and the entries each found (the monitor misses an
in-and-out within one tick; the exact method does not).

    python benchmarks/bench_crossings.py [--tick 10] [--hours 6] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from skyshield.model.loader import load_scenario
from skyshield.world.airspace import AirspaceMonitor
from skyshield.world.crossings import THEATRE_COUNTRIES, crossings
from skyshield.world.raid import generate_raid


def monitor_run(sc, tick: float, hours: float) -> tuple[float, int]:
    """Reference: fly the raid tick by tick and count monitored entries."""
    th = generate_raid(sc, np.random.default_rng(sc.seed)).threats
    mon = AirspaceMonitor.for_countries(THEATRE_COUNTRIES, len(th))
    lat0, lon0, _ = th.lla()
    n = 0
    c0 = time.process_time()
    t = 0.0
    while t < hours * 3600.0:
        th.step(t, tick)
        lat1, lon1, _ = th.lla()
        ev = mon.update(t, t + tick, lat0, lon0, lat1, lon1, th.alive)
        n += int(ev.entry.sum())
        lat0, lon0 = lat1, lon1
        t += tick
    return time.process_time() - c0, n


def exact_run(sc, hours: float) -> tuple[float, int]:
    th = generate_raid(sc, np.random.default_rng(sc.seed)).threats
    th.step(0.0, hours * 3600.0)  # closed form: where every flight is at the end
    c0 = time.process_time()
    tab = crossings(th.wp, th.n_wp, th.cum, th.t_launch, th.speed, th.s.copy())
    return time.process_time() - c0, int(tab["entered"].sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tick", type=float, default=10.0)
    ap.add_argument("--hours", type=float, default=6.0)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    sc = load_scenario("mass-raid")
    ref, exa = [], []
    for _ in range(a.repeats):  # interleaved A/B
        t, n_ref = monitor_run(sc, a.tick, a.hours)
        ref.append(t)
        t, n_exa = exact_run(sc, a.hours)
        exa.append(t)
    r, e = min(ref), min(exa)
    print(f"monitor every {a.tick:g} s: {r:.2f} s CPU (spread {max(ref) - r:.2f}), "
          f"{n_ref} entries")
    print(f"exact crossings:      {e:.2f} s CPU (spread {max(exa) - e:.2f}), {n_exa} entries")
    print(f"ratio exact / monitor: {e / r:.3f}")


if __name__ == "__main__":
    main()
