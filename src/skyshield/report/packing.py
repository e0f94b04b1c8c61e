"""Pack replay data into compact typed arrays (base64) for the self-contained HTML report.

Positions are theatre-frame metres quantised to Int16 with a per-report quantum `q` [m] (the
smallest of 25, 50, 100... m that spans every position), so the round-trip error is at most
q/sqrt(2) per point; altitudes are Uint16 metres; states Uint8 (255 = no sample).

Trajectory samples are stored per object, contiguous and regular in time: object `o` has
`count[o]` samples for frames `first[o] .. first[o] + count[o] - 1`, starting at `offset[o]`
in the sample arrays. A frame `f` of object `o` is sample `offset[o] + f - first[o]`. This is
what `web/replay.js` (`PackedTimeline`) reads.
"""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from skyshield.geo.frame import THEATRE

__all__ = [
    "ABSENT",
    "b64",
    "from_b64",
    "quantum_for",
    "quantise_xy",
    "dequantise_xy",
    "pack_trajectories",
    "unpack_positions",
]

ABSENT = 255  # state code of a frame with no sample
INT16_MAX = 32767
QUANTA = (25.0, 50.0, 100.0, 200.0, 500.0, 1000.0)  # allowed quanta [m]
KINDS = ("threat", "aircraft", "track")


def b64(a: np.ndarray) -> str:
    """Little-endian bytes of a numeric array, base64 (what JS typed arrays read)."""
    a = np.ascontiguousarray(a)
    if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and np.little_endian is False):
        a = a.astype(a.dtype.newbyteorder("<"))
    return base64.b64encode(a.tobytes()).decode("ascii")


def from_b64(s: str, dtype: str) -> np.ndarray:
    """Inverse of `b64` (dtype as a numpy string, e.g. '<i2')."""
    return np.frombuffer(base64.b64decode(s), dtype=np.dtype(dtype))


def quantum_for(max_abs_m: float) -> float:
    """Smallest allowed quantum [m] for which Int16 spans +-max_abs_m."""
    for q in QUANTA:
        if max_abs_m <= q * INT16_MAX:
            return q
    raise ValueError(f"positions up to {max_abs_m / 1000:.0f} km do not fit an Int16 frame")


def quantise_xy(xy_m: ArrayLike, q: float) -> NDArray[np.int16]:
    """Frame metres (..., 2) to Int16 units of q metres (rounded, clipped)."""
    v = np.rint(np.asarray(xy_m, np.float64) / q)
    return np.clip(v, -INT16_MAX, INT16_MAX).astype(np.int16)


def dequantise_xy(qxy: ArrayLike, q: float) -> NDArray[np.float64]:
    """Int16 units back to frame metres."""
    return np.asarray(qxy, np.float64) * q


def _frames(t: np.ndarray) -> tuple[float, float]:
    """(t0, dt) of the sampling grid of the trajectories."""
    ut = np.unique(t)
    if ut.size < 2:
        return float(ut[0]) if ut.size else 0.0, 10.0
    d = np.diff(ut)
    dt = float(d[d > 1e-6].min())  # the sampling period (gaps are multiples of it)
    return float(ut[0]), dt


