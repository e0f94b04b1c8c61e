"""The static theatre map of a scenario (matplotlib), in the theatre frame [km].

Each `plot_*` function takes an `ax` whose data coordinates are theatre-frame km, adds one layer
and returns its artists; none creates or shows a figure. `render_map` owns the figure: it lays
the layers out in order, adds the scale bar, legend and title, and writes PNG/SVG files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.patheffects as pe  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Circle, Patch, PathPatch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

from skyshield.geo import basemap  # noqa: E402
from skyshield.model.scenario import Scenario  # noqa: E402
from skyshield.report.scene import Scene, build_scene  # noqa: E402
from skyshield.report.style import (  # noqa: E402
    HOSTILE,
    MAP,
    NATION_NAMES,
    dark_style,
    nation_colour,
)

__all__ = [
    "render_map",
    "plot_countries",
    "plot_zones",
    "plot_air_defence",
    "plot_radars",
    "plot_bases",
    "plot_cities",
    "plot_launch_areas",
    "plot_patrols",
    "map_legend",
]

HALO = [pe.withStroke(linewidth=2.5, foreground=MAP["sea"])]


def _poly_path(geom: shapely.Geometry) -> MplPath:
    verts, codes = [], []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        for ring in [part.exterior, *part.interiors]:
            xy = np.asarray(ring.coords)
            verts.append(xy)
            codes.append(np.r_[MplPath.MOVETO, np.full(len(xy) - 2, MplPath.LINETO),
                               MplPath.CLOSEPOLY])
    if not verts:
        return MplPath(np.zeros((1, 2)))
    return MplPath(np.concatenate(verts), np.concatenate(codes).astype(np.uint8))


def plot_countries(ax: Axes, scene: Scene) -> list:
    """Country polygons (via `geo.basemap.draw_borders`) restyled dark; names in spaced caps."""
    artists = basemap.draw_borders(ax, labels=True)
    codes = [c.iso3 for c in scene.countries]
    patches = [a for a in artists if isinstance(a, PathPatch)]
    texts = [a for a in artists if not isinstance(a, PathPatch)]
    nato = {c.iso3 for c in scene.countries if c.nato}
    for iso, patch in zip(codes, patches, strict=False):
        face = (MAP["land_ukr"] if iso == "UKR" else MAP["land_nato"] if iso in nato
                else MAP["land_hostile"] if iso in HOSTILE else MAP["land_other"])
        patch.set_facecolor(face)
        patch.set_edgecolor(MAP["border_ukr"] if iso == "UKR" else MAP["border"])
        patch.set_linewidth(1.1 if iso == "UKR" else 0.7)
    for t in texts:
        t.set_text(" ".join(t.get_text().upper()))
        t.set_color(MAP["country_label"])
        t.set_fontsize(10)
        t.set_fontweight("bold")
        t.set_zorder(1)
    ax.set_facecolor(MAP["sea"])
    return artists


def plot_zones(ax: Axes, scene: Scene) -> list:
    """Engagement zones (green) and excluded zones (red, hatched), labelled with their nations."""
    artists = []
    for z in scene.zones:
        col = MAP["engagement"] if z.role == "engagement" else MAP["excluded"]
        path = _poly_path(z.geometry)
        fill = PathPatch(path, facecolor=col, alpha=0.13 if z.role ==
                         "engagement" else 0.10, edgecolor="none", zorder=2)
        edge = PathPatch(path, facecolor="none", edgecolor=col, lw=1.0,
                         ls="-" if z.role == "engagement" else "--", zorder=2.1,
                         hatch="////" if z.role == "excluded" else None, alpha=0.85)
        # (limits from the vertices at once: add_patch walks long paths segment by segment)
        artists += [basemap.add_polygon(ax, fill, path), basemap.add_polygon(ax, edge, path)]
    return artists


def plot_air_defence(ax: Axes, scene: Scene) -> list:
    """Ukrainian air-defence sites: engagement range circles and site markers."""
    artists = []
    for s in scene.sites:
        r = s.attrs["range_km"]
        ls = "-" if s.attrs.get("active", True) else ":"
        artists.append(ax.add_patch(Circle((s.x, s.y), r, facecolor=MAP["gbad"], alpha=0.08,
                                           edgecolor="none", zorder=3)))
        artists.append(ax.add_patch(Circle((s.x, s.y), r, facecolor="none", lw=0.9, ls=ls,
                                           edgecolor=MAP["gbad"], alpha=0.9, zorder=3)))
        artists += ax.plot(s.x, s.y, marker="^", ms=5, color=MAP["gbad"], mec=MAP["sea"],
                           mew=0.6, zorder=6, ls="none")
    return artists


def plot_radars(ax: Axes, scene: Scene) -> list:
    """Radars: diamond at the site (or orbit centre) and a dotted coverage circle (range)."""
    artists = []
    for r in scene.radars:
        col = nation_colour(r.attrs["nation"]) if r.attrs["nation"] != "UKR" else MAP["gbad"]
        artists.append(ax.add_patch(Circle((r.x, r.y), r.attrs["range_km"], facecolor="none",
                                           edgecolor=MAP["radar"], lw=0.8, ls=(0, (1, 2.5)),
                                           alpha=0.8, zorder=2.5)))
        if r.attrs["orbit_km"]:
            artists.append(ax.add_patch(Circle((r.x, r.y), r.attrs["orbit_km"], facecolor="none",
                                               edgecolor=col, lw=0.8, ls="--", zorder=5)))
        artists += ax.plot(r.x, r.y, marker="D", ms=4.5, color=MAP["radar"], mec=col, mew=1.0,
                           ls="none", zorder=6)
    return artists


def plot_bases(ax: Axes, scene: Scene) -> list:
    """Coalition air bases: squares in the nation's colour, labelled with the base name."""
    artists = []
    for b in scene.bases:
        col = nation_colour(b.attrs["nation"])
        artists += ax.plot(b.x, b.y, marker="s", ms=7, color=col, mec="white", mew=0.8,
                           ls="none", zorder=7)
        artists.append(ax.annotate(
            f"{b.name}\n{b.attrs['aircraft']} aircraft", (b.x, b.y), xytext=(6, -3),
            textcoords="offset points", fontsize=6.5, color=col, va="top", zorder=8,
            path_effects=HALO, annotation_clip=True))
    return artists


