"""The self-contained HTML study report: `build_study_report(study_dir)` -> `report/index.html`.

Read from the study folder's tables only (so it can be rebuilt without re-running): CSS and
JS inlined, figures embedded as base64 PNG and saved beside the page as PNG and SVG, no
network. Sections: a finding per option, comparison plots, per-option means with 95 %
intervals, paired differences from the baseline, burden sharing, failed runs.
"""

from __future__ import annotations

import html
import json
import math
import re
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from skyshield import __version__  # noqa: E402
from skyshield.report import study_plots as sp  # noqa: E402
from skyshield.report.assets import render_figures, web_asset  # noqa: E402
from skyshield.report.study_findings import StudyTables, findings  # noqa: E402
from skyshield.report.style import NATION_NAMES  # noqa: E402
from skyshield.sim.headline import label, unit  # noqa: E402

__all__ = ["build_study_report", "load_tables"]


def load_tables(study_dir: Path) -> StudyTables:
    """The tables a finished (or interrupted) study wrote into `study_dir`."""
    d = Path(study_dir)
    meta = json.loads((d / "results.json").read_text())

    def csv(name: str) -> pd.DataFrame:
        f = d / name
        return pd.read_csv(f) if f.exists() and f.stat().st_size > 1 else pd.DataFrame()

    summary = csv("summary_long.csv")
    paired = csv("paired.csv")
    if "significant" in paired:
        paired["significant"] = paired["significant"].astype(bool)
    return StudyTables(meta["study"], meta["baseline"], meta["options"],
                       pd.read_parquet(d / "runs.parquet"), csv("failures.csv"), summary,
                       paired, csv("burden.csv"), csv("evenness.csv"), meta["metrics"])


def _fmt(x: float, digits: int = 1) -> str:
    if x is None or not isinstance(x, int | float) or not math.isfinite(x):
        return "–"
    if abs(x) >= 100:
        digits = 0
    return f"{x:,.{digits}f}"


def _v(x: float) -> str:
    return f"{x:.6g}" if isinstance(x, int | float) and math.isfinite(x) else ""


def _figures(t: StudyTables, out: Path) -> list[tuple[str, str, str, str]]:
    """Draw, save (PNG + SVG) and return (name, title, caption, data-URI) of each figure."""
    n_opt = len(t.options)
    specs = [
        ("effect_vs_exposure", "Effectiveness against escalation exposure",
         "One point per option: threats destroyed by the coalition against its aircraft-"
         "minutes over Ukraine, mean per night with 95 % intervals on both axes.", (8, 5.2),
         lambda ax: sp.plot_effect_vs_exposure(ax, t)),
        ("paired_reached", "Threats reaching their targets, against the baseline",
         "Each option minus the baseline on the same nights, with the 95 % interval of the "
         "mean difference: left of zero, fewer threats got through.", (8, 1.4 + 0.5 * n_opt),
         lambda ax: sp.plot_paired(ax, t, "reached_target")),
        ("debris_nato", "Debris on NATO soil",
         "Kills per night whose debris fell on NATO territory, mean and 95 % interval.",
         (8, 1.4 + 0.5 * n_opt),
         lambda ax: sp.plot_bars(ax, t, "debris_nato", "Debris on NATO soil per option")),
        ("violations", "NATO airspace violations, run by run",
         "Threats entering NATO airspace in each run (points) and their spread (boxes).",
         (8, 1.4 + 0.5 * n_opt),
         lambda ax: sp.plot_distribution(ax, t, "nato_violations",
                                         "Distribution of NATO violations per night")),
        ("violation_minutes", "Minutes of NATO airspace violated, run by run",
         "Minutes threats spent inside NATO airspace in each run.", (8, 1.4 + 0.5 * n_opt),
         lambda ax: sp.plot_distribution(ax, t, "nato_violation_min",
                                         "Distribution of violation minutes per night")),
        ("burden", "Burden per nation",
         "Each nation's share of the coalition's sorties, shots and minutes over Ukraine.",
         (8, 1.6 + 0.33 * 3 * max(1, n_opt - 1)), lambda ax: sp.plot_burden(ax, t)),
    ]
    return render_figures(specs, out, dpi=120)


