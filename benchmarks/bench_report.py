"""Benchmark the run report on the mass-raid run: size and open time in headless Chromium.

    python benchmarks/bench_report.py            # simulate mass-raid with the real engine
    python benchmarks/bench_report.py RUN_DIR    # an existing run folder
    python benchmarks/bench_report.py --fabricate  # DEV ONLY: a fabricated run of that size

Prints, against references measured in the same run:
- report size vs the raw parquet inputs (budget: < 25 MB);
- time to the first replay frame drawn (`window.__replayReady`) vs opening an empty page
  (budget: < 3 s);
- draw time per frame while playing the busiest moment vs a 60 Hz frame (16.7 ms).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SIZE_BUDGET_MB = 25.0
OPEN_BUDGET_S = 3.0


def make_run(tmp: Path, fabricate: bool) -> Path:
    if fabricate:
        from skyshield.report.devrun import fabricate_run

        return fabricate_run(tmp / "run")
    from skyshield.sim.run import run_scenario

    t = time.perf_counter()
    result = run_scenario("mass-raid")
    print(f"simulated mass-raid in {time.perf_counter() - t:.1f} s")
    return result.write(tmp / "run")


def open_times(pages: dict[str, Path], repeats: int = 3) -> dict[str, float]:
    """Median ms from navigation start to `__replayReadyAt`, per page, in one browser."""
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {k: [] for k in pages}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(repeats):
            for name, path in pages.items():
                page = browser.new_page(viewport={"width": 1500, "height": 1000})
                page.goto(path.as_uri())
                page.wait_for_function("window.__replayReady === true", timeout=60_000)
                out[name].append(page.evaluate("window.__replayReadyAt"))
                page.close()
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(pages["report"].as_uri())
        page.wait_for_function("window.__replayReady === true", timeout=60_000)
        busiest = page.evaluate("""() => { const tl = replay.timeline;
            const n = new Int32Array(tl.nFrames);
            for (let o = 0; o < tl.n; o++)
              for (let k = 0; k < tl.count[o]; k++) n[tl.first[o] + k]++;
            let b = 0; for (let f = 1; f < n.length; f++) if (n[f] > n[b]) b = f;
            return [tl.t0 + b * tl.dt, n[b]]; }""")
        page.evaluate(f"replay.setTime({busiest[0]}); replay.setSpeed(30); replay.play();"
                      "replay.stats.frames = 0; replay.stats.drawMs = 0;")
        page.wait_for_timeout(3000)
        stats = page.evaluate("replay.stats")
        visible = page.evaluate("Array.from(replay._vis).reduce((a, b) => a + b, 0)")
        browser.close()
    med = {k: statistics.median(v) for k, v in out.items()}
    med["draw_ms"] = stats["drawMs"] / max(1, stats["frames"])
    med["fps"] = stats["frames"] / 3.0
    med["objects"] = busiest[1]
    med["visible"] = visible
    return med


def main(argv: list[str]) -> int:
    from skyshield.report.html import build_report

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        args = [a for a in argv if not a.startswith("--")]
        run_dir = Path(args[0]) if args else make_run(tmp, "--fabricate" in argv)
        t = time.perf_counter()
        index = build_report(run_dir)
        build_s = time.perf_counter() - t
        empty = tmp / "empty.html"
        empty.write_text("<!DOCTYPE html><title>empty</title><script>window.__replayReadyAt="
                         "performance.now(); window.__replayReady = true;</script>")
        raw = sum(f.stat().st_size for f in run_dir.glob("*.parquet"))
        size = index.stat().st_size
        times = open_times({"report": index, "empty": empty})
        mb = size / 1e6
        print(f"run folder: {run_dir}")
        print(f"report built in {build_s:.1f} s")
        print(f"report size: {mb:.2f} MB = {size / raw:.2f} x the raw parquet inputs "
              f"({raw / 1e6:.2f} MB); budget {SIZE_BUDGET_MB:.0f} MB -> "
              f"{'OK' if mb < SIZE_BUDGET_MB else 'OVER'}")
        print(f"open to first frame: {times['report'] / 1000:.2f} s = "
              f"{times['report'] / max(times['empty'], 1e-3):.1f} x an empty page "
              f"({times['empty']:.0f} ms); budget {OPEN_BUDGET_S:.0f} s -> "
              f"{'OK' if times['report'] / 1000 < OPEN_BUDGET_S else 'OVER'}")
        print(f"playing the busiest frame ({times['objects']} objects sampled, "
              f"{times['visible']} drawn): {times['draw_ms']:.1f} ms per draw = "
              f"{times['draw_ms'] / 16.7:.2f} x a 60 Hz frame; {times['fps']:.0f} frames/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
