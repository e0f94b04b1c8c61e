"""The honest baseline: most valuable track first, nearest feasible shooter."""

from __future__ import annotations

import numpy as np

from skyshield.decide.assign.base import Assigner, Assignment, AssignmentProblem


class GreedyAssigner(Assigner):
    """Take tracks by decreasing value; give each the shooter that reaches it soonest."""

    def assign(self, problem: AssignmentProblem) -> Assignment:
        """Greedy by value; each step is vectorised over shooters."""
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
