"""Greedy assignment: the engine's matching baseline and maximum marginal return (MMR)."""

from __future__ import annotations

import time as _time

import numpy as np

from skyshield.decide.assign.base import Assigner, Assignment, AssignmentProblem
from skyshield.decide.assign.static import StaticProblem, StaticSolution, StaticSolver


def mmr(problem: StaticProblem, x0: np.ndarray | None = None) -> np.ndarray:
    """Maximum marginal return: fire, one round at a time, the round that lowers F the most.

    Starts from `x0` (default: nothing fired) and stops when no round left lowers F
    (with prices, a round whose expected gain is below its price is not fired). Each step
    is vectorised over all (weapon, target) pairs; only the chosen target's column and,
    with a burden term, the chosen group's rows are recomputed.
    """
    W, T = problem.shape
    q = problem.q
    x = np.zeros((W, T), np.int64) if x0 is None else np.array(x0, np.int64)
    surv = np.prod(q**x, axis=0)
    left = problem.rounds - x.sum(axis=1)
    shots = np.bincount(problem.group, weights=x.sum(axis=1), minlength=problem.n_groups)
    price = problem.cost_price * problem.cost  # (W,T)
    usable = problem.usable
    vs = problem.value * surv
    gain = np.where(usable, vs[None, :] * (1.0 - q), -np.inf) - price
    if problem.burden:
        gain -= problem.burden * (2.0 * shots[problem.group] + 1.0)[:, None]
    gain[left <= 0] = -np.inf
    room = problem.room - x.sum(axis=0)
    gain[:, room <= 0] = -np.inf
    for _ in range(int(left.sum())):  # one round per step, bounded by the rounds
        k = int(np.argmax(gain))
        i, j = divmod(k, T)
        if not gain[i, j] > 0:
            break
        x[i, j] += 1
        left[i] -= 1
        room[j] -= 1
        surv[j] *= q[i, j]
        col = np.where(usable[:, j], problem.value[j] * surv[j] * (1.0 - q[:, j]), -np.inf)
        col -= price[:, j]
        if problem.burden:
            g = problem.group[i]
            shots[g] += 1
            rows = problem.group == g
            extra = problem.burden * 2.0
            gain[rows] -= extra
            col -= problem.burden * (2.0 * shots[problem.group] + 1.0)
        col[left <= 0] = -np.inf
        gain[:, j] = col if room[j] > 0 else -np.inf
        if left[i] <= 0:
            gain[i] = -np.inf
    return x


class GreedyAssigner(Assigner, StaticSolver):
    """Greedy: the engine's value-then-nearest matching (`assign`) and MMR (`solve`)."""

    name = "greedy"

    def assign(self, problem: AssignmentProblem) -> Assignment:
        """Take tracks by decreasing value; give each the shooter that reaches it soonest."""
        time = np.where(problem.feasible, problem.time, np.inf)
        rows = np.flatnonzero(np.isfinite(time).any(axis=1))
        rows = rows[np.argsort(-problem.value[rows], kind="stable")]
        free = np.ones(time.shape[1], bool)
        tracks, shooters = [], []
        for r in rows:  # bounded by the number of shooters: stops when none are free
            cand = np.where(free, time[r], np.inf)
            s = int(np.argmin(cand))
            if np.isfinite(cand[s]):
                tracks.append(r)
                shooters.append(s)
                free[s] = False
                if not free.any():
                    break
        return Assignment(np.asarray(tracks, np.int64), np.asarray(shooters, np.int64))

    def solve(self, problem: StaticProblem) -> StaticSolution:
        """Maximum marginal return on the static problem (no bound)."""
        t0 = _time.process_time()
        x = mmr(problem)
        return StaticSolution(x, problem.objective(x), float("nan"), False,
                              _time.process_time() - t0, self.name)
