"""The assignment problem and its answer, shared by every solver."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AssignmentProblem:
    """Tracks × shooters: what each pairing is worth and whether it is allowed.

    `value (T,)` is each track's threat value; `time (T,S)` the time to bring the track
    within weapon range [s] (inf when impossible); `allowed (T,S)` the rules' permission;
    `pk (T,S)` the kill probability of the weapon the shooter would use.
    """

    value: np.ndarray
    time: np.ndarray
    allowed: np.ndarray
    pk: np.ndarray

    @property
    def feasible(self) -> np.ndarray:
        """Pairs that are allowed and geometrically possible."""
        return self.allowed & np.isfinite(self.time) & (self.pk > 0)


@dataclass(frozen=True)
class Assignment:
    """Pairs chosen: `track[i]` (row index) is engaged by `shooter[i]` (column index)."""

    track: np.ndarray
    shooter: np.ndarray


class Assigner(ABC):
    """A weapon-target assignment solver."""

    @abstractmethod
    def assign(self, problem: AssignmentProblem) -> Assignment:
        """Choose at most one track per shooter and one shooter per track."""