def plot_patrols(ax: Axes, scene: Scene) -> list:
    """Patrol (CAP) stations: orbit circle in the nation's colour and the station name."""
    artists = []
    for p in scene.patrols:
        col = nation_colour(p.attrs["nation"])
        artists.append(ax.add_patch(Circle((p.x, p.y), p.attrs["radius_km"], facecolor=col,
                                           alpha=0.12, edgecolor=col, lw=1.2, zorder=4)))
        artists += ax.plot(p.x, p.y, marker="+", ms=6, color=col, ls="none", zorder=6)
        artists.append(ax.annotate(
            f"{p.name} ({p.attrs['aircraft']})", (p.x, p.y + p.attrs["radius_km"]),
            xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
            fontsize=6.5, color=col, style="italic", zorder=8, path_effects=HALO,
            annotation_clip=True))
    return artists


def _overlaps(box: tuple[float, float, float, float], boxes: list) -> bool:
    x0, y0, x1, y1 = box
    return any(not (x1 < a0 or a1 < x0 or y1 < b0 or b1 < y0) for a0, b0, a1, b1 in boxes)


def plot_cities(ax: Axes, scene: Scene, max_labels: int = 30) -> list:
    """Cities (dot size by population) and targeted places (ringed), labels kept apart."""
    artists = []
    fig = ax.figure
    x0, x1 = ax.get_xlim()
    width_pt = ax.get_position().width * fig.get_figwidth() * 72
    km_per_pt = (x1 - x0) / width_pt
    taken: list = []
    for b in scene.bases:  # base labels are placed first (right, below)
        taken.append((b.x, b.y - 9 * km_per_pt * 2, b.x + 70 * km_per_pt, b.y))
    labelled = 0
    for c in scene.cities:
        pop = c.attrs["population"]
        target = c.attrs["target"]
        ms = 2.0 + 2.2 * np.log10(max(pop, 10_000) / 10_000) if pop else 3.0
        if target:
            artists += ax.plot(c.x, c.y, marker="o", ms=ms + 5, mfc="none", mec=MAP["leak"],
                               mew=0.9, ls="none", zorder=6)
        artists += ax.plot(c.x, c.y, marker="o" if c.attrs["kind"] == "city" else "h", ms=ms,
                           color=MAP["city"], mec=MAP["sea"], mew=0.5, ls="none", zorder=6)
        if labelled >= max_labels and not target:
            continue
        size = 7.5 if pop > 500_000 else 6.5
        w = len(c.name) * size * 0.55 * km_per_pt
        h = size * 1.1 * km_per_pt
        off = 4 * km_per_pt
        for dx, dy, ha, va in ((off, off, "left", "bottom"), (off, -off - h, "left", "bottom"),
                               (-off - w, off, "left", "bottom"), (-off - w, -off - h, "left",
                                                                  "bottom")):
            box = (c.x + dx, c.y + dy, c.x + dx + w, c.y + dy + h)
            if not _overlaps(box, taken):
                taken.append(box)
                artists.append(ax.text(c.x + dx, c.y + dy, c.name, fontsize=size,
                                       color=MAP["city"] if not target else "#ffd0d6",
                                       ha=ha, va=va, zorder=8, path_effects=HALO,
                                       clip_on=True))
                labelled += 1
                break
    return artists


