"""Plot ingest at the network edge: JSON plots validated one by one, converted to `Plots`.

A plot on the wire is geodetic (degrees, metres) with its measurement errors:

    {"t": 1234.5, "sensor": 0, "lat": 50.1, "lon": 24.0, "alt_m": 300,
     "sigma_h_m": 150, "sigma_v_m": 300}            # or "cov_enu": 3x3 [m²]

``t`` is the measurement time in seconds since the scenario start (the exercise clock),
``sensor`` the index of a radar of the scenario. Each plot is validated on its own: a
malformed one is answered with an error naming the field, counted against its sensor and
dropped; the others go on. Conversion to the theatre frame (positions and covariances,
through the frame's local Jacobian) happens here and nowhere else.

Limits per client (`RateLimiter`): a token bucket of plots and one of requests; a body over
`MAX_BODY_BYTES` or a batch over `MAX_PLOTS` is refused before parsing.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from skyshield.contracts import Plots
from skyshield.geo.frame import THEATRE

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_PLOTS",
    "IngestStats",
    "PlotBatch",
    "PlotIn",
    "RateLimiter",
    "parse_batch",
    "plots_from_models",
    "plots_to_wire",
]

MAX_BODY_BYTES = 2_000_000  # largest accepted request body or WebSocket message [bytes]
MAX_PLOTS = 5_000  # most plots in one batch [-]
MAX_ERRORS_SHOWN = 20  # per-plot errors returned in one answer [-]
ENU_STEP_DEG = 1e-4  # finite-difference step of the frame Jacobian [deg]


class PlotIn(BaseModel):
    """One radar plot as it arrives (degrees and metres; see the module docstring)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    t: float = Field(ge=-86_400.0, le=30 * 86_400.0,
                     description="measurement time, s since the scenario start")
    sensor: int = Field(ge=0, le=10_000, description="radar index in the scenario")
    lat: float = Field(ge=-90.0, le=90.0, description="latitude, WGS84 [deg]")
    lon: float = Field(ge=-180.0, le=180.0, description="longitude, WGS84 [deg]")
    alt_m: float = Field(ge=-500.0, le=60_000.0, description="altitude above the ellipsoid [m]")
    sigma_h_m: float | None = Field(default=None, gt=0.0, le=1e6,
                                    description="horizontal 1-sigma error [m]")
    sigma_v_m: float | None = Field(default=None, gt=0.0, le=1e6,
                                    description="vertical 1-sigma error [m]")
    cov_enu: list[list[float]] | None = Field(
        default=None, description="full covariance, local east-north-up [m²] (instead of sigmas)")

    @model_validator(mode="after")
    def _errors(self) -> PlotIn:
        if self.cov_enu is None:
            if self.sigma_h_m is None or self.sigma_v_m is None:
                raise ValueError("give sigma_h_m and sigma_v_m, or cov_enu")
            return self
        c = np.asarray(self.cov_enu, float)
        if c.shape != (3, 3) or not np.isfinite(c).all():
            raise ValueError("cov_enu must be a finite 3x3 matrix")
        if not np.allclose(c, c.T, rtol=1e-6, atol=1e-6):
            raise ValueError("cov_enu must be symmetric")
        if np.linalg.eigvalsh(c).min() <= 0:
            raise ValueError("cov_enu must be positive definite")
        return self


class PlotBatch(BaseModel):
    """A batch of plots (the body of POST /api/plots and of each WebSocket message)."""

    plots: list[PlotIn] = Field(max_length=MAX_PLOTS)
    source: str | None = Field(default=None, max_length=80, description="feed name, for logs")


