"""Study parts on hand-built inputs: seeds, raid variation, headline metrics, statistics."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from skyshield.model.study import Variation, load_study
from skyshield.sim import stats
from skyshield.sim.headline import headline
from skyshield.sim.seeds import engine_seed, variation_rng
from skyshield.sim.variation import vary_raid
from skyshield.sim.worker import flatten

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def plan():
    return load_study(DATA / "tiny-study.yaml")


def test_seeds_are_a_function_of_study_option_and_run():
    a = [engine_seed("s", "x", i) for i in range(50)]
    assert a == [engine_seed("s", "x", i) for i in reversed(range(50))][::-1]
    assert len(set(a)) == 50 and all(0 <= s < 2**63 for s in a)
    assert a == [engine_seed("s", "y", i) for i in range(50)]  # common random numbers
    indep = [engine_seed("s", "y", i, common=False) for i in range(50)]
    assert not set(indep) & set(a)
    assert [engine_seed("t", "x", i) for i in range(50)] != a
    r1, r2 = variation_rng("s", 4), variation_rng("s", 4)
    assert r1.random() == r2.random()


def test_variation_draws_are_the_same_for_every_option(plan):
    v = plan.study.variation
    draws = {}
    for o in plan.options:
        sc, d = vary_raid(o.scenario, v, variation_rng("tiny-study", 2), base=plan.base)
        draws[o.name] = (d, [(w.count, w.window_min, w.routing) for w in sc.raid.waves])
    assert len({repr(x) for x in draws.values()}) == 1


def test_variation_counts_windows_and_routings(plan):
    """Against the declared distributions: fixed scale exact, shifts inside their bounds."""
    base = plan.base
    w0 = base.raid.waves[0]
    var = Variation.model_validate({
        "nights": [{"name": "big", "weight": 1, "scale": {"dist": "fixed", "value": 2.5}}],
        "waves": [{"wave": 0, "shift_min": {"dist": "uniform", "low": -100, "high": 7},
                   "stretch": {"dist": "fixed", "value": 2}, "routing": {"south": 1}}]})
    seen_clip = False
    for run in range(40):
        sc, d = vary_raid(base, var, variation_rng("v", run))
        w = sc.raid.waves[0]
        assert d.night == "big" and d.scale == 2.5
        assert w.count == round(w0.count * 2.5) == d.threats
        assert w.routing == "south"
        a, b = w.window_min
        assert 0 <= a <= w0.window_min[0] + 7
        assert b - a == pytest.approx(2 * (w0.window_min[1] - w0.window_min[0]))
        seen_clip |= a == 0
    assert seen_clip  # shifts below zero are clipped to the scenario start


def test_lognormal_scale_matches_its_declared_median_and_spread(plan):
    var = Variation.model_validate({"nights": [
        {"name": "n", "weight": 1, "scale": {"dist": "lognormal", "median": 3.6, "sigma": 0.43}}]})
    s = np.array([vary_raid(plan.base, var, variation_rng("ln", r))[1].scale
                  for r in range(2000)])
    assert np.median(s) == pytest.approx(3.6, rel=0.05)
    assert np.log(s).std() == pytest.approx(0.43, rel=0.07)


def test_flatten_keeps_every_scalar_by_its_path():
    m = {"scenario": "x", "wall_s": 3.0, "threats": {"outcomes": {"impacted": 4}},
         "nations": {"POL": {"sorties": 3, "closest_blr_rus_km": None}}, "flag": True,
         "cost": {"exchange_ratio": 1.5}, "list": [1, 2]}
    f = flatten(m)
    assert f["threats.outcomes.impacted"] == 4.0 and f["nations.POL.sorties"] == 3.0
    assert math.isnan(f["nations.POL.closest_blr_rus_km"]) and f["flag"] == 1.0
    assert "wall_s" not in f and "scenario" not in f and "list" not in f


def test_headline_reads_new_metrics_when_they_appear():
    rows = pd.DataFrame({"leakers_total": [3.0, 1.0], "nations.POL.sorties": [2.0, np.nan],
                         "nations.ROU.sorties": [1.0, 4.0],
                         "nations.POL.closest_blr_rus_km": [50.0, 20.0],
                         "nations.ROU.closest_blr_rus_km": [np.nan, 90.0]})
    h = headline(rows, ["nato_violations", "sorties", "closest_blr_rus_km", "debris_nato"])
    assert h["nato_violations"].tolist() == [3.0, 1.0]  # fallback: leakers_total
    assert h["sorties"].tolist() == [3.0, 4.0]
    assert h["closest_blr_rus_km"].tolist() == [50.0, 20.0]
    assert h["debris_nato"].isna().all()  # not measured: NaN, never a made-up 0
    rows["airspace.POL.threats_entered"] = [5.0, 0.0]  # issue 12's per-country block
    rows["airspace.BLR.threats_entered"] = [9.0, 9.0]  # not NATO
    rows["airspace.ROU.threats_entered"] = [1.0, 2.0]
    rows["debris.on_nato"] = [2.0, 0.0]
    h = headline(rows, ["nato_violations", "debris_nato"])
    assert h["nato_violations"].tolist() == [6.0, 2.0]
    assert h["debris_nato"].tolist() == [2.0, 0.0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=40))
def test_t_interval_matches_scipy(x):
    n, mean, sd, lo, hi = stats.t_interval(np.array(x))
    assert n == len(x)
    if sd > 1e-9:
        want = sps.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=sps.sem(x))
        assert lo == pytest.approx(want[0], rel=1e-9, abs=1e-9)
        assert hi == pytest.approx(want[1], rel=1e-9, abs=1e-9)


def test_paired_differences_use_the_same_runs():
    t = pd.DataFrame({"option": ["b"] * 4 + ["x"] * 3, "run": [0, 1, 2, 3, 0, 1, 3],
                      "m": [10, 20, 30, 40, 11, 23, 44.0]})
    p = stats.paired(t, ["m"], ["b", "x"], "b").iloc[0]
    d = np.array([1, 3, 4.0])  # runs 0, 1, 3 only
    want = sps.t.interval(0.95, 2, loc=d.mean(), scale=sps.sem(d))
    assert p.pairs == 3 and p.difference == pytest.approx(d.mean())
    assert (p.ci_low, p.ci_high) == pytest.approx(want)
    assert p.significant == (want[0] > 0)


def test_burden_shares_and_evenness():
    t = pd.DataFrame({
        "option": ["eq", "eq", "one", "skew"],
        "run": [0, 1, 0, 0],
        "nations.POL.aircraft": [4, 4, 4, 4], "nations.ROU.aircraft": [4, 4, np.nan, 4],
        "nations.POL.sorties": [3, 5, 7, 9], "nations.ROU.sorties": [4, 4, np.nan, 1],
        "nations.POL.shots": [1, 1, 2, 0], "nations.ROU.shots": [1, 1, np.nan, 0],
        "nations.POL.ukr_minutes": [1, 1, 1, 1], "nations.ROU.ukr_minutes": [1, 1, np.nan, 1]})
    shares, even = stats.burden(t, ["eq", "one", "skew"])
    e = even.set_index(["option", "quantity"])
    assert e.loc[("eq", "sorties"), "evenness"] == pytest.approx(1.0)
    assert e.loc[("eq", "sorties"), "effective_nations"] == pytest.approx(2.0)
    assert math.isnan(e.loc[("one", "sorties"), "evenness"])
    p = np.array([0.9, 0.1])
    assert e.loc[("skew", "sorties"), "evenness"] == pytest.approx(
        -(p * np.log(p)).sum() / np.log(2))
    assert math.isnan(e.loc[("skew", "shots"), "evenness"])  # nothing fired
    s = shares.set_index(["option", "quantity", "nation"])["share"]
    assert s[("skew", "sorties", "POL")] == pytest.approx(0.9)
