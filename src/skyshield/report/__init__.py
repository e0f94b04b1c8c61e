"""report: the run report (self-contained HTML), its figures and the static theatre map.

    from skyshield.report import build_report, render_map
    build_report(run_dir)                        # -> run_dir/report/index.html
    render_map(scenario, Path("out/map"))        # -> [out/map.png, out/map.svg]

Imported lazily: matplotlib loads only when one of them is used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_report", "render_map"]


def __getattr__(name: str) -> Any:
    if name == "build_report":
        from skyshield.report.html import build_report

        return build_report
    if name == "render_map":
        from skyshield.report.theatre_map import render_map

        return render_map
    raise AttributeError(name)
