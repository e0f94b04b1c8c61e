"""The operator page in real headless Chromium: two nations, one engagement, one verdict;
the proposals the decision core withdraws leave the queue for the timeline."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .conftest import PASSWORD, ServerProcess, env
from .test_decisions import T0, raid

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                       reason=f"Chromium not found at {CHROMIUM}: browser tests need it"),
]


def _sign_in(browser, url: str, name: str, errors: list[str]):  # noqa: ANN001, ANN202
    ctx = browser.new_context(viewport={"width": 1500, "height": 950})
    page = ctx.new_page()
    page.on("console", lambda m: errors.append(f"{name}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{name}: {e}"))
    page.on("request", lambda r: errors.append(f"{name}: outside request {r.url}")
            if not r.url.startswith(url) else None)
    page.goto(url + "/")
    page.fill("#user", name)
    page.fill("#password", PASSWORD[name])
    page.click("#signin-button")
    page.wait_for_function("window.__liveReady === true", timeout=60_000)
    return ctx, page


def test_two_nations_one_engagement(tmp_path: Path, artifacts: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    s = ServerProcess(tmp_path)
    errors: list[str] = []
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            _, pl = _sign_in(browser, s.url, "pl", errors)
            _, ro = _sign_in(browser, s.url, "ro", errors)
            assert "verified" in pl.inner_text("#audit")
            raid(s, n_pl=3, n_ro=0)
            # a track appears on both pages
            for page in (pl, ro):
                page.wait_for_function("window.__live.tracks && "
                                       "window.__live.tracks.number.length >= 3", timeout=60_000)
            # the Polish page offers a Polish engagement for approval
            btn = pl.wait_for_selector("#queue button[data-verdict=approve]", timeout=60_000)
            eid = btn.get_attribute("data-id")
            assert pl.inner_text(f"#eng-{eid}").count("allowed") == 1  # the rule shown
            assert "s left" in pl.inner_text(f"#count-{eid}")  # the countdown
            # the Romanian page shows it, without a button
            ro.wait_for_selector(f"#others #eng-{eid}", timeout=30_000)
            assert ro.query_selector(f"#approve-{eid}") is None
            assert ro.query_selector(f"#deny-{eid}") is None
            pl.screenshot(path=str(artifacts / "live_pl_before.png"))
            pl.locator(f"#approve-{eid}").click()  # re-found: the queue re-renders
            # the Romanian page shows the decision, still with no button for it
            ro.wait_for_selector(f"#eng-{eid}[data-state=approved]", timeout=30_000)
            assert "approved by pl" in ro.inner_text(f"#eng-{eid}")
            assert ro.query_selector(f"#approve-{eid}") is None
            ro.wait_for_function("document.getElementById('timeline').innerText"
                                 ".includes('approved by pl')", timeout=30_000)
            pl.wait_for_selector(f"#others #eng-{eid}[data-state=approved]", timeout=30_000)
            # both clients re-check the log after the verdict
            pl.wait_for_function("document.getElementById('audit').className === 'ok'")
            # the other Polish proposals: their tracks fall silent (the raid's last scan was
            # at T0; they coast 45 s), the core withdraws them: off the queue, in the timeline
            pl.wait_for_selector("#queue .eng", timeout=30_000)
            left = pl.eval_on_selector_all("#queue .eng", "els => els.map((e) => e.id)")
            with s.client("coord") as c:
                if c.get("/api/clock").json()["t"] < T0 + 60.0:  # inside the 120 s window
                    c.post("/api/clock", json={"t": T0 + 60.0}).raise_for_status()
            pl.wait_for_function("document.querySelectorAll('#queue .eng').length === 0",
                                 timeout=30_000)
            for el in left:
                assert pl.query_selector(f"#others #{el}[data-state=withdrawn]") is not None
                assert "the track ended" in pl.inner_text(f"#{el}")
            assert pl.inner_text("#timeline").count("withdrawn: the track ended") == len(left)
            ro.evaluate("location.reload()")
            ro.wait_for_function("window.__liveReady === true", timeout=60_000)
            ro.wait_for_function("document.getElementById('audit').textContent"
                                 ".includes('consistent')", timeout=30_000)
            # the map is drawn (borders, zones, symbols), not a blank canvas
            from io import BytesIO

            from PIL import Image

            px = np.asarray(Image.open(BytesIO(pl.locator("#map").screenshot())).convert("RGB"),
                            float)
            assert px.std() > 10.0
            pl.screenshot(path=str(artifacts / "live_pl_after.png"))
            ro.screenshot(path=str(artifacts / "live_ro_after.png"))
            browser.close()
    finally:
        s.stop()
    assert not errors, errors
    r = subprocess.run([sys.executable, "-m", "skyshield.cli", "audit", "verify", s.db,
                        "--key", str(s.key)], env=env(), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and "entries verify" in r.stdout, r.stdout + r.stderr