def plot_launch_areas(ax: Axes, scene: Scene) -> list:
    """Launch areas: triangles inside the view; arrows with name and distance for far ones."""
    artists = []
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    placed: list[tuple[float, float]] = []
    step = 0.045 * (y1 - y0)
    for la in sorted(scene.launch_areas, key=lambda p: -p.y):
        text = f"{la.name}\n{la.attrs['threats']} × {', '.join(la.attrs['types'])}"
        if x0 <= la.x <= x1 and y0 <= la.y <= y1:
            artists += ax.plot(la.x, la.y, marker="v", ms=8, color=MAP["launch"], mec="white",
                               mew=0.6, ls="none", zorder=7)
            left = la.x < x1 - 0.15 * (x1 - x0)
            artists.append(ax.annotate(text, (la.x, la.y), xytext=(7 if left else -7, 0),
                                       textcoords="offset points", fontsize=6.5, va="center",
                                       color=MAP["launch"], zorder=8, path_effects=HALO,
                                       ha="left" if left else "right",
                                       clip_on=True))
            continue
        dx, dy = la.x - cx, la.y - cy
        m = 0.035 * (x1 - x0)
        s = min((x1 - m - cx) / dx if dx > 0 else (x0 + m - cx) / dx if dx < 0 else np.inf,
                (y1 - m - cy) / dy if dy > 0 else (y0 + m - cy) / dy if dy < 0 else np.inf)
        ex, ey = cx + s * dx, cy + s * dy
        dist = float(np.hypot(la.x - ex, la.y - ey))
        back = 0.06 * (x1 - x0) / np.hypot(dx, dy)
        tx, ty = ex - back * dx, ey - back * dy
        while any(abs(ty - py) < step and abs(tx - px) < 0.15 * (x1 - x0) for px, py in placed):
            ty -= step
        placed.append((tx, ty))
        artists.append(ax.annotate(
            "", (ex, ey), xytext=(tx, ty),
            arrowprops=dict(arrowstyle="-|>", color=MAP["launch"], lw=1.4), zorder=8))
        artists.append(ax.annotate(
            f"{la.name}: {dist:,.0f} km beyond edge\n{la.attrs['threats']} × "
            f"{', '.join(la.attrs['types'])}", (tx, ty), xytext=(-3 if dx > 0 else 3, 0),
            textcoords="offset points", ha="right" if dx > 0 else "left",
            va="center", fontsize=6.5, color=MAP["launch"], zorder=8, path_effects=HALO))
    return artists


def map_legend(ax: Axes, scene: Scene) -> list:
    """The legend of the theatre map (one entry per layer; bases and CAPs by nation)."""
    h: list = []
    nations = sorted({b.attrs["nation"] for b in scene.bases} |
                     {p.attrs["nation"] for p in scene.patrols})
    for n in nations:
        h.append(Line2D([], [], marker="s", color=nation_colour(n), mec="white", ls="none",
                        label=f"{NATION_NAMES.get(n, n)}: air base / CAP"))
    h += [
        Patch(facecolor=MAP["engagement"], alpha=0.35, edgecolor=MAP["engagement"],
              label="Engagement zone"),
        Patch(facecolor="none", edgecolor=MAP["excluded"], hatch="////", ls="--",
              label="Excluded zone"),
        Line2D([], [], marker="^", color=MAP["gbad"], ls="-", lw=0.9,
               label="Ukrainian air defence (range)"),
        Line2D([], [], marker="D", color=MAP["radar"], ls=(0, (1, 2)), lw=0.9,
               label="Radar (coverage)"),
        Line2D([], [], marker="o", color=MAP["city"], ls="none", ms=4, label="City"),
        Line2D([], [], marker="o", mfc="none", mec=MAP["leak"], ls="none", ms=8,
               label="Raid target"),
        Line2D([], [], marker="v", color=MAP["launch"], mec="white", ls="none",
               label="Launch area (arrow: off map)"),
    ]
    leg = ax.legend(handles=h, loc="upper left", bbox_to_anchor=(1.015, 1.0), fontsize=7.5,
                    framealpha=0.95, borderpad=0.9, labelspacing=0.7, title="Legend",
                    title_fontsize=8.5, alignment="left")
    leg.set_zorder(20)
    return [leg]


