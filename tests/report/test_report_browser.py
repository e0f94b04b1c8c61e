"""The report in real headless Chromium: it draws, plays, scrubs, and logs no error."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                       reason=f"Chromium not found at {CHROMIUM}: browser tests need it"),
]


@pytest.fixture(scope="module")
def page(report: Path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1500, "height": 1000})
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("request", lambda r: errors.append(f"network request {r.url}")
              if not r.url.startswith(("file:", "data:")) else None)
        pg.goto(report.as_uri())
        pg.wait_for_function("window.__replayReady === true", timeout=20_000)
        pg.errors = errors
        yield pg
        browser.close()


def _map_pixels(page) -> np.ndarray:
    from io import BytesIO

    from PIL import Image

    png = page.locator("#map").screenshot()
    return np.asarray(Image.open(BytesIO(png)).convert("RGB"), dtype=np.float64)


def test_map_is_drawn(page) -> None:
    px = _map_pixels(page)
    assert px.shape[0] > 400 and px.shape[1] > 800
    assert px.std() > 10.0  # borders, zones, labels: far from a blank canvas
    assert len(np.unique(px.reshape(-1, 3)[::97], axis=0)) > 50


def test_play_advances_the_clock(page) -> None:
    page.evaluate("replay.setSpeed(600); replay.setTime(replay.timeline.t0)")
    t0 = page.evaluate("replay.time")
    clock0 = page.inner_text("#clock")
    page.click("#play")
    page.wait_for_timeout(800)
    assert page.evaluate("replay.playing")
    page.click("#play")  # pause
    t1 = page.evaluate("replay.time")
    assert t1 > t0 + 120  # ~0.8 s at x600
    page.wait_for_timeout(300)
    assert page.inner_text("#clock") != clock0


SLIDE = "(s, t) => { s.value = t; s.dispatchEvent(new Event('input')); }"


def test_slider_moves_the_picture(page, artifacts: Path) -> None:
    tl = page.evaluate("[replay.timeline.t0, replay.timeline.tEnd]")
    page.eval_on_selector("#slider", SLIDE, tl[0] + 0.25 * (tl[1] - tl[0]))
    page.wait_for_timeout(250)
    a = _map_pixels(page)
    page.eval_on_selector("#slider", SLIDE, tl[0] + 0.75 * (tl[1] - tl[0]))
    page.wait_for_timeout(250)
    b = _map_pixels(page)
    assert np.abs(a - b).mean() > 0.05
    assert (np.abs(a - b).sum(axis=2) > 30).sum() > 200  # many pixels changed
    assert abs(page.evaluate("replay.time") - (tl[0] + 0.75 * (tl[1] - tl[0]))) < 1.0
    page.evaluate(f"replay.setTime({tl[0] + 0.97 * (tl[1] - tl[0])}); window.scrollTo(0, 0)")
    page.wait_for_timeout(250)
    page.mouse.move(5, 5)
    page.screenshot(path=str(artifacts / "report_top.png"))
    page.screenshot(path=str(artifacts / "report_full.png"), full_page=True)


def test_hover_explains_a_moving_object(page) -> None:
    tl = page.evaluate("[replay.timeline.t0, replay.timeline.tEnd]")
    page.evaluate(f"replay.setTime({tl[0] + 0.6 * (tl[1] - tl[0])})")
    page.wait_for_timeout(200)
    pos = page.evaluate("""() => { const r = replay; for (let o = 0; o < r.timeline.n; o++)
        if (r._vis[o]) return [r._sx[o], r._sy[o]]; return null; }""")
    assert pos is not None, "no object visible at 60 % of the run"
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + pos[0], box["y"] + pos[1])
    page.wait_for_timeout(250)
    tip = page.inner_text("#tooltip")
    assert "altitude" in tip and " m" in tip and "ground speed" in tip


def test_typed_arrays_decode_to_python_positions(page, run_dir: Path) -> None:
    """The JS timeline returns the positions Python packed (same quantised numbers)."""
    import pandas as pd

    from skyshield.geo.frame import THEATRE

    tr = pd.read_parquet(run_dir / "trajectories.parquet")
    ac = tr[tr["kind"] == "aircraft"].iloc[[0, len(tr[tr["kind"] == "aircraft"]) // 2]]
    for _, row in ac.iterrows():
        got = page.evaluate(
            """([id, t]) => { const tl = replay.timeline; const out = {};
               for (let o = 0; o < tl.n; o++) if (tl.kind[o] === 1 && tl.id[o] === id) {
                 const ok = tl.at(o, Math.round((t - tl.t0) / tl.dt), out);
                 return ok ? [out.x, out.y] : null; } return null; }""",
            [int(row["id"]), float(row["t"])])
        want = THEATRE.to_xy(row["lat"], row["lon"]) / 1000.0
        assert got is not None
        assert np.hypot(got[0] - want[0], got[1] - want[1]) < 0.1  # km


def test_live_timeline_feeds_the_same_renderer(page) -> None:
    n = page.evaluate("""() => { const lt = new LiveTimeline(10);
        for (let k = 0; k < 5; k++) lt.push({t: 10 * k, kind: [0, 1], id: [4, 2], cat: [0, 1],
            x: [100 + k, -200], y: [50, 60 + k], alt: [500, 6000], state: [1, 4]});
        const out = {}; lt.at(0, 3, out); return [lt.n, lt.nFrames, out.x, out.y]; }""")
    assert n == [2, 5, 103, 50]


def test_no_console_errors(page) -> None:
    assert page.errors == []