@dataclass
class IngestStats:
    """Accepted and dropped plots per sensor, and why (field names) they were dropped."""

    accepted: Counter[int] = field(default_factory=Counter)
    rejected: Counter[int | str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready counts (sensor keys as strings)."""
        with self.lock:
            return {"batches": self.batches,
                    "accepted": {str(k): v for k, v in sorted(self.accepted.items(), key=str)},
                    "rejected": {str(k): v for k, v in sorted(self.rejected.items(), key=str)},
                    "reasons": dict(self.reasons)}


def _field_of(err: dict[str, Any]) -> str:
    loc = [str(x) for x in err.get("loc", ()) if not isinstance(x, int)]
    return ".".join(loc) or "plot"


def parse_batch(raw: Any, n_sensors: int, stats: IngestStats
                ) -> tuple[list[PlotIn], list[dict[str, Any]], str | None]:
    """Validate a decoded JSON batch plot by plot: (good plots, errors, source).

    Raises ValueError when the batch itself is not a batch (not an object with a list of
    plots, or too many plots); per-plot problems are returned as errors naming the plot's
    index, its sensor and the field, and counted in `stats`.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("plots"), list):
        raise ValueError("body must be a JSON object with a list 'plots'")
    extra = set(raw) - {"plots", "source"}
    if extra:
        raise ValueError(f"unknown batch field(s): {', '.join(sorted(extra))}")
    items = raw["plots"]
    if len(items) > MAX_PLOTS:
        raise ValueError(f"batch of {len(items)} plots: at most {MAX_PLOTS}")
    source = raw.get("source")
    if source is not None and not (isinstance(source, str) and len(source) <= 80):
        raise ValueError("source must be a string of at most 80 characters")
    good: list[PlotIn] = []
    errors: list[dict[str, Any]] = []
    bad_sensor: list[int | str] = []
    for i, item in enumerate(items):
        try:
            p = PlotIn.model_validate(item)
            if p.sensor >= n_sensors:
                raise ValueError(f"sensor {p.sensor}: the scenario has {n_sensors} radars")
        except (ValidationError, ValueError) as e:
            s = item.get("sensor") if isinstance(item, dict) else None
            sensor: int | str = s if isinstance(s, int) and not isinstance(s, bool) else "unknown"
            if isinstance(e, ValidationError):
                first = e.errors()[0]
                fld, msg = _field_of(first), first["msg"]
            else:
                fld, msg = "sensor", str(e)
            bad_sensor.append(sensor)
            errors.append({"index": i, "sensor": sensor, "field": fld, "error": msg})
            continue
        good.append(p)
    with stats.lock:
        stats.batches += 1
        for p in good:
            stats.accepted[p.sensor] += 1
        for s, e in zip(bad_sensor, errors, strict=True):
            stats.rejected[s] += 1
            stats.reasons[e["field"]] += 1
    return good, errors, source


