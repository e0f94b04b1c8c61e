"""The self-contained HTML run report: `build_report(run_dir)` -> `run_dir/report/index.html`.

One file that works offline: CSS and JS (`skyshield/web/*`) inlined, figures embedded as
base64 PNG, replay data embedded as JSON whose bulk is base64 typed arrays (see `packing`).
The figures are also saved next to it (PNG and SVG) for slides and documents.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from shapely.geometry import box  # noqa: E402

from skyshield import __version__  # noqa: E402
from skyshield.geo.frame import THEATRE  # noqa: E402
from skyshield.model.library import ThreatClass  # noqa: E402
from skyshield.report import packing, plots  # noqa: E402
from skyshield.report.assets import render_figures, web_asset  # noqa: E402
from skyshield.report.rundir import RunData, load_run, read_records  # noqa: E402
from skyshield.report.scene import Scene, build_scene, rings  # noqa: E402
from skyshield.report.style import (  # noqa: E402
    CLASS_COLOURS,
    CLASS_LABELS,
    HOSTILE,
    MAP,
    NATION_COLOURS,
    NATION_NAMES,
)
from skyshield.report.summary import cards, cost_exchange, nation_table  # noqa: E402
from skyshield.report.theatre_map import render_map  # noqa: E402

__all__ = ["build_report", "replay_payload"]

NATIONS = ("POL", "SVK", "HUN", "ROU", "MDA", "UKR")
CLASSES = [c.value for c in ThreatClass]
EV_KILL, EV_GBAD_KILL, EV_IMPACT, EV_NATO = 0, 1, 2, 3
SCENE_MARGIN_KM = 1200.0  # borders are clipped this far around the view


# ------------------------------------------------------------------------ replay data
def _pack_polys(geoms: list[shapely.Geometry]) -> dict:
    """Rings of several (multi)polygons in km -> Int16 xy, ring starts, owner per ring."""
    all_rings, owner = [], []
    for i, g in enumerate(geoms):
        for r in rings(g):
            all_rings.append(r)
            owner.append(i)
    xy = np.concatenate(all_rings) * 1000.0 if all_rings else np.zeros((0, 2))
    q = packing.quantum_for(float(np.abs(xy).max()) if len(xy) else 0.0)
    start = np.r_[0, np.cumsum([len(r) for r in all_rings])].astype(np.uint32)
    return {"q": q, "xy": {"type": "Int16Array", "b64": packing.b64(packing.quantise_xy(xy, q))},
            "ring": {"type": "Uint32Array", "b64": packing.b64(start)},
            "owner": {"type": "Uint8Array", "b64": packing.b64(np.array(owner, np.uint8))}}


def scene_json(scene: Scene) -> dict:
    x0, x1, y0, y1 = scene.view
    clip = box(x0 - SCENE_MARGIN_KM, y0 - SCENE_MARGIN_KM, x1 + SCENE_MARGIN_KM,
               y1 + SCENE_MARGIN_KM)
    countries = [c for c in scene.countries if c.geometry.intersects(clip)]
    r1 = lambda v: round(float(v), 1)  # noqa: E731
    pts = lambda ps, keys: [  # noqa: E731
        {"name": p.name, "x": r1(p.x), "y": r1(p.y), **{k: p.attrs.get(k) for k in keys}}
        for p in ps]
    return {
        "view": [r1(v) for v in scene.view],
        "countries": [{"iso3": c.iso3, "name": c.name, "nato": c.nato,
                       "hostile": c.iso3 in HOSTILE,
                       "label": [r1(c.label[0]), r1(c.label[1])] if c.label else None}
                      for c in countries],
        "borders": _pack_polys([c.geometry.intersection(clip) for c in countries]),
        "zones": {"list": [{"name": z.name, "role": z.role, "nations": list(z.nations)}
                           for z in scene.zones],
                  **_pack_polys([z.geometry for z in scene.zones])},
        "sites": pts(scene.sites, ["system", "range_km", "active"]),
        "bases": pts(scene.bases, ["nation", "aircraft"]),
        "radars": pts(scene.radars, ["nation", "kind", "range_km"]),
        "cities": pts(scene.cities, ["population", "target"]),
        "launch_areas": pts(scene.launch_areas, ["threats"]),
        "patrols": pts(scene.patrols, ["nation", "radius_km", "aircraft"]),
    }


def _enum_names(path: str, name: str, fallback: list[str]) -> list[str]:
    try:
        mod = __import__(path, fromlist=[name])
        enum = getattr(mod, name)
        out = [""] * (max(int(e) for e in enum) + 1)
        for e in enum:
            out[int(e)] = e.name.replace("_", " ").capitalize()
        return out
    except (ImportError, AttributeError):
        return fallback


def _meta(run: RunData, packed: dict) -> dict:
    """Per-object categories/labels (added to `packed`) and the lookup tables of the page."""
    kind, ids = packed["obj_kind"], packed["obj_id"].astype(np.int64)
    n = kind.size
    cat = np.zeros(n, np.uint8)
    info = np.zeros(n, np.uint16)
    info2 = np.zeros(n, np.uint16)
    th = run.threats.drop_duplicates("id").set_index("id")
    types = sorted(th["type"].astype(str).unique()) if len(th) else []
    targets = sorted(th["target"].astype(str).unique()) if len(th) else []
    m = kind == 0
    if m.any() and len(th):
        rows = th.reindex(ids[m])
        cls = rows["cls"].astype(str).map({c: i for i, c in enumerate(CLASSES)})
        cat[m] = cls.fillna(CLASSES.index("unknown")).to_numpy(np.uint8)
        info[m] = rows["type"].astype(str).map({t: i for i, t in enumerate(types)}).fillna(0)
        info2[m] = rows["target"].astype(str).map({t: i for i, t in enumerate(targets)}).fillna(0)
    ac = run.aircraft.drop_duplicates("id").set_index("id")
    labels = []
    m = kind == 1
    if m.any() and len(ac):
        rows = ac.reindex(ids[m])
        lab = (rows["type"].astype(str) + " · " + rows["squadron"].astype(str) + " · "
               + rows["base"].astype(str))
        labels = sorted(lab.dropna().unique())
        info[m] = lab.map({s: i for i, s in enumerate(labels)}).fillna(0)
        cat[m] = rows["nation"].map({c: i for i, c in enumerate(NATIONS)}).fillna(0)
    cat[kind == 2] = CLASSES.index("unknown")
    packed.update(obj_cat=cat, obj_info=info, obj_info2=info2)
    air_states = _enum_names("skyshield.world.aircraft", "AircraftState",
                             ["Ready", "Alert", "Scramble", "Transit", "Patrol", "Intercept",
                              "Rtb", "Turnaround"])
    air_states = [{"Rtb": "Returning to base", "Intercept": "Intercepting",
                   "Transit": "Transit to station", "Patrol": "On patrol station"}.get(s, s)
                  for s in air_states]
    airborne = [i for i, s in enumerate(air_states) if s not in
                ("Ready", "Alert", "Scramble", "Turnaround", "")]
    return {
        "epoch": run.scenario.epoch.isoformat().replace("+00:00", "Z"),
        "classLabels": [CLASS_LABELS[c] for c in CLASSES],
        "nations": [NATION_NAMES[n] for n in NATIONS],
        "threatTypes": types,
        "targets": targets,
        "aircraftLabels": labels,
        "stateNames": [["Flying"] * 8, air_states, ["Tentative", "Confirmed", "Coasting",
                                                   "Deleted"]],
        "visibleStates": [None, airborne, None],
    }


def _events(run: RunData, packed: dict, q: float) -> dict:
    """Intercepts, impacts and NATO entries as typed arrays (time-sorted)."""
    ev = run.events
    kinds = {"kill": EV_KILL, "gbad_kill": EV_GBAD_KILL, "impact": EV_IMPACT,
             "nato_entry": EV_NATO}
    sel = ev[ev["kind"].astype(str).isin(kinds)].copy()
    lat = pd.to_numeric(sel["lat"], errors="coerce").to_numpy(np.float64)
    lon = pd.to_numeric(sel["lon"], errors="coerce").to_numpy(np.float64)
    miss = ~(np.isfinite(lat) & np.isfinite(lon))
    if miss.any() and len(run.threats):  # fall back on the per-threat outcome place
        th = run.threats.drop_duplicates("id").set_index("id")
        rows = th.reindex(sel["threat"].to_numpy()[miss])
        lat[miss] = pd.to_numeric(rows["lat_outcome"], errors="coerce").to_numpy()
        lon[miss] = pd.to_numeric(rows["lon_outcome"], errors="coerce").to_numpy()
    ok = np.isfinite(lat) & np.isfinite(lon)
    sel, lat, lon = sel[ok], lat[ok], lon[ok]
    order = np.argsort(sel["t"].to_numpy(np.float64), kind="stable")
    sel, lat, lon = sel.iloc[order], lat[order], lon[order]
    xy = THEATRE.to_xy(lat, lon) if len(sel) else np.zeros((0, 2))
    who = sel["nation"].astype(str).map({c: i for i, c in enumerate(NATIONS)}).fillna(255)
    obj_of = {int(i): o for o, (k, i) in enumerate(zip(packed["obj_kind"], packed["obj_id"],
                                                         strict=True)) if k == 0}
    obj = np.array([obj_of.get(int(t), -1) for t in sel["threat"]], np.int32)
    enc = packing.encode({
        "ev_t": sel["t"].to_numpy(np.float32),
        "ev_xy": packing.quantise_xy(xy, q).ravel(),
        "ev_kind": sel["kind"].astype(str).map(kinds).to_numpy(np.uint8),
        "ev_who": who.to_numpy(np.uint8),
        "ev_obj": obj,
    })
    enc["q"] = q
    return enc


def palette() -> dict:
    pal = dict(MAP)
    pal["nations"] = dict(NATION_COLOURS)
    pal["nationList"] = [NATION_COLOURS[n] for n in NATIONS]
    pal["classList"] = [CLASS_COLOURS[c] for c in CLASSES]
    return pal


def _in_flight(run: RunData) -> pd.DataFrame:
    """Trajectory rows, threats kept only between their launch and their outcome.

    The per-threat table is the authority on when a threat flies, whatever the `state`
    column of threat samples holds (a status, or the class).
    """
    tr = run.trajectories
    th = run.threats.drop_duplicates("id").set_index("id")
    is_th = (tr["kind"] == "threat").to_numpy()
    if not is_th.any() or th.empty:
        return tr
    ids = tr.loc[is_th, "id"].to_numpy()
    t = tr.loc[is_th, "t"].to_numpy(np.float64)
    t_l = pd.to_numeric(th["t_launch"], errors="coerce").reindex(ids).to_numpy(np.float64)
    t_o = pd.to_numeric(th["t_outcome"], errors="coerce").reindex(ids).to_numpy(np.float64)
    keep = np.ones(len(tr), bool)
    keep[is_th] = ~((t < np.nan_to_num(t_l, nan=-np.inf)) | (t > np.nan_to_num(t_o, nan=np.inf)))
    return tr[keep]


def replay_payload(run: RunData, scene: Scene) -> dict:
    """Everything the replay needs, JSON-ready (typed arrays as base64)."""
    packed = packing.pack_trajectories(_in_flight(run))
    meta = _meta(run, packed)
    return {
        "timeline": packing.encode(packed),
        "events": _events(run, packed, packed["q"]),
        "scene": scene_json(scene),
        "palette": palette(),
        "meta": meta,
    }


# ------------------------------------------------------------------------ figures
def _figures(run: RunData, scene: Scene, out: Path) -> list[tuple[str, str, str]]:
    """Draw, save (PNG + SVG) and return (title, caption, data-URI) of each figure."""
    specs = [
        ("threats_over_time", "Threats airborne and destroyed over time",
         "Stacked: threats in the air by class. Lines: cumulative outcomes.", (8, 4.4),
         lambda ax: plots.plot_threats_over_time(ax, run)),
        ("intercept_map", "Where threats were destroyed",
         "Heat of coalition kills per hexagonal cell; crosses are single kills.", (8, 5.6),
         lambda ax: plots.plot_intercept_map(ax, run, scene)),
        ("time_to_intercept", "Time from launch to intercept",
         "Minutes from launch to destruction, stacked by who destroyed the threat.", (8, 4.4),
         lambda ax: plots.plot_time_to_intercept(ax, run)),
        ("nation_share", "Each nation's share of the work",
         "Share of the coalition totals; totals at the right of each bar.", (8, 4.4),
         lambda ax: plots.plot_nation_share(ax, run)),
    ]
    return render_figures(specs, out, dpi=130)


# ------------------------------------------------------------------------ page parts
def _n(v: float, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{v:,.{digits}f}"


def _usd(v: float) -> str:
    if v is None or math.isnan(v):
        return "–"
    for div, unit in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"${v / div:,.1f} {unit}"
    return f"${v:,.0f}"


def _cards_html(run: RunData) -> str:
    c = cards(run)
    pct = lambda k: f"{100 * k / c.launched:.0f} % of launched" if c.launched else ""  # noqa: E731
    items = [
        ("Threats launched", c.launched, f"{c.still_flying} still flying at the end · "
         f"{c.expired} ran out of range", "#8fb3d9"),
        ("Destroyed by the coalition", c.destroyed_coalition, pct(c.destroyed_coalition),
         "#5b9cff"),
        ("Destroyed by Ukraine", c.destroyed_ukraine, pct(c.destroyed_ukraine), MAP["gbad"]),
        ("Leaked into NATO airspace", c.leaked_nato, pct(c.leaked_nato), "#ff8a3d"),
        ("Reached their targets", c.reached_target, pct(c.reached_target), MAP["leak"]),
    ]
    return "".join(
        f'<div class="card" style="--c:{col}"><div class="v">{v:,}</div>'
        f'<div class="l">{html.escape(label)}</div><div class="s">{html.escape(sub)}</div></div>'
        for label, v, sub, col in items)


def _nation_html(run: RunData) -> str:
    df = nation_table(run)
    head = ("<tr><th>Nation</th><th>Aircraft</th><th>Sorties</th><th>Flight hours "
            "<span class=unit>[h]</span></th><th>Shots</th><th>Kills</th><th>Max depth into "
            "Ukraine <span class=unit>[km]</span></th><th>Time over Ukraine "
            "<span class=unit>[min]</span></th><th>National approvals</th><th>Mean approval "
            "delay <span class=unit>[s]</span></th></tr>")
    rows = []
    for nation, r in df.iterrows():
        rows.append(
            f'<tr><td><span class="sw" style="background:{NATION_COLOURS.get(nation, "#aaa")};'
            f'display:inline-block;width:9px;height:9px;border-radius:2px;margin-right:7px">'
            f"</span>{html.escape(NATION_NAMES.get(nation, nation))}</td>"
            f"<td>{_n(r.aircraft)}</td><td>{_n(r.sorties)}</td><td>{_n(r.flight_hours, 1)}</td>"
            f"<td>{_n(r.shots)}</td><td>{_n(r.kills)}</td><td>{_n(r.max_depth_km, 0)}</td>"
            f"<td>{_n(r.minutes_over_ukraine, 0)}</td><td>{_n(r.approvals)}</td>"
            f"<td>{_n(r.approval_delay_s, 0)}</td></tr>")
    if len(df):
        t = df.sum(numeric_only=True)
        rows.append(
            f"<tr class=total><td>Coalition</td><td>{_n(t.aircraft)}</td><td>{_n(t.sorties)}</td>"
            f"<td>{_n(t.flight_hours, 1)}</td><td>{_n(t.shots)}</td><td>{_n(t.kills)}</td>"
            f"<td>{_n(df.max_depth_km.max(), 0)}</td><td>{_n(t.minutes_over_ukraine, 0)}</td>"
            f"<td>{_n(t.approvals)}</td><td>–</td></tr>")
    return f'<table class="data" id="nation-table">{head}{"".join(rows)}</table>'


def _exchange_html(run: RunData) -> str:
    x = cost_exchange(run)
    top = max(x["spent_usd"], x["destroyed_usd"], 1.0)
    ratio = "–" if math.isnan(x["ratio"]) else f"{x['ratio']:.1f} : 1"
    per = "".join(
        f"<tr><td>{html.escape(NATION_NAMES.get(n, n))}</td><td>{_usd(r.munitions_usd)}</td>"
        f"<td>{_usd(r.flight_usd)}</td><td>{_usd(r.destroyed_usd)}</td></tr>"
        for n, r in x["per_nation"].iterrows())
    return (
        '<div class="exchange" id="cost-exchange">'
        f'<div class="row"><span>Value destroyed per dollar spent</span></div>'
        f'<div class="ratio" style="color:{"#2fbf71" if x["ratio"] >= 1 else "#ff8a3d"}">'
        f"{ratio}</div>"
        f'<div class="row"><span>Coalition spent (munitions + flying hours)</span>'
        f"<b>{_usd(x['spent_usd'])}</b></div>"
        f'<div class="bar" style="width:{100 * x["spent_usd"] / top:.1f}%;background:#5b9cff">'
        "</div>"
        f'<div class="row"><span>Value of threats the coalition destroyed</span>'
        f"<b>{_usd(x['destroyed_usd'])}</b></div>"
        f'<div class="bar" style="width:{100 * x["destroyed_usd"] / top:.1f}%;background:#2fbf71">'
        "</div>"
        f'<div class="row"><span>Value destroyed by Ukrainian air defence</span>'
        f"<b>{_usd(x['ukraine_destroyed_usd'])}</b></div>"
        '<table class="data" style="margin-top:12px"><tr><th>Nation</th><th>Munitions</th>'
        f"<th>Flying hours</th><th>Destroyed</th></tr>{per}</table>"
        '<p class="sub" style="font-size:11.5px;margin-top:8px">Notional unit costs from the '
        "reference library (public estimates, USD).</p>" + _assign_html(run) + "</div>")


def _assign_html(run: RunData) -> str:
    """Which assignment solver ran, its solve time per cycle, planned against achieved."""
    a = (run.metrics or {}).get("assign")
    if not a:
        return ""
    text = f"Weapon-target assignment: <b>{html.escape(str(a.get('solver', '?')))}</b>"
    if "cycles" in a:
        text += (f", {a['cycles']} planning cycles, solve {a['solve_ms_mean']:.1f} ms mean / "
                 f"{a['solve_ms_max']:.1f} ms max; threat value planned (expected) "
                 f"{a['planned_value']:.1f}, achieved {a['achieved_value']:.1f}")
    else:
        text += f"; threat value achieved {a['achieved_value']:.1f}"
    return f'<p class="sub" id="assign-summary" style="font-size:12px">{text}.</p>'


def _deconfliction_html(run_dir: Path, declared: str) -> str:
    """What each deconfliction policy costs in kills (when the run folder holds the study)."""
    f = run_dir / "deconfliction.json"
    if not f.exists():
        return ('<p class="sub">Declared policy: <b>' + html.escape(declared) + "</b>. Run "
                "<code>skyshield simulate --compare-policies</code> to see what each policy "
                "costs in kills.</p>")
    rows = read_records(f, ("policy", "declared", "kills_coalition", "kills_ukraine",
                            "kills_vs_none", "impacted", "leakers", "fratricide_risk_events",
                            "mez_minutes"))
    names = {"none": "No deconfliction", "fighters_keep_out": "Fighters keep out of zones",
             "sites_hold_fire": "Ukrainian sites hold fire near fighters"}
    body = "".join(
        f"<tr{' class=declared' if r['declared'] else ''}><td>{html.escape(names[r['policy']])}"
        f"{' (declared)' if r['declared'] else ''}</td><td>{r['kills_coalition']}</td>"
        f"<td>{r['kills_ukraine']}</td><td>{r['kills_vs_none']:+d}</td><td>{r['impacted']}</td>"
        f"<td>{r['leakers']}</td><td>{r['fratricide_risk_events']}</td>"
        f"<td>{r['mez_minutes']:.0f}</td></tr>" for r in rows)
    return ('<table class="data" id="deconfliction"><tr><th>Policy</th><th>Coalition kills</th>'
            "<th>Ukrainian kills</th><th>Kills vs none</th><th>Reached target</th>"
            "<th>Leakers</th><th>Fratricide-risk events</th><th>Aircraft-min in UA zones</th>"
            f"</tr>{body}</table>"
            '<p class="sub" style="font-size:11.5px;margin-top:8px">Same scenario and seed '
            "under each policy. A fratricide-risk event is a coalition aircraft entering an "
            "active Ukrainian engagement zone whose site may fire near it.</p>")


def airspace_html(run_dir: Path, metrics: dict) -> str:
    """NATO violations, Moldovan and Belarusian overflights, depth, held fire and debris;
    and, when the run folder holds `dilemma.json`, debris on NATO soil side by side."""
    from skyshield.report.realism import (
        airspace_lines,
        debris_lines,
        dilemma_table,
        held_fire_line,
    )

    a = metrics.get("airspace") or {}
    if not a:
        return '<p class="sub">This run folder has no airspace record.</p>'
    rows = "".join(
        f"<tr><td>{html.escape(NATION_NAMES.get(c, c))}</td><td>{v['threats_entered']}</td>"
        f"<td>{v['minutes']:.1f}</td><td>{v['longest_min']:.1f}</td>"
        f"<td>{v['max_depth_km']:.0f}</td><td>{v['ended_inside']}</td></tr>"
        for c, v in a.items())
    lines = [held_fire_line(metrics)] + debris_lines(metrics) + airspace_lines(metrics)
    text = "".join(f"<li>{html.escape(x)}</li>" for x in lines if x)
    out = ('<table class="data" id="airspace"><tr><th>Country</th><th>Threats entered</th>'
           "<th>Minutes inside</th><th>Longest stay, min</th><th>Deepest, km</th>"
           f"<th>Came down inside</th></tr>{rows}</table><ul class='sub'>{text}</ul>")
    f = run_dir / "dilemma.json"
    if f.exists():
        d = json.loads(f.read_text())
        t = dilemma_table(d["forward"], d["home"])
        body = "".join(f"<tr><td>{html.escape(str(i))}</td>" + "".join(
            f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for i, r in
            zip(t.index, t.to_numpy().tolist(), strict=True))
        out += ('<h3>The debris dilemma (same raid, same seed)</h3><table class="data" '
                'id="dilemma"><tr><th></th><th>Engage over Ukraine (declared)</th>'
                f"<th>Own territory only</th></tr>{body}</table>")
    return out


def _legend_html() -> str:
    def sw(col: str, shape: str = "rect", stroke: str = "none") -> str:
        shapes = {
            "rect": f'<rect x="3" y="2" width="10" height="8" fill="{col}" stroke="{stroke}"/>',
            "tri": f'<path d="M14 6 L3 1 L6 6 L3 11 Z" fill="{col}"/>',
            "tri_o": f'<path d="M14 6 L3 1 L6 6 L3 11 Z" fill="none" stroke="{col}"/>',
            "dart": f'<path d="M15 6 L2 3 L5 6 L2 9 Z" fill="{col}"/>',
            "jet": f'<path d="M15 6 L9 4.5 L8 0.5 L6 0.5 L6.5 4.5 L2 4.8 L1 3 L0 3 L1 6 L0 9 '
                   f'L1 9 L2 7.2 L6.5 7.5 L6 11.5 L8 11.5 L9 7.5 Z" fill="{col}" '
                   f'stroke="#fff" stroke-width="0.6"/>',
            "x": f'<path d="M4 2 L12 10 M4 10 L12 2" stroke="{col}" stroke-width="2"/>',
            "ring": f'<circle cx="8" cy="6" r="4.5" fill="none" stroke="{col}" '
                    f'stroke-width="1.6"/>',
            "dot": f'<circle cx="8" cy="6" r="2.6" fill="{col}"/><circle cx="8" cy="6" r="5" '
                   f'fill="none" stroke="{col}"/>',
            "circ": f'<circle cx="8" cy="6" r="5" fill="{col}" fill-opacity="0.15" '
                    f'stroke="{col}"/>',
            "dotc": f'<circle cx="8" cy="6" r="5" fill="none" stroke="{col}" '
                    f'stroke-dasharray="1 2"/>',
            "hatch": f'<rect x="2" y="1" width="12" height="10" fill="none" stroke="{col}" '
                     f'stroke-dasharray="3 2"/><path d="M2 9 L10 1 M6 11 L14 3" stroke="{col}"/>',
            "sq": f'<rect x="3" y="1" width="10" height="10" fill="none" stroke="{col}" '
                  f'stroke-width="1.4"/>',
        }
        return f'<svg viewBox="0 0 16 12">{shapes[shape]}</svg>'

    lines = ["<h4>Threats</h4>"]
    for c, shape in (("drone", "tri"), ("decoy", "tri_o"), ("cruise_missile", "dart")):
        lines.append(f"<div>{sw(CLASS_COLOURS[c], shape)}{CLASS_LABELS[c]}</div>")
    lines.append(f"<div>{sw(MAP['track'], 'sq')}Air-picture track</div>")
    lines.append("<h4>Coalition aircraft</h4><div>" + " ".join(
        f'<span style="white-space:nowrap">{sw(NATION_COLOURS[n], "jet")}{n}</span>'
        for n in NATIONS[:5]) + "</div>")
    lines += [
        "<h4>Outcomes</h4>",
        f"<div>{sw('#9cc3ff', 'x')}Intercept (nation colour)</div>",
        f"<div>{sw(MAP['kill_ukr'], 'x')}Destroyed by Ukraine</div>",
        f"<div>{sw(MAP['leak'], 'ring')}Entered NATO airspace</div>",
        f"<div>{sw(MAP['impact'], 'dot')}Reached target</div>",
        "<details><summary>Map layers</summary>",
        f"<div>{sw(MAP['engagement'], 'circ')}Engagement zone</div>",
        f"<div>{sw(MAP['excluded'], 'hatch')}Excluded zone</div>",
        f"<div>{sw(MAP['gbad'], 'circ')}Ukrainian air defence (range)</div>",
        f"<div>{sw(MAP['radar'], 'dotc')}Radar coverage</div>",
        f"<div>{sw('#5b9cff', 'rect', '#fff')}Air base (nation colour)</div>",
        f"<div>{sw(MAP['city'], 'ring')}City · red ring: raid target</div>",
        "</details>",
    ]
    return "".join(lines)


def _json_script(obj: dict) -> str:
    text = json.dumps(obj, separators=(",", ":"), allow_nan=False, default=_plain)
    return text.replace("</", "<\\/")


def _plain(v: object) -> object:
    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(type(v))


def build_report(run_dir: Path) -> Path:
    """Write `run_dir/report/index.html` (self-contained) and the figures; return its path."""
    run_dir = Path(run_dir)
    run = load_run(run_dir)
    out = run_dir / "report"
    out.mkdir(parents=True, exist_ok=True)
    scene = build_scene(run.scenario)
    payload = replay_payload(run, scene)
    figs = _figures(run, scene, out)
    map_png = render_map(run.scenario, out / "theatre_map", fmt=("png", "svg"))[0]
    map_uri = "data:image/png;base64," + base64.b64encode(map_png.read_bytes()).decode()
    sc = run.scenario
    version = run.run.get("skyshield") or run.run.get("skyshield_version") or "unknown"
    seed = run.run.get("seed", sc.seed)
    fabricated = run.run.get("fabricated", False)
    fig_html = "".join(
        f'<figure id="fig-{name}"><img alt="{html.escape(title)}" src="{uri}">'
        f'<figcaption><b>{html.escape(title)}.</b> {html.escape(caption)} '
        f'Files: <a href="{name}.png">PNG</a> · <a href="{name}.svg">SVG</a></figcaption>'
        "</figure>" for name, title, caption, uri in figs)
    run_json = html.escape(json.dumps(run.run, indent=2))
    subs = {
        "TITLE": html.escape(f"{sc.name} — skyshield run report"),
        "NAME": html.escape(sc.name),
        "DESCRIPTION": html.escape(sc.description or ""),
        "EPOCH": f"{sc.epoch:%Y-%m-%d %H:%M} UTC",
        "DURATION": f"{sc.duration_min / 60:g} h",
        "SEED": html.escape(str(seed)),
        "VERSION": html.escape(str(version)),
        "GENERATED": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "REPORT_VERSION": __version__,
        "NOTICE": ('<div class="notice">DEVELOPMENT DATA: this run folder was fabricated '
                   "(no simulation). Do not use its numbers.</div>" if fabricated else ""),
        "CARDS": _cards_html(run),
        "LEGEND": _legend_html(),
        "NATION_TABLE": _nation_html(run),
        "EXCHANGE": _exchange_html(run),
        "DECONFLICTION": _deconfliction_html(run_dir, sc.deconfliction.policy),
        "AIRSPACE": airspace_html(run_dir, run.metrics),
        "FIGURES": fig_html,
        "MAP_URI": map_uri,
        "SCENARIO_YAML": html.escape(run.scenario_text),
        "RUN_JSON": run_json,
        "REPLAY_CSS": web_asset("replay.css"),
        "REPORT_CSS": web_asset("report.css"),
        "REPLAY_JS": web_asset("replay.js"),
        "REPORT_JS": web_asset("report.js"),
        "DATA": _json_script(payload),
    }
    page = re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: subs[m.group(1)], web_asset("report.html"))
    index = out / "index.html"
    partial = out / ".index.html.partial"
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, index)  # a killed render leaves the previous page, never half a page
    return index
