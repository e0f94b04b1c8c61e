"""Issue 12 in a real (short) run: the run folder's new tables and metrics, a baseline
without coalition, and the exact crossings against the tick-by-tick airspace events."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from skyshield.geo.borders import NATO, country_of
from skyshield.model.loader import load_scenario, parse_scenario
from skyshield.sim.run import run_scenario
from tests.sim.test_hold_fire_runs import TEXT


@pytest.fixture(scope="session")
def galati_run():
    return run_scenario(parse_scenario(TEXT), seed=4, picture="perfect")


def test_run_folder_has_debris_crossings_and_metrics(galati_run, tmp_path):
    r = galati_run
    r.write(tmp_path)
    th = pd.read_parquet(tmp_path / "threats.parquet")
    cr = pd.read_parquet(tmp_path / "crossings.parquet")
    for c in ("debris_lat", "debris_lon", "debris_country", "debris_near_population", "fate",
              "end_country", "nato_depth_km", "countries_entered"):
        assert c in th.columns
    killed = th[th.outcome.str.startswith("destroyed")]
    assert len(killed) > 0 and killed.debris_lat.notna().all()
    assert (th[~th.outcome.str.startswith("destroyed")].debris_lat.isna()).all()
    # the debris country is the real polygon's answer for the debris point
    assert (country_of(killed.debris_lat, killed.debris_lon) == killed.debris_country).all()
    # every threat flew through Romania (via Galați): each has a ROU visit in the table
    launched = th[th.outcome != "not_launched"]
    rou = cr[(cr.country == "ROU") & cr.entered]
    assert set(launched.id) - set(rou.threat) <= set(killed.id)
    assert (th.loc[th.nato_country != "", "nato_country"].isin(sorted(NATO))).all()
    m = r.metrics
    assert m["airspace"]["ROU"]["threats_entered"] == rou.threat.nunique()
    assert m["debris"]["kills"] == len(killed)
    assert m["held_fire"]["debris_over_population"] + m["held_fire"]["leaving_on_its_own"] == (
        (r.events.kind == "pilot_hold").sum())


def test_exact_crossings_agree_with_the_tick_monitor(galati_run):
    """The monitor's NATO entries (10 s bookkeeping) are a subset of the exact visits, at the
    same times within the monitor's interpolation."""
    r = galati_run
    ev = r.events[r.events.kind == "nato_entry"]
    cr = r.crossings[r.crossings.entered & r.crossings.country.isin(sorted(NATO))]
    for _, e in ev.iterrows():
        rows = cr[(cr.threat == e.threat) & (cr.country == e.detail)]
        assert len(rows) and np.min(np.abs(rows.t_entry - e.t)) < 1.0


def test_a_baseline_without_coalition_runs():
    sc = load_scenario("border-skim").model_copy(update={"coalition": [], "rules": {},
                                                         "duration_min": 60})
    r = run_scenario(sc, picture="perfect")
    assert r.metrics["nations"] == {} and len(r.aircraft) == 0
    assert r.metrics["threats"]["outcomes"]["destroyed_coalition"] == 0
    assert "airspace" in r.metrics and "debris" in r.metrics


def test_dilemma_comparison_and_its_report_section(galati_run, tmp_path):
    from skyshield.report.html import airspace_html
    from skyshield.report.scene import build_scene
    from skyshield.sim.study import debris_dilemma

    sc = parse_scenario(TEXT)
    home, table = debris_dilemma(sc, 4, "perfect", galati_run.metrics, tmp_path)
    assert list(table.columns) == ["engage over Ukraine", "own territory only"]
    assert table.loc["coalition kills", "engage over Ukraine"] == (
        galati_run.metrics["threats"]["outcomes"]["destroyed_coalition"])
    assert table.loc["coalition kills", "own territory only"] == (
        home["threats"]["outcomes"]["destroyed_coalition"])
    page = airspace_html(tmp_path, galati_run.metrics)
    assert 'id="dilemma"' in page and 'id="airspace"' in page and "Romania" in page
    # a point launch area draws on the theatre scene
    scene = build_scene(sc)
    assert any("N" in p.name and "E" in p.name for p in scene.launch_areas)
