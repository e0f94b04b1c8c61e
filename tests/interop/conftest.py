"""Fixtures of the interoperability tests: a hand-built run folder whose truth we know.

Threats fly straight lines in the theatre frame at constant speed; aircraft fly circles of
30 km radius, two sorties each with ground time between; the events hold a kill (with
debris), a NATO entry and exit, an impact and a pending engagement. Every sample is written
as `RunResult.write` would (float32 lat/lon/alt), so the exports read what a real run gives.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import skyshield
from skyshield.geo.frame import THEATRE

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DT = 10.0  # replay period [s]
THREATS = [  # id, start lat, lon, heading (deg, grid), speed m/s, t_launch, t_end, outcome
    (0, 50.40, 27.80, 270.0, 180.0, 100.0, 1500.0, "destroyed_coalition"),
    (1, 50.20, 25.00, 250.0, 230.0, 300.0, 2100.0, "impacted"),
    (2, 49.70, 28.50, 300.0, 50.0, 0.0, 3000.0, "flying"),
]
AIRCRAFT = [  # id, nation, centre lat, lon, radius m, speed m/s, sorties [(t0, t1)]
    (0, "POL", 50.30, 24.20, 30_000.0, 250.0, [(200.0, 1200.0), (1800.0, 2900.0)]),
    (1, "ROU", 48.00, 26.50, 25_000.0, 220.0, [(0.0, 900.0), (1500.0, 3000.0)]),
]


def threat_xyz(k: int, t: np.ndarray) -> np.ndarray:
    """Theatre position of hand-built threat k at times t (straight, constant speed)."""
    _, lat, lon, hdg, v, t0, _, _ = THREATS[k]
    p0 = THEATRE.to_xyz(lat, lon, 0.0)
    h = np.radians(hdg)
    s = v * (np.asarray(t, float) - t0)
    return np.stack([p0[0] + s * np.sin(h), p0[1] + s * np.cos(h), 1000.0 + 0.2 * s], axis=-1)


def aircraft_xyz(k: int, t: np.ndarray) -> np.ndarray:
    """Theatre position of hand-built aircraft k at times t (a circle at 8 km)."""
    _, _, lat, lon, r, v, _ = AIRCRAFT[k]
    c = THEATRE.to_xyz(lat, lon, 0.0)
    a = v * np.asarray(t, float) / r
    return np.stack([c[0] + r * np.sin(a), c[1] + r * np.cos(a), np.full_like(a, 8000.0)],
                    axis=-1)


def _rows(kind: str, ids: np.ndarray, t: np.ndarray, xyz: np.ndarray, state: np.ndarray
          ) -> pd.DataFrame:
    lat, lon, alt = THEATRE.to_lla(xyz)
    return pd.DataFrame({"t": t, "kind": kind, "id": ids.astype(np.int64),
                         "lat": lat.astype(np.float32), "lon": lon.astype(np.float32),
                         "alt": alt.astype(np.float32), "state": state.astype(np.int8)})


def write_run(out: Path, debris: bool = True, tracks: bool = False) -> Path:
    """Write the hand-built run folder into `out` (with or without debris columns)."""
    from skyshield.model.loader import dump_scenario, load_scenario

    out.mkdir(parents=True, exist_ok=True)
    sc = load_scenario("western-night").model_copy(update={"duration_min": 55})
    (out / "scenario.yaml").write_text(dump_scenario(sc))
    parts = []
    for k, (i, *_rest) in enumerate(THREATS):
        t0, t1 = THREATS[k][5], THREATS[k][6]
        t = np.arange(np.ceil(t0 / DT) * DT, t1 + 1e-9, DT)
        cls = np.full(t.size, k % 3 if k < 2 else 2)  # drone, decoy, cruise_missile
        parts.append(_rows("threat", np.full(t.size, i), t, threat_xyz(k, t), cls))
        if tracks:
            parts.append(_rows("track", np.full(t.size, 100 + i), t, threat_xyz(k, t), cls))
    for k, (i, _n, *_rest, sorties) in enumerate(AIRCRAFT):
        for t0, t1 in sorties:
            t = np.arange(t0, t1 + 1e-9, DT)
            parts.append(_rows("aircraft", np.full(t.size, i), t, aircraft_xyz(k, t),
                               np.full(t.size, 4)))
    traj = pd.concat(parts).sort_values(["t", "kind", "id"], kind="stable")
    traj.to_parquet(out / "trajectories.parquet", index=False)

    def at(k: int, t: float) -> tuple[float, float, float]:
        lat, lon, alt = THEATRE.to_lla(threat_xyz(k, np.array([t]))[0])
        return float(lat), float(lon), float(alt)

    kill = at(0, 1505.0)
    nato_in, nato_out, impact = at(1, 1200.0), at(1, 1800.0), at(1, 2105.0)
    tn = 100 if tracks else 0  # the engaged track's number (threat 0's)
    ev = pd.DataFrame([
        dict(t=1000.0, kind="approval_request", threat=-1, aircraft=0, track=tn, nation="POL"),
        dict(t=1100.0, kind="approval", threat=-1, aircraft=0, track=tn, nation="POL"),
        dict(t=1200.0, kind="nato_entry", threat=1, aircraft=-1, track=-1, nation="",
             lat=nato_in[0], lon=nato_in[1], alt=nato_in[2], detail="POL"),
        dict(t=1505.0, kind="kill", threat=0, aircraft=0, track=tn, nation="POL", weapon="AIM-9X",
             lat=kill[0], lon=kill[1], alt=kill[2]),
        dict(t=1800.0, kind="nato_exit", threat=1, aircraft=-1, track=-1, nation="",
             lat=nato_out[0], lon=nato_out[1], alt=nato_out[2], value=600.0, detail="POL"),
        dict(t=2105.0, kind="impact", threat=1, aircraft=-1, track=-1, nation="",
             lat=impact[0], lon=impact[1], alt=impact[2]),
    ])
    for c in ("weapon", "detail", "nation"):
        ev[c] = ev[c].fillna("")
    ev["value"] = ev["value"].astype(float) if "value" in ev else np.nan
    for c in ("lat", "lon", "alt", "tlat", "tlon", "talt"):
        if c not in ev:
            ev[c] = np.nan
    ev.to_parquet(out / "events.parquet", index=False)
    th = pd.DataFrame({
        "id": [r[0] for r in THREATS], "type": ["Shahed-136", "Gerbera", "Kh-101"],
        "class": ["drone", "decoy", "cruise_missile"],
        "t_launch": [r[5] for r in THREATS],
        "target": ["Lviv", "Rzeszów", "Kyiv"],
        "outcome": [r[7] for r in THREATS], "by": ["POL", "", ""],
        "weapon": ["AIM-9X", "", ""],
        "t_outcome": [1505.0, 2105.0, np.nan],
        "lat_outcome": [kill[0], impact[0], np.nan], "lon_outcome": [kill[1], impact[1], np.nan],
        "nato_country": ["", "POL", ""], "t_nato_entry": [np.nan, 1200.0, np.nan],
        "nato_s": [0.0, 600.0, 0.0],
    })
    if debris:
        th["debris_lat"] = [kill[0] - 0.01, np.nan, np.nan]
        th["debris_lon"] = [kill[1] + 0.02, np.nan, np.nan]
        th["debris_country"] = ["UKR", "", ""]
        th["debris_near_population"] = [True, False, False]
    th.to_parquet(out / "threats.parquet", index=False)
    pd.DataFrame({"id": [0, 1], "nation": ["POL", "ROU"], "squadron": ["PL F-16", "RO F-16"],
                  "type": ["F-16", "F-16"], "base": ["Rzeszów", "Bacău"], "sorties": [2, 2]}
                 ).to_parquet(out / "aircraft.parquet", index=False)
    (out / "metrics.json").write_text("{}")
    (out / "run.json").write_text(json.dumps({"skyshield": skyshield.__version__, "seed": 7}))
    return out


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-built run folder, with debris columns."""
    return write_run(tmp_path_factory.mktemp("interop-run"))


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for test artefacts (screenshots, the npm cache), gitignored."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
