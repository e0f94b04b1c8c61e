"""CZML export: positions Cesium would show match the run's trajectories; the clock; thinning."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.interop.conftest import AIRCRAFT

TOL_M = 100.0  # the bound on CZML vs trajectories [m]


@pytest.fixture(scope="module")
def doc(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    from skyshield.interop.czml import write_czml

    path = write_czml(run_dir, tmp_path_factory.mktemp("czml") / "run.czml")
    return json.loads(path.read_text())


def _to_ecef(lon: np.ndarray, lat: np.ndarray, h: np.ndarray) -> np.ndarray:
    """WGS84 geodetic -> ECEF through PROJ (EPSG:4979 -> EPSG:4978), not the code under test."""
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    x, y, z = tr.transform(lon, lat, h)
    return np.stack([x, y, z], axis=-1)


def _cesium_position(packet: dict, t: np.ndarray) -> np.ndarray:
    """What Cesium shows at times t [s after the epoch]: LAGRANGE degree 1 on ECEF samples."""
    pos = packet["position"]
    assert pos["interpolationAlgorithm"] == "LAGRANGE" and pos["interpolationDegree"] == 1
    s = np.asarray(pos["cartographicDegrees"], float).reshape(-1, 4)
    xyz = _to_ecef(s[:, 1], s[:, 2], s[:, 3])
    i = np.clip(np.searchsorted(s[:, 0], t) - 1, 0, len(s) - 2)
    w = (t - s[i, 0]) / (s[i + 1, 0] - s[i, 0])
    return xyz[i] + w[:, None] * (xyz[i + 1] - xyz[i])


def _truth_position(traj: pd.DataFrame, t: np.ndarray) -> np.ndarray:
    """The run's trajectory at times t: geodesic interpolation between samples (GeographicLib)."""
    from geographiclib.geodesic import Geodesic

    g = Geodesic.WGS84
    ts = traj["t"].to_numpy(float)
    out = []
    for tk in t:
        i = min(max(int(np.searchsorted(ts, tk)) - 1, 0), len(ts) - 2)
        a, b = traj.iloc[i], traj.iloc[i + 1]
        f = (tk - a.t) / (b.t - a.t)
        line = g.InverseLine(float(a.lat), float(a.lon), float(b.lat), float(b.lon))
        p = line.Position(f * line.s13)
        out.append((p["lon2"], p["lat2"], float(a.alt) + f * (float(b.alt) - float(a.alt))))
    o = np.array(out)
    return _to_ecef(o[:, 0], o[:, 1], o[:, 2])


def _intervals(packet: dict, epoch: datetime) -> list[tuple[float, float]]:
    av = packet["availability"]
    out = []
    for iv in [av] if isinstance(av, str) else av:
        a, b = (datetime.fromisoformat(x.replace("Z", "+00:00")) for x in iv.split("/"))
        out.append(((a - epoch).total_seconds(), (b - epoch).total_seconds()))
    return out


def test_document_packet_and_clock(doc: list[dict], run_dir: Path) -> None:
    from skyshield.report.rundir import load_run

    run = load_run(run_dir)
    head = doc[0]
    assert head["id"] == "document" and head["version"] == "1.0"
    start, end = head["clock"]["interval"].split("/")
    assert datetime.fromisoformat(start.replace("Z", "+00:00")) == run.scenario.epoch
    assert (datetime.fromisoformat(end.replace("Z", "+00:00")) - run.scenario.epoch
            ).total_seconds() == run.scenario.duration_s
    ids = [p["id"] for p in doc]
    assert len(ids) == len(set(ids))
    movers = {p["id"] for p in doc if "path" in p}
    assert movers == {"threat-0", "threat-1", "threat-2", "aircraft-0", "aircraft-1"}
    for p in doc[1:]:
        assert p.get("position", {}).get("epoch", start) == start


def test_positions_match_trajectories(doc: list[dict], run_dir: Path) -> None:
    """At 400 random times inside each object's flights, |CZML - trajectory| < 100 m."""
    from skyshield.report.rundir import load_run

    run = load_run(run_dir)
    epoch = run.scenario.epoch.astimezone(UTC)
    rng = np.random.default_rng(5)
    worst = 0.0
    for p in doc[1:]:
        if "path" not in p:
            continue
        kind, i = p["id"].split("-")
        tr = run.trajectories
        tr = tr[(tr["kind"] == kind) & (tr["id"] == int(i))].sort_values("t")
        for a, b in _intervals(p, epoch):
            seg = tr[(tr["t"] >= a) & (tr["t"] <= b)]
            b = min(b, float(seg["t"].max()))  # a threat's end point comes from its event
            t = np.r_[a, b, rng.uniform(a, b, 80)]
            err = np.linalg.norm(_cesium_position(p, t) - _truth_position(seg, t), axis=1)
            worst = max(worst, float(err.max()))
    assert worst < TOL_M, f"CZML off the trajectories by {worst:.1f} m"


def test_thinning_drops_straight_samples(doc: list[dict], run_dir: Path) -> None:
    from skyshield.report.rundir import load_run

    run = load_run(run_dir)
    sent = sum(len(p["position"]["cartographicDegrees"]) // 4 for p in doc if "path" in p)
    assert sent < 0.5 * len(run.trajectories)


def test_aircraft_available_only_in_their_sorties(doc: list[dict]) -> None:
    epoch = datetime(2025, 11, 20, 19, 0, tzinfo=UTC)
    for i, *_rest, sorties in AIRCRAFT:
        p = next(x for x in doc if x["id"] == f"aircraft-{i}")
        assert _intervals(p, epoch) == [tuple(s) for s in sorties]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 60), seed=st.integers(0, 2**31), tol=st.floats(1.0, 200.0),
       wiggle=st.floats(0.0, 5000.0))
def test_thin_bound_against_brute_force(n: int, seed: int, tol: float, wiggle: float) -> None:
    """Every dropped sample lies within `tol` of the linear interpolation of the kept ones."""
    from skyshield.interop.flights import thin

    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(1.0, 20.0, n))
    xyz = np.cumsum(rng.normal(0, 1, (n, 3)) * wiggle + 100.0, axis=0)
    cut = int(rng.integers(1, n)) if n > 2 else n
    start, stop = np.array([0, cut]) if cut < n else np.array([0]), (
        np.array([cut, n]) if cut < n else np.array([n]))
    keep = thin(t, xyz, start, stop, tol)
    for a, b in zip(start, stop, strict=True):
        k = np.flatnonzero(keep[a:b]) + a
        assert k[0] == a and k[-1] == b - 1
        for j in range(a, b):
            i = np.clip(np.searchsorted(k, j, "right") - 1, 0, len(k) - 1)
            if k[i] == j:
                continue
            lo, hi = k[i], k[i + 1]
            w = (t[j] - t[lo]) / (t[hi] - t[lo])
            assert np.linalg.norm(xyz[lo] + w * (xyz[hi] - xyz[lo]) - xyz[j]) <= tol + 1e-6
