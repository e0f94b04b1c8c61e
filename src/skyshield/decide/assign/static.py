"""The static weapon-target assignment problem, its objective, and a solver's answer.

The textbook problem (Manne 1958; Ahuja, Kumar, Jha and Orlin 2007) with the terms a
coalition needs. Weapon `i` (one aircraft's stock of one weapon type) has `rounds[i]`
rounds; firing `x[i, j]` of them at target `j` leaves the target alive with probability
`(1 - pk[i, j]) ** x[i, j]`, independently of the other shots. The objective, *minimised*
by every solver, is

    F(x) =  sum_j value_j * prod_i (1 - pk_ij) ** x_ij          expected surviving value
          + cost_price * sum_ij cost_ij * x_ij                  priced weapon spend
          + burden * sum_g (sum_{i in group g} sum_j x_ij) ** 2   burden sharing

subject to `sum_j x_ij <= rounds_i`, `x_ij >= 0` integer, `x_ij = 0` where `allowed` is
false, and, optionally, `sum_i x_ij <= cap_j` (rounds one target may receive).
`sum(value) - F(x)` is the expected value destroyed minus the priced terms. The
price turns dollars into value units (0 by default: the classic problem); with a price, a
shot whose expected gain is below its price is not fired, so a gun takes a drone that a
missile would also kill. The burden term (0 by default) is convex in each group's number of
shots, so spreading the shots over the groups (nations) lowers it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from skyshield.decide.assign.base import Assigner, Assignment, AssignmentProblem

PK_MAX = 1.0 - 1e-12  # a certain kill is held just below 1 so that log-survival stays finite [-]


class ProblemError(ValueError):
    """A static problem whose arrays do not fit together; the message says which."""


@dataclass(frozen=True)
class StaticProblem:
    """Arrays of one static weapon-target assignment problem (W weapons, T targets).

    `value (T,)` target values; `pk (W,T)` single-round kill probabilities; `rounds (W,)`
    rounds per weapon; `allowed (W,T)` permitted pairs (default all; a pair with pk 0 is
    never worth a round anyway); `cost (W,)` price of one round of each weapon [USD or
    any unit], or `(W,T)` per pair (held as (W,T)); `cost_price` value units per cost
    unit; `group (W,)` labels (nations) for the burden term, weighted by `burden`;
    `cap (T,)` the most rounds each target may receive.
    """

    value: np.ndarray
    pk: np.ndarray
    rounds: np.ndarray
    allowed: np.ndarray
    cost: np.ndarray  # (W,T)
    cost_price: float = 0.0
    group: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    burden: float = 0.0
    cap: np.ndarray | None = None  # (T,) most rounds a target may receive; None: no limit

    @classmethod
    def build(
        cls,
        value: np.ndarray,
        pk: np.ndarray,
        rounds: np.ndarray,
        allowed: np.ndarray | None = None,
        cost: np.ndarray | None = None,
        cost_price: float = 0.0,
        group: np.ndarray | None = None,
        burden: float = 0.0,
        cap: np.ndarray | None = None,
    ) -> StaticProblem:
        """Check and normalise the arrays; raise `ProblemError` naming what does not fit."""
        v = np.asarray(value, float)
        p = np.asarray(pk, float)
        if v.ndim != 1:
            raise ProblemError(f"value must be 1-D (T,), got shape {v.shape}")
        if p.ndim != 2 or p.shape[1] != len(v):
            raise ProblemError(f"pk must be (W, T) with T={len(v)}, got shape {p.shape}")
        W, T = p.shape
        r = np.asarray(rounds)
        if r.shape != (W,):
            raise ProblemError(f"rounds must be (W,) with W={W}, got shape {r.shape}")
        if not np.all(np.isfinite(r)) or np.any(r < 0) or np.any(r != np.round(r)):
            raise ProblemError("rounds must be non-negative integers")
        if not np.all(np.isfinite(v)) or np.any(v < 0):
            raise ProblemError("value must be finite and non-negative")
        if not np.all(np.isfinite(p)) or np.any(p < 0) or np.any(p > 1):
            raise ProblemError("pk must lie in [0, 1]")
        a = np.ones((W, T), bool) if allowed is None else np.asarray(allowed, bool)
        if a.shape != (W, T):
            raise ProblemError(f"allowed must be (W, T) = {(W, T)}, got shape {a.shape}")
        c = np.zeros(W) if cost is None else np.asarray(cost, float)
        if c.shape not in ((W,), (W, T)) or not np.all(np.isfinite(c)) or np.any(c < 0):
            raise ProblemError(f"cost must be (W,) = ({W},) or (W, T) = {(W, T)}, finite and "
                               f"non-negative, got shape {c.shape}")
        c = np.array(np.broadcast_to(c[:, None] if c.ndim == 1 else c, (W, T)))
        g = np.zeros(W, np.int64) if group is None else np.asarray(group)
        if g.shape != (W,):
            raise ProblemError(f"group must be (W,) = ({W},), got shape {g.shape}")
        _, g = np.unique(g, return_inverse=True)  # labels of any kind -> 0..G-1
        if not (np.isfinite(cost_price) and cost_price >= 0):
            raise ProblemError("cost_price must be finite and non-negative")
        if not (np.isfinite(burden) and burden >= 0):
            raise ProblemError("burden must be finite and non-negative")
        k = None
        if cap is not None:
            k = np.asarray(cap)
            if k.shape != (T,) or np.any(k < 0) or np.any(k != np.round(k)):
                raise ProblemError(f"cap must be (T,) = ({T},) non-negative integers")
            k = k.astype(np.int64)
        return cls(v, p, r.astype(np.int64), a, c, float(cost_price), g.astype(np.int64),
                   float(burden), k)

    @property
    def shape(self) -> tuple[int, int]:
        """(W, T)."""
        return self.pk.shape  # type: ignore[return-value]

    @property
    def usable(self) -> np.ndarray:
        """(W,T) pairs a round may go to: allowed, some chance of a kill, target not capped at 0."""
        u = self.allowed & (self.pk > 0)
        return u if self.cap is None else u & (self.cap > 0)[None, :]

    @property
    def q(self) -> np.ndarray:
        """(W,T) single-round survival probability, kept above 0."""
        return 1.0 - np.minimum(self.pk, PK_MAX)

    @property
    def room(self) -> np.ndarray:
        """(T,) cap per target, a number no answer can reach where there is none."""
        return self.cap if self.cap is not None else np.full(self.shape[1], 1 + self.rounds.sum())

    @property
    def n_groups(self) -> int:
        """Number of burden-sharing groups."""
        return int(self.group.max()) + 1 if len(self.group) else 0

    @property
    def classic(self) -> bool:
        """No priced terms: every extra round can only help, so all usable rounds are fired."""
        return self.cost_price == 0.0 and self.burden == 0.0

    def objective(self, x: np.ndarray) -> float:
        """F(x) of the module docstring, recomputed from the counts."""
        x = np.asarray(x)
        surv = np.prod(self.q ** x, axis=0)
        f = float(self.value @ surv)
        if self.cost_price:
            f += self.cost_price * float((self.cost * x).sum())
        if self.burden:
            shots = np.bincount(self.group, weights=x.sum(axis=1), minlength=self.n_groups)
            f += self.burden * float((shots**2).sum())
        return f

    def check(self, x: np.ndarray) -> None:
        """Raise `ProblemError` unless `x` is a feasible answer (rounds, allowed, integer)."""
        x = np.asarray(x)
        if x.shape != self.shape:
            raise ProblemError(f"x must be {self.shape}, got {x.shape}")
        if np.any(x < 0) or np.any(x != np.round(x)):
            raise ProblemError("x must hold non-negative integers")
        if np.any(x.sum(axis=1) > self.rounds):
            raise ProblemError("a weapon fires more than its rounds")
        if np.any((x > 0) & ~self.allowed):
            raise ProblemError("a forbidden pair is chosen")
        if self.cap is not None and np.any(x.sum(axis=0) > self.cap):
            raise ProblemError("a target receives more rounds than its cap")


@dataclass(frozen=True)
class StaticSolution:
    """A solver's answer: counts `x (W,T)`, F(x), a proven lower bound (NaN if none).

    `optimal` says the bound proves `objective` optimal within the solver's tolerance;
    `seconds` is the CPU time spent; `method` the solver's name.
    """

    x: np.ndarray
    objective: float
    bound: float
    optimal: bool
    seconds: float
    method: str
    iterations: int = 0

    @property
    def gap(self) -> float:
        """Relative gap (objective - bound) / objective; NaN without a bound."""
        if not np.isfinite(self.bound):
            return float("nan")
        return float((self.objective - self.bound) / max(abs(self.objective), 1e-12))

    @property
    def destroyed(self) -> np.ndarray:
        """Target rows that receive at least one round."""
        return np.flatnonzero(self.x.sum(axis=0) > 0)


class StaticSolver(ABC):
    """A solver of the static problem: parameters in the constructor, work in `solve`."""

    name = "solver"

    @abstractmethod
    def solve(self, problem: StaticProblem) -> StaticSolution:
        """Return the best assignment found within the solver's budget."""


def from_matching(problem: AssignmentProblem) -> StaticProblem:
    """The engine's track × shooter matching as a static problem: one round per shooter,
    at most one round per track, sum of value × Pk to win."""
    feasible = problem.feasible
    T, S = feasible.shape
    return StaticProblem.build(problem.value, problem.pk.T, np.ones(S, np.int64),
                               allowed=feasible.T, cap=np.ones(T, np.int64))


class MatchingBySolver(Assigner):
    """`assign` for a static solver: the matching solved as a static problem (cap 1)."""

    def assign(self, problem: AssignmentProblem) -> Assignment:
        """Most expected value destroyed, one shooter per track, one track per shooter."""
        x = self.solve(from_matching(problem))  # type: ignore[attr-defined]
        shooter, track = np.nonzero(x.x)
        return Assignment(track.astype(np.int64), shooter.astype(np.int64))
