"""Exact assignment: outer approximation of the log-survival, solved by HiGHS (scipy milp).

With `y_j = sum_i x_ij log(1 - pk_ij)` (linear in the integer counts), the surviving value
`value_j exp(y_j)` is convex in `y_j`, so every tangent `value_j e^a (1 + y_j - a)` lies
below it. The MIP minimises `sum_j z_j` (+ the priced spend, + the burden term, which is
convex in each group's integer shot count and so is represented *exactly* at integers by
its chords) subject to `z_j >= ` each tangent: its optimum is a proven lower bound on F.
After each solve the true F of the MIP's answer is an upper bound; a tangent is added at
each target's `y_j` where `z_j` underestimates it, and the MIP is solved again (Kelley's
cutting planes / outer approximation; Duran and Grossmann 1986), until the bound and the
best answer meet within `rel_gap`, or the CPU budget runs out (then HiGHS's own dual
bound is the proven bound). The starting cuts sit at the log-survivals of a local-search
answer and on a fixed grid, so the first MIP is already tight near a good answer.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass

import numpy as np

from skyshield.decide.assign.local import LocalSearchAssigner
from skyshield.decide.assign.static import (
    MatchingBySolver,
    StaticProblem,
    StaticSolution,
    StaticSolver,
)

LP_FIRST_MIN = 200_000  # (variables × targets) above which the LP bound is taken first [-]
GRID_SURVIVAL = (1.0, 0.7, 0.5, 0.35, 0.25, 0.15, 0.1, 0.05, 0.02, 0.01, 1e-3, 1e-4)  # [-]


@dataclass(frozen=True)
class ExactAssigner(MatchingBySolver, StaticSolver):
    """Outer-approximation MIP with HiGHS; returns its proven bound and whether optimal."""

    rel_gap: float = 1e-6  # (F - bound) / F at which the answer is declared optimal [-]
    max_rounds: int = 60  # outer-approximation iterations (MIP solves) at most
    time_limit_s: float = 60.0  # CPU budget over all MIP solves [s]
    warm_time_s: float = 0.5  # budget of the local search that seeds cuts and the incumbent [s]
    warm_restarts: int = 5  # its ruin-and-recreate kicks
    seed: int = 0
    name: str = "exact"

    def solve(self, problem: StaticProblem) -> StaticSolution:
        """Solve to `rel_gap` or return the best answer and the proven bound at the budget."""
        # imported here: scipy.optimize costs 0.15-0.35 s of start-up to every run otherwise
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import coo_array, csr_array, hstack

        t0 = _time.process_time()
        deadline = t0 + self.time_limit_s
        p = problem
        W, T = p.shape
        usable = p.usable & (p.rounds > 0)[:, None]
        pi, pj = np.nonzero(usable)  # MIP variables: counts of usable pairs only
        n = len(pi)
        warm = LocalSearchAssigner(restarts=self.warm_restarts, time_limit_s=self.warm_time_s,
                                   seed=self.seed).solve(p)
        best_x, best_f = warm.x, warm.objective
        if n == 0:
            return StaticSolution(best_x, best_f, best_f, True, _time.process_time() - t0,
                                  self.name)
        logq = np.log(p.q[pi, pj])  # (n,)
        G = p.n_groups if p.burden else 0
        has = np.bincount(pi, minlength=W) > 0  # weapons with a usable target
        gmax = np.bincount(p.group, weights=p.rounds * has, minlength=G).astype(int)
        # variables: x (n counts) | z (T surviving value) | y (T log-survival) | b (G burden)
        nv = n + 2 * T + G
        L = csr_array((logq, (pj, np.arange(n))), shape=(T, n))  # y_j = L[j] . x
        ymin = np.minimum(L @ p.rounds[pi].astype(float), 0.0)
        c = np.concatenate([p.cost_price * p.cost[pi, pj], np.ones(T), np.zeros(T), np.ones(G)])
        integrality = np.concatenate([np.ones(n), np.zeros(2 * T + G)])
        lb = np.concatenate([np.zeros(n + T), ymin, np.zeros(G)])
        ub = np.concatenate([p.rounds[pi].astype(float), np.full(T, np.inf), np.zeros(T),
                             np.full(G, np.inf)])
        bounds = Bounds(lb, ub)
        eye = coo_array((np.ones(T), (np.arange(T), np.arange(T))), shape=(T, T))
        rows = [LinearConstraint(hstack([-L, csr_array((T, T)), eye, csr_array((T, G))]).tocsr(),
                                 0.0, 0.0)]
        # rounds: sum_j x_ij <= rounds_i (= when every extra round can only help)
        A_r = coo_array((np.ones(n), (pi, np.arange(n))), shape=(W, nv)).tocsr()
        lo = p.rounds.astype(float) if p.classic and p.cap is None else np.zeros(W)
        rows.append(LinearConstraint(A_r[has], lo[has], p.rounds[has].astype(float)))
        if p.cap is not None:  # rounds per target: sum_i x_ij <= cap_j
            A_c = coo_array((np.ones(n), (pj, np.arange(n))), shape=(T, nv)).tocsr()
            rows.append(LinearConstraint(A_c, -np.inf, p.cap.astype(float)))
        # burden: b_g >= burden (k^2 + (2k+1)(n_g - k)), k = 0..gmax-1 (chords, exact at ints)
        for g in range(G):
            k = np.arange(max(gmax[g], 1), dtype=float)
            mask = p.group[pi] == g
            A = np.zeros((len(k), nv))
            A[:, np.flatnonzero(mask)] = -(p.burden * (2 * k + 1))[:, None]
            A[:, n + 2 * T + g] = 1.0
            rows.append(LinearConstraint(A, p.burden * (k**2 - (2 * k + 1) * k), np.inf))
        y_warm = np.log(p.q ** best_x).sum(axis=0)
        cuts_a = [np.maximum(np.log(GRID_SURVIVAL)[:, None], ymin[None, :]),
                  y_warm[None, :]]
        cut_rows = []

        def tangents(a: np.ndarray) -> LinearConstraint:
            """z_j - v_j e^a y_j >= v_j e^a (1 - a) for cut points a (K, T): two entries a row."""
            K = a.shape[0]
            slope = p.value[None, :] * np.exp(a)  # (K,T)
            r = np.arange(K * T)
            j = np.tile(np.arange(T), K)
            A = coo_array((np.concatenate([np.ones(K * T), -slope.ravel()]),
                           (np.concatenate([r, r]), np.concatenate([n + j, n + T + j]))),
                          shape=(K * T, nv)).tocsr()
            return LinearConstraint(A, (slope * (1.0 - a)).ravel(), np.inf)

        for a in cuts_a:
            cut_rows.append(tangents(a))
        bound = -np.inf
        if n * T > LP_FIRST_MIN:  # large: the LP relaxation's bound, in case the MIP gives none
            lp = milp(c, integrality=np.zeros(nv), bounds=bounds, constraints=rows + cut_rows,
                      options={"time_limit": max(deadline - _time.process_time(), 0.01) / 4,
                               "disp": False})
            if lp.status == 0:
                bound = float(lp.fun)
        optimal = False
        it = 0
        for it in range(1, self.max_rounds + 1):  # noqa: B007 (reported)
            left = deadline - _time.process_time()
            if left <= 0:
                break
            opts = {"time_limit": left, "mip_rel_gap": self.rel_gap / 10, "disp": False}
            res = milp(c, integrality=integrality, bounds=bounds, constraints=rows + cut_rows,
                       options=opts)
            if res.status == 4:  # HiGHS presolve occasionally fails ("Solve error"): retry
                opts["presolve"] = False
                res = milp(c, integrality=integrality, bounds=bounds,
                           constraints=rows + cut_rows, options=opts)
            if res.x is None:
                dual = getattr(res, "mip_dual_bound", None)
                if dual is not None and np.isfinite(dual):
                    bound = max(bound, float(dual))
                break
            done = res.status == 0
            dual = float(res.mip_dual_bound) if getattr(res, "mip_dual_bound", None) is not None \
                else float(res.fun)
            bound = max(bound, float(res.fun) if done else dual)
            xs = np.rint(res.x[:n]).astype(np.int64)
            x = np.zeros((W, T), np.int64)
            x[pi, pj] = xs
            f = p.objective(x)
            if f < best_f:
                best_x, best_f = x, f
            if best_f - bound <= self.rel_gap * max(abs(best_f), 1e-12):
                optimal = True
                break
            if not done:
                break
            y = L @ xs.astype(float)
            z = res.x[n:n + T]
            short = p.value * np.exp(y) - z > self.rel_gap * max(abs(best_f), 1e-12) / T
            if not short.any():  # no cut to add: nothing more to learn at this tolerance
                break
            a = np.where(short, y, 0.0)[None, :]
            cut_rows.append(tangents(a))
        bound = min(bound, best_f)
        return StaticSolution(best_x, best_f, bound if np.isfinite(bound) else float("nan"),
                              optimal, _time.process_time() - t0, self.name, it)
