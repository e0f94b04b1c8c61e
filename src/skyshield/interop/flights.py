"""A run's replay samples cut into flights, in the two forms the exports need.

The run folder's `trajectories` table holds one row per object and replay period (10 s).
An aircraft flies several sorties with ground time between them; a flight is one unbroken
run of samples of one object. Exports draw a flight as one line and play it as one
interpolated position, so gaps are never bridged.

Also here, because the CZML export and its test both need them: WGS84 geodetic to ECEF
(the frame Cesium interpolates positions in) and a space-time Douglas-Peucker that drops
samples a linear interpolation reproduces within a tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from skyshield.report.rundir import RunData

__all__ = ["Flights", "ecef", "flights", "thin"]

_A = 6378137.0  # WGS84 semi-major axis [m]
_F = 1.0 / 298.257223563  # WGS84 flattening [-]
_E2 = _F * (2.0 - _F)  # first eccentricity squared [-]
GAP_FACTOR = 1.5  # a gap longer than this many replay periods starts a new flight [-]
END_KINDS = ("kill", "gbad_kill", "impact", "expired")  # events that end a threat's flight


@dataclass(frozen=True)
class Flights:
    """Samples of one kind of object, ordered by (id, t), with a flight number per row.

    `start[k]:stop[k]` are the rows of flight k; `flight_id[k]` is its object id.
    """

    kind: str  # "threat" or "aircraft"
    t: np.ndarray  # time since scenario start [s]
    id: np.ndarray  # object id per row [-]
    lat: np.ndarray  # [deg]
    lon: np.ndarray  # [deg]
    alt: np.ndarray  # altitude above the ellipsoid [m]
    state: np.ndarray  # int8 state column of the run folder (class / AircraftState)
    flight: np.ndarray  # flight number per row, 0..K-1 [-]
    start: np.ndarray  # first row of each flight [-]
    stop: np.ndarray  # one past the last row of each flight [-]

    @property
    def flight_id(self) -> np.ndarray:
        """Object id of each flight."""
        return self.id[self.start]

    def __len__(self) -> int:
        """Number of flights."""
        return int(self.start.size)


def _replay_dt(t: np.ndarray) -> float:
    """The replay period of a run: the smallest positive step between sample times."""
    u = np.unique(t)
    d = np.diff(u)
    return float(d.min()) if d.size else 10.0


def flights(run: RunData, kind: str) -> Flights:
    """Flights of `kind` objects; a threat's last flight ends at its outcome event's place.

    Threat samples outside [launch, outcome] are dropped (the threat table is the authority
    on when a threat flies), and the kill / impact / expiry point is appended when it is
    later than the last sample, so tracks end where the threat did.
    """
    tr = run.trajectories
    rows = tr[tr["kind"] == kind]
    t = rows["t"].to_numpy(np.float64)
    ids = rows["id"].to_numpy(np.int64)
    lat = rows["lat"].to_numpy(np.float64)
    lon = rows["lon"].to_numpy(np.float64)
    alt = rows["alt"].to_numpy(np.float64)
    state = rows["state"].to_numpy(np.int64)
    dt = _replay_dt(tr["t"].to_numpy(np.float64)) if len(tr) else 10.0
    if kind == "threat" and len(run.threats):
        th = run.threats.drop_duplicates("id").set_index("id")
        t_l = pd.to_numeric(th["t_launch"], errors="coerce").reindex(ids).to_numpy(np.float64)
        t_o = pd.to_numeric(th["t_outcome"], errors="coerce").reindex(ids).to_numpy(np.float64)
        keep = ~((t < np.nan_to_num(t_l, nan=-np.inf)) | (t > np.nan_to_num(t_o, nan=np.inf)))
        t, ids, lat, lon, alt, state = (a[keep] for a in (t, ids, lat, lon, alt, state))
        ends = _threat_ends(run)
        if len(ends):
            last_t = pd.Series(t).groupby(ids).max()
            cls = pd.Series(state).groupby(ids).last()
            e = ends[ends["threat"].isin(last_t.index)]
            e = e[e["t"].to_numpy() > last_t.reindex(e["threat"]).to_numpy()]
            t = np.r_[t, e["t"].to_numpy(np.float64)]
            ids = np.r_[ids, e["threat"].to_numpy(np.int64)]
            lat = np.r_[lat, e["lat"].to_numpy(np.float64)]
            lon = np.r_[lon, e["lon"].to_numpy(np.float64)]
            alt = np.r_[alt, np.nan_to_num(e["alt"].to_numpy(np.float64))]
            state = np.r_[state, cls.reindex(e["threat"]).to_numpy(np.int64)]
    order = np.lexsort((t, ids))
    t, ids, lat, lon, alt, state = (a[order] for a in (t, ids, lat, lon, alt, state))
    new = np.ones(t.size, bool)
    if t.size:
        new[1:] = (ids[1:] != ids[:-1]) | (np.diff(t) > GAP_FACTOR * dt)
    start = np.flatnonzero(new)
    stop = np.r_[start[1:], t.size].astype(np.int64)
    flight = np.cumsum(new) - 1
    return Flights(kind, t, ids, lat, lon, alt, state.astype(np.int8), flight, start, stop)


def _threat_ends(run: RunData) -> pd.DataFrame:
    """First ending event (kill, impact, expiry) of each threat with a known place."""
    ev = run.events
    if not len(ev):
        return pd.DataFrame(columns=["t", "threat", "lat", "lon", "alt"])
    e = ev[ev["kind"].isin(END_KINDS) & (ev["threat"] >= 0)]
    e = e[np.isfinite(e["lat"].to_numpy(float)) & np.isfinite(e["lon"].to_numpy(float))]
    return e.sort_values("t").drop_duplicates("threat")[["t", "threat", "lat", "lon", "alt"]]


def ecef(lat: np.ndarray, lon: np.ndarray, alt: np.ndarray) -> np.ndarray:
    """WGS84 geodetic (deg, deg, m) to Earth-centred Earth-fixed xyz (..., 3) [m]."""
    p, lam = np.radians(lat), np.radians(lon)
    sp, cp = np.sin(p), np.cos(p)
    n = _A / np.sqrt(1.0 - _E2 * sp * sp)
    h = np.asarray(alt, np.float64)
    return np.stack(
        [(n + h) * cp * np.cos(lam), (n + h) * cp * np.sin(lam), (n * (1.0 - _E2) + h) * sp],
        axis=-1,
    )


def thin(t: np.ndarray, xyz: np.ndarray, start: np.ndarray, stop: np.ndarray,
         tol: float) -> np.ndarray:
    """Mask of samples to keep so that linear interpolation in time stays within `tol` [m].

    Douglas-Peucker on the synchronised distance (the sample against the interpolation at its
    own time), vectorised over all flights at once: each pass adds, in every interval whose
    worst sample is off by more than `tol`, that worst sample. Flights' ends are always kept.
    """
    n = t.size
    keep = np.zeros(n, bool)
    keep[start] = True
    keep[np.maximum(stop - 1, start)] = True
    if n == 0:
        return keep
    while True:
        k = np.flatnonzero(keep)
        seg = np.searchsorted(k, np.arange(n), side="right") - 1  # kept sample at or before
        a = k[seg]
        b = k[np.minimum(seg + 1, k.size - 1)]
        inner = ~keep & (b > a)
        span = np.where(inner, t[b] - t[a], 1.0)
        w = np.where(inner, (t - t[a]) / np.where(span > 0, span, 1.0), 0.0)
        err = np.linalg.norm(xyz - (xyz[a] + w[:, None] * (xyz[b] - xyz[a])), axis=1)
        err = np.where(inner, err, 0.0)
        bad = err > tol
        if not bad.any():
            return keep
        i = np.flatnonzero(bad)
        order = np.lexsort((-err[i], seg[i]))
        first = np.r_[True, seg[i][order][1:] != seg[i][order][:-1]]
        keep[i[order][first]] = True
