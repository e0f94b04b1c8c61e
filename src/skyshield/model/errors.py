"""Scenario problems: each names the file, line, column and field, and what was expected."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

PathT = tuple[str | int, ...]  # a field path: keys and list indices from the file's root
Where = Callable[[PathT], tuple[int, int]]  # field path -> (line, col), counted from 1


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a scenario file. `line` and `col` count from 1 (0 = unknown)."""

    file: str
    line: int
    col: int
    field: str  # dotted path, e.g. "coalition[0].squadrons[1].aircraft"
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        field = f"{self.field}: " if self.field else ""
        return f"{where}: {field}{self.message}"


class ScenarioError(ValueError):
    """A scenario that cannot be used; `problems` lists everything wrong with it at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in scenario"
        return head + ":\n" + "\n".join(f"  {p}" for p in self.problems)


def dotted(path: Sequence[str | int]) -> str:
    """A field path as written in problems: ``coalition[0].squadrons[1].aircraft``."""
    out = ""
    for el in path:
        out += f"[{el}]" if isinstance(el, int) else (f".{el}" if out else str(el))
    return out


class RunFolderError(ValueError):
    """A run folder (or one of its files) that cannot be written or read as it should."""

    def __init__(self, path: object, message: str):
        self.path = str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")
