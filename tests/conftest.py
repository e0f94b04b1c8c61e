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
    from skyshield.picture.tracker import warm_up

    warm_up()
