"""Shared doctrine constants: one definition each, read by world, decide and sim (SI units)."""

from __future__ import annotations

from skyshield.geo.borders import NATO

__all__ = ["DASH_BURN", "HORIZON_S", "NATO", "RANGE_MARGIN", "RESERVE_S"]

RESERVE_S = 10 * 60.0  # fuel kept for the way home, at cruise: bingo and planning [s]
DASH_BURN = 2.5  # fuel burn at dash speed relative to cruise [-]
RANGE_MARGIN = 0.8  # fraction of the maximum launch range flown to before firing [-]
HORIZON_S = 20 * 60.0  # default prediction horizon of threat assessment [s]
