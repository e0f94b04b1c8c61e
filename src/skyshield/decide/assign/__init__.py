"""Weapon-target assignment: who will engage what, behind one `assign(problem)` interface."""

from skyshield.decide.assign.base import Assigner, Assignment, AssignmentProblem
from skyshield.decide.assign.greedy import GreedyAssigner

__all__ = ["Assigner", "Assignment", "AssignmentProblem", "GreedyAssigner"]
