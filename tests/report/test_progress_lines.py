"""Progress of long runs when output is not a terminal: plain lines, throttled."""

from __future__ import annotations

import io

from rich.console import Console

from skyshield.report.console import sim_progress


def _piped() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=False, width=200), buf


def test_piped_progress_writes_lines_as_it_goes() -> None:
    """Every update past the throttle is a line in the log at once, not at the end."""
    con, buf = _piped()
    with sim_progress(con, "simulating x", 7200.0, every_s=0.0) as update:
        update(1800.0, 7200.0)
        assert "00:30 of 02:00 simulated (25 %)" in buf.getvalue()
        update(3600.0, 7200.0)
    lines = buf.getvalue().splitlines()
    assert lines[0] == "simulating x: started"
    assert len(lines) == 4 and "02:00 of 02:00 simulated (100 %)" in lines[-1]


def test_piped_progress_is_throttled() -> None:
    """Within the throttle period only the start and the end are written."""
    con, buf = _piped()
    with sim_progress(con, "simulating x", 600.0, every_s=3600.0) as update:
        for t in range(60, 601, 60):
            update(float(t), 600.0)
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2 and "(100 %)" in lines[1]
    assert "\x1b[" not in buf.getvalue()  # no terminal control codes in a log


def test_piped_progress_lines_are_not_wrapped() -> None:
    """A log's console is 80 columns wide: each progress line stays one line."""
    buf = io.StringIO()
    con = Console(file=buf, force_terminal=False, width=80)
    desc = "simulating western-night (seed 1, perfect picture)"  # 50 characters
    with sim_progress(con, desc, 28800.0, every_s=0.0) as update:
        update(14400.0, 28800.0)
    lines = buf.getvalue().splitlines()
    assert len(lines) == 3 and all(ln.startswith(desc + ": ") for ln in lines)
    assert lines[1].endswith("(50 %), 0 s") and lines[2].startswith(desc + ": 08:00 of 08:00")
