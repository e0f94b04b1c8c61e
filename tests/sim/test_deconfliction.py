"""Deconfliction with Ukrainian air defence: no fratricide risk under either policy.

Every built-in scenario is flown under both policies (with the perfect picture: the policies
act on the fighters' and sites' true positions, whatever the picture); a fratricide-risk
event is a coalition aircraft entering an active Ukrainian engagement zone whose site may
fire near it. Without deconfliction the same scenario does produce such events, so the
check can fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from skyshield.geo.frame import THEATRE
from skyshield.model.loader import load_scenario
from skyshield.model.resolve import locate
from skyshield.sim.run import run_scenario
from skyshield.units import KM

# each cut to its first hours to keep it short: without deconfliction those hold most of
# the night's risk events (western-night 63 of 84 in 300 min, border-skim 15 of 17)
CASES = [("western-night", 300), ("border-skim", 300), ("mass-raid", 180)]


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
    r = run_scenario(sc, picture="perfect")
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
    r = run_scenario(with_policy("western-night", "none", None), picture="perfect")
    assert r.metrics["fratricide_risk_events"] > 0


def test_sites_hold_fire_never_fire_near_a_fighter():
    """Every Ukrainian shot under `sites_hold_fire`, against every airborne fighter then.

    The sites' `engage` is observed (not replaced): at each shot the target's position and
    every airborne fighter's position are taken from truth, and the horizontal distance
    must exceed the safe distance. The run must hold fire at least once with a fighter
    near (else the rule was never put to the test) and still fire elsewhere.
    """
    from skyshield.sim.engine import Engine

    sc = with_policy("border-skim", "sites_hold_fire", None)  # the whole night: enough shots
    eng = Engine(sc).start()
    w = eng.world
    real = w.sites.engage
    shots, held = [], []

    def engage(t, pos, engageable, hold, uniforms):
        out = real(t, pos, engageable, hold, uniforms)
        air = w.fleet.pos[w.fleet.airborne, :2].copy()
        shots.append((pos[out[1], :2].copy(), air))
        if hold is not None:  # threats a site could have fired at but for a fighter near
            held.append(int((w.sites.in_zone(pos) & hold & engageable[None, :]).any(axis=0).sum()))
        return out

    w.sites.engage = engage
    while eng.k < int(sc.duration_s / eng.dt):
        eng.step()
    limit = sc.deconfliction.hold_fire_km * KM
    fired = [(tgt, air) for tgt, air in shots if len(tgt)]
    assert len(fired) >= 5, "too few Ukrainian shots to test anything"
    closest = min(np.hypot(*(tgt[:, None, :] - air[None, :, :]).T).min()
                  for tgt, air in fired if len(air))
    assert closest > limit, f"a site fired {closest / KM:.1f} km from a fighter"
    assert sum(held) > 0, "no site ever had to hold fire: the rule was not exercised"
