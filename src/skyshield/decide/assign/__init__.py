"""Weapon-target assignment: who will engage what, behind one `assign(problem)` interface."""

from skyshield.decide.assign.base import Assigner, Assignment, AssignmentProblem
from skyshield.decide.assign.greedy import GreedyAssigner

ASSIGNERS: dict[str, type[Assigner]] = {"greedy": GreedyAssigner}

__all__ = ["ASSIGNERS", "Assigner", "Assignment", "AssignmentProblem", "GreedyAssigner"]
