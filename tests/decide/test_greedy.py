"""The greedy assigner: valid assignments, and optimal where greedy must be."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshield.decide.assign import AssignmentProblem, GreedyAssigner


def random_problem(seed: int, T: int, S: int) -> AssignmentProblem:
    rng = np.random.default_rng(seed)
    time = rng.uniform(10, 600, (T, S))
    time[rng.random((T, S)) < 0.3] = np.inf
    return AssignmentProblem(
        value=rng.uniform(0, 10, T),
        time=time,
        allowed=rng.random((T, S)) < 0.8,
        pk=rng.uniform(0.3, 0.9, (T, S)),
    )


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 8), st.integers(1, 5))
def test_greedy_is_a_valid_matching(seed, T, S):
    p = random_problem(seed, T, S)
    a = GreedyAssigner().assign(p)
    assert len(set(a.track)) == len(a.track)
    assert len(set(a.shooter)) == len(a.shooter)
    assert p.feasible[a.track, a.shooter].all()
    # maximal: no feasible pair is left with both ends free
    free_t = np.setdiff1d(np.arange(T), a.track)
    free_s = np.setdiff1d(np.arange(S), a.shooter)
    assert not p.feasible[np.ix_(free_t, free_s)].any()


def test_greedy_takes_most_valuable_first_with_nearest_shooter():
    p = AssignmentProblem(
        value=np.array([1.0, 5.0]),
        time=np.array([[10.0, 20.0], [30.0, 15.0]]),
        allowed=np.ones((2, 2), bool),
        pk=np.full((2, 2), 0.8),
    )
    a = GreedyAssigner().assign(p)
    pairs = sorted(zip(a.track.tolist(), a.shooter.tolist(), strict=True))
    assert pairs == [(0, 0), (1, 1)]


def test_greedy_picks_most_valuable_feasible_track_for_one_shooter():
    for seed in range(50):
        p = random_problem(seed, 6, 1)
        a = GreedyAssigner().assign(p)
        feas = np.flatnonzero(p.feasible[:, 0])
        if len(feas) == 0:
            assert len(a.track) == 0
        else:
            assert a.track.tolist() == [feas[np.argmax(p.value[feas])]]
