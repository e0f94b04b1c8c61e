"""Kill draws as common random numbers, against a per-threat counter written out plainly."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshield.world.draws import COALITION, UKRAINE, KillDraws

N = 6  # threats


def oracle(table: np.ndarray, calls: list[tuple[int, list[int]]], depth: int):
    """The uniforms each call should get: a plain loop, one counter per (kind, threat);
    None where the shot is past the depth (drawn from the generator instead)."""
    used = np.zeros((2, N), int)
    out = []
    for kind, targets in calls:
        row = []
        for j in targets:
            if j < 0:
                row.append(1.0)
                continue
            n = used[kind, j]
            used[kind, j] += 1
            row.append(table[kind, j, n] if n < depth else None)
        out.append(row)
    return out


calls_st = st.lists(
    st.tuples(st.sampled_from([COALITION, UKRAINE]),
              st.lists(st.integers(-1, N - 1), max_size=7)),
    max_size=12)


@settings(max_examples=200, deadline=None)
@given(calls=calls_st, depth=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_each_shot_gets_its_threats_next_uniform(calls, depth, seed):
    draws = KillDraws(N, np.random.default_rng(seed), depth)
    table = draws.u.copy()
    want = oracle(table, calls, depth)
    for (kind, targets), expect in zip(calls, want, strict=True):
        got = draws.uniforms(kind, np.array(targets, np.int64))
        assert len(got) == len(targets)
        for g, e in zip(got, expect, strict=True):
            if e is None:  # past the depth: a fresh draw, still a uniform
                assert 0.0 <= g < 1.0
            else:
                assert g == e


@settings(max_examples=100, deadline=None)
@given(other=st.lists(st.integers(1, N - 1), max_size=10), seed=st.integers(0, 2**32 - 1))
def test_a_threats_draws_do_not_depend_on_shots_at_others(other, seed):
    """The point of common random numbers: threat 0's third coalition shot is decided by
    the same uniform however many shots went to other threats, or to threat 0 from
    Ukrainian sites, in between."""
    plain = KillDraws(N, np.random.default_rng(seed))
    busy = KillDraws(N, np.random.default_rng(seed))
    a = [plain.uniforms(COALITION, np.array([0]))[0] for _ in range(3)]
    b = []
    for _ in range(3):
        busy.uniforms(COALITION, np.array(other, np.int64))
        busy.uniforms(UKRAINE, np.array([0, *other], np.int64))
        b.append(busy.uniforms(COALITION, np.array([0]))[0])
    assert a == b


def test_the_uniforms_are_uniform():
    """Kolmogorov-Smirnov against U(0, 1) over many first shots (a biased table would move
    every Pk)."""
    from scipy import stats

    d = KillDraws(20_000, np.random.default_rng(3))
    u = d.uniforms(COALITION, np.arange(20_000))
    assert stats.kstest(u, "uniform").pvalue > 1e-3
