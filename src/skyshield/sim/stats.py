"""Statistics of a study: per-option means with 95 % intervals, paired differences against
the baseline, and how the coalition's work is shared between nations.

Intervals are Student-t intervals of the mean (of the per-run values, or of the per-run
paired differences): with common random numbers the same run index of two options flies
the same raid, so the difference of each pair removes most of the night-to-night spread and
small effects become visible. A metric that is NaN in a run (not measured, or undefined such
as a cost-exchange ratio with nothing spent) leaves that run out of that metric.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95
BURDEN = {"sorties": "sorties", "shots": "shots", "exposure": "ukr_minutes"}  # per nation


def t_interval(x: np.ndarray, confidence: float = CONFIDENCE) -> tuple[int, float, float,
                                                                        float, float]:
    """(n, mean, sd, low, high) of the finite values of `x`; NaN bounds below 2 values."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return 0, math.nan, math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n < 2:
        return n, mean, math.nan, math.nan, math.nan
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return n, mean, sd, mean - half, mean + half


def option_summary(table: pd.DataFrame, metrics: list[str], options: list[str]) -> pd.DataFrame:
    """Long table: option, metric, n, mean, sd, ci_low, ci_high (95 %)."""
    rows = []
    for opt in options:
        part = table[table["option"] == opt]
        for m in metrics:
            n, mean, sd, lo, hi = t_interval(part[m].to_numpy(float) if m in part else [])
            rows.append({"option": opt, "metric": m, "n": n, "mean": mean, "sd": sd,
                         "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["option", "metric", "n", "mean", "sd", "ci_low",
                                       "ci_high"])


def wide(summary: pd.DataFrame, options: list[str]) -> pd.DataFrame:
    """One row per option: n_runs and <metric>_mean, _low, _high for every metric."""
    out = pd.DataFrame(index=pd.Index(options, name="option"))
    out["n_runs"] = summary.groupby("option")["n"].max().reindex(options)
    for m in dict.fromkeys(summary["metric"]):
        s = summary[summary["metric"] == m].set_index("option").reindex(options)
        out[f"{m}_mean"], out[f"{m}_low"], out[f"{m}_high"] = s["mean"], s["ci_low"], s["ci_high"]
    return out.reset_index()


def paired(table: pd.DataFrame, metrics: list[str], options: list[str],
           baseline: str) -> pd.DataFrame:
    """Every option minus the baseline on the same run indices: mean difference and 95 % CI."""
    base = table[table["option"] == baseline].set_index("run")
    rows = []
    for opt in options:
        if opt == baseline:
            continue
        part = table[table["option"] == opt].set_index("run")
        common = part.index.intersection(base.index)
        for m in metrics:
            if m not in table:
                continue
            d = part.loc[common, m].to_numpy(float) - base.loc[common, m].to_numpy(float)
            n, mean, sd, lo, hi = t_interval(d)
            rows.append({"option": opt, "metric": m, "pairs": n,
                         "baseline_mean": float(np.nanmean(base.loc[common, m]))
                         if len(common) and np.isfinite(base.loc[common, m]).any() else math.nan,
                         "option_mean": float(np.nanmean(part.loc[common, m]))
                         if len(common) and np.isfinite(part.loc[common, m]).any() else math.nan,
                         "difference": mean, "ci_low": lo, "ci_high": hi,
                         "significant": bool(np.isfinite(lo) and (lo > 0 or hi < 0))})
    return pd.DataFrame(rows, columns=["option", "metric", "pairs", "baseline_mean",
                                       "option_mean", "difference", "ci_low", "ci_high",
                                       "significant"])


def nations_in(table: pd.DataFrame) -> list[str]:
    """The nations with per-nation metric columns (``nations.<ISO3>.*``), sorted."""
    return sorted({c.split(".")[1] for c in table.columns
                   if c.startswith("nations.") and c.count(".") >= 2})


def burden(table: pd.DataFrame, options: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each nation's share of sorties, shots and exposure per option, and how even it is.

    Shares are of the option's totals over all its runs. Exposure is aircraft-minutes over
    Ukraine. Evenness is Pielou's J = H / ln k over the k member nations (1: equal shares,
    0: one nation does everything; undefined for one nation), with the effective number of
    nations exp(H) beside it.
    """
    nations = nations_in(table)
    shares, even = [], []
    for opt in options:
        part = table[table["option"] == opt]
        members = [n for n in nations if f"nations.{n}.aircraft" in part
                   and part[f"nations.{n}.aircraft"].fillna(0).sum() > 0]
        for q, col in BURDEN.items():
            tot = {n: float(part[f"nations.{n}.{col}"].fillna(0).sum())
                   if f"nations.{n}.{col}" in part else 0.0 for n in members}
            total = sum(tot.values())
            for n in members:
                shares.append({"option": opt, "nation": n, "quantity": q, "total": tot[n],
                               "share": tot[n] / total if total > 0 else math.nan})
            p = np.array([v / total for v in tot.values()]) if total > 0 else np.zeros(0)
            h = float(-(p[p > 0] * np.log(p[p > 0])).sum()) if len(p) else math.nan
            k = len(members)
            even.append({"option": opt, "quantity": q, "nations": k,
                         "evenness": abs(h / math.log(k)) if k > 1 and total > 0 else math.nan,
                         "effective_nations": math.exp(h) if total > 0 else math.nan})
    return (pd.DataFrame(shares, columns=["option", "nation", "quantity", "total", "share"]),
            pd.DataFrame(even, columns=["option", "quantity", "nations", "evenness",
                                        "effective_nations"]))