def pack_trajectories(traj: pd.DataFrame, q: float | None = None,
                      t0: float | None = None, dt: float | None = None,
                      pending_state: int | None = None) -> dict:
    """Pack `trajectories.parquet` rows (t, kind, id, lat, lon, alt, state) for the replay.

    Threat rows in `pending_state` (not launched yet), if given, are dropped.
    Returns a dict of plain numbers and numpy arrays (see the module docstring); `encode`
    turns it into JSON-ready base64 strings.
    """
    n = len(traj)
    if n and pending_state is not None:  # threats waiting on the ground are not drawn
        traj = traj[~((traj["kind"] == "threat") & (traj["state"] == pending_state))]
        n = len(traj)
    kind_code = pd.Categorical(traj["kind"].astype(str), categories=KINDS).codes.astype(np.int16)
    keep = kind_code >= 0
    traj = traj.loc[keep]
    kind_code = kind_code[keep]
    t = traj["t"].to_numpy(np.float64)
    if t0 is None or dt is None:
        t0_, dt_ = _frames(t) if n else (0.0, 10.0)
        t0 = t0_ if t0 is None else t0
        dt = dt_ if dt is None else dt
    frame = np.rint((t - t0) / dt).astype(np.int64)
    xy = THEATRE.to_xy(traj["lat"].to_numpy(np.float64), traj["lon"].to_numpy(np.float64))
    if q is None:
        q = quantum_for(float(np.abs(xy).max()) if len(xy) else 0.0)
    ids = traj["id"].to_numpy(np.int64)
    # objects = unique (kind, id), ordered by kind then id
    key = kind_code.astype(np.int64) * (1 << 40) + ids
    okeys, obj = np.unique(key, return_inverse=True)
    n_obj = okeys.size
    first = np.full(n_obj, np.iinfo(np.int64).max)
    last = np.full(n_obj, -1)
    np.minimum.at(first, obj, frame)
    np.maximum.at(last, obj, frame)
    if n_obj == 0:
        first = last = np.zeros(0, np.int64)
    count = last - first + 1
    offset = np.r_[0, np.cumsum(count)[:-1]].astype(np.int64)
    total = int(count.sum())
    s = offset[obj] + frame - first[obj]
    sxy = np.zeros((total, 2), np.int16)
    salt = np.zeros(total, np.uint16)
    sst = np.full(total, ABSENT, np.uint8)
    # later rows win when two samples fall in one frame
    sxy[s] = quantise_xy(xy, q)
    alt = np.nan_to_num(traj["alt"].to_numpy(np.float64), nan=0.0)
    salt[s] = np.clip(np.rint(alt), 0, 65535).astype(np.uint16)
    sst[s] = np.clip(traj["state"].to_numpy(np.int64), 0, 254).astype(np.uint8)
    # gaps: carry the last position forward so trails stay continuous (state stays ABSENT)
    if total:
        have = sst != ABSENT
        idx = np.where(have, np.arange(total), 0)
        np.maximum.accumulate(idx, out=idx)
        sxy = sxy[idx]
        salt = salt[idx]
    return {
        "t0": float(t0), "dt": float(dt), "q": float(q),
        "n_frames": int((np.max(last) + 1) if n_obj else 0),
        "obj_kind": (okeys >> 40).astype(np.uint8),
        "obj_id": (okeys & ((1 << 40) - 1)).astype(np.int32),
        "obj_first": first.astype(np.uint32),
        "obj_count": count.astype(np.uint32),
        "obj_offset": offset.astype(np.uint32),
        "xy": sxy.ravel(),
        "alt": salt,
        "state": sst,
    }


def unpack_positions(packed: dict, frame: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(object index, xy [m] (k, 2), state) of the objects sampled at `frame` (the JS logic)."""
    first = packed["obj_first"].astype(np.int64)
    count = packed["obj_count"].astype(np.int64)
    on = (frame >= first) & (frame < first + count)
    o = np.flatnonzero(on)
    s = packed["obj_offset"][o].astype(np.int64) + frame - first[o]
    xy = packed["xy"].reshape(-1, 2)[s]
    return o, dequantise_xy(xy, packed["q"]), packed["state"][s]


TYPED = {  # array name -> JS typed array / numpy dtype
    "obj_kind": ("Uint8Array", "<u1"),
    "obj_id": ("Int32Array", "<i4"),
    "obj_first": ("Uint32Array", "<u4"),
    "obj_count": ("Uint32Array", "<u4"),
    "obj_offset": ("Uint32Array", "<u4"),
    "obj_cat": ("Uint8Array", "<u1"),
    "obj_info": ("Uint16Array", "<u2"),
    "obj_info2": ("Uint16Array", "<u2"),
    "xy": ("Int16Array", "<i2"),
    "alt": ("Uint16Array", "<u2"),
    "state": ("Uint8Array", "<u1"),
    "ev_t": ("Float32Array", "<f4"),
    "ev_xy": ("Int16Array", "<i2"),
    "ev_kind": ("Uint8Array", "<u1"),
    "ev_who": ("Uint8Array", "<u1"),
    "ev_obj": ("Int32Array", "<i4"),
    "border_xy": ("Int16Array", "<i2"),
    "border_ring": ("Uint32Array", "<u4"),
    "border_country": ("Uint8Array", "<u1"),
}


def encode(packed: dict) -> dict:
    """JSON-ready form: typed arrays as {"type": JS type, "b64": ...}, numbers as they are."""
    out = {}
    for k, v in packed.items():
        if k in TYPED:
            js, dt = TYPED[k]
            out[k] = {"type": js, "b64": b64(np.asarray(v).astype(dt))}
        else:
            out[k] = v
    return out


def decode(encoded: dict) -> dict:
    """Inverse of `encode` (for tests)."""
    out = {}
    for k, v in encoded.items():
        out[k] = from_b64(v["b64"], TYPED[k][1]) if isinstance(v, dict) and "b64" in v else v
    return out
