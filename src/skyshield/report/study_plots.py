"""Figures of the study report. Each `plot_*` takes an `ax` and the study's tables, draws one
comparison and returns its artists; `study_html` owns the figures, saves and embeds them.
Error bars are the 95 % intervals of the study's tables.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from skyshield.report.study_findings import StudyTables  # noqa: E402
from skyshield.report.style import MAP, NATION_NAMES, nation_colour  # noqa: E402
from skyshield.sim.headline import label, unit  # noqa: E402

OPTION_COLOURS = ("#a9b1bd", "#5b9cff", "#35c4c0", "#b48cff", "#7fd36b", "#ff9f1c", "#e3d585",
                  "#ff5ccf", "#8fb3d9", "#f2c84b")
_MPL = tuple(int(x) for x in matplotlib.__version__.split(".")[:2])
_HORIZONTAL = {"orientation": "horizontal"} if _MPL >= (3, 10) else {"vert": False}
QUANTITY_LABELS = {"sorties": "sorties", "shots": "shots", "exposure": "minutes over Ukraine"}


def option_colour(k: int) -> str:
    """Colour of the k-th option (the baseline, first, is grey)."""
    return OPTION_COLOURS[k % len(OPTION_COLOURS)]


def _stats(t: StudyTables, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, low error, high error) per option, NaN where not measured."""
    mean, lo, hi = [], [], []
    for o in t.options:
        s = t.stat(o["name"], metric)
        m = s["mean"] if s is not None else math.nan
        mean.append(m)
        lo.append(m - s.ci_low if s is not None and math.isfinite(s.ci_low) else 0.0)
        hi.append(s.ci_high - m if s is not None and math.isfinite(s.ci_high) else 0.0)
    return np.array(mean, float), np.array(lo, float), np.array(hi, float)


def _axis(metric: str) -> str:
    u = unit(metric)
    return f"{label(metric)} [{u}]" if u else label(metric)


def _not_measured(ax: Axes, what: str) -> list:
    ax.set_axis_off()
    return [ax.text(0.5, 0.5, f"{what}:\nnot measured by this version of skyshield",
                    ha="center", va="center", color=MAP["text_muted"], transform=ax.transAxes)]


def plot_effect_vs_exposure(ax: Axes, t: StudyTables, effect: str = "destroyed_coalition",
                            exposure: str = "ukr_minutes") -> list:
    """One point per option: effectiveness against escalation exposure, with 95 % bars."""
    y, ylo, yhi = _stats(t, effect)
    x, xlo, xhi = _stats(t, exposure)
    if not (np.isfinite(x).any() and np.isfinite(y).any()):
        return _not_measured(ax, "effectiveness and exposure")
    arts = []
    for k, o in enumerate(t.options):
        if not (math.isfinite(x[k]) and math.isfinite(y[k])):
            continue
        arts.append(ax.errorbar(x[k], y[k], xerr=[[xlo[k]], [xhi[k]]], yerr=[[ylo[k]], [yhi[k]]],
                                fmt="o", ms=7, color=option_colour(k), ecolor=option_colour(k),
                                elinewidth=1.2, capsize=3, label=o["name"]))
        arts.append(ax.annotate(o["name"], (x[k], y[k]), xytext=(6, 5),
                                textcoords="offset points", fontsize=8, color=MAP["text"]))
    ax.set_xlabel(_axis(exposure))
    ax.set_ylabel(_axis(effect))
    ax.set_title("Effectiveness against escalation exposure (mean per night, 95 % interval)")
    return arts


def plot_bars(ax: Axes, t: StudyTables, metric: str, title: str) -> list:
    """Mean per night of `metric` per option, with 95 % bars (or 'not measured')."""
    m, lo, hi = _stats(t, metric)
    if not np.isfinite(m).any():
        return _not_measured(ax, label(metric))
    names = [o["name"] for o in t.options]
    yy = np.arange(len(names))
    ax.set_axisbelow(True)
    bars = ax.barh(yy, np.nan_to_num(m), xerr=[lo, hi], color=[option_colour(k) for k in yy],
                   ecolor=MAP["text"], capsize=3, height=0.6)
    ax.set_yticks(yy, names)
    ax.invert_yaxis()
    ax.set_xlabel(_axis(metric))
    ax.set_title(title)
    return [bars]


