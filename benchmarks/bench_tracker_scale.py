"""Tracker CPU time per radar scan period at raid sizes 100 ... 2,000 targets, 4 radars.

Prints, per raid size, the plots in one radar scan and the CPU milliseconds of one scan
period (one scan of each of the 4 radars ingested, plus the picture built once, as decide
reads it), the median over the steady part of a 200 s run (the picture forms in the first
50 s), repeated in fresh processes; the spread is the range of the repetitions' medians.
The ratio column is the scan period over that time (how many times faster than the
radars deliver). Goal of issue 13: <= 25 ms at 2,000 targets. With `--ref REV` the tracker
of that git revision runs on the very same plots, interleaved with ours (ours, ref, ours,
...), and its column and the speed-up are printed too. BLAS is pinned to one thread.

Run: `python benchmarks/bench_tracker_scale.py [--cv] [--reps 3] [--ref REV]`.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

try:
    from skyshield.contracts import Plots
except ImportError:  # revisions before the decision-core split (issue 9)
    from skyshield.world.plots import Plots
from skyshield.world.radars import RadarNet, RadarSpec, RcsClass  # noqa: E402

SCAN_PERIOD = 10.0  # radar rotation period = one tracker update here [s]
SIZES = (100, 250, 500, 1000, 2000)  # raid sizes [targets]
GOAL_MS = 25.0  # CPU per scan period at 2,000 targets (issue 13) [ms]
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Raid:
    """Straight-flying synthetic raid: positions at t=0 and constant velocities."""

    xyz0: np.ndarray  # (N,3) [m]
    vel: np.ndarray  # (N,3) [m/s]
    rcs: np.ndarray  # (N,) RcsClass

    def at(self, t: float) -> np.ndarray:
        """Positions at time t [m]."""
        return self.xyz0 + t * self.vel


def make_raid(n: int, rng: np.random.Generator, half_width: float = 300_000.0) -> Raid:
    """n targets: 60 % drones, 30 % cruise missiles, 10 % aircraft, random headings."""
    kind = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    speed = np.choose(
        kind, [rng.uniform(45, 60, n), rng.uniform(220, 250, n), rng.uniform(200, 260, n)]
    )
    alt = np.choose(
        kind, [rng.uniform(150, 2000, n), rng.uniform(50, 300, n), rng.uniform(6000, 10000, n)]
    )
    hdg = rng.uniform(0, 2 * np.pi, n)
    xyz = np.column_stack([rng.uniform(-half_width, half_width, (n, 2)), alt])
    vel = np.column_stack([speed * np.sin(hdg), speed * np.cos(hdg), np.zeros(n)])
    rcs = np.choose(kind, [RcsClass.DRONE, RcsClass.CRUISE_MISSILE, RcsClass.AIRCRAFT])
    return Raid(xyz, vel, rcs.astype(np.int64))


def four_radars(false_alarms: float = 10.0) -> RadarNet:
    """Four ground radars inside the raid box, staggered phases, 10 s scans, high Pd."""
    sites = [(-150e3, -150e3), (150e3, -150e3), (150e3, 150e3), (-150e3, 150e3)]
    specs = [
        RadarSpec(
            name=f"R{i}",
            position=(x, y, 300.0),
            antenna_height=50.0,
            max_range=450e3,
            scan_period=10.0,
            phase=2.5 * i,
            ref_range=1500e3,
            false_alarms=false_alarms,
        )
        for i, (x, y) in enumerate(sites)
    ]
    return RadarNet.from_specs(specs)


def simulate(
    raid: Raid, net: RadarNet, t_end: float, rng: np.random.Generator, dt: float = 1.0
) -> list[tuple[float, Plots]]:
    """Plots per world tick (dt) up to t_end, targets truthfully at `raid.at(t)`."""
    out = []
    ids = np.arange(raid.xyz0.shape[0])
    for t in np.arange(dt, t_end + 1e-9, dt):
        out.append(
            (float(t), net.scan(float(t), raid.at(t), raid.rcs, ids, rng, truth_vel=raid.vel))
        )
    return out


def frames_for(n: int) -> list[tuple[float, Plots]]:
    """The recorded plots of the n-target run (same seed every time)."""
    rng = np.random.default_rng(n)
    raid = make_raid(n, rng, half_width=200_000.0)
    return simulate(raid, four_radars(), 200.0, rng, dt=SCAN_PERIOD)


def worker(path: str, filt: str) -> None:
    """Time the importable tracker on pickled frames; print {n: [plots/scan, cpu ms]}."""
    from skyshield.picture.tracker import Tracker, TrackerConfig

    data = pickle.loads(Path(path).read_bytes())
    out = {}
    for n, frames in data.items():
        trk = Tracker(TrackerConfig(filter=filt))
        cpu, nplots = [], []
        for t, arrays in frames:
            plots = Plots(**arrays)
            c0 = time.process_time()
            trk.update(plots, t)  # ingest the period's 4 scans, build the picture once
            cpu.append(time.process_time() - c0)
            nplots.append(len(plots))
        out[n] = [float(np.mean(nplots[5:]) / 4), 1000 * float(np.median(cpu[5:]))]
    print(json.dumps(out))


def run(path: str, filt: str, pythonpath: str) -> dict[int, list[float]]:
    """One repetition in a fresh process with the given source tree first on the path."""
    env = dict(os.environ, PYTHONPATH=pythonpath)
    res = subprocess.run(
        [sys.executable, __file__, "--worker", path, "--filter", filt],
        env=env, check=True, capture_output=True, text=True,
    )
    return {int(k): v for k, v in json.loads(res.stdout.splitlines()[-1]).items()}


def main() -> None:
    """Print the CPU ms per scan period table with spread, the ratio and the verdict."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv", action="store_true", help="constant-velocity filter (default IMM)")
    ap.add_argument("--reps", type=int, default=3, help="repetitions (fresh processes)")
    ap.add_argument("--ref", help="git revision whose tracker runs interleaved as reference")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--filter", default="imm", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.filter)
        return
    filt = "cv" if args.cv else "imm"
    ours_path = str(ROOT / "src")
    with tempfile.TemporaryDirectory() as tmp:
        data = {
            n: [(t, {k: getattr(p, k) for k in ("t", "sensor", "z", "R", "truth_id")})
                for t, p in frames_for(n)]
            for n in SIZES
        }
        path = str(Path(tmp) / "frames.pkl")
        Path(path).write_bytes(pickle.dumps(data))
        impls = [("ours", ours_path)]
        if args.ref:
            arch = Path(tmp) / "ref.tar"
            subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(arch), args.ref, "src"],
                           check=True)
            with tarfile.open(arch) as tf:
                tf.extractall(Path(tmp) / "ref", filter="data")
            impls.append(("ref", str(Path(tmp) / "ref" / "src")))
        # a first untimed run per implementation (compiles numba kernels into the cache)
        for _, pp in impls:
            run(path, filt, pp)
        res: dict[str, list[dict[int, list[float]]]] = {name: [] for name, _ in impls}
        for _ in range(args.reps):
            for name, pp in impls:  # interleaved: ours, ref, ours, ref, ...
                res[name].append(run(path, filt, pp))
    print(f"tracker filter: {filt}; 4 radars, {SCAN_PERIOD:.0f} s scans; CPU ms per scan period"
          f" (4 scans ingested + 1 picture), median of steady periods, {args.reps} repetitions")
    head = f"{'targets':>8} {'plots/scan':>10} {'CPU ms/period':>14} {'spread':>13}"
    head += f" {'x real time':>12}"
    if args.ref:
        head += f" {'ref ms':>8} {'ref spread':>13} {'speed-up':>9}"
    print(head)
    worst = np.inf
    for n in SIZES:
        ms = np.array([r[n][1] for r in res["ours"]])
        med = float(np.median(ms))
        line = (f"{n:8d} {res['ours'][0][n][0]:10.0f} {med:14.1f} "
                f"{ms.min():6.1f}-{ms.max():<6.1f} {1000 * SCAN_PERIOD / med:11.0f}x")
        if args.ref:
            rm = np.array([r[n][1] for r in res["ref"]])
            rmed = float(np.median(rm))
            line += f" {rmed:8.1f} {rm.min():6.1f}-{rm.max():<6.1f} {rmed / med:8.2f}x"
        print(line)
        worst = med if n == 2000 else worst
    verdict = "PASS" if worst <= GOAL_MS else "FAIL"
    print(f"2,000 targets: {worst:.1f} ms CPU per 4-radar scan period "
          f"(goal <= {GOAL_MS:.0f} ms): {verdict}")


if __name__ == "__main__":
    main()
