"""The headline metrics of a study, by name: how each is read from a run's metrics row.

A run's row holds every metric of `metrics.json` flattened to dotted names. Each headline
metric is a list of candidate expressions, the first whose columns exist wins, so metrics
added to the engine later (per-country airspace, debris, held fire: issue 12) are used as
soon as they appear, and a metric no engine version measures stays NaN ("not measured")
instead of a made-up zero. An expression is a column name, or ``sum:``/``max:``/``min:``
over a glob of columns (``sum:nations.*.sorties``). Over nations without aircraft in a run
(no coalition) sums and maxima are 0 (no work, no depth), minima NaN (no closest approach).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

import numpy as np
import pandas as pd

from skyshield.geo.borders import NATO_ORDER  # "NATO" in a pattern stands for each


@dataclass(frozen=True)
class Headline:
    """One headline metric: label and unit for people, candidates for the engine."""

    name: str
    label: str
    unit: str
    candidates: tuple[str, ...]
    better: str = ""  # "higher", "lower" or "" (neither: a trade-off)


CATALOGUE = {h.name: h for h in (
    Headline("destroyed_coalition", "threats destroyed by the coalition", "threats",
             ("threats.outcomes.destroyed_coalition",), "higher"),
    Headline("destroyed_ukraine", "threats destroyed by Ukrainian air defence", "threats",
             ("threats.outcomes.destroyed_ukraine",)),
    Headline("reached_target", "threats reaching their targets", "threats",
             ("threats.outcomes.impacted",), "lower"),
    Headline("nato_violations", "threats entering NATO airspace", "threats",
             ("sum:airspace.NATO.threats_entered", "leakers_total"),
             "lower"),
    Headline("nato_violation_min", "minutes threats spent in NATO airspace", "min",
             ("sum:airspace.NATO.minutes", "extra.nato_violation_min"), "lower"),
    Headline("nato_violation_depth_km", "deepest threat penetration into NATO", "km",
             ("max:airspace.NATO.max_depth_km",), "lower"),
    Headline("debris_nato", "kills with debris on NATO territory", "kills",
             ("debris.on_nato",), "lower"),
    Headline("debris_nato_near_population", "kills with debris near people on NATO soil",
             "kills", ("debris.on_nato_near_population",), "lower"),
    Headline("debris_near_population", "kills with debris near population (anywhere)",
             "kills", ("debris.near_population",), "lower"),
    Headline("munitions_on_nato", "missed coalition munitions fallen on NATO territory",
             "munitions", ("debris.munitions_on_nato",), "lower"),
    Headline("sorties", "coalition sorties", "sorties", ("sum:nations.*.sorties",)),
    Headline("flight_hours", "coalition flight hours", "h", ("sum:nations.*.flight_hours",)),
    Headline("shots", "coalition weapons released", "shots", ("sum:nations.*.shots",)),
    Headline("cost_exchange", "value destroyed per dollar spent", "ratio",
             ("cost.exchange_ratio",), "higher"),
    Headline("max_depth_km", "deepest coalition aircraft into Ukraine", "km",
             ("max:nations.*.max_depth_km",), "lower"),
    Headline("ukr_minutes", "coalition aircraft-minutes over Ukraine", "min",
             ("sum:nations.*.ukr_minutes",), "lower"),
    Headline("closest_blr_rus_km", "closest coalition approach to Belarus/Russia", "km",
             ("min:nations.*.closest_blr_rus_km",), "higher"),
    Headline("approvals", "national approvals needed", "approvals",
             ("sum:nations.*.approvals",)),
    Headline("held_fire", "held-fire decisions", "decisions",
             ("sum:held_fire.*",), ""),
)}


def _glob(columns: list[str], pattern: str) -> list[str]:
    pats = [pattern.replace("NATO", n) for n in NATO_ORDER] if "NATO" in pattern else [pattern]
    return [c for c in columns if any(fnmatch.fnmatchcase(c, p) for p in pats)]


def evaluate(rows: pd.DataFrame, expr: str) -> pd.Series | None:
    """Value of `expr` for every row, or None if the columns it needs do not exist."""
    if ":" not in expr:
        return rows[expr].astype(float) if expr in rows else None
    op, pattern = expr.split(":", 1)
    cols = _glob(list(rows.columns), pattern)
    if not cols:
        if op == "sum" and pattern.startswith("nations."):
            return pd.Series(0.0, index=rows.index)  # no aircraft: none of that work
        if op == "max" and pattern.startswith("nations."):
            return pd.Series(0.0, index=rows.index)
        return None
    block = rows[cols].astype(float)
    if op == "sum":
        return block.sum(axis=1, min_count=1).fillna(0.0)
    if op == "max":
        out = block.max(axis=1)
        return out.fillna(0.0) if pattern.startswith("nations.") else out
    if op == "min":
        return block.min(axis=1)
    raise ValueError(f"unknown operation {op!r} in {expr!r}")


def headline(rows: pd.DataFrame, names: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """The named metrics (headline names or column expressions) of every row; NaN if absent."""
    out = {}
    for name in names:
        h = CATALOGUE.get(name)
        cands = h.candidates if h is not None else (name,)
        value = None
        for c in cands:
            value = evaluate(rows, c)
            if value is not None:
                break
        out[name] = value if value is not None else pd.Series(np.nan, index=rows.index)
    return pd.DataFrame(out, index=rows.index)


def label(name: str) -> str:
    """What a metric means, for people."""
    h = CATALOGUE.get(name)
    return h.label if h else name


def unit(name: str) -> str:
    """The unit of a metric ("" if unknown)."""
    h = CATALOGUE.get(name)
    return h.unit if h else ""


# Units of the identity columns and of metrics.json leaves by their name (docs/metrics.md).
ID_UNITS = {"option": ("", "the option's name in the study file"),
            "run": ("", "run index; the same index of every option flies the same raid"),
            "seed": ("", "engine seed, from a SeedSequence of (study, option, run)"),
            "night": ("", "kind of night drawn"),
            "raid_scale": ("-", "factor drawn for the night, on every wave's count"),
            "threats": ("threats", "threats declared in the run's raid after the variation")}
_TOKEN_UNITS = {"usd": "USD", "km": "km", "m": "m", "s": "s", "ms": "ms", "min": "min",
                "minutes": "min", "hours": "h", "ratio": "-"}


def column_unit(column: str) -> str:
    """The unit of a study-table column: headline, identity, or a metrics.json path by the
    naming of docs/metrics.md (``max_depth_km`` km, ``approval_delay_s_mean`` s,
    ``ukr_minutes`` min, ``spent_usd`` USD, ``flight_hours`` h; other leaves are counts)."""
    if column in CATALOGUE:
        return CATALOGUE[column].unit
    if column in ID_UNITS:
        return ID_UNITS[column][0]
    tokens = [t for t in column.rsplit(".", 1)[-1].split("_") if t in _TOKEN_UNITS]
    return _TOKEN_UNITS[tokens[-1]] if tokens else "count"


def column_table(columns: list[str]) -> pd.DataFrame:
    """One row per column of a study's per-run table: column, unit, meaning."""
    rows = []
    for c in columns:
        meaning = (CATALOGUE[c].label if c in CATALOGUE else ID_UNITS[c][1] if c in ID_UNITS
                   else "metrics.json value by its path (docs/metrics.md)")
        rows.append({"column": c, "unit": column_unit(c), "meaning": meaning})
    return pd.DataFrame(rows, columns=["column", "unit", "meaning"])
