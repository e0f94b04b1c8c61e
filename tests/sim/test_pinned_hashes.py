"""Event-log hashes of the built-in scenarios, pinned: a refactor must not change behaviour.

Each built-in scenario runs with seed 11 under both pictures, shortened to the first
shots (the durations below), and the SHA-256 of its event log (CSV, 6 decimals, as
`test_engine.events_hash`) must match the value recorded before the engine was split into
world / picture / decide stages (issue 9). Change a pinned hash only in a commit that says
which behaviour changed and why.
"""

from __future__ import annotations

import pytest

from skyshield.model.loader import load_scenario
from skyshield.sim.run import run_scenario
from tests.sim.test_engine import events_hash

SEED = 11
DURATION_MIN = {"western-night": 270, "border-skim": 240, "mass-raid": 240}
PINNED = {
    ("western-night", "perfect"):
        "c401dba95f3e1dc46130a9b9c7aae1cb8ebae7e600acbde6776616263f08661e",
    ("western-night", "tracked"):
        "0f33708abb636d2bd2a9bc5ca4f5f8ee09312ed28412d3b03691d9c212de1087",
    ("border-skim", "perfect"):
        "ba30781d6f3018aebea928af4c7294b0b2a829baa76bd8662f1044b8bc87a063",
    ("border-skim", "tracked"):
        "1bffbee56f4eb56b32b9c4a35c71a83c31f02277cff0ccca64f42d682b65a0a2",
    ("mass-raid", "perfect"):
        "3b9070cc8ebd3560d0ad56a61108152cb2b1891b45612f9c1cea61eadcc8bab4",
    ("mass-raid", "tracked"):
        "f527b0ca2f333cd1b3b502ac881f0b54fbc7e54126c09c0d55b3954b68ed9f5d",
}


@pytest.fixture(scope="session")
def pinned_runs():
    """One run per (scenario, picture), shared by every test that reads them."""
    cache = {}

    def get(name: str, picture: str):
        if (name, picture) not in cache:
            sc = load_scenario(name).model_copy(update={"duration_min": DURATION_MIN[name]})
            cache[name, picture] = run_scenario(sc, seed=SEED, picture=picture)
        return cache[name, picture]

    return get


@pytest.mark.parametrize(("name", "picture"), sorted(PINNED))
def test_event_log_hash_is_pinned(pinned_runs, name, picture):
    r = pinned_runs(name, picture)
    # the shortened runs reach the engagements: approvals were asked and weapons fired
    kinds = set(r.events.kind)
    assert "approval" in kinds and ("shot" in kinds or "gbad_shot" in kinds)
    assert events_hash(r) == PINNED[name, picture]