def _scale_bar(ax: Axes, scene: Scene | None = None) -> list:
    x0, x1 = ax.get_xlim()
    nice = [25, 50, 100, 200, 250, 500]
    km = min(nice, key=lambda k: abs(k - (x1 - x0) / 6))
    artists = basemap.draw_scale_bar(ax, km, loc=(0.03, 0.03))
    for a in artists:
        if hasattr(a, "set_edgecolor"):
            a.set_edgecolor(MAP["text"])
        if hasattr(a, "get_facecolor") and not hasattr(a, "get_text"):
            a.set_facecolor(MAP["text"] if a.get_facecolor()[0] < 0.5 else MAP["sea"])
        if hasattr(a, "get_text"):
            a.set_color(MAP["text"])
            a.set_path_effects(HALO)
    return artists


def draw_theatre(ax: Axes, scene: Scene) -> list:
    """All layers of the theatre map on `ax` (limits set to the scene's view)."""
    x0, x1, y0, y1 = scene.view
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_autoscale_on(False)
    artists = plot_countries(ax, scene)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    for layer in (plot_zones, plot_radars, plot_air_defence, plot_patrols, plot_bases,
                  plot_cities, plot_launch_areas, map_legend, _scale_bar):
        artists += layer(ax, scene)
    ax.set_aspect("equal", adjustable="box")
    ax.grid(False)
    ax.tick_params(labelsize=7, colors=MAP["text_muted"])
    ax.set_xlabel("x east [km] — theatre frame (Lambert conformal conic, 50° N 27.5° E)",
                  fontsize=7.5, color=MAP["text_muted"])
    ax.set_ylabel("y north [km]", fontsize=7.5, color=MAP["text_muted"])
    return artists


def _order_of_battle(scenario: Scenario) -> str:
    lines = ["COALITION"]
    for n in scenario.coalition:
        for sq in n.squadrons:
            lines.append(f"  {n.nation}  {sq.count:>2} × {sq.aircraft}  ({sq.base})")
    lines += ["", "RAID"]
    by_type: dict[str, list] = {}
    for w in scenario.raid.waves:
        rec = by_type.setdefault(w.threat, [0, set(), w.window_min[0], w.window_min[1]])
        rec[0] += w.count
        rec[1].add(w.launch_area if isinstance(w.launch_area, str) else repr(w.launch_area))
        rec[2], rec[3] = min(rec[2], w.window_min[0]), max(rec[3], w.window_min[1])
    for name, (n, areas, t0, t1) in by_type.items():
        lines.append(f"  {n:>4} × {name}  T+{t0:g}–{t1:g} min, {len(areas)} area"
                     f"{'s' if len(areas) > 1 else ''}")
    if scenario.air_defence:
        lines += ["", f"UKRAINIAN AIR DEFENCE  {len(scenario.air_defence)} sites"]
    return "\n".join(lines)


def render_map(scenario: Scenario, out: Path, fmt: Sequence[str] = ("png", "svg"),
               dpi: int = 170) -> list[Path]:
    """Draw the scenario's theatre map and write it as `out.<fmt>` for each format.

    `out` is a path without suffix (a suffix is replaced), or an existing folder, where
    `theatre_map.<fmt>` is written. Returns the paths written.
    """
    out = Path(out)
    out = out / "theatre_map" if out.is_dir() else out.with_suffix("")
    out.parent.mkdir(parents=True, exist_ok=True)
    scene = build_scene(scenario)
    with dark_style():
        fig = Figure(figsize=(14, 8.6))
        ax = fig.add_axes((0.05, 0.07, 0.76, 0.84))
        draw_theatre(ax, scene)
        fig.text(0.05, 0.955, f"{scenario.name} — theatre map", fontsize=15, weight="bold",
                 color=MAP["text"])
        n_threats = sum(w.count for w in scenario.raid.waves)
        n_air = sum(sq.count for n in scenario.coalition for sq in n.squadrons)
        desc = scenario.description if len(scenario.description) < 110 else (
            scenario.description[:107].rsplit(" ", 1)[0] + "…")
        sub = (f"{desc}  ·  " if desc else "") + (
            f"{n_threats:,} threats in {len(scenario.raid.waves)} waves  ·  {n_air} coalition "
            f"aircraft  ·  start {scenario.epoch:%Y-%m-%d %H:%M} UTC, "
            f"{scenario.duration_min / 60:g} h")
        fig.text(0.05, 0.925, sub, fontsize=8.5, color=MAP["text_muted"])
        fig.text(0.98, 0.015, "skyshield · notional figures, public sources · borders: "
                 "Natural Earth 1:10m", fontsize=6.5, color=MAP["text_muted"], ha="right")
        fig.text(0.825, 0.42, _order_of_battle(scenario), fontsize=6.8, color=MAP["text"],
                 va="top", family="DejaVu Sans", linespacing=1.45)
        paths = []
        for f in fmt:
            p = out.with_suffix(f".{f}")
            fig.savefig(p, dpi=dpi if f == "png" else None, format=f)
            paths.append(p)
    return paths