def enu_jacobian(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """(N,2,2) d(frame x, y)/d(east, north) [m/m] at the given points (finite differences)."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    d = ENU_STEP_DEG
    xy0 = THEATRE.to_xy(lat, lon)
    xe = THEATRE.to_xy(lat, lon + d)
    xn = THEATRE.to_xy(lat + d, lon)
    # metres per degree on the ellipsoid (WGS84, local radii)
    a, e2 = 6_378_137.0, 6.69437999014e-3
    s = np.sin(np.radians(lat))
    w = np.sqrt(1 - e2 * s**2)
    m_east = np.radians(d) * a / w * np.cos(np.radians(lat))
    m_north = np.radians(d) * a * (1 - e2) / w**3
    J = np.empty((lat.size, 2, 2))
    J[:, :, 0] = (xe - xy0) / m_east[:, None]
    J[:, :, 1] = (xn - xy0) / m_north[:, None]
    return J


def plots_from_models(plots: list[PlotIn]) -> Plots:
    """Validated wire plots -> `Plots` in the theatre frame (no truth id: a live feed)."""
    n = len(plots)
    if n == 0:
        return Plots.empty()
    nan = math.nan
    cols = np.array([(p.t, p.sensor, p.lat, p.lon, p.alt_m,
                      nan if p.sigma_h_m is None else p.sigma_h_m,
                      nan if p.sigma_v_m is None else p.sigma_v_m) for p in plots], float)
    t, sensor, lat, lon, alt, sh, sv = cols.T
    C = np.zeros((n, 3, 3))
    C[:, 0, 0] = C[:, 1, 1] = sh**2
    C[:, 2, 2] = sv**2
    full = [i for i, p in enumerate(plots) if p.cov_enu is not None]  # given instead
    if full:
        C[full] = np.array([plots[i].cov_enu for i in full], float)
    J = np.zeros((n, 3, 3))
    J[:, :2, :2] = enu_jacobian(lat, lon)
    J[:, 2, 2] = 1.0
    R = J @ C @ np.swapaxes(J, 1, 2)
    R = 0.5 * (R + np.swapaxes(R, 1, 2))
    return Plots.from_arrays(t=t, sensor=sensor.astype(np.int64),
                             z=THEATRE.to_xyz(lat, lon, alt), R=R)


def plots_to_wire(plots: Plots) -> list[dict[str, Any]]:
    """`Plots` (theatre frame) -> wire plots with full ENU covariances (the feed's side)."""
    if len(plots) == 0:
        return []
    lat, lon, alt = THEATRE.to_lla(plots.z)
    J = np.zeros((len(plots), 3, 3))
    J[:, :2, :2] = enu_jacobian(lat, lon)
    J[:, 2, 2] = 1.0
    Ji = np.linalg.inv(J)
    C = Ji @ plots.R @ np.swapaxes(Ji, 1, 2)
    C = 0.5 * (C + np.swapaxes(C, 1, 2))
    r = lambda v: float(f"{v:.9g}")  # noqa: E731 - wire precision (9 digits)
    return [{"t": round(float(plots.t[i]), 3), "sensor": int(plots.sensor[i]),
             "lat": round(float(lat[i]), 7), "lon": round(float(lon[i]), 7),
             "alt_m": round(float(alt[i]), 1),
             "cov_enu": [[r(C[i, a, b]) for b in range(3)] for a in range(3)]}
            for i in range(len(plots))]


# ------------------------------------------------------------------------- limits
@dataclass
class _Bucket:
    tokens: float
    t: float


class RateLimiter:
    """Per-client token buckets for requests and plots; refuses floods (429)."""

    def __init__(self, requests_per_s: float = 50.0, plots_per_s: float = 50_000.0,
                 burst_s: float = 2.0) -> None:
        """Sustained rates, and the burst each bucket holds (seconds of rate)."""
        self.rates = {"requests": requests_per_s, "plots": plots_per_s}
        self.burst_s = burst_s
        self._b: dict[tuple[str, str], _Bucket] = {}
        self.refused: Counter[str] = Counter()
        self.lock = threading.Lock()

    def allow(self, client: str, plots: int = 0, now: float | None = None) -> float:
        """0 when the request may go; else the seconds to wait (the request is refused)."""
        now = time.monotonic() if now is None else now
        with self.lock:
            wait = 0.0
            need = {"requests": 1.0, "plots": float(plots)}
            buckets = {}
            for what, rate in self.rates.items():
                cap = rate * self.burst_s
                b = self._b.setdefault((client, what), _Bucket(cap, now))
                b.tokens = min(cap, b.tokens + (now - b.t) * rate)
                b.t = now
                buckets[what] = b
                if need[what] > cap:
                    wait = math.inf
                elif b.tokens < need[what]:
                    wait = max(wait, (need[what] - b.tokens) / rate)
            if wait == 0.0:
                for what, b in buckets.items():
                    b.tokens -= need[what]
            else:
                self.refused[client] += 1
            if len(self._b) > 10_000:  # forget idle clients (bounded memory)
                old = [k for k, b in self._b.items() if now - b.t > 60.0]
                for k in old:
                    del self._b[k]
            return wait


def decode_json(body: bytes) -> Any:
    """JSON from a body, or ValueError naming the position of the problem."""
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"body is not JSON: {e}") from None
