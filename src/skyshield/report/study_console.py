"""A study's results for the terminal (`skyshield study`): the headline means per option
with their 95 % intervals, and the finding of every option."""

from __future__ import annotations

import math

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from skyshield.report.study_findings import StudyTables, findings

COLUMNS = (("destroyed_coalition", "destroyed\ncoalition"), ("reached_target", "reached\ntarget"),
           ("nato_violations", "NATO\nviolations"), ("debris_nato", "debris\non NATO"),
           ("sorties", "sorties"), ("ukr_minutes", "min over\nUkraine"),
           ("max_depth_km", "depth\nkm"), ("cost_exchange", "value per\n$ spent"))


def _cell(s) -> str:  # noqa: ANN001 - a summary row or None
    if s is None or not math.isfinite(s["mean"]):
        return "–"
    d = 0 if max(abs(s["mean"]), abs(s.ci_low), abs(s.ci_high)) >= 100 else 1
    ci = f"\n{s.ci_low:,.{d}f}–{s.ci_high:,.{d}f}" if math.isfinite(s.ci_low) else ""
    return f"{s['mean']:,.{d}f}{ci}"


def study_summary(t: StudyTables) -> Group:
    """Per-option means (95 % interval below) and the findings."""
    table = Table(title=f"study {t.name}: mean per night (95 % interval)", title_justify="left",
                  box=box.SIMPLE_HEAD)  # no vertical rules: fits 120 columns
    width = max((len(o["name"]) for o in t.options), default=6)
    table.add_column("option", style="bold", min_width=width)  # names are not cut short
    table.add_column("runs", justify="right")
    cols = [(m, h) for m, h in COLUMNS if m in set(t.summary.metric)]
    for _, head in cols:
        table.add_column(head, justify="right")
    for o in t.options:
        first = t.stat(o["name"], t.metrics[0]) if t.metrics else None
        name = o["name"] + ("\n(baseline)" if o["name"] == t.baseline else "")
        table.add_row(name, str(int(first.n) if first is not None else 0),
                      *(_cell(t.stat(o["name"], m)) for m, _ in cols))
    parts = [table]
    for _, head, text in findings(t):
        parts.append(Text.assemble((head, "bold"), "\n", text, "\n"))
    if not t.failures.empty:
        parts.append(Text(f"{len(t.failures)} runs failed (see failures.csv)", style="red"))
    return Group(*parts)
