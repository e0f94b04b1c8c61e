"""Plain-language findings of a study, one per option, that a minister could read.

Each finding is built from the study's tables only: the option's means and 95 % intervals,
its paired differences from the baseline on the same nights, and its burden shares. A
difference is called clear only when its interval excludes zero; otherwise the text says
the study cannot tell the options apart on that measure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from skyshield.report.style import NATION_NAMES


@dataclass(frozen=True)
class StudyTables:
    """The tables of a study folder, as the report reads them."""

    name: str
    baseline: str
    options: list[dict]  # name, description, members, picture, assign
    runs: pd.DataFrame
    failures: pd.DataFrame
    summary: pd.DataFrame  # long: option, metric, n, mean, sd, ci_low, ci_high
    paired: pd.DataFrame
    shares: pd.DataFrame
    evenness: pd.DataFrame
    metrics: list[str]

    def stat(self, option: str, metric: str) -> pd.Series | None:
        s = self.summary[(self.summary.option == option) & (self.summary.metric == metric)]
        return None if s.empty else s.iloc[0]

    def diff(self, option: str, metric: str) -> pd.Series | None:
        s = self.paired[(self.paired.option == option) & (self.paired.metric == metric)]
        return None if s.empty else s.iloc[0]


def _num(x: float, digits: int = 1) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    if abs(x) >= 100:
        digits = 0
    return f"{x:,.{digits}f}"


def _ci(s: pd.Series) -> str:
    if not math.isfinite(s.ci_low):
        return "one night only, no interval"
    return f"95 % interval {_num(s.ci_low)} to {_num(s.ci_high)}"


def _measured(s: pd.Series | None) -> bool:
    return s is not None and s.n > 0 and math.isfinite(s["mean"])


def _change(t: StudyTables, option: str, metric: str, noun: str, fewer: str = "fewer",
            more: str = "more") -> str | None:
    d = t.diff(option, metric)
    if d is None or d.pairs == 0 or not math.isfinite(d.difference):
        return None
    if d.difference == 0 and d.ci_low == d.ci_high:
        return f"the same {noun} on every night"
    if d.significant:
        word = fewer if d.difference < 0 else more
        return (f"{_num(abs(d.difference))} {word} {noun} a night "
                f"({_num(d.ci_low)} to {_num(d.ci_high)})")
    return (f"no clear change in {noun} ({_num(d.difference):s} a night, interval "
            f"{_num(d.ci_low)} to {_num(d.ci_high)} includes zero)")


def _burden(t: StudyTables, option: str) -> str | None:
    sh = t.shares[(t.shares.option == option) & (t.shares.quantity == "sorties")]
    sh = sh[sh.share.notna()]
    if sh.empty:
        return None
    if len(sh) == 1:
        n = NATION_NAMES.get(sh.iloc[0].nation, sh.iloc[0].nation)
        return f"{n} carries all of the work alone."
    top = sh.sort_values("share", ascending=False).iloc[0]
    ev = t.evenness[(t.evenness.option == option) & (t.evenness.quantity == "sorties")]
    eff = ev.iloc[0].effective_nations if len(ev) else math.nan
    name = NATION_NAMES.get(top.nation, top.nation)
    return (f"{name} flies {100 * top.share:.0f} % of the sorties; the work is spread like "
            f"{_num(eff)} equal partners out of {len(sh)}.")


def findings(t: StudyTables) -> list[tuple[str, str, str]]:
    """(option, heading, text) for every option, baseline first."""
    out = []
    desc = {o["name"]: (o.get("description") or o["name"]) for o in t.options}
    for o in t.options:
        name = o["name"]
        n = t.stat(name, t.metrics[0]) if t.metrics else None
        nights = int(n.n) if n is not None else 0
        reached = t.stat(name, "reached_target")
        destroyed = t.stat(name, "destroyed_coalition")
        ukr = t.stat(name, "destroyed_ukraine")
        viol = t.stat(name, "nato_violations")
        parts = []
        if nights == 0:
            out.append((name, desc[name], "No run of this option finished."))
            continue
        if name == t.baseline:
            if _measured(reached):
                parts.append(f"Over {nights} nights, {_num(reached['mean'])} threats a night "
                             f"reached their targets ({_ci(reached)}).")
            if _measured(ukr):
                parts.append(f"Ukrainian air defence destroyed {_num(ukr['mean'])} a night.")
            if _measured(viol):
                parts.append(f"{_num(viol['mean'])} a night entered NATO airspace.")
            if _measured(destroyed) and destroyed["mean"] > 0:
                parts.append(f"Coalition aircraft destroyed {_num(destroyed['mean'])}.")
            parts.append("This is the baseline the other options are compared with, night by "
                         "night on the same raids.")
            out.append((name, f"{desc[name]} (baseline)", " ".join(parts)))
            continue
        if _measured(destroyed):
            parts.append(f"Over {nights} nights the coalition destroyed "
                         f"{_num(destroyed['mean'])} threats a night ({_ci(destroyed)}).")
        gains = [c for c in (
            _change(t, name, "reached_target", "threats reaching their targets"),
            _change(t, name, "nato_violations", "threats entering NATO airspace"),
        ) if c]
        if gains:
            parts.append(f"Against the baseline ({t.baseline}) on the same nights: "
                         f"{'; '.join(gains)}.")
        risk = []
        for metric, text in (("ukr_minutes", "{} aircraft-minutes over Ukraine a night"),
                             ("max_depth_km", "as deep as {} km"),
                             ("closest_blr_rus_km", "within {} km of Belarus or Russia"),
                             ("approvals", "{} national approvals a night")):
            s = t.stat(name, metric)
            if _measured(s):
                risk.append(text.format(_num(s["mean"])))
        if risk:
            parts.append("The exposure: " + ", ".join(risk) + ".")
        debris = t.stat(name, "debris_nato")
        if _measured(debris) and debris["mean"] == 0:  # counts: 0 on every night
            parts.append("No kill dropped debris on NATO soil on any night.")
        elif _measured(debris):
            c = _change(t, name, "debris_nato", "kills dropping debris on NATO soil")
            parts.append(f"{_num(debris['mean'])} kills a night dropped debris on NATO soil"
                         + (f" ({c})." if c else "."))
        b = _burden(t, name)
        if b:
            parts.append(b)
        out.append((name, desc[name], " ".join(parts)))
    return out
