"""The tracker against an earlier revision of itself, call by call, on recorded plots.

Records the tracker's inputs once in this process (plots and call times: a synthetic raid
of 2,000 targets under 4 radars with IMM, 500 with CV, and the first hour of western-night
as the engine feeds it: every scan ingested, the picture built when a stage reads it),
replays them through the tracker of a reference revision (checked out with `git archive`
into a temporary folder and run in a subprocess) and through the working tree's tracker,
and compares every returned picture: track numbers, confirmed flags, classes (must be
equal) and states (largest difference in units of the track's own standard deviation, and
relative covariance difference).

Run: `python benchmarks/compare_tracker.py [--ref REV] [--cases scale2000,scale500cv,night]`
(default reference: `main`). Prints one line per case and VERDICT (identical, or the size
of the differences).
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def record(case: str) -> list[tuple[str, float, dict | None, str]]:
    """The calls of one case: (method, t, plot arrays or None, filter)."""
    sys.path.insert(0, str(HERE))
    from bench_tracker_scale import four_radars, make_raid, simulate

    if case.startswith("scale"):
        n = int(case[5:].removesuffix("cv"))
        filt = "cv" if case.endswith("cv") else "imm"
        rng = np.random.default_rng(n)
        raid = make_raid(n, rng, half_width=200_000.0)
        frames = simulate(raid, four_radars(), 200.0, rng, dt=10.0)
        return [("update", t, _arrays(p), filt) for t, p in frames]
    if case == "night":
        from skyshield.model.loader import load_scenario
        from skyshield.sim.engine import Engine, EngineConfig

        sc = load_scenario("western-night")
        eng = Engine(sc, EngineConfig(picture="tracked")).start()
        calls: list = []
        trk = eng.picture
        ingest, pic = trk.ingest, trk.picture

        def ingest_(plots, t):  # noqa: ANN001, ANN202 - recording shim
            calls.append(("ingest", float(t), _arrays(plots), "imm"))
            return ingest(plots, t)

        def picture_(t, confirmed_only=False):  # noqa: ANN001, ANN202
            calls.append(("picture", float(t), {"confirmed_only": confirmed_only}, "imm"))
            return pic(t, confirmed_only)

        trk.ingest, trk.picture = ingest_, picture_
        eng.run_until(3600.0)
        return calls
    raise SystemExit(f"unknown case {case!r}")


def _arrays(p) -> dict:  # noqa: ANN001
    return {k: getattr(p, k) for k in ("t", "sensor", "z", "R", "truth_id")}


def replay(calls: list) -> list[dict]:
    """Feed the recorded calls to the importable tracker; the pictures it returns."""
    from skyshield.picture.tracker import Tracker, TrackerConfig
    try:
        from skyshield.contracts import Plots
    except ImportError:  # revisions before the decision-core split (issue 9)
        from skyshield.world.plots import Plots

    trk = Tracker(TrackerConfig(filter=calls[0][3]))
    lazy = hasattr(trk, "ingest")  # revisions before issue 13 only have update / picture(t)
    out = []
    for method, t, arrays, _ in calls:
        if method == "update":
            pic = trk.update(Plots(**arrays), t)
        elif method == "ingest":
            if lazy:
                trk.ingest(Plots(**arrays), t)
            else:
                trk.update(Plots(**arrays), t)
            continue
        elif arrays and arrays.get("confirmed_only"):
            pic = trk.picture(t, True) if lazy else trk.picture(t).confirmed_only()
        else:
            pic = trk.picture(t)
        out.append({k: getattr(pic, k) for k in ("number", "x", "P", "cls", "confirmed")})
    return out


def compare(a: list[dict], b: list[dict]) -> tuple[bool, bool, float, float]:
    """(bit-identical, same tracks/flags/classes, max |dx|/sigma, max relative |dP|)."""
    ident, same, dx, dp = True, True, 0.0, 0.0
    for pa, pb in zip(a, b, strict=True):
        if not (np.array_equal(pa["number"], pb["number"])
                and np.array_equal(pa["confirmed"], pb["confirmed"])
                and np.array_equal(pa["cls"], pb["cls"])):
            return False, False, np.inf, np.inf
        if not (np.array_equal(pa["x"], pb["x"]) and np.array_equal(pa["P"], pb["P"])):
            ident = False
            if len(pa["number"]):
                sig = np.sqrt(np.abs(np.diagonal(pa["P"], axis1=1, axis2=2)))
                dx = max(dx, float(np.max(np.abs(pa["x"] - pb["x"]) / sig)))
                scale = np.abs(pa["P"]).max(axis=(1, 2))[:, None, None]
                dp = max(dp, float(np.max(np.abs(pa["P"] - pb["P"]) / scale)))
    return ident, same, dx, dp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", default="main", help="git revision of the reference tracker")
    ap.add_argument("--cases", default="scale2000,scale500cv,night")
    ap.add_argument("--replay", help=argparse.SUPPRESS)  # internal: replay a pickle
    args = ap.parse_args()
    if args.replay:
        calls = pickle.loads(Path(args.replay).read_bytes())
        Path(args.replay + ".out").write_bytes(pickle.dumps(replay(calls)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        arch = Path(tmp) / "ref.tar"
        subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(arch), args.ref, "src"],
                       check=True)
        with tarfile.open(arch) as tf:
            tf.extractall(Path(tmp) / "ref", filter="data")
        verdict = True
        for case in args.cases.split(","):
            calls = record(case)
            f = Path(tmp) / f"{case}.pkl"
            f.write_bytes(pickle.dumps(calls))
            env = dict(os.environ, PYTHONPATH=str(Path(tmp) / "ref" / "src"))
            subprocess.run([sys.executable, __file__, "--replay", str(f)], env=env, check=True)
            ref = pickle.loads(Path(str(f) + ".out").read_bytes())
            new = replay(calls)
            ident, same, dx, dp = compare(ref, new)
            verdict &= same
            what = "bit-identical" if ident else (
                f"same tracks, numbers, flags, classes; max |dx| = {dx:.2e} sigma, "
                f"max |dP|/|P| = {dp:.2e}" if same else "DIFFERENT tracks")
            print(f"{case:<12} {len(calls):5d} calls: {what}")
        print(f"VERDICT: {'PASS' if verdict else 'FAIL'} (reference {args.ref})")


if __name__ == "__main__":
    main()
