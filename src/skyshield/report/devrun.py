"""DEV ONLY: fabricate a plausible run folder (no physics) to build the report before the engine.

Nothing here is a simulation: threats fly straight lines, outcomes are drawn at random. It exists
so that the report and its tests can be developed in parallel with `skyshield.sim`, and so that
the report benchmark can size a mass raid. Real runs come from `skyshield.sim.run.run_scenario`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from skyshield import __version__
from skyshield.geo.frame import THEATRE
from skyshield.model import library as lib
from skyshield.model.scenario import Scenario

DEV_SCENARIO: dict = {
    "name": "dev-mass-raid",
    "description": "DEV ONLY fabricated run: a night raid on western Ukraine, coalition CAPs.",
    "epoch": "2025-11-20T22:00:00Z",
    "duration_min": 360,
    "seed": 7,
    "zones": {
        "west_strip": {"kind": "near_border", "countries": ["POL", "SVK", "HUN", "ROU"],
                       "within_km": 100},
        "belarus_buffer": {"kind": "near_border", "countries": ["BLR"], "within_km": 50},
        "lviv_city": {"kind": "circle", "center": "Lviv", "radius_km": 15},
    },
    "coalition": [
        {"nation": "POL", "squadrons": [
            {"name": "3 ELT", "base": "Rzeszów-Jasionka", "aircraft": "F-16", "count": 12,
             "on_alert": 4, "patrols": [
                 {"name": "CAP Lublin", "at": "Zamość", "aircraft": 2},
                 {"name": "CAP Przemyśl", "at": "Przemyśl", "aircraft": 2}]},
            {"name": "32 BLT", "base": "Łask", "aircraft": "F-35A", "count": 6, "on_alert": 2}]},
        {"nation": "SVK", "squadrons": [
            {"name": "Sliač F-16", "base": "Sliač", "aircraft": "F-16", "count": 6,
             "on_alert": 2, "patrols": [{"name": "CAP Košice", "at": "Košice", "aircraft": 2}]}]},
        {"nation": "HUN", "squadrons": [
            {"name": "59 Gripen", "base": "Kecskemét", "aircraft": "Gripen", "count": 8,
             "on_alert": 2, "patrols": [{"name": "CAP Nyíregyháza", "at": "Nyíregyháza",
                                         "aircraft": 2}]}]},
        {"nation": "ROU", "squadrons": [
            {"name": "95 F-16", "base": "Bacău", "aircraft": "F-16", "count": 8, "on_alert": 2,
             "patrols": [{"name": "CAP Suceava", "at": "Suceava", "aircraft": 2}]}]},
    ],
    "rules": {
        "POL": {"engagement_zones": ["west_strip"], "excluded_zones": ["belarus_buffer"]},
        "SVK": {"engagement_zones": ["west_strip"]},
        "HUN": {"engagement_zones": ["west_strip"], "excluded_zones": ["lviv_city"]},
        "ROU": {"engagement_zones": ["west_strip"]},
    },
    "air_defence": [
        {"name": "Lviv IRIS-T", "at": "Lviv", "system": "IRIS-T SLM", "range_km": 40,
         "magazine": 24, "pk": 0.8},
        {"name": "Rivne NASAMS", "at": "Rivne", "system": "NASAMS", "range_km": 30,
         "magazine": 18, "pk": 0.7},
        {"name": "Khmelnytskyi MFG", "at": "Khmelnytskyi NPP", "system": "mobile fire group",
         "range_km": 5, "magazine": 60, "pk": 0.3},
        {"name": "Ivano-Frankivsk Hawk", "at": "Ivano-Frankivsk", "system": "Hawk",
         "range_km": 35, "magazine": 12, "pk": 0.6},
    ],
    "radars": [
        {"name": "Rzeszów radar", "nation": "POL", "at": "Rzeszów", "range_km": 250},
        {"name": "Suceava radar", "nation": "ROU", "at": "Suceava", "range_km": 220},
        {"name": "Lviv radar", "nation": "UKR", "at": "Lviv", "range_km": 200},
        {"name": "Saab 340 AEW", "nation": "POL", "kind": "airborne",
         "orbit": {"center": "Lublin", "radius_km": 40}, "range_km": 350},
    ],
    "raid": {
        "target_areas": {"west": {"places": ["Lviv", "Lutsk", "Rivne", "Ivano-Frankivsk",
                                             "Burshtyn TPP", "Dobrotvir TPP",
                                             "Starokostiantyniv Air Base"]}},
        "waves": [
            {"threat": "Shahed-136", "count": 420, "launch_area": "Kursk", "window_min": [0, 150],
             "targets": ["west"]},
            {"threat": "Gerbera", "count": 200, "launch_area": "Bryansk", "window_min": [0, 120],
             "targets": ["west"]},
            {"threat": "Shahed-136", "count": 160, "launch_area": "Chauda",
             "window_min": [30, 180], "targets": ["west"], "routing": "south"},
            {"threat": "Kh-101", "count": 90, "launch_area": "Engels-2",
             "window_min": [150, 200], "targets": ["west"]},
            {"threat": "3M-14 Kalibr", "count": 30, "launch_area": "Black Sea",
             "window_min": [170, 200], "targets": ["west"]},
        ],
    },
}

THREAT_STATES = {"PENDING": 0, "FLYING": 1, "DESTROYED": 2, "IMPACTED": 3, "EXPIRED": 4}


def dev_scenario(scale: float = 1.0) -> Scenario:
    """The dev scenario, its raid scaled by `scale` (0.1 gives ~90 threats)."""
    spec = json.loads(json.dumps(DEV_SCENARIO))
    for w in spec["raid"]["waves"]:
        w["count"] = max(1, round(w["count"] * scale))
    return Scenario.model_validate(spec)


def _xy(lat: float, lon: float) -> np.ndarray:
    return THEATRE.to_xy(lat, lon)


def fabricate_run(out: Path, scenario: Scenario | None = None, seed: int = 1,
                  dt: float = 10.0, with_tracks: bool = False) -> Path:
    """Write a fabricated run folder (contract of docs/contracts.md) to `out`; return it."""
    from skyshield.report.rundir import scenario_yaml
    from skyshield.report.scene import latlon_of

    sc = scenario or dev_scenario()
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    T = sc.duration_s
    zone_names = [n for r in sc.rules.values() for n in r.engagement_zones]
    from skyshield.model.zones import build_zones

    zone = build_zones(sc)[zone_names[0]] if zone_names else None

    # ---------------------------------------------------------------- threats
    rows, traj, events = [], [], []
    tid = 0
    for w in sc.raid.waves:
        tt = lib.threat(w.threat)
        la = lib.place(w.launch_area)
        p0 = _xy(la.lat, la.lon)
        area = sc.raid.target_areas.get(w.targets[0])
        tnames = area.places if area else w.targets
        for _ in range(w.count):
            tgt = lib.place(tnames[rng.integers(len(tnames))])
            p1 = _xy(tgt.lat, tgt.lon) + rng.normal(0, 3000, 2)
            mid = 0.5 * (p0 + p1) + rng.normal(0, 60_000, 2)
            if w.routing == "south":
                mid = _xy(47.6, 26.9) + rng.normal(0, 25_000, 2)
            t_l = rng.uniform(*w.window_min) * 60.0
            speed = tt.speed_kmh / 3.6 * rng.uniform(0.92, 1.08)
            legs = np.array([p0, mid, p1])
            seg = np.linalg.norm(np.diff(legs, axis=0), axis=1)
            total = seg.sum()
            ts = np.arange(np.ceil(t_l / dt) * dt, min(T, t_l + total / speed) + dt, dt)
            s = np.clip((ts - t_l) * speed, 0, total)
            cum = np.r_[0, np.cumsum(seg)]
            xs = np.interp(s, cum, legs[:, 0])
            ys = np.interp(s, cum, legs[:, 1])
            lat, lon = THEATRE.from_xy(np.stack([xs, ys], -1))
            outcome, by, weapon, t_end = "impacted", "", "", t_l + total / speed
            if t_end > T:
                outcome, t_end = "flying", T
            u = rng.uniform()
            k_end = len(ts) - 1
            if zone is not None and u < 0.45 and tt.interceptable:
                inside = np.flatnonzero(zone.contains(lat, lon))
                if inside.size > 3:
                    k_end = int(inside[rng.integers(inside.size // 3, inside.size)])
                    nation = sorted(sc.rules)[rng.integers(len(sc.rules))]
                    outcome, by = "destroyed_coalition", nation
                    weapon = ["AIM-9X", "AIM-120C", "gun", "IRIS-T"][rng.integers(4)]
            elif u < 0.7 and len(ts) > 10:
                k_end = int(rng.integers(len(ts) // 2, len(ts)))
                outcome, by, weapon = "destroyed_ukraine", "Lviv IRIS-T", "IRIS-T SLM"
            if outcome.startswith("destroyed"):
                t_end = float(ts[k_end])
            n_in = 0.0
            nato = ""
            t_entry = np.nan
            if rng.uniform() < 0.03 and outcome == "impacted":
                nato, t_entry, n_in = "POL", float(ts[-1]) - 300, 240.0
            lat_e, lon_e = float(lat[k_end]), float(lon[k_end])
            rows.append(dict(
                id=tid, type=tt.name, cls=tt.cls.value, t_launch=t_l, launch_area=la.name,
                launch_lat=la.lat, launch_lon=la.lon, target=tgt.name, outcome=outcome, by=by,
                weapon=weapon, t_outcome=t_end, lat_outcome=lat_e, lon_outcome=lon_e,
                nato_country=nato, t_nato_entry=t_entry, nato_s=n_in, cost_usd=tt.unit_cost_usd))
            k = k_end + 1
            st = np.full(k, THREAT_STATES["FLYING"], np.int8)
            if outcome.startswith("destroyed"):
                st[-1] = THREAT_STATES["DESTROYED"]
            elif outcome == "impacted":
                st[-1] = THREAT_STATES["IMPACTED"]
            alt = np.full(k, tt.alt_cruise_m) + rng.normal(0, 20, k)
            traj.append(pd.DataFrame(dict(t=ts[:k], kind="threat", id=tid, lat=lat[:k],
                                          lon=lon[:k], alt=alt, state=st)))
            events.append(dict(t=t_l, kind="launch", threat=tid, lat=la.lat, lon=la.lon,
                               value=tt.unit_cost_usd))
            if outcome == "destroyed_coalition":
                events.append(dict(t=t_end - 5, kind="shot", threat=tid, nation=by, weapon=weapon,
                                   value=lib.weapon(weapon).cost_usd, lat=lat_e, lon=lon_e))
                events.append(dict(t=t_end, kind="kill", threat=tid, nation=by, weapon=weapon,
                                   lat=lat_e, lon=lon_e, alt=alt[-1], value=tt.unit_cost_usd))
            elif outcome == "destroyed_ukraine":
                events.append(dict(t=t_end, kind="gbad_kill", threat=tid, nation="UKR",
                                   weapon=weapon, lat=lat_e, lon=lon_e, value=tt.unit_cost_usd))
            elif outcome == "impacted":
                events.append(dict(t=t_end, kind="impact", threat=tid, lat=lat_e, lon=lon_e,
                                   detail=tgt.name))
            if nato:
                events.append(dict(t=t_entry, kind="nato_entry", threat=tid, nation=nato,
                                   lat=lat_e, lon=lon_e, detail=nato))
            tid += 1
    threats = pd.DataFrame(rows)

    # --------------------------------------------------------------- aircraft
    arows = []
    aid = 0
    for nat in sc.coalition:
        kills = threats[threats.by == nat.nation]
        for sq in nat.squadrons:
            base = lib.place(sq.base)
            b = _xy(base.lat, base.lon)
            stations = [latlon_of(p.at) for p in sq.patrols] or [(50.0, 23.5)]
            for j in range(min(sq.count, 8)):
                st_lat, st_lon = stations[j % len(stations)]
                c = _xy(st_lat, st_lon)
                t_up = rng.uniform(0, 1800)
                ts = np.arange(np.ceil(t_up / dt) * dt, T, dt)
                d = np.linalg.norm(c - b)
                v = 250.0
                transit = d / v
                phase = (ts - t_up - transit) / 400.0 + j
                f = np.clip((ts - t_up) / transit, 0, 1)[:, None]
                orbit = c + 20_000 * np.stack([np.cos(phase), np.sin(phase)], -1)
                pos = np.where(f < 1, b + f * (c - b), orbit)
                state = np.where(f[:, 0] < 1, 3, 4).astype(np.int8)
                lat, lon = THEATRE.from_xy(pos)
                traj.append(pd.DataFrame(dict(t=ts, kind="aircraft", id=aid, lat=lat, lon=lon,
                                              alt=6000.0, state=state)))
                n_k = int(len(kills) / max(1, sq.count) * rng.uniform(0.5, 1.5))
                arows.append(dict(id=aid, nation=nat.nation, squadron=sq.name,
                                  type=lib.interceptor(sq.aircraft).name, base=base.name,
                                  sorties=int(rng.integers(1, 4)), flight_hours=(T - t_up) / 3600,
                                  shots=n_k + int(rng.integers(0, 3)), kills=n_k,
                                  max_depth_km=float(rng.uniform(0, 90)),
                                  minutes_over_ukraine=float(rng.uniform(0, 120))))
                events.append(dict(t=t_up, kind="scramble", aircraft=aid, nation=nat.nation,
                                   lat=base.lat, lon=base.lon))
                if rng.uniform() < 0.3:
                    events.append(dict(t=t_up + 900, kind="approval", aircraft=aid,
                                       nation=nat.nation, value=120.0))
                aid += 1
    aircraft = pd.DataFrame(arows)

    traj_df = pd.concat(traj, ignore_index=True)
    if with_tracks:
        th = traj_df[traj_df.kind == "threat"].sample(frac=0.5, random_state=seed).copy()
        th["kind"] = "track"
        th["id"] = th["id"] + 1000
        th["lat"] += rng.normal(0, 0.002, len(th))
        th["lon"] += rng.normal(0, 0.003, len(th))
        traj_df = pd.concat([traj_df, th], ignore_index=True)
    traj_df["state"] = traj_df["state"].astype(np.int8)
    traj_df.sort_values(["t", "kind", "id"]).to_parquet(out / "trajectories.parquet")
    ev = pd.DataFrame(events)
    for c, d in (("threat", -1), ("aircraft", -1), ("track", -1)):
        ev[c] = ev.get(c, pd.Series(d, index=ev.index)).fillna(d).astype(np.int64)
    for c in ("nation", "weapon", "detail"):
        ev[c] = ev.get(c, pd.Series("", index=ev.index)).fillna("").astype(str)
    for c in ("lat", "lon", "alt", "value"):
        ev[c] = ev.get(c, pd.Series(np.nan, index=ev.index)).astype(float)
    ev = ev.sort_values("t", kind="stable").reset_index(drop=True)
    ev[["t", "kind", "threat", "aircraft", "track", "nation", "weapon", "lat", "lon", "alt",
        "value", "detail"]].to_parquet(out / "events.parquet")
    threats.to_parquet(out / "threats.parquet")
    aircraft.to_parquet(out / "aircraft.parquet")
    (out / "scenario.yaml").write_text(scenario_yaml(sc), encoding="utf-8")
    (out / "run.json").write_text(json.dumps({
        "skyshield_version": __version__, "seed": seed, "scenario": sc.name,
        "command": "DEV ONLY fabricate_run", "wall_time_s": 0.0, "fabricated": True}, indent=1))
    (out / "metrics.json").write_text(json.dumps({"fabricated": True}))
    return out
