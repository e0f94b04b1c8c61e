"""The numbers of the summary: headline cards, the per-nation table and the cost exchange.

Every function takes a `RunData` and returns plain data (dicts, DataFrames) with units in the
names; `html` formats them. Costs are notional (library unit costs, public estimates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from skyshield.model import library as lib
from skyshield.report.rundir import RunData

__all__ = ["Cards", "cards", "nation_table", "cost_exchange"]

COALITION_ORDER = ("POL", "SVK", "HUN", "ROU", "MDA")


@dataclass(frozen=True)
class Cards:
    """Headline counts of threats (each threat counted once)."""

    launched: int
    destroyed_coalition: int
    destroyed_ukraine: int
    leaked_nato: int  # entered the airspace of a NATO member
    reached_target: int  # impacted
    still_flying: int
    expired: int


def cards(run: RunData) -> Cards:
    """Headline counts from the per-threat table."""
    th = run.threats
    launched = th[np.isfinite(pd.to_numeric(th["t_launch"], errors="coerce").fillna(np.inf))
                  & (pd.to_numeric(th["t_launch"], errors="coerce") <= run.duration_s)]
    if launched.empty:
        launched = th
    out = launched["outcome"].astype(str)
    leaked = launched["nato_country"].astype(str).str.len() > 0
    return Cards(
        launched=len(launched),
        destroyed_coalition=int((out == "destroyed_coalition").sum()),
        destroyed_ukraine=int((out == "destroyed_ukraine").sum()),
        leaked_nato=int(leaked.sum()),
        reached_target=int((out == "impacted").sum()),
        still_flying=int((out == "flying").sum()),
        expired=int((out == "expired").sum()),
    )


def nation_table(run: RunData) -> pd.DataFrame:
    """One row per coalition nation: aircraft, sorties, flight hours, shots, kills, depth into
    Ukraine (max, km), minutes over Ukraine, national approvals (count and mean delay, s)."""
    ac = run.aircraft.copy()
    for c in ("sorties", "flight_hours", "shots", "kills", "max_depth_km",
              "minutes_over_ukraine"):
        ac[c] = pd.to_numeric(ac[c], errors="coerce").fillna(0.0)
    g = ac.groupby("nation")
    df = pd.DataFrame({
        "aircraft": g.size(),
        "sorties": g["sorties"].sum(),
        "flight_hours": g["flight_hours"].sum(),
        "shots": g["shots"].sum(),
        "kills": g["kills"].sum(),
        "max_depth_km": g["max_depth_km"].max(),
        "minutes_over_ukraine": g["minutes_over_ukraine"].sum(),
    })
    ev = run.events
    appr = ev[ev["kind"].astype(str) == "approval"]
    if ac["approvals"].notna().any():  # the per-aircraft table counts them
        n_appr = pd.to_numeric(ac["approvals"], errors="coerce").fillna(0.0)
        df["approvals"] = n_appr.groupby(ac["nation"]).sum().reindex(df.index).astype(int)
    else:
        df["approvals"] = appr.groupby("nation").size().reindex(df.index).fillna(0).astype(int)
    df["approval_delay_s"] = appr.groupby("nation")["value"].mean().reindex(df.index)
    nations = [n for n in COALITION_ORDER if n in df.index] + sorted(
        set(df.index) - set(COALITION_ORDER))
    df = df.reindex(nations)
    df.index.name = "nation"
    return df


def _flight_cost(run: RunData) -> pd.Series:
    """Flight-hour cost [USD] per aircraft row (library cost per hour of its type)."""
    def per_hour(name: str) -> float:
        t = lib.library().interceptors.get(str(name))
        return t.cost_per_hour_usd if t else 0.0

    hours = pd.to_numeric(run.aircraft["flight_hours"], errors="coerce").fillna(0.0)
    rate = pd.to_numeric(run.aircraft["cost_per_hour_usd"], errors="coerce")
    rate = rate.fillna(run.aircraft["type"].map(per_hour)).fillna(0.0)
    return hours * rate


def cost_exchange(run: RunData) -> dict:
    """Notional costs [USD]: spent by the coalition (munitions + flying hours) vs the value of
    threats it destroyed; Ukraine's ground-based kills for comparison. Per nation too."""
    ev = run.events
    kind = ev["kind"].astype(str)
    value = pd.to_numeric(ev["value"], errors="coerce").fillna(0.0)
    shots = ev[kind == "shot"]
    munitions = value[kind == "shot"].groupby(shots["nation"]).sum()
    kills = ev[kind == "kill"]
    killed_value = value[kind == "kill"].groupby(kills["nation"]).sum()
    if killed_value.sum() == 0 and len(run.threats):  # fall back on the per-threat table
        th = run.threats[run.threats["outcome"] == "destroyed_coalition"]
        costs = th["type"].map(lambda n: getattr(lib.library().threats.get(str(n)),
                                                  "unit_cost_usd", 0.0))
        killed_value = costs.groupby(th["by"]).sum()
    flying = _flight_cost(run).groupby(run.aircraft["nation"]).sum()
    nations = sorted(set(munitions.index) | set(killed_value.index) | set(flying.index),
                     key=lambda n: (COALITION_ORDER + (n,)).index(n))
    nations = [n for n in nations if n]
    per = pd.DataFrame({
        "munitions_usd": munitions.reindex(nations).fillna(0.0),
        "flight_usd": flying.reindex(nations).fillna(0.0),
        "destroyed_usd": killed_value.reindex(nations).fillna(0.0),
    })
    per["spent_usd"] = per["munitions_usd"] + per["flight_usd"]
    ukr = float(value[kind == "gbad_kill"].sum())
    spent = float(per["spent_usd"].sum())
    destroyed = float(per["destroyed_usd"].sum())
    return {
        "spent_usd": spent,
        "munitions_usd": float(per["munitions_usd"].sum()),
        "flight_usd": float(per["flight_usd"].sum()),
        "destroyed_usd": destroyed,
        "ratio": destroyed / spent if spent > 0 else float("nan"),
        "ukraine_destroyed_usd": ukr,
        "per_nation": per,
    }
