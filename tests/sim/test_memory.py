"""A process running many runs (a study) does not grow: caches bounded, memory flat.

Twenty short runs in one process, seeds and a deconfliction parameter varied. Every
process-wide cache of the package (`lru_cache`d functions and module-level dict / list
caches) must have the same size after the 20th run as after the 5th, and the memory
of the process (resident set, /proc/self/statm) must not grow by more than 8 MB between
them (one run of this scenario allocates far more than that, so a leak of anything
run-sized shows).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest

from skyshield.model.loader import parse_scenario
from skyshield.sim.run import run_scenario
from tests.sim.conftest import patrol_scenario_text


def cache_sizes() -> dict[str, int]:
    """Size of every process-wide cache in the loaded skyshield modules."""
    out = {}
    for name, mod in list(sys.modules.items()):
        if not name.startswith("skyshield") or mod is None:
            continue
        for attr, v in vars(mod).items():
            if hasattr(v, "cache_info"):
                out[f"{name}.{attr}"] = v.cache_info().currsize
            elif attr.startswith("_") and attr.isupper() and isinstance(v, dict | list):
                out[f"{name}.{attr}"] = len(v)
    return out


def rss_bytes() -> int:
    """Resident set size of this process [bytes]."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_twenty_runs_keep_caches_and_memory_flat():
    base = parse_scenario(patrol_scenario_text(), file="patrol-test.yaml")
    sizes, mem = {}, {}
    for i in range(20):
        dec = base.deconfliction.model_copy(
            update={"policy": "sites_hold_fire", "hold_fire_km": 5.0 + i})
        sc = base.model_copy(update={"duration_min": 20, "seed": i, "deconfliction": dec})
        r = run_scenario(sc, seed=i)
        assert len(r.events) > 0
        del r
        gc.collect()
        if i + 1 in (5, 20):
            sizes[i + 1] = cache_sizes()
            mem[i + 1] = rss_bytes()
    assert sizes[5], "no cache found: the inspection is broken"
    grown = {k: (sizes[5].get(k, 0), v) for k, v in sizes[20].items() if v != sizes[5].get(k, 0)}
    assert not grown, f"caches grew between run 5 and run 20: {grown}"
    assert mem[20] - mem[5] < 8_000_000, f"memory grew {(mem[20] - mem[5]) / 1e6:.1f} MB"
