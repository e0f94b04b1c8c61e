"""The CZML export in CesiumJS (from the npm registry) in real headless Chromium.

CesiumJS is installed into test-artifacts/cache/npm on first use (`npm install`), served
with the CZML by a Python http.server on loopback, and drawn by Chromium's software WebGL
(SwiftShader; `--disable-gpu` leaves it on). The test reads the positions Cesium itself
interpolates and compares them with the run's trajectories, checks availability between
sorties, and takes a screenshot in which the tracks must show. Skips, saying why, when
npm or the registry or Chromium is missing.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import threading
from datetime import UTC
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest

from tests.interop.test_czml import TOL_M, _intervals, _truth_position

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CESIUM = "cesium@1.145.0"  # pinned: the test reads Cesium's own API

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                       reason=f"Chromium not found at {CHROMIUM}: browser tests need it"),
]

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script>window.CESIUM_BASE_URL = "/cesium/";</script>
<script src="/cesium/Cesium.js"></script>
<link href="/cesium/Widgets/widgets.css" rel="stylesheet">
<style>html, body, #globe {margin: 0; width: 100%; height: 100%; overflow: hidden;}</style>
</head><body><div id="globe"></div><script>
const viewer = new Cesium.Viewer("globe", {
  baseLayer: false, baseLayerPicker: false, geocoder: false, homeButton: false,
  sceneModePicker: false, navigationHelpButton: false, animation: false, timeline: false,
  fullscreenButton: false, infoBox: false, selectionIndicator: false,
  terrainProvider: new Cesium.EllipsoidTerrainProvider(), skyBox: false, skyAtmosphere: false,
  contextOptions: {webgl: {preserveDrawingBuffer: true}}});
viewer.scene.globe.baseColor = Cesium.Color.fromCssColorString("#1d2636");
window.viewer = viewer;
Cesium.CzmlDataSource.load("run.czml").then(ds => viewer.dataSources.add(ds))
  .then(ds => { window.ds = ds; window.ready = true; })
  .catch(e => { window.loadError = String(e); });
</script></body></html>"""


@pytest.fixture(scope="module")
def cesium(artifacts: Path) -> Path:
    """CesiumJS's built folder, npm-installed into the test cache on first use."""
    cache = artifacts / "cache" / "npm"
    built = cache / "node_modules" / "cesium" / "Build" / "Cesium"
    if (built / "Cesium.js").is_file():
        return built
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm not found: the CesiumJS test installs cesium from the npm registry")
    cache.mkdir(parents=True, exist_ok=True)
    try:
        r = subprocess.run([npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund",
                            "--ignore-scripts", "--no-package-lock", CESIUM],
                           capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm install {CESIUM} took over 10 minutes (registry unreachable?)")
    if r.returncode != 0 or not (built / "Cesium.js").is_file():
        lines = (r.stderr or r.stdout).strip().splitlines()
        why = [ln for ln in lines if " code " in ln or "errno" in ln or "network" in ln][:3]
        pytest.skip(f"npm install {CESIUM} failed (registry unreachable?): "
                    f"{' | '.join(why or lines[-2:])}")
    return built


@pytest.fixture(scope="module")
def site(cesium: Path, run_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """A loopback http.server with the page, the CZML and CesiumJS; yields its base URL."""
    from skyshield.interop.czml import write_czml

    root = tmp_path_factory.mktemp("cesium-site")
    (root / "index.html").write_text(PAGE)
    write_czml(run_dir, root / "run.czml")
    (root / "cesium").symlink_to(cesium, target_is_directory=True)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", json.loads((root / "run.czml").read_text())
    srv.shutdown()
    srv.server_close()
    th.join(5)


@pytest.fixture(scope="module")
def page(site):
    sync_api = pytest.importorskip("playwright.sync_api")
    base, _ = site
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 900, "height": 600})
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        def route(r):  # nothing leaves the machine: only the loopback server answers
            if r.request.url.startswith(base):
                return r.continue_()
            errors.append(f"request off loopback: {r.request.url}")
            return r.abort()

        pg.route("**/*", route)
        pg.goto(f"{base}/index.html")
        pg.wait_for_function("window.ready === true || window.loadError !== undefined",
                             timeout=120_000)
        assert pg.evaluate("window.loadError") is None, pg.evaluate("window.loadError")
        pg.errors = errors
        yield pg
        browser.close()


