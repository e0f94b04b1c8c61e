"""Run a scenario: the one function behind `skyshield simulate`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from skyshield.doctrine import DEFAULT_ASSIGN
from skyshield.model.loader import load_scenario
from skyshield.model.scenario import Scenario
from skyshield.sim.engine import Engine, EngineConfig
from skyshield.sim.result import RunResult


def run_scenario(
    scenario: Scenario | str | Path,
    seed: int | None = None,
    picture: str = "perfect",
    assign: str = DEFAULT_ASSIGN,
    progress: Callable[[float, float], None] | None = None,
    **config: float,
) -> RunResult:
    """Simulate `scenario` (an object, a built-in name or a path) with `seed`.

    `seed` defaults to the scenario's own; the same scenario and seed give the same run.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    cfg = EngineConfig(picture=picture, assign=assign, **config)
    return Engine(scenario, cfg, seed).run(progress)
