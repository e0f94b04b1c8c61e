"""Fixtures of the report tests: one short real simulation, its run folder and its report."""

from __future__ import annotations

from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def short_scenario():
    """western-night cut short: a third of the early waves, 5.5 h at a 2 s tick (~15 s run)."""
    from skyshield.model.loader import load_scenario

    sc = load_scenario("western-night")
    waves = [w.model_copy(update={"count": max(1, w.count // 3)})
             for w in sc.raid.waves if w.window_min[0] < 60]
    return sc.model_copy(update={"duration_min": 330, "tick_s": 2.0,
                                 "raid": sc.raid.model_copy(update={"waves": waves})})


@pytest.fixture(scope="session")
def scenario():
    """The short scenario of the report tests."""
    return short_scenario()


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder written by the real engine (`skyshield.sim.run.run_scenario`)."""
    from skyshield.sim.run import run_scenario

    out = tmp_path_factory.mktemp("run")
    result = run_scenario(short_scenario())
    return result.write(out)


@pytest.fixture(scope="session")
def report(run_dir: Path) -> Path:
    """The HTML report of `run_dir`."""
    from skyshield.report.html import build_report

    return build_report(run_dir)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for test artefacts (screenshots), gitignored."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
