"""A run folder as a CZML document: every threat and aircraft moving on a Cesium globe.

CZML is a JSON array of packets (the document packet first). Written here as plain JSON
rather than through `czml3`: we emit four property kinds (clock, position, point, path), the
format is plain JSON, and a pydantic model per sample would cost seconds on a mass raid
for nothing the published schema test does not already check (docs/design-notes.md).

- The document packet carries the clock: the scenario's UTC epoch to its end, looping.
- One packet per threat (`threat-ID`) and per aircraft (`aircraft-ID`): `position` samples
  `[t, lon, lat, h, ...]` in seconds after the scenario epoch, linear (LAGRANGE, degree 1)
  interpolation, `availability` one interval per flight (a sortie; a threat's flight from
  launch to its end), so Cesium never draws an aircraft between sorties.
- Samples that linear interpolation in ECEF (what Cesium does with Cartesian samples)
  reproduces within `tol` metres are dropped (`flights.thin`): straight legs cost two.
- Kills, impacts and NATO entries are static points available from their time on.
- Country borders (the shipped Natural Earth outlines, simplified to about 1 km) as
  polylines, so the document reads on a globe without imagery (offline, no Cesium ion).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from skyshield.interop.flights import Flights, ecef, flights, thin
from skyshield.report.rundir import RunData, load_run

__all__ = ["THIN_TOL_M", "run_czml", "write_czml"]

THIN_TOL_M = 10.0  # largest position error the sample thinning may add [m]
TRAIL_S = 900.0  # path trail shown behind a moving object [s]
LOOP_MULTIPLIER = 60.0  # clock speed when the document opens [x real time]
_EVENT_STYLE = {  # event kind -> (packet prefix, colour, pixel size)
    "kill": ("kill", "#2fbf71", 9),
    "gbad_kill": ("kill", "#f2c84b", 9),
    "impact": ("impact", "#ff3355", 10),
    "nato_entry": ("nato-entry", "#ffffff", 8),
}


def _iso(epoch: datetime, t: float = 0.0) -> str:
    """UTC ISO 8601 with milliseconds, as CZML expects."""
    return (epoch + timedelta(seconds=float(t))).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _rgba(hex_colour: str, alpha: int = 255) -> list[int]:
    h = hex_colour.lstrip("#")
    return [int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), alpha]


def _colours() -> tuple[dict[str, str], dict[str, str]]:
    from skyshield.report.style import CLASS_COLOURS, NATION_COLOURS

    return CLASS_COLOURS, NATION_COLOURS


def _samples(fl: Flights, keep: np.ndarray) -> list[list[float]]:
    """Per flight-owner: flattened [t, lon, lat, h, ...] of the kept samples."""
    arr = np.stack([np.round(fl.t, 3), np.round(fl.lon, 7), np.round(fl.lat, 7),
                    np.round(np.nan_to_num(fl.alt), 1)], axis=-1)
    owner_start = np.flatnonzero(np.r_[True, fl.id[1:] != fl.id[:-1]]) if fl.t.size else []
    owner_stop = np.r_[owner_start[1:], fl.t.size] if fl.t.size else []
    out = []
    for a, b in zip(owner_start, owner_stop, strict=True):
        k = keep[a:b]
        out.append(arr[a:b][k].ravel().tolist())
    return out


def _entity_packets(fl: Flights, epoch: datetime, tol: float, name: Any, colour: Any,
                    prefix: str, size: int, describe: Any = None) -> list[dict]:
    if not fl.t.size:
        return []
    keep = thin(fl.t, ecef(fl.lat, fl.lon, np.nan_to_num(fl.alt)), fl.start, fl.stop, tol)
    samples = _samples(fl, keep)
    owners = np.unique(fl.id)
    fid = fl.flight_id
    packets = []
    for i, s in zip(owners, samples, strict=True):
        ks = np.flatnonzero(fid == i)
        avail = [f"{_iso(epoch, fl.t[fl.start[k]])}/{_iso(epoch, fl.t[fl.stop[k] - 1])}"
                 for k in ks]
        rgba = _rgba(colour(int(i)))
        packets.append({
            "id": f"{prefix}-{int(i)}",
            "name": name(int(i)),
            **({"description": describe(int(i))} if describe is not None else {}),
            "availability": avail[0] if len(avail) == 1 else avail,
            "position": {"epoch": _iso(epoch), "cartographicDegrees": s,
                         "interpolationAlgorithm": "LAGRANGE", "interpolationDegree": 1},
            "point": {"pixelSize": size, "color": {"rgba": rgba},
                      "outlineColor": {"rgba": [0, 0, 0, 255]}, "outlineWidth": 1},
            "path": {"material": {"solidColor": {"color": {"rgba": rgba[:3] + [160]}}},
                     "width": 1.5, "leadTime": 0, "trailTime": TRAIL_S, "resolution": 30},
        })
    return packets


def _border_packets(tol_deg: float = 0.01) -> list[dict]:
    """Country outlines of the shipped borders as polylines (NATO members brighter)."""
    from importlib.resources import files

    import shapely

    data = json.loads((files("skyshield") / "data" / "borders.geojson").read_text("utf-8"))
    packets = []
    for f in data["features"]:
        p = f["properties"]
        geom = shapely.simplify(shapely.geometry.shape(f["geometry"]), tol_deg)
        polys = getattr(geom, "geoms", [geom])
        rgba = [159, 176, 200, 255] if p.get("nato_member") else [106, 120, 144, 255]
        for k, poly in enumerate(polys):
            ring = np.asarray(poly.exterior.coords)
            if len(ring) < 4:
                continue
            pos = np.c_[np.round(ring[:, :2], 4), np.zeros(len(ring))].ravel().tolist()
            packets.append({
                "id": f"border-{p['iso_a3']}-{k}", "name": p["name"],
                "polyline": {"positions": {"cartographicDegrees": pos}, "width": 1.0,
                             "arcType": "GEODESIC",
                             "material": {"solidColor": {"color": {"rgba": rgba}}}}})
    return packets


def run_czml(run: RunData, tol: float = THIN_TOL_M, borders: bool = True) -> list[dict]:
    """The CZML packets of a run (document packet first)."""
    epoch = run.scenario.epoch
    class_col, nation_col = _colours()
    t_end = max(run.duration_s, 1.0)
    doc = {"id": "document", "name": f"skyshield {run.scenario.name}", "version": "1.0",
           "clock": {"interval": f"{_iso(epoch)}/{_iso(epoch, t_end)}",
                     "currentTime": _iso(epoch), "multiplier": LOOP_MULTIPLIER,
                     "range": "LOOP_STOP", "step": "SYSTEM_CLOCK_MULTIPLIER"}}
    th = run.threats.drop_duplicates("id").set_index("id")
    ac = run.aircraft.drop_duplicates("id").set_index("id")

    def th_name(i: int) -> str:
        return f"{th.at[i, 'type']} #{i}" if i in th.index else f"threat #{i}"

    def th_col(i: int) -> str:
        return class_col.get(th.at[i, "cls"] if i in th.index else "unknown", "#a9b1bd")

    def ac_name(i: int) -> str:
        return f"{ac.at[i, 'nation']} {ac.at[i, 'type']} #{i}" if i in ac.index else f"#{i}"

    def ac_col(i: int) -> str:
        return nation_col.get(ac.at[i, "nation"] if i in ac.index else "", "#a9b1bd")

    def table(row: Any, cols: tuple[str, ...]) -> str:
        label = {"cls": "class", "nato_country": "NATO airspace entered"}
        cells = "".join(f"<tr><th>{label.get(c, c)}</th><td>{escape(str(row[c]))}</td></tr>"
                        for c in cols if c in row and str(row[c]) not in ("", "nan"))
        return f"<table>{cells}</table>"

    def th_desc(i: int) -> str:
        if i not in th.index:
            return ""
        return table(th.loc[i], ("type", "cls", "target", "outcome", "by", "weapon",
                                 "nato_country"))

    def ac_desc(i: int) -> str:
        return table(ac.loc[i], ("nation", "type", "squadron", "base", "sorties", "kills")
                     ) if i in ac.index else ""

    packets = [doc]
    packets += _entity_packets(flights(run, "threat"), epoch, tol, th_name, th_col, "threat", 5,
                               th_desc)
    packets += _entity_packets(flights(run, "aircraft"), epoch, tol, ac_name, ac_col,
                               "aircraft", 7, ac_desc)
    ev = run.events
    if len(ev):
        sel = ev[ev["kind"].isin(list(_EVENT_STYLE))]
        sel = sel[np.isfinite(sel["lat"].to_numpy(float))
                  & np.isfinite(sel["lon"].to_numpy(float))]
        for n, r in enumerate(sel.itertuples(index=False)):
            prefix, col, size = _EVENT_STYLE[r.kind]
            alt = float(r.alt) if np.isfinite(r.alt) else 0.0
            packets.append({
                "id": f"{prefix}-{n}", "name": f"{r.kind} threat #{int(r.threat)}",
                "availability": f"{_iso(epoch, r.t)}/{_iso(epoch, max(t_end, r.t))}",
                "position": {"cartographicDegrees": [round(float(r.lon), 7),
                                                     round(float(r.lat), 7), round(alt, 1)]},
                "point": {"pixelSize": size, "color": {"rgba": _rgba(col)},
                          "outlineColor": {"rgba": [0, 0, 0, 255]}, "outlineWidth": 1},
            })
    if borders:
        packets += _border_packets()
    return packets


def write_czml(run_dir: Path, out: Path | None = None, tol: float = THIN_TOL_M) -> Path:
    """Write `run.czml` (or `out`) for the run folder `run_dir`; returns the path."""
    run = load_run(Path(run_dir))
    out = Path(out) if out is not None else Path(run_dir) / "run.czml"
    out.write_text(json.dumps(run_czml(run, tol), allow_nan=False, separators=(",", ":")),
                   encoding="utf-8")
    return out
