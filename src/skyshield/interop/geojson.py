"""A run folder as one GeoJSON FeatureCollection (RFC 7946), for GIS tools.

RFC 7946 rules kept here: WGS84 longitude, latitude and altitude [m] in that order; no
`crs` member; a LineString has at least two positions (a flight of one sample is a Point);
no NaN anywhere (missing values are `null`); six decimals (about 0.1 m) per coordinate.

Every feature has `properties.feature`, one of:

- `threat_track` (LineString, one per threat flight): id, type, class, target, outcome,
  by, weapon, t_start/t_end [s since scenario start] and their UTC times;
- `aircraft_track` (LineString, one per sortie): id, nation, squadron, type, base, sortie;
- `kill` (Point, kill and gbad_kill events): threat, aircraft, nation, weapon, by, time;
- `debris` (Point, when threats.parquet has `debris_lat`/`debris_lon`): threat, type,
  and `country` / `near_population` when the run has `debris_country` /
  `debris_near_population`;
- `nato_entry` / `nato_exit` (Point, a threat crossing into / out of NATO airspace):
  threat, country, time, seconds inside (exit);
- `impact` (Point): a threat reaching its target.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from skyshield.interop.flights import Flights, flights
from skyshield.report.rundir import RunData, load_run

__all__ = ["run_geojson", "write_geojson"]

DECIMALS = 6  # coordinate decimals: 1e-6 deg is about 0.1 m
ALT_DECIMALS = 1  # altitude decimals [m]


def _iso(epoch: datetime, t: float) -> str | None:
    """UTC ISO 8601 time of `t` seconds after the epoch (None for NaN)."""
    if not np.isfinite(t):
        return None
    return (epoch + timedelta(seconds=float(t))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def _clean(v: Any) -> Any:
    """A JSON value: numpy scalars to Python, NaN and NA to None."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if v is pd.NA or v is None:
        return None
    return v


def _coords(fl: Flights) -> list[list[list[float]]]:
    """Positions [lon, lat, alt] of each flight, rounded."""
    pos = np.stack([np.round(fl.lon, DECIMALS), np.round(fl.lat, DECIMALS),
                    np.round(np.nan_to_num(fl.alt), ALT_DECIMALS)], axis=-1)
    return [pos[a:b].tolist() for a, b in zip(fl.start, fl.stop, strict=True)]


def _line(coords: list[list[float]]) -> dict:
    """A LineString, or a Point for a flight of one distinct position."""
    if len(coords) >= 2 and any(c != coords[0] for c in coords[1:]):
        return {"type": "LineString", "coordinates": coords}
    return {"type": "Point", "coordinates": coords[0]}


def _feature(geometry: dict, props: dict, fid: str) -> dict:
    return {"type": "Feature", "id": fid, "geometry": geometry,
            "properties": {k: _clean(v) for k, v in props.items()}}


def _point(lon: float, lat: float, alt: float) -> dict:
    c = [round(float(lon), DECIMALS), round(float(lat), DECIMALS)]
    if np.isfinite(alt):
        c.append(round(float(alt), ALT_DECIMALS))
    return {"type": "Point", "coordinates": c}


def _track_features(run: RunData, epoch: datetime) -> list[dict]:
    out: list[dict] = []
    th = run.threats.drop_duplicates("id").set_index("id")
    fl = flights(run, "threat")
    for k, (coords, a, b) in enumerate(zip(_coords(fl), fl.start, fl.stop, strict=True)):
        i = int(fl.id[a])
        row = th.loc[i] if i in th.index else None
        props = {"feature": "threat_track", "id": i,
                 "type": row["type"] if row is not None else "",
                 "class": row["cls"] if row is not None else "",
                 "target": row["target"] if row is not None else "",
                 "outcome": row["outcome"] if row is not None else "",
                 "by": row["by"] if row is not None else "",
                 "weapon": row["weapon"] if row is not None else "",
                 "t_start": round(float(fl.t[a]), 3), "t_end": round(float(fl.t[b - 1]), 3),
                 "time_start": _iso(epoch, fl.t[a]), "time_end": _iso(epoch, fl.t[b - 1])}
        out.append(_feature(_line(coords), props, f"threat-{i}-{k}"))
    ac = run.aircraft.drop_duplicates("id").set_index("id")
    fl = flights(run, "aircraft")
    sortie = fl.flight - np.searchsorted(fl.flight_id, fl.id, "left")  # 0 = first sortie
    for coords, a, b in zip(_coords(fl), fl.start, fl.stop, strict=True):
        i = int(fl.id[a])
        row = ac.loc[i] if i in ac.index else None
        props = {"feature": "aircraft_track", "id": i,
                 **{c: (row[c] if row is not None else "")
                    for c in ("nation", "squadron", "type", "base")},
                 "sortie": int(sortie[a]) + 1,
                 "t_start": round(float(fl.t[a]), 3), "t_end": round(float(fl.t[b - 1]), 3),
                 "time_start": _iso(epoch, fl.t[a]), "time_end": _iso(epoch, fl.t[b - 1])}
        out.append(_feature(_line(coords), props, f"aircraft-{i}-{int(sortie[a]) + 1}"))
    return out


