"""Offline base map: the theatre countries drawn in the frame (km) on a caller's matplotlib ax.

Functions take an `ax`, add artists and return them; they never create or show a figure.
matplotlib is imported only here (and only when this module is imported).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from shapely.ops import polylabel

from skyshield.geo.borders import DENSIFY_DEG, Borders, borders, to_frame
from skyshield.geo.frame import THEATRE, TheatreFrame

__all__ = ["add_polygon", "draw_borders", "draw_scale_bar"]

FILL = {"UKR": "#fff4c2", "nato": "#dbe8f6", "other": "#eeeeee"}  # face colours
EDGE = "#555555"


def _path(poly: shapely.Geometry) -> MplPath:
    """Matplotlib path (with holes) of a frame polygon, coordinates in km."""
    verts, codes = [], []
    for part in shapely.get_parts(poly):
        for ring in [part.exterior, *part.interiors]:
            xy = np.asarray(ring.coords) / 1000.0
            verts.append(xy)
            codes.append(
                np.r_[MplPath.MOVETO, np.full(len(xy) - 2, MplPath.LINETO), MplPath.CLOSEPOLY]
            )
    return MplPath(np.concatenate(verts), np.concatenate(codes).astype(np.uint8))


def draw_borders(
    ax: Axes,
    frame: TheatreFrame = THEATRE,
    countries: Iterable[str] | None = None,
    source: Borders | None = None,
    labels: bool = True,
) -> list:
    """Draw country polygons in frame km: Ukraine highlighted, NATO tinted, names labelled."""
    src = source or borders()
    codes = list(countries) if countries is not None else list(src.codes)
    artists: list = []
    for iso in codes:
        geom = _in_frame(iso, frame, src)
        key = "UKR" if iso == "UKR" else ("nato" if iso in src.nato else "other")
        path = _path(geom)
        patch = PathPatch(path, facecolor=FILL[key], edgecolor=EDGE, linewidth=0.7, zorder=0)
        artists.append(add_polygon(ax, patch, path))
        if labels:
            artists.append(_label(ax, geom, src.names.get(iso, iso)))
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.set_xlabel("x east [km]")
    ax.set_ylabel("y north [km]")
    return artists


def add_polygon(ax: Axes, patch: PathPatch, path: MplPath) -> PathPatch:
    """`ax.add_patch` for a polygon patch, the data limits from its vertices at once.

    `add_patch` walks the path segment by segment in Python to update the limits (seconds
    for a detailed border); for straight segments the vertex bounding box is the same.
    """
    ax.add_artist(patch)
    ax.update_datalim(path.vertices)
    return patch


def _in_frame(iso: str, frame: TheatreFrame, src: Borders) -> shapely.Geometry:
    """A country's polygon densified and projected to the frame [m].

    For the shipped borders kept in the on-disk set-up cache (`skyshield.diskcache`): the
    projection of every vertex of every country is most of the cost of a map.
    """
    def compute() -> shapely.Geometry:
        return to_frame(shapely.segmentize(src.geometry[iso], DENSIFY_DEG), frame)

    if src is not borders():
        return compute()
    from skyshield.diskcache import cached

    return cached("border_in_frame", repr((iso, frame.proj4, DENSIFY_DEG)), compute,
                  shapely.to_wkb, shapely.from_wkb)


def _label_point(geom: shapely.Geometry) -> tuple[float, float]:
    """Pole of inaccessibility of the largest part of geom (cached on disk by its WKB)."""
    def compute() -> tuple[float, float]:
        big = max(shapely.get_parts(geom), key=lambda p: p.area)
        p = polylabel(big, tolerance=1000.0)
        return float(p.x), float(p.y)

    from skyshield.diskcache import cached

    key = hashlib.sha256(shapely.to_wkb(geom)).hexdigest()
    return cached("label_point", key, compute,
                  lambda xy: np.array(xy).tobytes(),
                  lambda b: tuple(np.frombuffer(b, np.float64).tolist()))


def _label(ax: Axes, geom: shapely.Geometry, text: str):  # noqa: ANN202 - matplotlib Text
    """Name at the pole of inaccessibility of the largest visible part (always inside it)."""
    xmin, xmax = ax.get_xlim()
    ymin, ymax = ax.get_ylim()
    view = geom
    if ax.get_autoscale_on() is False:
        window = shapely.box(xmin * 1e3, ymin * 1e3, xmax * 1e3, ymax * 1e3)
        view = shapely.intersection(geom, window)
    x, y = _label_point(view if not view.is_empty else geom)
    return ax.text(
        x / 1000.0,
        y / 1000.0,
        text,
        ha="center",
        va="center",
        fontsize=8,
        color="#333333",
        zorder=3,
        clip_on=True,
    )


def draw_scale_bar(ax: Axes, km: float, loc: tuple[float, float] = (0.05, 0.05)) -> list:
    """Scale bar of `km` kilometres at axes-fraction `loc` (axes in frame km, equal aspect)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x = x0 + loc[0] * (x1 - x0)
    y = y0 + loc[1] * (y1 - y0)
    h = 0.01 * (y1 - y0)
    bar = Rectangle((x, y), km, h, facecolor="black", edgecolor="black", zorder=4)
    half = Rectangle((x + km / 2, y), km / 2, h, facecolor="white", edgecolor="black", zorder=4)
    text = ax.text(
        x + km / 2, y + 2 * h, f"{km:g} km", ha="center", va="bottom", fontsize=8, zorder=4
    )
    return [ax.add_patch(bar), ax.add_patch(half), text]
