"""Data packing of the replay: quantisation error and typed-array round trips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshield.geo.frame import THEATRE
from skyshield.report import packing


@settings(max_examples=60, deadline=None)
@given(st.floats(43.0, 57.0), st.floats(13.0, 49.0))
def test_quantisation_round_trip_within_100_m(lat: float, lon: float) -> None:
    xy = THEATRE.to_xy(lat, lon)
    q = packing.quantum_for(2_000_000.0)  # the widest theatre the report allows at 100 m
    back = packing.dequantise_xy(packing.quantise_xy(xy, q), q)
    assert np.hypot(*(back - xy)) < 100.0


def test_quantum_grows_with_extent_and_bounds_error() -> None:
    assert packing.quantum_for(500_000.0) == 25.0
    assert packing.quantum_for(1_600_000.0) == 50.0
    assert packing.quantum_for(3_000_000.0) == 100.0
    with pytest.raises(ValueError):
        packing.quantum_for(1e9)


def _trajectories(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for kind, n in (("threat", 30), ("aircraft", 5)):
        for i in range(n):
            f0 = int(rng.integers(0, 50))
            k = int(rng.integers(1, 40))
            t = (f0 + np.arange(k)) * 10.0 + 110.0
            lat = rng.uniform(44, 53) + np.arange(k) * 0.01
            lon = rng.uniform(18, 40) + np.arange(k) * 0.01
            rows.append(pd.DataFrame({"t": t, "kind": kind, "id": i, "lat": lat, "lon": lon,
                                      "alt": rng.uniform(0, 9000, k), "state": 1}))
    df = pd.concat(rows, ignore_index=True)
    return df.drop(index=rng.choice(len(df), 40, replace=False))  # gaps in some tracks


def test_packed_frames_decode_to_the_same_positions() -> None:
    rng = np.random.default_rng(3)
    traj = _trajectories(rng)
    packed = packing.decode(packing.encode(packing.pack_trajectories(traj)))
    assert packed["t0"] == traj["t"].min() and packed["dt"] == 10.0
    kinds = np.array(packing.KINDS)
    for t, rows in traj.groupby("t"):
        f = round((t - packed["t0"]) / packed["dt"])
        o, xy, state = packing.unpack_positions(packed, f)
        got = {(kinds[packed["obj_kind"][oi]], int(packed["obj_id"][oi])): (p, s)
               for oi, p, s in zip(o, xy, state, strict=True) if s != packing.ABSENT}
        want = THEATRE.to_xy(rows["lat"].to_numpy(), rows["lon"].to_numpy())
        assert len(got) == len(rows)
        for (kind, i), w in zip(zip(rows["kind"], rows["id"], strict=True), want, strict=True):
            p, s = got[(kind, int(i))]
            assert s == 1
            assert np.hypot(*(p - w)) < packed["q"] / np.sqrt(2) + 1e-6 < 100.0


def test_gaps_are_absent_and_keep_the_last_position() -> None:
    traj = pd.DataFrame({"t": [0.0, 10.0, 30.0], "kind": "threat", "id": 7,
                         "lat": [50.0, 50.1, 50.3], "lon": [25.0, 25.1, 25.3],
                         "alt": 100.0, "state": 1})
    p = packing.pack_trajectories(traj)
    assert p["obj_count"].tolist() == [4]
    assert p["state"].tolist() == [1, 1, packing.ABSENT, 1]
    xy = p["xy"].reshape(-1, 2)
    assert (xy[2] == xy[1]).all()


def test_base64_is_little_endian_typed_array_bytes() -> None:
    a = np.array([1, -2, 300], np.int16)
    assert packing.from_b64(packing.b64(a), "<i2").tolist() == [1, -2, 300]
    assert packing.b64(a.astype(">i2")) == packing.b64(a)