def _stat_cell(s) -> str:  # noqa: ANN001 - a summary row (mean, ci_low, ci_high) or None
    """One table cell: the mean per night and its 95 % interval below it ("–" if none)."""
    if s is None or not math.isfinite(s["mean"]):
        return "<td>–</td>"
    ci = (f'<br><span class="ci">{_fmt(s.ci_low)} – {_fmt(s.ci_high)}</span>'
          if math.isfinite(s.ci_low) else "")
    return f'<td data-v="{_v(s["mean"])}">{_fmt(s["mean"])}{ci}</td>'


def _summary_html(t: StudyTables) -> str:
    metrics = [m for m in t.metrics if m in set(t.summary.metric)]
    head = "".join(f"<th>{html.escape(label(m))}"
                   + (f' <span class="unit">[{html.escape(unit(m))}]</span>' if unit(m) else "")
                   + "</th>" for m in metrics)
    rows = []
    for o in t.options:
        n = t.stat(o["name"], metrics[0]) if metrics else None
        cells = [_stat_cell(t.stat(o["name"], m)) for m in metrics]
        rows.append(f"<tr><td>{html.escape(o['name'])}</td>"
                    f'<td data-v="{int(n.n) if n is not None else 0}">'
                    f"{int(n.n) if n is not None else 0}</td>{''.join(cells)}</tr>")
    return ('<div class="scroll"><table class="data sortable" id="summary-table"><thead><tr>'
            f"<th>Option</th><th>Runs</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
            "</table></div>")


