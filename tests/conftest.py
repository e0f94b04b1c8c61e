"""Suite-wide set-up: compile the tracker's kernels once, before the test workers start.

After a fresh install numba compiles each kernel on its first call (about 20 s in all) and
caches it on disk. Doing that here, in the controlling process, means the xdist workers and
the live servers the server tests start load the cached kernels instead of compiling them
concurrently, and time-bounded waits (a server answering, a track appearing) do not absorb
the compile.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Warm the kernels in the controller only (an xdist worker has `workerinput`)."""
    if hasattr(config, "workerinput"):
        return
    import numpy as np

    from skyshield.picture.metrics import gospa_series
    from skyshield.picture.tracker import warm_up

    warm_up()
    z = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [5.0, 5.0, 0.0]])  # the metrics' kernels
    gospa_series(np.zeros(3), z, np.zeros(3), z + 1.0, c=20.0)


@pytest.fixture(scope="session")
def tiny_study(tmp_path_factory):
    """The tiny study (tests/sim/data/tiny-study.yaml, 3 options x 2 runs) run once in this
    process and saved to a folder: the reference of the study tests (tables, report,
    resume, workers). Returns the `StudyResult` (its folder is `.out`)."""
    from pathlib import Path

    from skyshield.model.study import load_study
    from skyshield.sim.monte_carlo import run_study

    plan = load_study(Path(__file__).parent / "sim" / "data" / "tiny-study.yaml")
    return run_study(plan, runs=2, workers=0, out=tmp_path_factory.mktemp("tiny-study"))


@pytest.fixture(scope="session")
def tiny_study_report(tiny_study):
    """The tiny study's folder with its HTML study report built."""
    from skyshield.report.study_html import build_study_report

    build_study_report(tiny_study.out)
    return tiny_study.out
