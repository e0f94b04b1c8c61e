"""What every page skyshield writes shares: the static web assets and figure rendering.

The run report, the study report and the live server's operator page read the same files
from `skyshield/web/`; the two reports draw their figures the same way (PNG + SVG beside
the page, the PNG inlined as a data URI so the page works offline).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["FigureSpec", "render_figures", "web_asset"]

# (file stem, title, caption, size in inches, draw(ax))
FigureSpec = tuple[str, str, str, tuple[float, float], Callable[[Any], object]]


def web_asset(name: str) -> str:
    """The text of one shipped file of `skyshield/web/` (HTML, CSS, JS)."""
    return resources.files("skyshield.web").joinpath(name).read_text(encoding="utf-8")


def render_figures(specs: Sequence[FigureSpec], out: Path,
                   dpi: int) -> list[tuple[str, str, str, str]]:
    """Draw each spec in the dark style, save `out/STEM.png` and `.svg`, and return
    (stem, title, caption, PNG data URI) per figure.

    matplotlib is imported here, not at module level: the live server reads `web_asset`
    and must not pay for a plotting library at start-up."""
    from matplotlib.figure import Figure

    from skyshield.report.style import dark_style

    figs = []
    with dark_style():
        for name, title, caption, size, draw in specs:
            fig = Figure(figsize=size)
            ax = fig.add_subplot()
            draw(ax)
            fig.tight_layout()
            png = out / f"{name}.png"
            fig.savefig(png, dpi=dpi)
            fig.savefig(out / f"{name}.svg")
            uri = "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode()
            figs.append((name, title, caption, uri))
    return figs
