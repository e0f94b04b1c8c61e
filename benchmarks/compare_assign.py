"""Greedy (today's matching) against the local search (rolling dynamic plan) in whole runs.

For each scenario and seed, both assigners fly the same raid with the same aircraft and
rounds (same scenario, same seed, perfect picture: the comparison is of the assigners,
not of the tracker). Printed per assigner, over the seeds: threat value destroyed (the
class value of `decide.assess.CLASS_VALUE`, summed over the threats the coalition
destroyed) as mean ± the 95 % confidence half-width (t, n - 1), and the paired difference
local - greedy with its own half-width; kills; weapons spend; total spend (weapons +
flight hours); spend per kill (weapons, and total; the goal is on the total); the cost
exchange (USD value of the threats destroyed / total USD spent); shots per weapon type.
`mass-raid` is shortened to `--mass-raid-min` minutes (default 240 of its 360: the raid's
last hours, when the rounds are gone, are cut) to keep the CPU within reach on a shared
machine.

Every finished run is appended to `--out` (JSON lines) at once; a run already there is
not flown again, so an interrupted comparison resumes where it stopped, and
`--report-only` prints the table of what is there.

Run: `PYTHONPATH=src python benchmarks/compare_assign.py [--seeds 30] [--jobs 1]
[--first-seed 1] [--out compare_assign.jsonl] [--config cost_price=2e-5 reserve=0.5]`
(`--config` sets `DynamicConfig` constants of the local planner; each row records them).
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy import stats

ASSIGNERS = ("greedy", "local")


def one(job: tuple[str, float | None, int, str, dict]) -> dict:
    """One run: its figures."""
    from skyshield.model.loader import load_scenario
    from skyshield.sim.run import run_scenario

    name, minutes, seed, assign, overrides = job
    if overrides:  # the planner's constants for this comparison (`--config`)
        import functools

        from skyshield.decide.assign import rolling
        from skyshield.decide.assign.dynamic import DynamicConfig

        rolling.DynamicConfig = functools.partial(DynamicConfig, **overrides)  # type: ignore
    sc = load_scenario(name)
    if minutes is not None:
        sc = sc.model_copy(update={"duration_min": minutes})
    t0 = time.process_time()
    r = run_scenario(sc, seed=seed, picture="perfect", assign=assign)
    th = r.threats
    dead = th["outcome"] == "destroyed_coalition"
    c = r.metrics["cost"]
    shots = r.events[r.events.kind == "shot"]
    return {
        "scenario": name, "minutes": minutes, "seed": seed, "assign": assign,
        "value": float(r.metrics["assign"]["achieved_value"]),
        "kills": int(dead.sum()),
        "weapons_usd": float(c["weapons_usd"]),
        "spent_usd": float(c["spent_usd"]),
        "destroyed_usd": float(c["destroyed_value_usd"]),
        "shots": {str(k): int(v) for k, v in shots["weapon"].value_counts().items()},
        "solve_ms_mean": float(r.metrics["assign"].get("solve_ms_mean", np.nan)),
        "solve_ms_max": float(r.metrics["assign"].get("solve_ms_max", np.nan)),
        "cpu_s": time.process_time() - t0,
        "config": overrides if assign != "greedy" else {},
    }


def ci(a: np.ndarray) -> float:
    """95 % confidence half-width of the mean of `a` (Student t, n - 1)."""
    n = len(a)
    if n < 2:
        return float("nan")
    return float(stats.t.ppf(0.975, n - 1) * a.std(ddof=1) / np.sqrt(n))


def table(runs: list[dict], scenario: str, minutes: float | None) -> None:
    """Print the comparison of the seeds both assigners have flown."""
    by = {(r["seed"], r["assign"]): r for r in runs
          if r["scenario"] == scenario and r["minutes"] == minutes}
    seeds = sorted({s for s, _ in by if all((s, a) in by for a in ASSIGNERS)})
    if not seeds:
        return
    label = f" ({minutes:.0f} min)" if minutes is not None else ""
    print(f"\n{scenario}{label}, {len(seeds)} seeds (both assigners), perfect picture; "
          f"mean ± 95 % CI [paired local - greedy ± CI; share of seeds local no worse]")

    def col(asg: str, key: str) -> np.ndarray:
        return np.array([by[s, asg][key] for s in seeds], float)

    figs: dict[str, dict[str, np.ndarray]] = {}
    for asg in ASSIGNERS:
        k = col(asg, "kills")
        figs[asg] = {
            "threat value destroyed": col(asg, "value"),
            "kills": k,
            "weapons USD": col(asg, "weapons_usd"),
            "total USD (weapons+flight)": col(asg, "spent_usd"),
            "weapons USD per kill": col(asg, "weapons_usd") / np.maximum(k, 1),
            "total USD per kill": col(asg, "spent_usd") / np.maximum(k, 1),
            "cost exchange": col(asg, "destroyed_usd") / np.maximum(col(asg, "spent_usd"), 1),
            "solve ms mean / cycle": col(asg, "solve_ms_mean"),
            "solve ms max / cycle": col(asg, "solve_ms_max"),
            "CPU s per run": col(asg, "cpu_s"),
        }
    print(f"  {'':27} {'greedy':>22} {'local':>22} {'local-greedy':>22} {'no worse':>8}")
    for key in figs["greedy"]:
        g, loc = figs["greedy"][key], figs["local"][key]
        if np.all(np.isnan(g)) and np.all(np.isnan(loc)):
            continue
        d = loc - g
        lower_better = "USD" in key or "ms" in key or "CPU" in key
        better = np.mean(loc <= g) if lower_better else np.mean(loc >= g)
        scale = 1e3 if "USD" in key else 1.0
        unit = "k" if scale > 1 else ""

        def fmt(a: np.ndarray, scale: float = scale, unit: str = unit) -> str:
            a = a[np.isfinite(a)] / scale
            if not len(a):
                return f"{'-':>22}"
            return f"{a.mean():14.2f}{unit} ± {ci(a):5.2f}{unit}".rjust(22)

        print(f"  {key:27} {fmt(g)} {fmt(loc)} {fmt(d)} {better:8.0%}")
    kinds = sorted({w for s in seeds for a in ASSIGNERS for w in by[s, a]["shots"]})
    for asg in ASSIGNERS:
        mean = {w: np.mean([by[s, asg]["shots"].get(w, 0) for s in seeds]) for w in kinds}
        print(f"  shots per run, {asg:6}: " + ", ".join(f"{w} {m:.1f}" for w, m in mean.items()))
    gv, lv = figs["greedy"]["threat value destroyed"], figs["local"]["threat value destroyed"]
    gk, lk = figs["greedy"]["total USD per kill"], figs["local"]["total USD per kill"]
    gx, lx = figs["greedy"]["cost exchange"], figs["local"]["cost exchange"]
    print(f"  goal: local destroys at least as much threat value (mean)  "
          f"{'PASS' if lv.mean() >= gv.mean() else 'FAIL'} ({lv.mean():.1f} vs {gv.mean():.1f})")
    print(f"  goal: local spends less per kill (mean total USD per kill)  "
          f"{'PASS' if lk.mean() < gk.mean() else 'FAIL'} (${lk.mean() / 1e3:.0f}k vs "
          f"${gk.mean() / 1e3:.0f}k); cost exchange {lx.mean():.2f} vs {gx.mean():.2f}")


def main() -> None:
    """Fly every (scenario, seed, assigner) not yet in `--out`, then print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=30, help="how many seeds")
    ap.add_argument("--first-seed", type=int, default=1,
                    help="first seed (calibrate on seeds other than the judged 1-30)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes")
    ap.add_argument("--mass-raid-min", type=float, default=240.0)
    ap.add_argument("--scenarios", nargs="+", default=["western-night", "mass-raid"])
    ap.add_argument("--out", type=Path, default=Path("compare_assign.jsonl"),
                    help="JSON lines of finished runs (appended; resumed from)")
    ap.add_argument("--report-only", action="store_true", help="print the table of --out")
    ap.add_argument("--assigners", nargs="+", default=list(ASSIGNERS), choices=ASSIGNERS,
                    help="fly only these (the table pairs what --out holds)")
    ap.add_argument("--config", nargs="*", default=[], metavar="KEY=VALUE",
                    help="DynamicConfig constants for local, e.g. cost_price=2e-5 reserve=0.5 "
                         "(use one --out per setting: the table pairs by seed)")
    a = ap.parse_args()
    overrides = {}
    for kv in a.config:
        key, _, val = kv.partition("=")
        overrides[key] = (val.lower() == "true") if val.lower() in ("true", "false") \
            else float(val) if "." in val or "e" in val.lower() else int(val)

    def minutes(s: str) -> float | None:
        return a.mass_raid_min if s == "mass-raid" else None

    seeds = range(a.first_seed, a.first_seed + a.seeds)
    runs = ([json.loads(line) for line in a.out.read_text().splitlines() if line.strip()]
            if a.out.exists() else [])
    done = {(r["scenario"], r["minutes"], r["seed"], r["assign"]) for r in runs}
    # seed by seed, greedy and local of one seed together: a partial run is still paired
    jobs = [(s, minutes(s), seed, asg, overrides) for seed in seeds
            for s in a.scenarios for asg in a.assigners if (s, minutes(s), seed, asg) not in done]
    if not a.report_only and jobs:
        with ProcessPoolExecutor(a.jobs) as ex, a.out.open("a") as out:
            for job, r in zip(jobs, ex.map(one, jobs), strict=True):  # progress, run by run
                out.write(json.dumps(r) + "\n")
                out.flush()
                runs.append(r)
                print(f"  {job[0]} seed {job[2]:2d} {job[3]:7}: value {r['value']:7.1f}, "
                      f"kills {r['kills']:3d}, spent ${r['spent_usd'] / 1e6:6.2f} M, "
                      f"destroyed ${r['destroyed_usd'] / 1e6:6.2f} M, CPU {r['cpu_s']:5.1f} s",
                      flush=True)
    for s in a.scenarios:
        table([r for r in runs if r["seed"] in seeds], s, minutes(s))


if __name__ == "__main__":
    main()
