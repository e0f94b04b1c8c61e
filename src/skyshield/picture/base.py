"""The picture stage's one interface: observations in, the published picture out.

Both the multi-sensor `Tracker` and the truth-fed `PerfectPicture` implement it; the
engine (and the live server) are handed one, never told which by a string.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from skyshield.contracts import Plots
from skyshield.picture.tracks import Tracks

__all__ = ["Picture"]


@runtime_checkable
class Picture(Protocol):
    """Turns batches of plots into tracks with stable track numbers of its own."""

    def update(self, plots: Plots, t: float) -> Tracks:
        """Take the plots up to time `t` [s] and return every live track predicted to `t`.

        Decisions use `confirmed_only()` of it. An empty batch still runs track
        management at `t` (coasting, deletions).
        """
        ...

    def picture(self, t: float) -> Tracks:
        """The live tracks predicted to `t` without new data and without track management."""
        ...
