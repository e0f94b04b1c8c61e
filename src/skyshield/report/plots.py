"""Figures of the run report. Each `plot_*` takes an `ax`, draws one figure's content and
returns its artists; `html.build_report` owns the figures, saves them and embeds them.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from skyshield.geo.frame import THEATRE  # noqa: E402
from skyshield.report.rundir import RunData  # noqa: E402
from skyshield.report.scene import Scene  # noqa: E402
from skyshield.report.style import (  # noqa: E402
    CLASS_COLOURS,
    CLASS_LABELS,
    MAP,
    NATION_NAMES,
    nation_colour,
)
from skyshield.report.summary import nation_table  # noqa: E402

__all__ = [
    "plot_threats_over_time",
    "plot_intercept_map",
    "plot_time_to_intercept",
    "plot_nation_share",
]


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(np.float64)


def plot_threats_over_time(ax: Axes, run: RunData, step_s: float = 60.0) -> list:
    """Threats airborne by class (stacked areas) and cumulative destroyed (lines), vs time."""
    th = run.threats
    end = run.duration_s
    t = np.arange(0.0, end + step_s, step_s)
    t_l = _num(th["t_launch"])
    t_o = np.nan_to_num(_num(th["t_outcome"]), nan=end)
    cls = th["cls"].astype(str).to_numpy()
    hours = t / 3600.0
    artists = []
    stacks, labels, colours = [], [], []
    for c in CLASS_COLOURS:
        m = cls == c
        if not m.any():
            continue
        air = ((t_l[m][None, :] <= t[:, None]) & (t[:, None] < t_o[m][None, :])).sum(axis=1)
        stacks.append(air)
        labels.append(f"{CLASS_LABELS[c]} airborne")
        colours.append(CLASS_COLOURS[c])
    if stacks:
        artists += ax.stackplot(hours, *stacks, labels=labels, colors=colours, alpha=0.55,
                                lw=0)
    out = th["outcome"].astype(str).to_numpy()
    for key, label, col in (("destroyed_coalition", "Destroyed by coalition (cumulative)",
                             "#5b9cff"),
                            ("destroyed_ukraine", "Destroyed by Ukraine (cumulative)",
                             MAP["gbad"]),
                            ("impacted", "Reached target (cumulative)", MAP["leak"])):
        tt = np.sort(t_o[out == key])
        artists += ax.plot(hours, np.searchsorted(tt, t, side="right"), color=col, lw=1.8,
                           label=label)
    ax.set_xlim(0, end / 3600.0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("time since scenario start [h]")
    ax.set_ylabel("threats [count]")
    ax.set_title("Threats airborne and destroyed over time")
    ax.legend(loc="upper left", ncols=2, fontsize=7)
    return artists


def plot_intercept_map(ax: Axes, run: RunData, scene: Scene) -> list:
    """Where threats were destroyed: heat (hexbin) of kill positions on the borders."""
    from skyshield.report.theatre_map import plot_countries, plot_zones

    x0, x1, y0, y1 = scene.view
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_autoscale_on(False)
    artists = plot_countries(ax, scene)
    for a in artists:
        if hasattr(a, "set_fontsize") and hasattr(a, "get_text"):
            a.set_fontsize(7)
    artists += plot_zones(ax, scene)
    th = run.threats
    out = th["outcome"].astype(str)
    for key, marker, col, label in (
            ("destroyed_coalition", "x", "#9cc3ff", "destroyed by coalition"),
            ("destroyed_ukraine", "+", MAP["gbad"], "destroyed by Ukraine")):
        sel = th[out == key]
        lat, lon = _num(sel["lat_outcome"]), _num(sel["lon_outcome"])
        ok = np.isfinite(lat) & np.isfinite(lon)
        if not ok.any():
            continue
        xy = THEATRE.to_xy(lat[ok], lon[ok]) / 1000.0
        if key == "destroyed_coalition" and ok.sum() >= 5:
            cmap = ListedColormap(matplotlib.colormaps["inferno"](np.linspace(0.35, 1.0, 256)))
            hb = ax.hexbin(xy[:, 0], xy[:, 1], gridsize=28, extent=(x0, x1, y0, y1),
                           mincnt=1, cmap=cmap, alpha=0.85, zorder=5, linewidths=0)
            artists.append(hb)
            cb = ax.figure.colorbar(hb, ax=ax, fraction=0.035, pad=0.01)
            cb.set_label("coalition kills per cell [count]", fontsize=7)
            cb.ax.tick_params(labelsize=7)
        artists += ax.plot(xy[:, 0], xy[:, 1], marker, ms=3, color=col, alpha=0.7, ls="none",
                           zorder=6, label=f"{label} ({ok.sum()})")
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_title("Where threats were destroyed")
    ax.set_xlabel("x east [km]")
    ax.set_ylabel("y north [km]")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", fontsize=7)
    else:
        artists.append(ax.text(0.5, 0.5, "no threat destroyed in this run", ha="center",
                               transform=ax.transAxes, color=MAP["text_muted"], zorder=9))
    return artists


def plot_time_to_intercept(ax: Axes, run: RunData) -> list:
    """Histogram of time from launch to destruction [min], coalition vs Ukraine."""
    th = run.threats
    dt = (_num(th["t_outcome"]) - _num(th["t_launch"])) / 60.0
    out = th["outcome"].astype(str).to_numpy()
    data, labels, cols = [], [], []
    for key, label, col in (("destroyed_coalition", "coalition", "#5b9cff"),
                            ("destroyed_ukraine", "Ukraine", MAP["gbad"])):
        d = dt[(out == key) & np.isfinite(dt)]
        if d.size:
            data.append(d)
            labels.append(f"destroyed by {label} (median {np.median(d):.0f} min)")
            cols.append(col)
    artists = []
    if data:
        hi = max(float(np.max(np.concatenate(data))), 1.0)
        bins = np.linspace(0, hi, 31)
        _, _, patches = ax.hist(data, bins=bins, stacked=True, color=cols, label=labels,
                                edgecolor="#111722", linewidth=0.4)
        artists += list(patches)
        ax.legend(fontsize=7)
    ax.set_xlabel("time from launch to destruction [min]")
    ax.set_ylabel("threats [count]")
    ax.set_title("Time from launch to intercept")
    return artists


def plot_nation_share(ax: Axes, run: RunData) -> list:
    """Each nation's share of sorties, flight hours, shots and kills (100 % stacked bars)."""
    df = nation_table(run)
    metrics = [("sorties", "Sorties"), ("flight_hours", "Flight hours"), ("shots", "Shots"),
               ("kills", "Kills")]
    artists = []
    for i, (col, _) in enumerate(metrics):
        tot = float(df[col].sum())
        left = 0.0
        for nation, v in df[col].items():
            share = float(v) / tot if tot > 0 else 0.0
            if share <= 0:
                continue
            r = Rectangle((left, i - 0.35), share, 0.7, facecolor=nation_colour(nation),
                          edgecolor="#111722", lw=0.8, zorder=3)
            artists.append(ax.add_patch(r))
            if share > 0.07:
                artists.append(ax.text(left + share / 2, i, f"{nation} {share:.0%}",
                                       ha="center", va="center", fontsize=7, color="#0b1018",
                                       weight="bold", zorder=4))
            left += share
        artists.append(ax.text(1.01, i, f"{tot:,.0f}", va="center", fontsize=7.5,
                               color=MAP["text_muted"]))
    ax.set_axisbelow(True)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, len(metrics) - 0.4)
    ax.invert_yaxis()
    ax.set_yticks(range(len(metrics)), [m[1] for m in metrics])
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("share of the coalition total [%] (total at right)")
    ax.set_title("Who did the work: each nation's share")
    handles = [Rectangle((0, 0), 1, 1, color=nation_colour(n)) for n in df.index]
    ax.legend(handles, [NATION_NAMES.get(n, n) for n in df.index], ncols=len(df.index),
              loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=7, frameon=False)
    return artists
