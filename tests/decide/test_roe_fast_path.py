"""The fast permission check (one prepared polygon per nation) agrees with the full,
rule-by-rule evaluation used for explanations, on random points of the real theatre."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshield.decide.roe import Reason, compile_rules
from skyshield.model.library import ThreatClass
from skyshield.model.loader import load_scenario

RULES = {name: compile_rules(load_scenario(name)) for name in ("western-night", "border-skim")}


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(sorted(RULES)))
def test_target_ok_equals_rule_by_rule_reasons(seed, name):
    rng = np.random.default_rng(seed)
    n = 400
    lat = rng.uniform(44.0, 53.5, n)  # western Ukraine and its neighbours
    lon = rng.uniform(20.0, 32.0, n)
    alt = rng.uniform(0.0, 3000.0, n)
    cls = rng.integers(0, len(ThreatClass), n)
    p = rng.uniform(0.0, 1.0, n)
    for nr in RULES[name].values():
        fast = nr.target_ok(lat, lon, alt, cls, p_entry=p)
        first, _, _ = nr.target_reasons(lat, lon, alt, cls, p_entry=p)
        slow = first <= Reason.ALLOWED_IN_ZONE
        assert np.array_equal(fast, slow), (nr.nation, np.flatnonzero(fast != slow)[:5])
    # the check is not vacuous: some points are allowed and some refused
    any_nr = next(iter(RULES[name].values()))
    ok = any_nr.target_ok(lat, lon, alt, np.zeros(n, np.int64), p_entry=np.ones(n))
    assert ok.any() and not ok.all()
