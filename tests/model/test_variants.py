"""The own-territory variant keeps the raid and forces and limits every nation's rules."""

import numpy as np

from skyshield.decide.roe import compile_rules
from skyshield.model.loader import load_scenario
from skyshield.model.validate import validate_scenario
from skyshield.model.variants import own_territory_only


def test_own_territory_only_engages_nowhere_over_ukraine():
    s = load_scenario("debris-dilemma")
    v = own_territory_only(s)
    assert validate_scenario(v) == [] and v.raid == s.raid and len(v.coalition) == 3
    rules = compile_rules(v)
    # a point over Ukraine 20 km from Romania, one over Romania, one over Poland
    lat, lon = np.array([48.20, 47.60, 50.90]), np.array([25.90, 26.30, 21.00])
    zeros = np.zeros(3)
    rou = rules["ROU"].target_ok(lat, lon, zeros + 3000, zeros.astype(int))
    nld = rules["NLD"].target_ok(lat, lon, zeros + 3000, zeros.astype(int))
    assert list(rou) == [False, True, False] and list(nld) == [False, False, True]
    fwd = compile_rules(s)["ROU"].target_ok(lat, lon, zeros + 3000, zeros.astype(int))
    assert fwd[0]  # the declared rules do engage over Ukraine near Romania
    assert v.rules["ROU"].hold_fire == s.rules["ROU"].hold_fire
