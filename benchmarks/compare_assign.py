"""Greedy (today's matching) against the local search (rolling dynamic plan) in whole runs.

For each scenario and seed, both assigners fly the same raid with the same aircraft and
rounds (same scenario, same seed, perfect picture). Printed per assigner, as mean over the
seeds with the paired difference local - greedy: threat value destroyed (the class value
of `decide.assess.CLASS_VALUE`, summed over the threats the coalition destroyed), kills,
weapons spend per kill, total spend (weapons + flight hours) per kill, and the cost
exchange (value of the threats destroyed / spent, USD). `mass-raid` is shortened to
`--mass-raid-min` minutes (default 240 of its 360: the raid's last hours, when the
rounds are gone, are cut) to keep the CPU within reach on a shared machine.

Run: `PYTHONPATH=src python benchmarks/compare_assign.py [--seeds 30] [--jobs 2]`.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

ASSIGNERS = ("greedy", "local")


def one(job: tuple[str, float | None, int, str]) -> dict[str, float]:
    """One run: its figures."""
    from skyshield.model.loader import load_scenario
    from skyshield.sim.run import run_scenario

    name, minutes, seed, assign = job
    sc = load_scenario(name)
    if minutes is not None:
        sc = sc.model_copy(update={"duration_min": minutes})
    t0 = time.process_time()
    r = run_scenario(sc, seed=seed, picture="perfect", assign=assign)
    th = r.threats
    dead = th["outcome"] == "destroyed_coalition"
    c = r.metrics["cost"]
    kills = int(dead.sum())
    return {
        "value": float(r.metrics["assign"]["achieved_value"]),
        "kills": kills,
        "weapons_usd": float(c["weapons_usd"]),
        "spent_usd": float(c["spent_usd"]),
        "destroyed_usd": float(c["destroyed_value_usd"]),
        "solve_ms_mean": float(r.metrics["assign"].get("solve_ms_mean", np.nan)),
        "solve_ms_max": float(r.metrics["assign"].get("solve_ms_max", np.nan)),
        "cpu_s": time.process_time() - t0,
    }


def main() -> None:
    """Fly every (scenario, seed, assigner), then print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    ap.add_argument("--mass-raid-min", type=float, default=240.0)
    ap.add_argument("--scenarios", nargs="+", default=["western-night", "mass-raid"])
    a = ap.parse_args()
    jobs = [(s, a.mass_raid_min if s == "mass-raid" else None, seed, asg)
            for s in a.scenarios for seed in range(1, a.seeds + 1) for asg in ASSIGNERS]
    res = []
    with ProcessPoolExecutor(a.jobs) as ex:
        for job, r in zip(jobs, ex.map(one, jobs), strict=True):  # progress, run by run
            print(f"  {job[0]} seed {job[2]:2d} {job[3]:7}: value {r['value']:7.1f}, "
                  f"kills {r['kills']:3d}, spent ${r['spent_usd'] / 1e6:6.2f} M, "
                  f"destroyed ${r['destroyed_usd'] / 1e6:6.2f} M, CPU {r['cpu_s']:5.1f} s",
                  flush=True)
            res.append(r)
    out: dict[tuple[str, str], list[dict[str, float]]] = {}
    for (s, _, _, asg), r in zip(jobs, res, strict=True):
        out.setdefault((s, asg), []).append(r)
    for s in a.scenarios:
        minutes = f" ({a.mass_raid_min:.0f} min)" if s == "mass-raid" else ""
        print(f"\n{s}{minutes}, {a.seeds} seeds, perfect picture; mean over seeds "
              f"[paired local - greedy: mean, and seeds where local >= greedy]")
        rows = {asg: out[(s, asg)] for asg in ASSIGNERS}

        def col(asg: str, key: str, rows: dict = rows) -> np.ndarray:
            return np.array([r[key] for r in rows[asg]])

        figs = {}
        for asg in ASSIGNERS:
            k = col(asg, "kills")
            figs[asg] = {
                "threat value destroyed": col(asg, "value"),
                "kills": k,
                "weapons USD per kill": col(asg, "weapons_usd") / np.maximum(k, 1),
                "total USD per kill": col(asg, "spent_usd") / np.maximum(k, 1),
                "cost exchange": col(asg, "destroyed_usd") / np.maximum(col(asg, "spent_usd"), 1),
                "solve ms mean / cycle": col(asg, "solve_ms_mean"),
                "solve ms max / cycle": col(asg, "solve_ms_max"),
                "CPU s per run": col(asg, "cpu_s"),
            }
        print(f"  {'':26} {'greedy':>14} {'local':>14} {'local-greedy':>14} {'local>=':>8}")
        for key in figs["greedy"]:
            g, loc = figs["greedy"][key], figs["local"][key]
            d = loc - g
            better = np.mean(loc >= g) if "USD" not in key else np.mean(loc <= g)
            if np.all(np.isnan(g)) and np.all(np.isnan(loc)):
                continue
            print(f"  {key:26} {np.nanmean(g):14.2f} {np.nanmean(loc):14.2f} "
                  f"{np.nanmean(d):+14.2f} {better:8.0%}")
        gv, lv = figs["greedy"]["threat value destroyed"], figs["local"]["threat value destroyed"]
        gk, lk = figs["greedy"]["total USD per kill"], figs["local"]["total USD per kill"]
        print(f"  goal: local destroys at least as much threat value (mean)   "
              f"{'PASS' if lv.mean() >= gv.mean() else 'FAIL'}")
        print(f"  goal: local spends less per kill (mean total USD per kill) "
              f"{'PASS' if lk.mean() < gk.mean() else 'FAIL'}")


if __name__ == "__main__":
    main()
