"""Raid variation: one run's counts, launch windows and routings drawn from the study.

`vary_raid` draws, in a fixed order that does not depend on the option, the night kind and
its scale factor, then for every variation entry and every wave it matches (in the base
raid's order) the count, count factor, window shift, window stretch and routing. Draws are
made whether or not the option's raid has that wave, so every option of a run index sees
the same numbers (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skyshield.model.scenario import Scenario, Wave
from skyshield.model.study import Distribution, Variation, wave_matches

MAX_COUNT = 5000  # the schema's limit on a wave's count


@dataclass(frozen=True)
class RaidDraw:
    """What was drawn for one run: the night kind, its scale, the threats declared."""

    night: str
    scale: float
    threats: int


def sample(dist: Distribution, rng: np.random.Generator) -> float:
    """One draw of a declared distribution."""
    kind = dist.dist
    if kind == "fixed":
        return float(dist.value)
    if kind == "uniform":
        return float(rng.uniform(dist.low, dist.high))
    if kind == "normal":
        return float(rng.normal(dist.mean, dist.sd))
    if kind == "lognormal":
        return float(dist.median * np.exp(rng.normal(0.0, dist.sigma)))
    if kind == "poisson":
        return float(rng.poisson(dist.mean))
    raise ValueError(f"unknown distribution {kind!r}")  # pragma: no cover - schema forbids


def vary_raid(scenario: Scenario, variation: Variation, rng: np.random.Generator,
              base: Scenario | None = None) -> tuple[Scenario, RaidDraw]:
    """`scenario` with its raid drawn for one run; `base` gives the wave matching (default it)."""
    night, scale = "", 1.0
    if variation.nights:
        w = np.array([n.weight for n in variation.nights], float)
        k = int(rng.choice(len(w), p=w / w.sum()))
        night, scale = variation.nights[k].name, sample(variation.nights[k].scale, rng)
    waves = [w.model_dump() for w in scenario.raid.waves]
    counts = np.array([w["count"] for w in waves], float)
    for v in variation.waves:
        for i in wave_matches(v, base or scenario):
            count = sample(v.count, rng) if v.count is not None else None
            factor = sample(v.count_scale, rng) if v.count_scale is not None else 1.0
            shift = sample(v.shift_min, rng) if v.shift_min is not None else 0.0
            stretch = sample(v.stretch, rng) if v.stretch is not None else 1.0
            routing = None
            if v.routing is not None:
                names = list(v.routing)
                p = np.array([v.routing[n] for n in names], float)
                routing = names[int(rng.choice(len(names), p=p / p.sum()))]
            if i >= len(waves):
                continue  # the option's raid lacks this wave: drawn anyway, not used
            if count is not None:
                counts[i] = count
            counts[i] *= max(factor, 0.0)
            a, b = waves[i]["window_min"]
            a2 = max(0.0, a + shift)
            waves[i]["window_min"] = (a2, a2 + max(0.0, (b - a) * stretch))
            if routing is not None:
                waves[i]["routing"] = routing
    final = np.clip(np.rint(counts * max(scale, 0.0)), 1, MAX_COUNT).astype(int)
    for w, n in zip(waves, final, strict=True):
        w["count"] = int(n)
    raid = scenario.raid.model_copy(update={"waves": [Wave(**w)
                                                  for w in waves]})
    return scenario.model_copy(update={"raid": raid}), RaidDraw(night, scale, int(final.sum()))
