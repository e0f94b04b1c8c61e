"""Threat kinematics speed: µs per 1-second tick for ~900 threats over a 6-hour night.

Prints the cost per tick, the whole night's wall time and its ratio to real time, and, as a
reference measured in the same run, the same flight done naively (a Python loop over threats
per tick). Also times the airspace monitor and the raid generator on the same raid.

    python benchmarks/bench_threats.py [--threats 900] [--hours 6]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from skyshield.geo.borders import NATO
from skyshield.model.loader import load_scenario
from skyshield.model.scenario import Raid, Wave
from skyshield.world.airspace import AirspaceMonitor
from skyshield.world.raid import generate_raid


def big_raid(n: int):
    """western-night with its waves scaled to about n threats (a mass raid)."""
    sc = load_scenario("western-night")
    total = sum(w.count for w in sc.raid.waves)
    waves = [Wave(**{**w.model_dump(), "count": max(1, round(w.count * n / total))})
             for w in sc.raid.waves]
    return sc.model_copy(update={"raid": Raid(target_areas=sc.raid.target_areas, waves=waves)})


def naive_step(th, t1: float) -> None:
    """Reference: the same closed-form flight, one threat at a time."""
    for i in range(len(th)):
        s = min(max(th.speed[i] * (t1 - th.t_launch[i]), 0.0), th.length[i])
        k = int(np.searchsorted(th.cum[i, : th.n_wp[i]], s, side="right")) - 1
        k = min(k, th.n_wp[i] - 2)
        a, b = th.wp[i, k], th.wp[i, k + 1]
        f = (s - th.cum[i, k]) / max(th.cum[i, k + 1] - th.cum[i, k], 1e-9)
        _ = a + f * (b - a)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threats", type=int, default=900)
    ap.add_argument("--hours", type=float, default=6.0)
    args = ap.parse_args()
    sc = big_raid(args.threats)
    t0 = time.perf_counter()
    plan = generate_raid(sc, np.random.default_rng(0))
    gen = time.perf_counter() - t0
    th = plan.threats
    n, k = len(th), th.wp.shape[1]
    ticks = int(args.hours * 3600)
    print(f"raid: {n} threats, up to {k} route points; generated in {gen:.2f} s")

    t0 = time.perf_counter()
    for i in range(ticks):
        th.step(float(i), 1.0)
    wall = time.perf_counter() - t0
    us = wall / ticks * 1e6
    print(f"Threats.step: {us:.1f} µs/tick, {ticks} ticks in {wall:.2f} s, "
          f"{ticks / wall:,.0f}x real time; status counts {np.bincount(th.status, minlength=5)}")

    ref_ticks = 200
    th2 = generate_raid(sc, np.random.default_rng(0)).threats
    t0 = time.perf_counter()
    for i in range(ref_ticks):
        naive_step(th2, 3600.0 + i)
    ref_us = (time.perf_counter() - t0) / ref_ticks * 1e6
    print(f"reference (Python loop over threats): {ref_us:.0f} µs/tick -> vectorised is "
          f"{ref_us / us:.0f}x faster")

    th3 = generate_raid(sc, np.random.default_rng(0)).threats
    mon = AirspaceMonitor(NATO, n)
    lat0, lon0, _ = th3.lla()
    m_ticks = min(ticks, 1800)
    for i in range(3 * 3600):  # mid-raid, most threats in the air
        th3.step(float(i), 1.0)
    lat0, lon0, _ = th3.lla()
    t_step = t_lla = t_mon = 0.0
    for i in range(m_ticks):
        t = 3 * 3600.0 + i
        a = time.perf_counter()
        th3.step(t, 1.0)
        b = time.perf_counter()
        lat1, lon1, _ = th3.lla()
        c = time.perf_counter()
        mon.update(t, t + 1.0, lat0, lon0, lat1, lon1, th3.alive)
        d = time.perf_counter()
        t_step, t_lla, t_mon = t_step + b - a, t_lla + c - b, t_mon + d - c
        lat0, lon0 = lat1, lon1
    print(f"mid-raid ({int(th3.alive.sum())} flying), per tick: step {t_step / m_ticks * 1e6:.0f} "
          f"µs, lla {t_lla / m_ticks * 1e6:.0f} µs, AirspaceMonitor {t_mon / m_ticks * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