def test_cesium_loads_every_packet(page, site) -> None:
    _, doc = site
    ids = page.evaluate("window.ds.entities.values.map(e => e.id)")
    assert sorted(ids) == sorted(p["id"] for p in doc[1:])
    start = page.evaluate("Cesium.JulianDate.toIso8601(window.ds.clock.startTime, 3)")
    assert start == doc[0]["clock"]["interval"].split("/")[0]
    assert page.evaluate("window.viewer.scene.context.webgl2 !== undefined")
    assert not page.errors, page.errors


def test_cesium_positions_match_trajectories(page, site, run_dir: Path) -> None:
    """Cesium's own interpolated positions at 40 times per flight vs the run (< 100 m)."""
    from skyshield.report.rundir import load_run

    _, doc = site
    run = load_run(run_dir)
    epoch = run.scenario.epoch.astimezone(UTC)
    rng = np.random.default_rng(9)
    asks = []  # (packet id, times, trajectory rows) for every flight
    for p in doc[1:]:
        if "path" not in p:
            continue
        kind, i = p["id"].split("-")
        tr = run.trajectories
        tr = tr[(tr["kind"] == kind) & (tr["id"] == int(i))].sort_values("t")
        for a, b in _intervals(p, epoch):
            seg = tr[(tr["t"] >= a) & (tr["t"] <= b)]
            b = min(b, float(seg["t"].max()))
            asks.append((p["id"], np.r_[a, b, rng.uniform(a, b, 38)], seg))
    got = page.evaluate(
        """([epoch, asks]) => { const t0 = Cesium.JulianDate.fromIso8601(epoch);
           return asks.map(([id, ts]) => { const e = window.ds.entities.getById(id);
             return ts.map(s => { const c = e.position.getValue(Cesium.JulianDate.addSeconds(
                 t0, s, new Cesium.JulianDate())); return [c.x, c.y, c.z]; }); }); }""",
        [doc[0]["clock"]["currentTime"], [[k, t.tolist()] for k, t, _ in asks]])
    worst = max(float(np.linalg.norm(np.array(xyz) - _truth_position(seg, t), axis=1).max())
                for xyz, (_, t, seg) in zip(got, asks, strict=True))
    assert worst < TOL_M, f"Cesium shows objects {worst:.1f} m off the trajectories"


def test_cesium_hides_aircraft_between_sorties(page, site) -> None:
    _, doc = site
    avail = page.evaluate(
        """([epoch]) => { const e = window.ds.entities.getById("aircraft-0");
           const t0 = Cesium.JulianDate.fromIso8601(epoch);
           return [600, 1500, 2000].map(s => e.isAvailable(
               Cesium.JulianDate.addSeconds(t0, s, new Cesium.JulianDate()))); }""",
        [doc[0]["clock"]["currentTime"]])
    assert avail == [True, False, True]  # sorties 200-1200 s and 1800-2900 s


def test_screenshot_shows_the_tracks(page, artifacts: Path) -> None:
    """The same view with and without the threats and aircraft: they change many pixels."""
    from PIL import Image

    page.evaluate("""() => { const v = window.viewer;
        v.clock.shouldAnimate = false;
        v.clock.currentTime = Cesium.JulianDate.addSeconds(v.clock.startTime, 1150,
                                                           new Cesium.JulianDate());
        v.camera.setView({destination: Cesium.Cartesian3.fromDegrees(25.5, 49.4, 900000)}); }""")

    def shot(show: bool) -> np.ndarray:
        page.evaluate("""(show) => { window.ds.entities.values  // the movers only, not borders
            .filter(e => /^(threat|aircraft)-/.test(e.id)).forEach(e => { e.show = show; });
            window.viewer.scene.requestRender(); }""", show)
        page.wait_for_timeout(600)
        png = page.screenshot()
        if show:
            (artifacts / "czml-cesium.png").write_bytes(png)
        return np.asarray(Image.open(BytesIO(png)).convert("RGB"), dtype=np.int16)

    without, with_ = shot(False), shot(True)
    changed = np.abs(with_ - without).sum(axis=2) > 60
    assert without.std() > 5  # the globe is drawn (not a blank canvas)
    assert changed.sum() > 300, f"only {changed.sum()} pixels show tracks"
    assert not page.errors, page.errors
