"""The run report and the theatre map, built from a real (short) simulation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from skyshield.report.html import build_report
from skyshield.report.rundir import load_run
from skyshield.report.summary import cards, nation_table
from skyshield.report.theatre_map import render_map


def test_report_is_one_offline_file(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert report.name == "index.html" and report.parent.name == "report"
    # nothing is fetched: no external script, style, image or font
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "@import" not in text and "url(http" not in text
    assert "<script src" not in text and "<link" not in text
    assert "class Replay" in text  # the renderer is inlined
    data = json.loads(re.search(r'id="replay-data">(.*?)</script>', text, re.S).group(1))
    assert data["timeline"]["xy"]["type"] == "Int16Array"
    assert data["timeline"]["n_frames"] > 10


def test_cards_match_the_threat_table(run_dir: Path, report: Path) -> None:
    th = pd.read_parquet(run_dir / "threats.parquet")
    c = cards(load_run(run_dir))
    launched = th[th["outcome"] != "not_launched"]
    assert c.launched == len(launched)
    assert c.destroyed_coalition == (th["outcome"] == "destroyed_coalition").sum()
    assert c.destroyed_ukraine == (th["outcome"] == "destroyed_ukraine").sum()
    assert c.reached_target == (th["outcome"] == "impacted").sum()
    text = report.read_text(encoding="utf-8")
    assert f'<div class="v">{c.destroyed_coalition:,}</div><div class="l">Destroyed by the ' \
           f"coalition" in text


def test_nation_table_sums_the_aircraft_table(run_dir: Path) -> None:
    ac = pd.read_parquet(run_dir / "aircraft.parquet")
    df = nation_table(load_run(run_dir))
    assert df["aircraft"].sum() == len(ac)
    assert df["kills"].sum() == ac["kills"].sum()
    assert set(df.index) == set(ac["nation"])


def test_figures_are_saved_next_to_the_page(report: Path) -> None:
    for name in ("threats_over_time", "intercept_map", "time_to_intercept", "nation_share",
                 "theatre_map"):
        for ext in ("png", "svg"):
            f = report.parent / f"{name}.{ext}"
            assert f.is_file() and f.stat().st_size > 5_000, f


def test_traceability_shows_scenario_seed_and_version(run_dir: Path, report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    run = json.loads((run_dir / "run.json").read_text())
    assert f"seed <b>{run['seed']}</b>" in text
    assert "Scenario as run (YAML)" in text and "western-night" in text


def test_render_map_writes_png_and_svg(tmp_path: Path, scenario) -> None:
    paths = render_map(scenario, tmp_path / "map.png")
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = paths[1].read_text()
    # haloed labels (cities, bases) become paths; plain text stays text
    for text in ("U K R A I N E", "P O L A N D", "Legend", "Engagement zone", "Excluded zone",
                 "Ukrainian air defence (range)", "western-night — theatre map", "x east [km]"):
        assert text in svg, text


def test_build_report_is_repeatable(run_dir: Path, report: Path) -> None:
    again = build_report(run_dir)
    assert again == report and again.stat().st_size > 100_000
