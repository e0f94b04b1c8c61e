"""Whole-command speed: `skyshield simulate ...` as a user types it, start-up included.

Each command runs as a subprocess (`python -m skyshield.cli simulate ...`, this checkout's
`src` first on the path); its CPU time is user + sys from `os.wait4`, its peak memory the
child's max RSS. The reference is real time: the ratio is simulated seconds over CPU
seconds, printed with PASS/FAIL against the goals of issue 13:

- western-night, tracked (the default), `--no-report`: >= 2,000x real time
- western-night, `--picture perfect`, `--no-report`: >= 5,000x
- the HTML report: <= 5 s of CPU added (the same tracked run with and without it)
- mass-raid tracked >= 1,000x, perfect >= 2,000x, peak memory <= 2 GiB

`--growth` adds the cost-growth table: western-night with every wave's count x 1, 2, 4, 8,
16 (tracked, no report), the rate and the CPU per threat of each; the cost per threat must
not grow with raid size (verdict: the marginal CPU per added threat of the largest step no
more than 1.25 times that of the smallest).

Run: `python benchmarks/bench_command.py [--reps N] [--growth] [--only NAME]`.
With `--reps` > 1 the commands are interleaved (a, b, ..., a, b, ...) and the spread of
the ratios (min-max) printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
GROWTH = (1, 2, 4, 8, 16)


def run_command(args: list[str], log: Path) -> tuple[float, float, float]:
    """(CPU s of the child, its peak RSS GiB, wall s) of `python -m skyshield.cli ARGS`."""
    env = dict(os.environ, PYTHONPATH=str(SRC))
    t0 = time.perf_counter()
    with log.open("w") as fh:
        p = subprocess.Popen([sys.executable, "-m", "skyshield.cli", *args], env=env,
                             stdout=fh, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"command failed ({p.returncode}): skyshield {' '.join(args)}\n"
                         + log.read_text()[-2000:])
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 2**20, wall


def scaled_scenario(name: str, factor: int, folder: Path) -> tuple[Path, int]:
    """The built-in scenario with every raid wave's count times `factor`; (file, threats)."""
    from ruamel.yaml import YAML

    from skyshield.model.loader import builtin_path

    yaml = YAML()
    data = yaml.load(builtin_path(name).read_text())
    total = 0
    for wave in data["raid"]["waves"]:
        wave["count"] = int(wave["count"]) * factor
        total += wave["count"]
    data["name"] = f"{name}-x{factor}"
    out = folder / f"{name}-x{factor}.yaml"
    with out.open("w") as fh:
        yaml.dump(data, fh)
    return out, total


def duration_s(scenario: str) -> float:
    """Simulated duration of a scenario (name or file) [s]."""
    from skyshield.model.loader import load_scenario

    return float(load_scenario(scenario).duration_s)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=1, help="repetitions of each command")
    ap.add_argument("--growth", action="store_true", help="also the wave x 1 .. 16 table")
    ap.add_argument("--only", help="run only the cases whose label contains this text")
    ap.add_argument("--growth-only", action="store_true", help="only the wave x 1 .. 16 table")
    args = ap.parse_args()
    cases = [  # label, scenario, extra args, goal (x real time), report case
        ("western-night tracked", "western-night", ["--no-report"], 2000.0),
        ("western-night perfect", "western-night", ["--picture", "perfect", "--no-report"],
         5000.0),
        ("western-night tracked + report", "western-night", [], None),
        ("mass-raid tracked", "mass-raid", ["--no-report"], 1000.0),
        ("mass-raid perfect", "mass-raid", ["--picture", "perfect", "--no-report"], 2000.0),
    ]
    if args.only:
        cases = [c for c in cases if args.only in c[0]]
    if args.growth_only:
        cases, args.growth = [], True
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        res: dict[str, list[tuple[float, float, float]]] = {c[0]: [] for c in cases}
        for _ in range(args.reps):
            for label, scen, extra, _goal in cases:  # interleaved repetitions
                out = tmpd / label.replace(" ", "_").replace("+", "")
                res[label].append(run_command(["simulate", scen, "-o", str(out), "--force", *extra],
                                              tmpd / "log.txt"))
        if cases:
            print(f"{'command':<34}{'sim s':>8}{'CPU s':>8}{'spread':>14}{'x real time':>12}"
                  f"{'peak GiB':>9}  verdict")
        for label, scen, _extra, goal in cases:
            sim = duration_s(scen)
            cpu = np.array([r[0] for r in res[label]])
            mem = max(r[1] for r in res[label])
            med = float(np.median(cpu))
            rate = sim / med
            verdict = ""
            if goal is not None:
                good = rate >= goal and (not label.startswith("mass-raid") or mem <= 2.0)
                ok &= good
                verdict = f"{'PASS' if good else 'FAIL'} (goal >= {goal:,.0f}x"
                verdict += ", <= 2 GiB)" if label.startswith("mass-raid") else ")"
            print(f"{label:<34}{sim:8.0f}{med:8.2f}{cpu.min():7.2f}-{cpu.max():<6.2f}"
                  f"{rate:12,.0f}{mem:9.2f}  {verdict}")
        if "western-night tracked" in res and "western-night tracked + report" in res:
            extra = float(np.median([r[0] for r in res["western-night tracked + report"]])
                          - np.median([r[0] for r in res["western-night tracked"]]))
            good = extra <= 5.0
            ok &= good
            print(f"HTML report adds {extra:.2f} s of CPU (goal <= 5 s): "
                  f"{'PASS' if good else 'FAIL'}")
        if args.growth:
            print("\ncost growth: western-night, every wave x k, tracked, --no-report")
            print(f"{'x':>4}{'threats':>9}{'CPU s':>8}{'x real time':>12}{'CPU ms/threat':>15}"
                  f"{'marginal ms/threat':>20}")
            sim = duration_s("western-night")
            prev, marg = None, []
            for k in GROWTH:
                f, n = scaled_scenario("western-night", k, tmpd)
                cpu = np.median([run_command(["simulate", str(f), "-o", str(tmpd / f"g{k}"),
                                              "--force", "--no-report"], tmpd / "log.txt")[0]
                                 for _ in range(args.reps)])
                m = "" if prev is None else f"{1000 * (cpu - prev[1]) / (n - prev[0]):20.1f}"
                if prev is not None:
                    marg.append((cpu - prev[1]) / (n - prev[0]))
                print(f"{k:4d}{n:9d}{cpu:8.2f}{sim / cpu:12,.0f}{1000 * cpu / n:15.1f}{m}",
                      flush=True)
                prev = (n, cpu)
            good = marg[-1] <= 1.25 * marg[0]
            ok &= good
            print(f"marginal cost per threat x8->x16 {1000 * marg[-1]:.1f} ms vs x1->x2 "
                  f"{1000 * marg[0]:.1f} ms (goal: not growing, <= 1.25x): "
                  f"{'PASS' if good else 'FAIL'}")
    print(f"VERDICT: {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
