"""The local search against the exact solver on random 10 × 10 instances.

Must hold (issue 11): the exact optimum on at least 95 % of the instances, never more than
2 % above it. Three families of 10 targets × 10 weapons: the literature's (values
U[25,100], Pk U[0.6,0.9]) with one and with two rounds per weapon, and a rich one with
forbidden pairs, 0-3 rounds, priced spend, burden sharing and (odd seeds) caps.
"""

import numpy as np
import pytest
from assign_cases import literature, rich

from skyshield.decide.assign import ExactAssigner, GreedyAssigner, LocalSearchAssigner

FAMILIES = {
    "one round": lambda s: literature(s, 10, 10, 1),
    "two rounds": lambda s: literature(s, 10, 10, 2),
    "rich": lambda s: rich(s, 10, 10, 3, cap=s % 2 == 1),
}
N = 16  # instances per family: 48 in all, so 95 % allows 2 misses


@pytest.fixture(scope="module")
def results():
    """(local, exact, greedy) objectives of every instance of every family."""
    out = []
    for make in FAMILIES.values():
        for seed in range(N):
            p = make(1000 + seed)
            e = ExactAssigner().solve(p)
            assert e.optimal
            out.append((LocalSearchAssigner(seed=seed).solve(p).objective, e.objective,
                        GreedyAssigner().solve(p).objective))
    return np.array(out)


def test_local_reaches_the_optimum_on_95_percent(results):
    local, exact, _ = results.T
    hit = local <= exact * (1 + 1e-9)
    assert hit.mean() >= 0.95


def test_local_is_never_more_than_2_percent_above_the_optimum(results):
    local, exact, _ = results.T
    assert np.all(local >= exact * (1 - 1e-9))  # exact is exact
    assert np.all(local <= exact * 1.02)


def test_local_improves_on_greedy_where_greedy_misses(results):
    local, exact, greedy = results.T
    miss = greedy > exact * (1 + 1e-9)
    assert miss.sum() >= 10  # the instances are not trivial for MMR
    assert np.all(local <= greedy * (1 + 1e-12))
    assert np.mean(local[miss] < greedy[miss]) >= 0.9