def plot_burden(ax: Axes, t: StudyTables) -> list:
    """Each nation's share of sorties, shots and exposure, one group of bars per option."""
    sh = t.shares
    if sh.empty:
        return _not_measured(ax, "burden sharing")
    opts = [o["name"] for o in t.options if o["name"] in set(sh.option)]
    nations = sorted(set(sh.nation))
    quantities = list(QUANTITY_LABELS)
    arts, labels = [], []
    y = 0.0
    ticks = []
    seen: set[str] = set()
    for opt in opts:
        for q in quantities:
            part = sh[(sh.option == opt) & (sh.quantity == q)].set_index("nation")
            left = 0.0
            for n in nations:
                v = float(part.share.get(n, 0.0)) if n in part.index else 0.0
                if not math.isfinite(v) or v <= 0:
                    continue
                arts.append(ax.barh(y, v, left=left, height=0.8, color=nation_colour(n),
                                    label=NATION_NAMES.get(n, n) if n not in seen else None))
                seen.add(n)
                left += v
            ticks.append(y)
            labels.append(f"{opt} · {QUANTITY_LABELS[q]}")
            y += 1
        y += 0.6
    ax.set_yticks(ticks, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_axisbelow(True)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of the coalition's total over all runs")
    ax.set_title("Burden per nation: sorties, shots, minutes over Ukraine")
    if seen:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 * 12 / max(12, y)),
                  ncols=min(5, len(seen)), frameon=False)
    return arts


def plot_distribution(ax: Axes, t: StudyTables, metric: str, title: str) -> list:
    """Per-run values of `metric` per option: box and points (deterministic jitter)."""
    runs = t.runs
    if metric not in runs or not np.isfinite(runs[metric].to_numpy(float)).any():
        return _not_measured(ax, label(metric))
    names = [o["name"] for o in t.options]
    data = [runs.loc[runs.option == n, metric].dropna().to_numpy(float) for n in names]
    keep = [k for k, d in enumerate(data) if len(d)]
    box = ax.boxplot([data[k] for k in keep], positions=keep, widths=0.5, **_HORIZONTAL,
                     patch_artist=True, showfliers=False,
                     medianprops={"color": MAP["text"]},
                     whiskerprops={"color": MAP["text_muted"]},
                     capprops={"color": MAP["text_muted"]})
    for patch, k in zip(box["boxes"], keep, strict=True):
        patch.set_facecolor(option_colour(k))
        patch.set_alpha(0.35)
    arts = [box]
    for k in keep:
        d = data[k]
        jitter = (np.arange(len(d)) * 0.618034 % 1.0 - 0.5) * 0.35  # golden-ratio spread
        arts.append(ax.scatter(d, k + jitter, s=9, color=option_colour(k), zorder=3))
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel(_axis(metric))
    ax.set_title(title)
    return arts


def plot_paired(ax: Axes, t: StudyTables, metric: str) -> list:
    """Difference from the baseline on the same nights, per option, with its 95 % interval."""
    p = t.paired[t.paired.metric == metric]
    p = p[np.isfinite(p.difference.to_numpy(float))]
    if p.empty:
        return _not_measured(ax, f"difference in {label(metric)}")
    names = [o["name"] for o in t.options if o["name"] in set(p.option)]
    p = p.set_index("option").loc[names]
    yy = np.arange(len(names))
    lo = (p.difference - p.ci_low).fillna(0).to_numpy()
    hi = (p.ci_high - p.difference).fillna(0).to_numpy()
    order = {o["name"]: k for k, o in enumerate(t.options)}
    arts = [ax.axvline(0, color=MAP["text_muted"], lw=1)]
    for y, n in zip(yy, names, strict=True):
        arts.append(ax.errorbar(p.difference[n], y, xerr=[[lo[y]], [hi[y]]], fmt="s", ms=6,
                                capsize=3, color=option_colour(order[n])))
    ax.set_yticks(yy, names)
    ax.invert_yaxis()
    ax.set_xlabel(f"difference from {t.baseline} [{unit(metric)}]")
    ax.set_title(f"{label(metric).capitalize()}: each option minus the baseline, same nights")
    return arts
