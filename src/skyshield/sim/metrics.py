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
from skyshield.units import MINUTE

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
            "mez_minutes": round(float(g["mez_s"].sum()) / MINUTE, 1),
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


FATE_NAMES = np.array(["target", "stray", "turned_back", "decoy", "lost"], dtype=object)


def threat_realism_columns(rec: Any, n: int, outcome: np.ndarray) -> dict[str, np.ndarray]:
    """Per-threat columns of issue 12 from a run record: the planned fate, where the flight
    ended (fall point and country), the debris of a kill, and NATO entry from the exact
    crossings (first NATO country entered, its time, seconds inside NATO, deepest km)."""
    from skyshield.geo.frame import THEATRE

    out: dict[str, np.ndarray] = {}
    if getattr(rec, "fate", None) is not None:
        out["fate"] = FATE_NAMES[rec.fate]
    if getattr(rec, "end_xyz", None) is not None:
        lat, lon, _ = THEATRE.to_lla(rec.end_xyz)
        ended = np.isin(outcome, ["impacted", "expired", "destroyed_coalition",
                                  "destroyed_ukraine"])
        out["end_lat"], out["end_lon"] = np.where(ended, lat, np.nan), np.where(ended, lon,
                                                                                np.nan)
        out["end_country"] = np.where(ended, country_of(lat, lon), "").astype(str)
    deb = getattr(rec, "debris", None)
    if deb is not None:
        d = deb.drop_duplicates("threat").set_index("threat").reindex(np.arange(n))
        out["debris_lat"] = d["debris_lat"].to_numpy(float)
        out["debris_lon"] = d["debris_lon"].to_numpy(float)
        c = d["debris_country"].astype(object).to_numpy()
        out["debris_country"] = np.where(pd.isna(c), "", c).astype(str)
        near = d["debris_near_population"].astype(object).to_numpy()
        out["debris_near_population"] = np.where(pd.isna(near), False, near).astype(bool)
    cr = getattr(rec, "crossings", None)
    if cr is not None:
        inc = cr[cr["entered"] & cr["country"].isin(sorted(NATO))]
        first = inc.sort_values("t_entry", kind="stable").drop_duplicates("threat")
        first = first.set_index("threat").reindex(np.arange(n))
        g = inc.groupby("threat")
        out["nato_country"] = first["country"].fillna("").astype(str).to_numpy()
        out["t_nato_entry"] = first["t_entry"].to_numpy(float)
        out["nato_s"] = g["duration_s"].sum().reindex(np.arange(n)).fillna(0.0).to_numpy()
        out["nato_depth_km"] = g["max_depth_km"].max().reindex(np.arange(n)).fillna(
            0.0).to_numpy()
        ent = cr[cr["entered"]].groupby("threat")["country"].agg(
            lambda c: ";".join(dict.fromkeys(c)))
        out["countries_entered"] = ent.reindex(np.arange(n)).fillna("").astype(str).to_numpy()
    return out


def realism_metrics(crossings: pd.DataFrame | None, threats: pd.DataFrame,
                    munitions: pd.DataFrame | None, events: pd.DataFrame) -> dict[str, Any]:
    """The `airspace`, `debris` and `held_fire` blocks of metrics.json (docs/metrics.md)."""
    from skyshield.world.crossings import airspace_metrics
    from skyshield.world.debris import debris_metrics

    out: dict[str, Any] = {}
    if crossings is not None:
        out["airspace"] = airspace_metrics(crossings)
    if "debris_country" in threats:
        killed = threats[threats["debris_lat"].notna()]
        out["debris"] = debris_metrics(killed, munitions)
    held = events[events.kind == "pilot_hold"]
    det = held["detail"].astype(str)
    out["held_fire"] = {
        "debris_over_population": int((det == "hold_fire_debris").sum()),
        "leaving_on_its_own": int((det == "hold_fire_leaving").sum()),
        "by_nation": {str(k): int(v) for k, v in held["nation"].value_counts().sort_index()
                      .items()},
    }
    return out
