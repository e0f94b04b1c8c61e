"""The numbers a run is judged on: outcomes, per-nation work and exposure, leakers, cost.

Every field is documented in docs/metrics.md; all are plain JSON types.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from skyshield.geo.borders import NATO, country_of
from skyshield.model.scenario import Scenario
from skyshield.sim.events import EventKind

OUTCOMES = (
    "destroyed_coalition",
    "destroyed_ukraine",
    "impacted",
    "expired",
    "flying",
    "not_launched",
)


def compute_metrics(
    scenario: Scenario,
    threats: pd.DataFrame,
    aircraft: pd.DataFrame,
    events: pd.DataFrame,
    t_end: float,
    wall_s: float,
) -> dict[str, Any]:
    """Summary metrics of one run."""
    outcomes = threats["outcome"].value_counts()
    by_type = (
        threats.groupby(["type", "outcome"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=list(OUTCOMES), fill_value=0)
    )
    kills = events[events.kind == EventKind.KILL.value]
    over = country_of(kills["lat"].to_numpy(), kills["lon"].to_numpy()) if len(kills) else []
    shots = events[events.kind == EventKind.SHOT.value]
    flight_usd = float((aircraft["flight_h"] * aircraft["cost_per_hour_usd"]).sum())
    weapons_usd = float(shots["value"].sum())
    destroyed = threats["outcome"] == "destroyed_coalition"
    destroyed_usd = float(threats.loc[destroyed, "unit_cost_usd"].sum())
    spent = flight_usd + weapons_usd
    leaked = threats[threats["nato_country"] != ""]
    nations: dict[str, Any] = {}
    for nation, g in aircraft.groupby("nation", sort=True):
        n_appr = int(g["approvals"].sum())
        nations[str(nation)] = {
            "aircraft": len(g),
            "sorties": int(g["sorties"].sum()),
            "flight_hours": round(float(g["flight_h"].sum()), 2),
            "shots": int(g["shots"].sum()),
            "kills": int(g["kills"].sum()),
            "max_depth_km": round(float(g["max_depth_km"].max()), 1),
            "mean_depth_km": round(
                float(g.loc[g["mean_depth_km"] > 0, "mean_depth_km"].mean())
                if (g["mean_depth_km"] > 0).any()
                else 0.0,
                1,
            ),
            "ukr_minutes": round(float(g["ukr_min"].sum()), 1),
            "closest_blr_rus_km": _round(g["closest_blr_rus_km"].min()),
            "approvals": n_appr,
            "approval_delay_s_mean": round(float(g["approval_delay_s"].sum()) / n_appr, 1)
            if n_appr
            else 0.0,
            "mez_minutes": round(float(g["mez_s"].sum()) / 60.0, 1),
        }
    return {
        "scenario": scenario.name,
        "simulated_s": t_end,
        "wall_s": round(wall_s, 3),
        "speedup": round(t_end / wall_s, 1) if wall_s > 0 else None,
        "threats": {
            "launched": int((threats["outcome"] != "not_launched").sum()),
            "total": len(threats),
            "outcomes": {o: int(outcomes.get(o, 0)) for o in OUTCOMES},
            "by_type": {
                str(t): {o: int(v) for o, v in row.items()} for t, row in by_type.iterrows()
            },
        },
        "nations": nations,
        "leakers": {c: int((leaked["nato_country"] == c).sum()) for c in sorted(NATO)},
        "leakers_total": len(leaked),
        "interceptions_over_ukraine": int(np.sum(np.asarray(over) == "UKR")),
        "fratricide_risk_events": int((events.kind == EventKind.FRATRICIDE_RISK.value).sum()),
        "cost": {
            "weapons_usd": round(weapons_usd),
            "flight_usd": round(flight_usd),
            "spent_usd": round(spent),
            "destroyed_value_usd": round(destroyed_usd),
            "exchange_ratio": round(destroyed_usd / spent, 3) if spent > 0 else None,
        },
    }


def _round(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 1)
