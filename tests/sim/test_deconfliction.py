"""Deconfliction with Ukrainian air defence: no fratricide risk under either policy.

Every built-in scenario is flown under both policies; a fratricide-risk event is a coalition
aircraft entering an active Ukrainian engagement zone whose site may fire near it. Without
deconfliction the same scenario does produce such events, so the check can fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from skyshield.geo.frame import THEATRE
from skyshield.model.loader import load_scenario
from skyshield.model.resolve import locate
from skyshield.sim.run import run_scenario
from skyshield.units import KM

# mass-raid is cut to its first 3 h (its fighters are busiest then) to keep the test short
CASES = [("western-night", None), ("border-skim", None), ("mass-raid", 180)]


def with_policy(name: str, policy: str, minutes: float | None):
    sc = load_scenario(name)
    dec = sc.deconfliction.model_copy(update={"policy": policy})
    upd = {"deconfliction": dec}
    if minutes:
        upd["duration_min"] = minutes
    return sc.model_copy(update=upd)


@pytest.mark.parametrize("policy", ["fighters_keep_out", "sites_hold_fire"])
@pytest.mark.parametrize(("name", "minutes"), CASES, ids=[c[0] for c in CASES])
def test_no_fratricide_risk_under_either_policy(name, minutes, policy):
    sc = with_policy(name, policy, minutes)
    r = run_scenario(sc)
    assert r.metrics["fratricide_risk_events"] == 0
    if policy == "fighters_keep_out":
        # and no aircraft sample ever lies inside a zone plus the safe distance
        ac = r.trajectories[r.trajectories.kind == "aircraft"]
        xy = THEATRE.to_xy(ac.lat.to_numpy(), ac.lon.to_numpy())
        for site in sc.air_defence:
            c = THEATRE.to_xy(*locate(site.at))
            d = np.hypot(*(xy - c).T)
            limit = (site.range_km + sc.deconfliction.hold_fire_km) * KM
            assert d.min() >= limit * 0.999, f"{site.name}: {d.min() / KM:.1f} km"
        assert r.metrics["nations"] and all(
            n["mez_minutes"] == 0 for n in r.metrics["nations"].values())


def test_without_deconfliction_fighters_do_enter_ukrainian_zones():
    r = run_scenario(with_policy("western-night", "none", None))
    assert r.metrics["fratricide_risk_events"] > 0
