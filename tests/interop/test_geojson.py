"""GeoJSON export: RFC 7946 rules, the `geojson` package's validation, and the run's facts."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from tests.interop.conftest import AIRCRAFT, THREATS, write_run


def _strict_load(path: Path) -> dict:
    """Parse JSON refusing NaN / Infinity (RFC 8259, so RFC 7946)."""
    def bad(c: str) -> None:
        raise AssertionError(f"non-JSON constant {c} in {path}")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=bad)


@pytest.fixture(scope="module")
def fc(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    from skyshield.interop.geojson import write_geojson

    return _strict_load(write_geojson(run_dir, tmp_path_factory.mktemp("gj") / "run.geojson"))


def _positions(g: dict) -> list[list[float]]:
    return [g["coordinates"]] if g["type"] == "Point" else g["coordinates"]


def test_rfc7946_rules(fc: dict) -> None:
    """Types, positions (lon, lat[, alt], in range), no crs, LineStrings of >= 2 positions."""
    assert fc["type"] == "FeatureCollection" and "crs" not in fc
    ids = [f["id"] for f in fc["features"]]
    assert len(ids) == len(set(ids))
    for f in fc["features"]:
        assert f["type"] == "Feature" and set(f) >= {"geometry", "properties"}
        g = f["geometry"]
        assert g["type"] in ("Point", "LineString") and "crs" not in g
        pos = _positions(g)
        if g["type"] == "LineString":
            assert len(pos) >= 2
        for p in pos:
            assert len(p) in (2, 3) and all(isinstance(c, float | int) for c in p)
            assert -180 <= p[0] <= 180 and -90 <= p[1] <= 90
            assert all(math.isfinite(c) for c in p)


def test_geojson_package_validates(fc: dict) -> None:
    """The `geojson` package (BSD, jazzband) accepts every object."""
    geojson = pytest.importorskip("geojson")
    obj = geojson.loads(json.dumps(fc))
    assert obj.is_valid, obj.errors()
    for f in obj["features"]:
        assert f.is_valid, f.errors()


def test_longitude_first_and_on_the_tracks(fc: dict) -> None:
    """Each threat track starts at its launch point, [lon, lat]: the theatre is 22-34 E, 48-52 N."""
    from skyshield.geo.frame import THEATRE
    from tests.interop.conftest import threat_xyz

    tracks = {f["properties"]["id"]: f for f in fc["features"]
              if f["properties"]["feature"] == "threat_track"}
    assert sorted(tracks) == [r[0] for r in THREATS]
    for k, row in enumerate(THREATS):
        t0 = math.ceil(row[5] / 10) * 10
        lat, lon, alt = THEATRE.to_lla(threat_xyz(k, np.array([t0]))[0])
        first = tracks[row[0]]["geometry"]["coordinates"][0]
        assert first[0] == pytest.approx(float(lon), abs=1e-5)
        assert first[1] == pytest.approx(float(lat), abs=1e-5)
        assert first[2] == pytest.approx(float(alt), abs=0.1)
    # the killed threat's track ends at the kill point
    kill = next(f for f in fc["features"] if f["properties"]["feature"] == "kill")
    assert tracks[0]["geometry"]["coordinates"][-1][:2] == pytest.approx(
        kill["geometry"]["coordinates"][:2], abs=1e-6)


def test_features_of_the_run(fc: dict) -> None:
    """One line per sortie, the kill, the debris point, both NATO crossings, the impact."""
    by: dict[str, list[dict]] = {}
    for f in fc["features"]:
        by.setdefault(f["properties"]["feature"], []).append(f)
    assert len(by["aircraft_track"]) == sum(len(a[6]) for a in AIRCRAFT)
    sorties = {(f["properties"]["id"], f["properties"]["sortie"]) for f in by["aircraft_track"]}
    assert sorties == {(0, 1), (0, 2), (1, 1), (1, 2)}
    first = next(f for f in by["aircraft_track"] if f["properties"]["id"] == 0)["properties"]
    assert (first["t_start"], first["t_end"]) == (200.0, 1200.0)  # the gap is not bridged
    assert first["time_start"] == "2025-11-20T19:03:20.000Z"
    (kill,) = by["kill"]
    assert {k: kill["properties"][k] for k in ("threat", "aircraft", "nation", "weapon")} == {
        "threat": 0, "aircraft": 0, "nation": "POL", "weapon": "AIM-9X"}
    (deb,) = by["debris"]
    assert deb["properties"]["threat"] == 0
    assert deb["properties"]["country"] == "UKR" and deb["properties"]["near_population"] is True
    assert deb["geometry"]["coordinates"][0] == pytest.approx(
        kill["geometry"]["coordinates"][0] + 0.02, abs=1e-5)
    assert [f["properties"]["country"] for f in by["nato_entry"] + by["nato_exit"]] == [
        "POL", "POL"]
    assert by["nato_exit"][0]["properties"]["seconds_inside"] == 600.0
    assert len(by["impact"]) == 1


def test_no_debris_columns_no_debris(tmp_path: Path) -> None:
    from skyshield.interop.geojson import write_geojson

    fc = _strict_load(write_geojson(write_run(tmp_path / "run", debris=False)))
    assert not [f for f in fc["features"] if f["properties"]["feature"] == "debris"]
    assert [f for f in fc["features"] if f["properties"]["feature"] == "kill"]
