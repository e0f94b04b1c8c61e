"""Findings in plain language, from hand-built study tables: a difference is called clear
only when its interval excludes zero, and the burden sentence names who carries the work."""

from __future__ import annotations

import numpy as np
import pandas as pd

from skyshield.report.study_findings import StudyTables, findings
from skyshield.sim import stats


def tables(reached_a: list[float], reached_b: list[float]) -> StudyTables:
    n = len(reached_a)
    runs = pd.DataFrame({
        "option": ["base"] * n + ["a"] * n + ["b"] * n,
        "run": list(range(n)) * 3,
        "reached_target": [10.0] * n + reached_a + reached_b,
        "destroyed_coalition": [0.0] * n + [5.0] * n + [1.0] * n,
        "debris_nato": [0.0] * n + [0.0] * n + [1.0] + [0.0] * (n - 1),
        "nations.POL.aircraft": [np.nan] * n + [8.0] * 2 * n,
        "nations.ROU.aircraft": [np.nan] * 2 * n + [4.0] * n,
        "nations.POL.sorties": [np.nan] * n + [6.0] * n + [9.0] * n,
        "nations.ROU.sorties": [np.nan] * 2 * n + [1.0] * n,
        "nations.POL.shots": [np.nan] * n + [2.0] * 2 * n,
        "nations.ROU.shots": [np.nan] * 2 * n + [2.0] * n,
        "nations.POL.ukr_minutes": [np.nan] * n + [60.0] * 2 * n,
        "nations.ROU.ukr_minutes": [np.nan] * 2 * n + [60.0] * n,
    })
    opts = ["base", "a", "b"]
    metrics = ["destroyed_coalition", "reached_target", "debris_nato"]
    shares, even = stats.burden(runs, opts)
    return StudyTables("t", "base", [{"name": o, "description": ""} for o in opts], runs,
                       pd.DataFrame(), stats.option_summary(runs, metrics, opts),
                       stats.paired(runs, metrics, opts, "base"), shares, even, metrics)


def test_clear_and_unclear_differences():
    t = tables([6.0, 7.0, 6.5, 5.5], [3.0, 17.0, 8.0, 14.0])  # a: -3.75 clear; b: ~0 unclear
    f = {name: text for name, _, text in findings(t)}
    assert "3.8 fewer threats reaching their targets a night" in f["a"]
    assert "no clear change in threats reaching their targets" in f["b"]
    assert "includes zero" in f["b"]
    assert "baseline" in [h for n, h, _ in findings(t) if n == "base"][0]
    assert "Poland carries all of the work alone." in f["a"]
    assert "Poland flies 90 % of the sorties" in f["b"]
    assert "No kill dropped debris on NATO soil on any night." in f["a"]
    assert f"{1 / len(t.runs[t.runs.option == 'b']):.1f} kills a night dropped debris" in f["b"]


def test_same_on_every_night():
    t = tables([10.0] * 3, [10.0] * 3)
    f = {name: text for name, _, text in findings(t)}
    assert "the same threats reaching their targets on every night" in f["a"]
