"""Weapon-target assignment: who will engage what, behind one interface per problem.

`Assigner.assign(AssignmentProblem)` is the engine's track × shooter matching;
`StaticSolver.solve(StaticProblem)` the static weapon-target assignment problem with
rounds, prices and burden sharing (`static.py` states the objective), solved by
`GreedyAssigner` (maximum marginal return), `LocalSearchAssigner` (VLSN) and
`ExactAssigner` (outer-approximation MIP by HiGHS). `solve_static` is the plain-array entry.
"""

from __future__ import annotations

import numpy as np

from skyshield.decide.assign.base import Assigner, Assignment, AssignmentProblem
from skyshield.decide.assign.exact import ExactAssigner
from skyshield.decide.assign.greedy import GreedyAssigner
from skyshield.decide.assign.local import LocalSearchAssigner
from skyshield.decide.assign.static import (
    ProblemError,
    StaticProblem,
    StaticSolution,
    StaticSolver,
)

SOLVERS: dict[str, type[StaticSolver]] = {
    "greedy": GreedyAssigner,
    "local": LocalSearchAssigner,
    "exact": ExactAssigner,
}


def make_solver(method: str, time_limit_s: float = 10.0, seed: int = 0) -> StaticSolver:
    """The solver registered as `method`, with a CPU budget and a seed where it takes them."""
    if method not in SOLVERS:
        raise ProblemError(f"unknown method {method!r}: expected one of {sorted(SOLVERS)}")
    if method == "greedy":
        return GreedyAssigner()
    return SOLVERS[method](time_limit_s=time_limit_s, seed=seed)  # type: ignore[call-arg]


def solve_static(
    value: np.ndarray,
    pk: np.ndarray,
    rounds: np.ndarray,
    method: str = "local",
    time_limit_s: float = 10.0,
    seed: int = 0,
    *,
    allowed: np.ndarray | None = None,
    cost: np.ndarray | None = None,
    cost_price: float = 0.0,
    group: np.ndarray | None = None,
    burden: float = 0.0,
    cap: np.ndarray | None = None,
) -> StaticSolution:
    """Solve a static weapon-target assignment problem given as plain arrays.

    `value (T,)`, `pk (W,T)` single-round kill probabilities, `rounds (W,)`; optional
    `allowed (W,T)`, `cost (W,)` or `(W,T)` per round with `cost_price`, `group (W,)`
    with `burden`, `cap (T,)` the most rounds a target may receive.
    Returns `x (W,T)`, `objective` (F of `static.py`: expected surviving value plus the
    priced terms, minimised), `bound` (proven lower bound, NaN for greedy and local),
    `optimal` and `seconds` (CPU).
    """
    problem = StaticProblem.build(value, pk, rounds, allowed, cost, cost_price, group, burden,
                                  cap)
    return make_solver(method, time_limit_s, seed).solve(problem)


__all__ = [
    "SOLVERS",
    "Assigner",
    "Assignment",
    "AssignmentProblem",
    "ExactAssigner",
    "GreedyAssigner",
    "LocalSearchAssigner",
    "ProblemError",
    "StaticProblem",
    "StaticSolution",
    "StaticSolver",
    "make_solver",
    "solve_static",
]
