"""Kill draws as common random numbers: the n-th shot at a threat gets the same uniform.

Each threat holds its own sequence of uniforms per kind of shooter (coalition weapons,
Ukrainian sites), drawn once when the run starts. The n-th coalition shot at threat j is
decided by `u[COALITION, j, n]` whatever was shot before at other threats, so two policies
flown on one seed differ in outcome only where they differ in what they shoot: a paired
comparison of policies (assigners, rules, nations) sees far less noise than with one stream
consumed in shot order, where a single shot more or less reshuffles every later outcome of
the night, Ukrainian ones included (common random numbers, Law, *Simulation Modeling and
Analysis*, 5th ed., sec. 11.2). Shots past the table's depth draw from the generator, in
shot order, which is still reproducible.
"""

from __future__ import annotations

import numpy as np

COALITION, UKRAINE = 0, 1  # kinds of shooter, each with its own sequence per threat
DEPTH = 8  # uniforms held per threat and kind [-]: more shots at one threat are rare


class KillDraws:
    """Per-threat sequences of uniforms for the kill draws (module docstring)."""

    def __init__(self, n_threats: int, rng: np.random.Generator, depth: int = DEPTH) -> None:
        self.u = rng.random((2, n_threats, depth))
        self.used = np.zeros((2, n_threats), np.int64)  # shots drawn so far per threat
        self.rng = rng  # for shots past the depth

    def uniforms(self, kind: int, target: np.ndarray) -> np.ndarray:
        """One uniform per shot at threats `target` (-1: no threat, gets 1.0, never a kill),
        in order: repeated threats take their next draws in the order given."""
        target = np.asarray(target, np.int64)
        out = np.ones(len(target))
        valid = np.flatnonzero(target >= 0)
        if not len(valid):
            return out
        tv = target[valid]
        order = np.argsort(tv, kind="stable")
        srt = tv[order]
        start = np.r_[0, np.flatnonzero(srt[1:] != srt[:-1]) + 1]
        rank = np.arange(len(srt)) - np.repeat(start, np.diff(np.r_[start, len(srt)]))
        used = self.used[kind]
        n = np.empty(len(tv), np.int64)
        n[order] = used[srt] + rank
        np.add.at(used, tv, 1)
        depth = self.u.shape[2]
        deep = n < depth
        u = np.empty(len(tv))
        u[deep] = self.u[kind, tv[deep], n[deep]]
        if not deep.all():
            u[~deep] = self.rng.random(int((~deep).sum()))
        out[valid] = u
        return out