def _paired_html(t: StudyTables) -> str:
    if t.paired.empty:
        return '<p class="sub">Only one option: nothing to compare.</p>'
    metrics = [m for m in t.metrics if m in set(t.paired.metric)]
    head = "".join(f"<th>{html.escape(label(m))}</th>" for m in metrics)
    rows = []
    for o in t.options:
        if o["name"] == t.baseline:
            continue
        cells = []
        for m in metrics:
            d = t.diff(o["name"], m)
            if d is None or not math.isfinite(d.difference):
                cells.append("<td>–</td>")
                continue
            ci = (f'<br><span class="ci">{_fmt(d.ci_low)} – {_fmt(d.ci_high)}</span>'
                  if math.isfinite(d.ci_low) else "")
            cls = ' class="sig"' if d.significant else ""
            cells.append(f'<td{cls} data-v="{_v(d.difference)}">{d.difference:+,.1f}{ci}</td>')
        rows.append(f"<tr><td>{html.escape(o['name'])}</td>{''.join(cells)}</tr>")
    return ('<div class="scroll"><table class="data sortable" id="paired-table"><thead><tr>'
            f"<th>Option − {html.escape(t.baseline)}</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _nations_html(t: StudyTables) -> str:
    """Per option and nation: sorties, flight hours and shots, mean per night and interval."""
    rows = []
    for o in t.options:
        for n in o.get("members", []):
            cells = [_stat_cell(t.stat(o["name"], f"nations.{n}.{q}"))
                     for q in ("sorties", "flight_hours", "shots")]
            rows.append(f"<tr><td>{html.escape(o['name'])}</td>"
                        f"<td>{html.escape(NATION_NAMES.get(n, n))}</td>{''.join(cells)}</tr>")
    if not rows:
        return ""
    return ('<table class="data sortable" id="nation-table"><thead><tr><th>Option</th>'
            "<th>Nation</th><th>Sorties</th><th>Flight hours <span class=unit>[h]</span></th>"
            f"<th>Shots</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            '<p class="sub note">Mean per night, 95 % interval below.</p>')


def _burden_html(t: StudyTables) -> str:
    if t.shares.empty:
        return '<p class="sub">No coalition aircraft flew in any option.</p>'
    nations = sorted(set(t.shares.nation))
    head = "".join(f"<th>{html.escape(NATION_NAMES.get(n, n))}</th>" for n in nations)
    rows = []
    for o in t.options:
        for q in sp.QUANTITY_LABELS:
            part = t.shares[(t.shares.option == o["name"]) & (t.shares.quantity == q)]
            if part.empty:
                continue
            share = part.set_index("nation").share
            ev = t.evenness[(t.evenness.option == o["name"]) & (t.evenness.quantity == q)]
            e = ev.iloc[0] if len(ev) else None
            cells = "".join(f'<td data-v="{_v(share.get(n, math.nan))}">{_pct(share, n)}</td>'
                            for n in nations)
            rows.append(
                f"<tr><td>{html.escape(o['name'])}</td><td>{sp.QUANTITY_LABELS[q]}</td>{cells}"
                f'<td data-v="{_v(e.evenness) if e is not None else ""}">'
                f"{_fmt(e.evenness, 2) if e is not None else '–'}</td>"
                f'<td data-v="{_v(e.effective_nations) if e is not None else ""}">'
                f"{_fmt(e.effective_nations, 2) if e is not None else '–'}</td></tr>")
    return ('<div class="scroll"><table class="data sortable" id="burden-table"><thead><tr>'
            f"<th>Option</th><th>Of</th>{head}<th>Evenness</th><th>Effective nations</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _pct(share: pd.Series, n: str) -> str:
    v = share.get(n, math.nan)
    return f"{100 * v:.0f} %" if math.isfinite(v) else "–"


def _failures_html(t: StudyTables) -> str:
    if t.failures.empty:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(str(r.option))}</td><td>{int(r.run)}</td><td>{int(r.seed)}</td>"
        f'<td style="text-align:left">{html.escape(str(r.error))}</td></tr>'
        for r in t.failures.itertuples())
    return ('<h2>Failed runs</h2><section id="failures"><table class="data" id="failure-table">'
            "<thead><tr><th>Option</th><th>Run</th><th>Seed</th><th>Error</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></section>")


def _findings_html(t: StudyTables) -> str:
    colour = {o["name"]: sp.option_colour(k) for k, o in enumerate(t.options)}
    return "".join(
        f'<article class="finding" style="--c:{colour[name]}" data-option="{html.escape(name)}">'
        f"<h3>{html.escape(head)} <code>{html.escape(name)}</code></h3>"
        f"<p>{html.escape(text)}</p></article>" for name, head, text in findings(t))


def build_study_report(study_dir: Path) -> Path:
    """Write `study_dir/report/index.html` (self-contained) and its figures; return its path."""
    study_dir = Path(study_dir)
    t = load_tables(study_dir)
    out = study_dir / "report"
    out.mkdir(parents=True, exist_ok=True)
    figs = _figures(t, out)
    fig_html = "".join(
        f'<figure id="fig-{name}"><img alt="{html.escape(title)}" src="{uri}">'
        f"<figcaption><b>{html.escape(title)}.</b> {html.escape(caption)} "
        f'Files: <a href="{name}.png">PNG</a> · <a href="{name}.svg">SVG</a></figcaption>'
        "</figure>" for name, title, caption, uri in figs)
    yaml_file = study_dir / "study.yaml"
    text = yaml_file.read_text(encoding="utf-8") if yaml_file.exists() else ""
    meta = json.loads((study_dir / "results.json").read_text())
    crn = meta.get("common_random_numbers", True)
    notice = ""
    if not t.failures.empty:
        notice = (f'<div class="notice">{len(t.failures)} runs failed and are left out of the '
                  'statistics: see <a href="#failures">failed runs</a>.</div>')
    subs = {
        "TITLE": html.escape(f"{t.name} — skyshield study report"),
        "NAME": html.escape(t.name),
        "DESCRIPTION": html.escape(meta.get("description", "")),
        "BASE": html.escape(meta.get("base_scenario", "?")),
        "N_OPTIONS": str(len(t.options)),
        "N_RUNS": f"{len(t.runs):,}",
        "BASELINE": html.escape(t.baseline),
        "PAIRING": "options paired on common random numbers" if crn else
                   "options drawn independently",
        "VERSION": html.escape(__version__),
        "GENERATED": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "NOTICE": notice,
        "FINDINGS": _findings_html(t),
        "FIGURES": fig_html,
        "SUMMARY_TABLE": _summary_html(t),
        "PAIRED_TABLE": _paired_html(t),
        "BURDEN_TABLE": _burden_html(t),
        "NATION_TABLE": _nations_html(t),
        "FAILURES": _failures_html(t),
        "STUDY_YAML": html.escape(text),
        "REPORT_CSS": web_asset("report.css"),
        "STUDY_CSS": web_asset("study.css"),
        "STUDY_JS": web_asset("study.js"),
    }
    page = re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: subs[m.group(1)], web_asset("study.html"))
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index

