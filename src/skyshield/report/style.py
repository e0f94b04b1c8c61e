"""One palette for the report: the matplotlib figures and the HTML replay read the same colours.

Coalition nations are cool colours (blue, teal, green, violet, sand), threats warm ones (orange,
red, magenta), Ukrainian air defence gold: a reader tells friend from foe before reading a label.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl

NATION_COLOURS = {
    "POL": "#5b9cff",
    "SVK": "#35c4c0",
    "HUN": "#7fd36b",
    "ROU": "#b48cff",
    "MDA": "#e3d585",
    "UKR": "#f2c84b",
}
NATION_NAMES = {
    "POL": "Poland", "SVK": "Slovakia", "HUN": "Hungary", "ROU": "Romania", "MDA": "Moldova",
    "UKR": "Ukraine", "BLR": "Belarus", "RUS": "Russia",
}
CLASS_COLOURS = {
    "drone": "#ff9f1c",
    "decoy": "#d8b27a",
    "cruise_missile": "#ff4d4d",
    "ballistic": "#ff5ccf",
    "aircraft": "#ff7b7b",
    "unknown": "#a9b1bd",
}
CLASS_LABELS = {
    "drone": "Attack drone", "decoy": "Decoy", "cruise_missile": "Cruise missile",
    "ballistic": "Ballistic missile", "aircraft": "Aircraft", "unknown": "Unknown",
}

MAP = {
    "sea": "#0b1018",
    "land_other": "#161c26",
    "land_ukr": "#1d2636",
    "land_nato": "#17243a",
    "land_hostile": "#231a1d",
    "border": "#6a7890",
    "border_ukr": "#9fb0c8",
    "text": "#d9e1ec",
    "text_muted": "#8793a6",
    "country_label": "#75839a",
    "engagement": "#2fbf71",
    "excluded": "#ff5a5a",
    "gbad": "#f2c84b",
    "radar": "#8fb3d9",
    "city": "#e8edf4",
    "launch": "#ff4d4d",
    "patrol": "#d0d8e4",
    "kill_ukr": "#f2c84b",
    "leak": "#ff3355",
    "impact": "#ff3355",
    "track": "#e6f0ff",
}

HOSTILE = frozenset({"RUS", "BLR"})


def nation_colour(iso3: str) -> str:
    """Colour of a nation (grey for one without a colour)."""
    return NATION_COLOURS.get(iso3, "#a9b1bd")


@contextmanager
def dark_style() -> Iterator[None]:
    """matplotlib rc settings of the report's figures (dark, like the page)."""
    rc = {
        "figure.facecolor": "#111722",
        "axes.facecolor": "#111722",
        "savefig.facecolor": "#111722",
        "axes.edgecolor": "#3a4556",
        "axes.labelcolor": MAP["text"],
        "axes.titlecolor": MAP["text"],
        "axes.titleweight": "bold",
        "axes.titlesize": 11,
        "axes.titlelocation": "left",
        "axes.labelsize": 9,
        "axes.grid": True,
        "grid.color": "#253041",
        "grid.linewidth": 0.6,
        "xtick.color": MAP["text_muted"],
        "ytick.color": MAP["text_muted"],
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "text.color": MAP["text"],
        "legend.facecolor": "#161d2a",
        "legend.edgecolor": "#3a4556",
        "legend.fontsize": 8,
        "legend.labelcolor": MAP["text"],
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.fonttype": "none",  # SVG text stays text: searchable, editable in slides
    }
    with mpl.rc_context(rc):
        yield
