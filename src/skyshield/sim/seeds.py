"""Seeds of a study's runs: a pure function of (study, option, run index).

Every seed comes from a `numpy.random.SeedSequence` of stable integer keys of those names
(SHA-256, not Python's salted `hash`), so a run's result depends neither on the number of
workers nor on the order in which runs finish. With common random numbers (the default)
every option of one run index gets the same engine seed: the same raid and the same chance
draws, so option differences are paired. The raid variation of a run index is always the
same for every option.
"""

from __future__ import annotations

import hashlib

import numpy as np

_VARIATION, _ENGINE = 0, 1  # stream tags


def key(name: str) -> int:
    """A stable 64-bit key of a name."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


def engine_seed(study: str, option: str, run: int, common: bool = True) -> int:
    """The engine seed of run `run` of `option` (a non-negative 63-bit integer)."""
    parts = [key(study), _ENGINE, run] if common else [key(study), _ENGINE, key(option), run]
    return int(np.random.SeedSequence(parts).generate_state(1, np.uint64)[0] >> np.uint64(1))


def variation_rng(study: str, run: int) -> np.random.Generator:
    """The generator of run `run`'s raid variation (shared by every option)."""
    return np.random.default_rng(np.random.SeedSequence([key(study), _VARIATION, run]))
