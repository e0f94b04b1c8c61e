"""Properties every solver's answer has, on random problems (hypothesis)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyshield.decide.assign import (
    ExactAssigner,
    GreedyAssigner,
    LocalSearchAssigner,
    ProblemError,
    StaticProblem,
    solve_static,
)

SOLVERS = {
    "greedy": GreedyAssigner(),
    "local": LocalSearchAssigner(restarts=3, time_limit_s=1.0),
    "exact": ExactAssigner(time_limit_s=5.0, warm_restarts=1),
}


@st.composite
def problems(draw, wmax=6, tmax=6):
    W = draw(st.integers(1, wmax))
    T = draw(st.integers(1, tmax))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    pk = rng.uniform(0, 1, (W, T))
    pk[rng.random((W, T)) < 0.1] = draw(st.sampled_from([0.0, 1.0]))  # edge Pk values
    return StaticProblem.build(
        value=rng.uniform(0, 100, T) * (rng.random(T) > 0.1),
        pk=pk,
        rounds=rng.integers(0, 4, W),
        allowed=rng.random((W, T)) < draw(st.sampled_from([0.3, 0.7, 1.0])),
        cost=rng.uniform(0, 1e6, W),
        cost_price=draw(st.sampled_from([0.0, 1e-6, 1e-4])),
        group=rng.integers(0, 3, W),
        burden=draw(st.sampled_from([0.0, 0.5, 5.0])),
        cap=rng.integers(0, 4, T) if draw(st.booleans()) else None,
    )


@pytest.mark.parametrize("name", list(SOLVERS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=problems())
def test_answers_are_feasible_and_report_their_own_objective(name, p):
    s = SOLVERS[name].solve(p)
    x = s.x
    assert x.shape == p.shape and x.dtype.kind == "i"
    assert np.all(x >= 0)
    assert np.all(x.sum(axis=1) <= p.rounds)  # no weapon exceeds its rounds
    assert not np.any((x > 0) & ~p.allowed)  # no forbidden pair
    if p.cap is not None:
        assert np.all(x.sum(axis=0) <= p.cap)  # no target over its cap
    assert s.objective == pytest.approx(p.objective(x), rel=1e-12, abs=1e-12)
    assert s.objective <= p.value.sum() + 1e-9  # never worse than firing nothing
    if np.isfinite(s.bound):
        assert s.bound <= s.objective + 1e-9


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=problems(wmax=5, tmax=5))
def test_local_is_no_worse_than_greedy_and_exact_no_worse_than_local(p):
    g = GreedyAssigner().solve(p).objective
    loc = SOLVERS["local"].solve(p).objective
    e = SOLVERS["exact"].solve(p)
    assert loc <= g + 1e-9
    assert e.objective <= loc + 1e-9
    assert e.optimal


def test_objective_is_the_documented_formula():
    p = StaticProblem.build([10.0, 20.0], [[0.5, 0.2], [0.1, 0.9]], [2, 1],
                            cost=[100.0, 1000.0], cost_price=0.01, group=["POL", "ROU"],
                            burden=0.5)
    x = np.array([[1, 1], [0, 1]])
    expected = 10 * 0.5 + 20 * 0.8 * 0.1 + 0.01 * (2 * 100 + 1000) + 0.5 * (2**2 + 1**2)
    assert p.objective(x) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(value=[1.0], pk=[[0.5, 0.5]], rounds=[1]), "pk must be"),
        (dict(value=[1.0], pk=[[1.5]], rounds=[1]), r"pk must lie in \[0, 1\]"),
        (dict(value=[1.0], pk=[[0.5]], rounds=[1.5]), "non-negative integers"),
        (dict(value=[1.0], pk=[[0.5]], rounds=[1, 1]), "rounds must be"),
        (dict(value=[np.nan], pk=[[0.5]], rounds=[1]), "value must be finite"),
        (dict(value=[1.0], pk=[[0.5]], rounds=[1], allowed=[[True, False]]), "allowed"),
        (dict(value=[1.0], pk=[[0.5]], rounds=[1], method="simplex"), "unknown method"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, match):
    with pytest.raises(ProblemError, match=match):
        solve_static(**kwargs)


def test_solve_static_on_a_textbook_instance():
    # 3 weapons, 2 targets: both good shots on the valuable target, the weak one on the other
    s = solve_static(np.array([100.0, 10.0]), np.array([[0.9, 0.9], [0.8, 0.8], [0.1, 0.5]]),
                     np.array([1, 1, 1]), method="exact")
    assert s.optimal and s.x.tolist() == [[1, 0], [1, 0], [0, 1]]
    assert s.objective == pytest.approx(100 * 0.1 * 0.2 + 10 * 0.5)
    assert s.bound == pytest.approx(s.objective, rel=1e-6)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(1, 7), st.integers(1, 5))
def test_the_engine_matching_by_local_and_exact_is_valid_and_no_worse_than_greedy(seed, T, S):
    from skyshield.decide.assign import AssignmentProblem
    from skyshield.sim.registry import build_assigner

    rng = np.random.default_rng(seed)
    time = rng.uniform(10, 600, (T, S))
    time[rng.random((T, S)) < 0.3] = np.inf
    p = AssignmentProblem(value=rng.uniform(0, 10, T), time=time,
                          allowed=rng.random((T, S)) < 0.8, pk=rng.uniform(0.3, 0.9, (T, S)))
    def ev(a) -> float:  # expected value destroyed by a matching
        return float((p.value[a.track] * p.pk[a.track, a.shooter]).sum())

    g = ev(build_assigner("greedy").assign(p))
    got = {}
    for name in ("local", "exact"):
        a = build_assigner(name).assign(p)
        assert len(set(a.track)) == len(a.track) and len(set(a.shooter)) == len(a.shooter)
        assert p.feasible[a.track, a.shooter].all()
        got[name] = ev(a)
    assert got["exact"] >= g - 1e-9 and got["exact"] >= got["local"] - 1e-9
