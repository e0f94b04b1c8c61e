"""Shared doctrine constants: one definition each, read by world, decide and sim (SI units)."""

from __future__ import annotations

from skyshield.geo.borders import NATO

__all__ = ["DASH_BURN", "DEFAULT_ASSIGN", "HORIZON_S", "NATO", "RANGE_MARGIN", "RESERVE_S",
           "STANDOFF"]

RESERVE_S = 10 * 60.0  # fuel kept for the way home, at cruise: bingo and planning [s]
DASH_BURN = 2.5  # fuel burn at dash speed relative to cruise [-]
RANGE_MARGIN = 0.8  # fraction of the maximum launch range flown to before firing [-]
# where an aircraft already within that range holds until it may fire, as the fraction of
# the way from the weapon's minimum range out to it (inside the minimum range it cannot)
STANDOFF = 0.5  # [-]
HORIZON_S = 20 * 60.0  # default prediction horizon of threat assessment [s]
# the weapon-target assignment a run plans with unless told (a name of
# `sim.registry.ASSIGNERS`): the CLI, the engine, studies and workers all default to it
DEFAULT_ASSIGN = "greedy"