def _event_features(run: RunData, epoch: datetime) -> list[dict]:
    ev = run.events
    out: list[dict] = []
    if not len(ev):
        return out
    names = {"kill": "kill", "gbad_kill": "kill", "nato_entry": "nato_entry",
             "nato_exit": "nato_exit", "impact": "impact"}
    sel = ev[ev["kind"].isin(list(names))]
    sel = sel[np.isfinite(sel["lat"].to_numpy(float)) & np.isfinite(sel["lon"].to_numpy(float))]
    for n, r in enumerate(sel.itertuples(index=False)):
        feat = names[r.kind]
        props: dict[str, Any] = {"feature": feat, "event": r.kind, "threat": int(r.threat),
                                 "t": round(float(r.t), 3), "time": _iso(epoch, r.t)}
        if feat == "kill":
            props.update(aircraft=int(r.aircraft), nation=r.nation or "", weapon=r.weapon or "",
                         by="UKR" if r.kind == "gbad_kill" else (r.nation or ""))
        elif feat in ("nato_entry", "nato_exit"):
            props["country"] = r.detail or ""
            if feat == "nato_exit":
                props["seconds_inside"] = float(r.value)
        out.append(_feature(_point(r.lon, r.lat, r.alt), props, f"{feat}-{n}"))
    return out


def _debris_features(run: RunData, epoch: datetime) -> list[dict]:
    """Debris points, read from the raw threat table (the report does not normalise them)."""
    path = run.path / "threats.parquet"
    if not path.is_file():
        return []
    raw = pd.read_parquet(path)
    if not {"debris_lat", "debris_lon"} <= set(raw.columns):
        return []
    lat = pd.to_numeric(raw["debris_lat"], errors="coerce").to_numpy(float)
    lon = pd.to_numeric(raw["debris_lon"], errors="coerce").to_numpy(float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    ids = raw["id"].to_numpy() if "id" in raw else np.arange(len(raw))
    types = raw["type"].astype(str).to_numpy() if "type" in raw else np.full(len(raw), "")
    t = (pd.to_numeric(raw["t_outcome"], errors="coerce").to_numpy(float)
         if "t_outcome" in raw else np.full(len(raw), np.nan))
    extra = [c for c in ("debris_country", "debris_near_population") if c in raw]
    return [_feature(_point(lon[i], lat[i], np.nan),
                     {"feature": "debris", "threat": int(ids[i]), "type": types[i],
                      "t": round(float(t[i]), 3) if np.isfinite(t[i]) else None,
                      "time": _iso(epoch, t[i]),
                      **{c.removeprefix("debris_"): raw[c].iloc[i] for c in extra}},
                     f"debris-{int(ids[i])}")
            for i in np.flatnonzero(ok)]


def run_geojson(run: RunData) -> dict:
    """The FeatureCollection of a run (see the module docstring for its features)."""
    epoch = run.scenario.epoch
    feats = (_track_features(run, epoch) + _event_features(run, epoch)
             + _debris_features(run, epoch))
    # no bbox: positions mix 3-D tracks and 2-D debris, and RFC 7946 ties its length to one n
    return {"type": "FeatureCollection", "features": feats,
            "skyshield": {"scenario": run.scenario.name, "epoch": _iso(epoch, 0.0),
                          "seed": _clean(run.run.get("seed"))}}


def write_geojson(run_dir: Path, out: Path | None = None) -> Path:
    """Write `run.geojson` (or `out`) for the run folder `run_dir`; returns the path."""
    run = load_run(Path(run_dir))
    out = Path(out) if out is not None else Path(run_dir) / "run.geojson"
    text = json.dumps(run_geojson(run), allow_nan=False, separators=(",", ":"))
    out.write_text(text, encoding="utf-8")
    return out
