"""The study report, built from a real (tiny) study, in real headless Chromium: it loads
offline with no error, shows a finding per option and every figure, and sorts its tables."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def study_dir(tiny_study_report) -> Path:
    """The tiny study run for real in this process, with its HTML report (shared with the
    study run tests: tests/conftest.py)."""
    return tiny_study_report


def test_report_is_self_contained(study_dir: Path) -> None:
    page = (study_dir / "report" / "index.html").read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing from the network
    assert page.count('<article class="finding"') == 3
    for name in ("effect_vs_exposure", "paired_reached", "debris_nato", "violations", "burden"):
        assert f'id="fig-{name}"' in page
        assert (study_dir / "report" / f"{name}.svg").exists()


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                    reason=f"Chromium not found at {CHROMIUM}: browser tests need it")
def test_study_report_in_chromium(study_dir: Path) -> None:
    import pandas as pd

    sync_api = pytest.importorskip("playwright.sync_api")
    summary = pd.read_csv(study_dir / "summary_long.csv")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("request", lambda r: errors.append(f"network request {r.url}")
              if not r.url.startswith(("file:", "data:")) else None)
        pg.goto((study_dir / "report" / "index.html").as_uri())
        pg.wait_for_function("window.__studyReady === true", timeout=20_000)
        # every figure decoded to a real picture
        sizes = pg.evaluate("Array.from(document.images).map(i => [i.naturalWidth, "
                            "i.naturalHeight])")
        assert len(sizes) >= 6 and all(w > 300 and h > 80 for w, h in sizes)
        assert [pg.inner_text(f'article[data-option="{o}"] h3').split()[0]
                for o in ("none", "pol", "pol-rou")] == ["none", "pol", "pol-rou"]
        # the summary table shows the study's means, and sorts by a column
        col = 2  # columns: option, runs, then the study's metrics (destroyed_coalition first)
        cell = f"#summary-table tbody tr td:nth-child({col + 1})"
        shown = pg.eval_on_selector_all(cell, "els => els.map(e => +e.dataset.v)")
        want = summary[summary.metric == "destroyed_coalition"].set_index("option")["mean"]
        assert shown == pytest.approx(want.loc[["none", "pol", "pol-rou"]].tolist(), rel=1e-5)
        pg.click(f"#summary-table thead th:nth-child({col + 1})")
        pg.click(f"#summary-table thead th:nth-child({col + 1})")  # descending
        after = pg.eval_on_selector_all(cell, "els => els.map(e => +e.dataset.v)")
        assert after == sorted(shown, reverse=True)
        names = pg.eval_on_selector_all("#summary-table tbody tr td:first-child",
                                        "els => els.map(e => e.textContent)")
        assert names[0] == want.idxmax()
        from io import BytesIO

        from PIL import Image

        shot = pg.locator("#fig-effect_vs_exposure img").screenshot()
        px = np.asarray(Image.open(BytesIO(shot)).convert("RGB"), dtype=np.float64)
        assert px.std() > 10.0  # points, bars and labels, not a blank panel
        browser.close()
    assert errors == []
