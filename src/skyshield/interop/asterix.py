"""EUROCONTROL ASTERIX in: CAT048 radar plots and CAT062 system tracks, to and from `Plots`.

Encoding and decoding go through `libasterix` (MIT, pure Python, imported on first use:
its generated tables take about a second to import). Editions: CAT048 1.32, CAT062 1.18.

**CAT048** (monoradar target reports) items written and read:
I048/010 SAC/SIC, I048/140 time of day (1/128 s), I048/020 target report descriptor (TYP 1,
single PSR detection; SIM set for simulated plots), I048/040 measured position in polar
coordinates (RHO 1/256 NM, THETA 360/2^16 deg from true north), I048/110 height measured by
a 3D radar (25 ft). Polar positions are radar-relative; they are georeferenced with the
declared site of the radar that SAC/SIC names (`RadarSites`, built from the scenario, so an
airborne radar's site is its orbit position at the plot time):

- the geodesic from the site along THETA, with the ground distance that the slant range
  and the two heights give on a sphere of the site's Gaussian radius R:
  ``rho² = (h - h_r)² + 4 (R + h_r)(R + h) sin²(c / 2)``, ``ground = R c``.
  The encoder uses the same relation the other way, so the round trip is exact to the
  encoding's resolution: 7.2 m in range, 0.0055 deg in azimuth (29 m across at 300 km),
  7.6 m in height, 7.8 ms in time. Plots beyond the field's 256 NM are not encodable and
  are counted (`EncodeResult.out_of_range`). A report without I048/110 is placed at the
  antenna's height with a 5 km vertical sigma.
- the covariance is the radar's declared range/azimuth/elevation noise through the same
  `spherical_covariance` the simulated radars use.

**CAT062** (SDPS system tracks) items: I062/010, I062/015, I062/070 time of track, I062/105
WGS84 position (180/2^25 deg), I062/130 geometric altitude (6.25 ft), I062/185 velocity
(0.25 m/s, east/north), I062/040 track number, I062/080 track status. A system track is
taken into the picture as a plot at its position with the nominal sigmas `CAT062_SIGMA`
(another tracker's output, fused like any sensor); its track number and velocity are
kept in `Decoded.tracks`.

SAC/SIC: one notional system area code (`SAC`); SIC = 1 + the radar's index in the
scenario's `radars` list (CAT048), and `SIC_SDPS` for the coalition's CAT062 source.

Time of day wraps at midnight: a decoded time is placed on the day that puts it nearest a
reference time (the receiver's scenario clock).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np

from skyshield.contracts import Plots
from skyshield.geo.frame import THEATRE
from skyshield.geo.geodesy import forward, inverse
from skyshield.model.scenario import Scenario
from skyshield.units import FT, NM

__all__ = [
    "CAT062_SIGMA",
    "SAC",
    "SIC_SDPS",
    "AsterixIngest",
    "Decoded",
    "EncodeResult",
    "RadarSites",
    "decode",
    "encode_cat048",
    "encode_cat062",
    "feed_udp",
    "listen_udp",
]

SAC = 99  # notional System Area Code of the coalition's sensors [-]
SIC_SDPS = 200  # System Identification Code of the coalition's track server (CAT062) [-]
CAT048_EDITION = "048_1_32"
CAT062_EDITION = "062_1_18"
RHO_MAX_M = 256.0 * NM  # largest slant range I048/040 can carry [m]
RHO_LSB_M = NM / 256.0  # I048/040 RHO resolution [m]
THETA_LSB_DEG = 360.0 / 65536.0  # I048/040 THETA resolution [deg]
HEIGHT_LSB_M = 25.0 * FT  # I048/110 resolution [m]
TOD_LSB_S = 1.0 / 128.0  # I048/140, I062/070 resolution [s]
LATLON_LSB_DEG = 180.0 / 2**25  # I062/105 resolution [deg]
ALT062_LSB_M = 6.25 * FT  # I062/130 resolution [m]
NO_HEIGHT_SIGMA_M = 5_000.0  # vertical sigma of a CAT048 report without height [m]
CAT062_SIGMA = (150.0, 300.0)  # horizontal, vertical sigma given to a CAT062 track [m]
MAX_DATAGRAM = 1_400  # bytes per UDP datagram we send (under a typical 1,500 MTU) [bytes]
DAY_S = 86_400.0
_A = 6378137.0  # WGS84 semi-major axis [m]
_E2 = (1.0 / 298.257223563) * (2.0 - 1.0 / 298.257223563)  # first eccentricity squared


@lru_cache(maxsize=1)
def _lib() -> tuple[Any, Any, Any]:
    """(asterix.base, CAT048 spec, CAT062 spec), imported once on first use (slow import)."""
    import asterix.base as base
    import asterix.generated as gen

    return base, getattr(gen, f"Cat_{CAT048_EDITION}"), getattr(gen, f"Cat_{CAT062_EDITION}")


# -------------------------------------------------------------------------- radar sites

@dataclass(frozen=True)
class RadarSites:
    """The declared radars that georeference CAT048 plots: SAC/SIC and site per radar.

    Built from a scenario (`from_scenario`) with the same `RadarNet` the simulation scans
    with, so ground sites and airborne orbits are exactly where the simulation puts them.
    """

    net: Any  # skyshield.world.radars.RadarNet
    sac: np.ndarray  # (R,) [-]
    sic: np.ndarray  # (R,) [-]

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> RadarSites:
        """Sites of the scenario's radars: SAC `SAC`, SIC = 1 + index."""
        from skyshield.sim.build import build_radars

        net = build_radars(scenario, np.ones(1))
        n = len(net)
        if n > 254:
            raise ValueError(f"{n} radars: CAT048 SIC numbering allows at most 254")
        return cls(net, np.full(n, SAC, np.int64), np.arange(1, n + 1, dtype=np.int64))

    def __len__(self) -> int:
        """Number of radars."""
        return int(self.sac.size)

    def index(self, sac: np.ndarray, sic: np.ndarray) -> np.ndarray:
        """Radar index of each (SAC, SIC), -1 for an unknown source."""
        key = np.asarray(sac, np.int64) * 256 + np.asarray(sic, np.int64)
        known = self.sac * 256 + self.sic
        order = np.argsort(known)
        pos = np.clip(np.searchsorted(known[order], key), 0, max(len(known) - 1, 0))
        hit = (known[order][pos] == key) if len(known) else np.zeros(key.shape, bool)
        return np.where(hit, order[pos] if len(known) else -1, -1)

    def antenna_lla(self, t: np.ndarray, radar: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(lat, lon, alt, theatre xyz) of radars' antennas at times t."""
        xyz = self.net.positions(np.asarray(t, float), np.asarray(radar, np.int64))
        lat, lon, alt = THEATRE.to_lla(xyz)
        return lat, lon, alt, xyz


def _gauss_radius(lat: np.ndarray) -> np.ndarray:
    """Gaussian radius of curvature sqrt(M N) of WGS84 at latitude lat [m]."""
    s2 = np.sin(np.radians(lat)) ** 2
    return _A * np.sqrt(1.0 - _E2) / (1.0 - _E2 * s2)


def polar_from_geodetic(site_lat: np.ndarray, site_lon: np.ndarray, site_alt: np.ndarray,
                        lat: np.ndarray, lon: np.ndarray, alt: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(slant range [m], azimuth from true north [deg, 0..360)) of targets seen from sites."""
    ground, az, _ = inverse(site_lat, site_lon, lat, lon)
    R = _gauss_radius(site_lat)
    c = ground / R
    rho = np.sqrt((alt - site_alt) ** 2 + 4.0 * (R + site_alt) * (R + alt) * np.sin(c / 2) ** 2)
    return rho, np.mod(az, 360.0)


def geodetic_from_polar(site_lat: np.ndarray, site_lon: np.ndarray, site_alt: np.ndarray,
                        rho: np.ndarray, az_deg: np.ndarray, alt: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) [deg] of targets at slant range rho, azimuth az and altitude alt."""
    R = _gauss_radius(site_lat)
    s2 = (rho**2 - (alt - site_alt) ** 2) / (4.0 * (R + site_alt) * (R + alt))
    c = 2.0 * np.arcsin(np.sqrt(np.clip(s2, 0.0, 1.0)))
    return forward(site_lat, site_lon, az_deg, R * c)


def _tod(epoch: datetime, t: np.ndarray) -> np.ndarray:
    """UTC time of day [s] of times t [s since the epoch]."""
    e = epoch.astimezone(UTC)
    midnight = e.replace(hour=0, minute=0, second=0, microsecond=0)
    return np.mod((e - midnight).total_seconds() + np.asarray(t, float), DAY_S)


def _t_from_tod(epoch: datetime, tod: np.ndarray, t_ref: float) -> np.ndarray:
    """Times [s since the epoch] of times of day, on the day nearest `t_ref`."""
    base = _tod(epoch, np.zeros(1))[0]
    t = np.asarray(tod, float) - base
    return t + DAY_S * np.round((t_ref - t) / DAY_S)


# ------------------------------------------------------------------------------ encoding

@dataclass
class EncodeResult:
    """Datagrams of one encoding call, and the plots that could not be encoded."""

    datagrams: list[bytes] = field(default_factory=list)
    records: int = 0
    out_of_range: int = 0  # beyond I048/040's 256 NM
    unknown_sensor: int = 0  # sensor index not in the sites


def _chunks(sensor: np.ndarray, record_bytes: int, max_bytes: int) -> Iterator[np.ndarray]:
    """Row indices per datagram: rows of one sensor together, at most `max_bytes` each."""
    per = max(1, (max_bytes - 3) // record_bytes)
    for s in np.unique(sensor):
        rows = np.flatnonzero(sensor == s)
        for i in range(0, rows.size, per):
            yield rows[i:i + per]


def encode_cat048(plots: Plots, sites: RadarSites, epoch: datetime, simulated: bool = True,
                  max_datagram: int = MAX_DATAGRAM) -> EncodeResult:
    """CAT048 datagrams of plots (theatre frame) as their radars would report them."""
    _, cat048, _ = _lib()
    res = EncodeResult()
    n = len(plots)
    if n == 0:
        return res
    known = (plots.sensor >= 0) & (plots.sensor < len(sites))
    res.unknown_sensor = int(np.sum(~known))
    p = plots.select(known)
    lat, lon, alt = THEATRE.to_lla(p.z)
    slat, slon, salt, _ = sites.antenna_lla(p.t, p.sensor)
    rho, theta = polar_from_geodetic(slat, slon, salt, lat, lon, alt)
    ok = rho < RHO_MAX_M - RHO_LSB_M
    res.out_of_range = int(np.sum(~ok))
    rows = np.flatnonzero(ok)
    tod = _tod(epoch, p.t[rows])
    typ = (1 << 4) | ((1 << 3) if simulated else 0)  # TYP=1 single PSR detection, SIM
    sac, sic = sites.sac[p.sensor[rows]], sites.sic[p.sensor[rows]]
    recs = [cat048.cv_record.create({
        "010": (("SAC", int(sac[k])), ("SIC", int(sic[k]))),
        "140": (float(tod[k]), "s"),
        "020": (typ,),
        "040": (("RHO", (float(rho[i]) / NM, "NM")), ("THETA", (float(theta[i]), "°"))),
        "110": (0, ("3DH", (float(np.clip(alt[i], -200_000 * FT, 200_000 * FT)) / FT, "ft"))),
    }) for k, i in enumerate(rows)]
    rec_bytes = 15  # FSPEC 3 + 2 + 3 + 1 + 4 + 2
    for chunk in _chunks(p.sensor[rows], rec_bytes, max_datagram):
        res.datagrams.append(cat048.create([recs[k] for k in chunk]).unparse().to_bytes())
    res.records = len(recs)
    return res


def encode_cat062(number: np.ndarray, t: np.ndarray, xyz: np.ndarray, vel: np.ndarray,
                  epoch: datetime, sic: int = SIC_SDPS, max_datagram: int = MAX_DATAGRAM
                  ) -> EncodeResult:
    """CAT062 datagrams of system tracks (theatre-frame position and velocity)."""
    from skyshield.interop.cot import course_speed

    _, _, cat062 = _lib()
    res = EncodeResult()
    number = np.asarray(number, np.int64).reshape(-1)
    n = number.size
    if n == 0:
        return res
    lat, lon, alt = THEATRE.to_lla(np.asarray(xyz, float).reshape(n, 3))
    course, speed = course_speed(np.asarray(vel, float).reshape(n, 3), lat, lon)
    ve, vn = speed * np.sin(np.radians(course)), speed * np.cos(np.radians(course))
    tod = _tod(epoch, np.broadcast_to(np.asarray(t, float), (n,)))
    recs = [cat062.cv_record.create({
        "010": (("SAC", SAC), ("SIC", int(sic))),
        "015": 0,
        "070": (float(tod[i]), "s"),
        "105": (("LAT", (float(lat[i]), "°")), ("LON", (float(lon[i]), "°"))),
        "185": (("VX", (float(np.clip(ve[i], -8000, 8000)), "m/s")),
                ("VY", (float(np.clip(vn[i], -8000, 8000)), "m/s"))),
        "040": int(number[i]) % 65536,
        "080": (2 << 1,),  # SRC 2: altitude from a 3D radar
        "130": (float(np.clip(alt[i], -1500 * FT, 150_000 * FT)) / FT, "ft"),
    }) for i in range(n)]
    rec_bytes = 24  # FSPEC 3 + 2 + 1 + 3 + 8 + 4 + 2 + 1 + 2 (approximately)
    for chunk in _chunks(np.zeros(n, np.int64), rec_bytes, max_datagram):
        res.datagrams.append(cat062.create([recs[k] for k in chunk]).unparse().to_bytes())
    res.records = n
    return res


# ------------------------------------------------------------------------------ decoding

class AsterixError(ValueError):
    """A datagram that is not well-formed ASTERIX of the categories we read."""


@dataclass
class Decoded:
    """What one or more datagrams held, in the project's types."""

    plots: Plots
    tracks: dict[str, np.ndarray]  # CAT062: number, t, lat, lon, alt, ve, vn, sac, sic
    unknown_source: int = 0  # CAT048 records whose SAC/SIC is no declared radar
    skipped_blocks: int = 0  # data blocks of other categories (not an error)


def _get(rec: Any, item: str) -> Any:
    it = rec.get_item(item)
    if it is None:
        raise AsterixError(f"record without mandatory item {item}")
    return it.variation


def _records(data: bytes) -> tuple[list[Any], list[Any], int]:
    """(CAT048 records, CAT062 records, other blocks) of one datagram; AsterixError if bad."""
    base, cat048, cat062 = _lib()
    if not data:
        raise AsterixError("empty datagram")
    blocks = base.RawDatablock.parse(base.Bits.from_bytes(bytes(data)))
    if isinstance(blocks, ValueError):
        raise AsterixError(f"bad data block framing: {blocks}")
    r48: list[Any] = []
    r62: list[Any] = []
    other = 0
    for db in blocks:
        cat = db.get_category()
        spec = cat048 if cat == 48 else cat062 if cat == 62 else None
        if spec is None:
            other += 1
            continue
        recs = spec.cv_uap.parse(db.get_raw_records())
        if isinstance(recs, ValueError):
            raise AsterixError(f"bad CAT{cat:03d} record: {recs}")
        (r48 if cat == 48 else r62).extend(recs)
    return r48, r62, other


def decode(data: bytes | Iterable[bytes], sites: RadarSites, epoch: datetime, t_ref: float
           ) -> Decoded:
    """Decode datagram(s) into `Plots` (theatre frame) and CAT062 tracks.

    Raises `AsterixError` (a ValueError) for anything malformed: framing, records, a
    missing mandatory item, values out of their domain. Nothing is half-decoded.
    """
    datagrams = [data] if isinstance(data, bytes | bytearray | memoryview) else list(data)
    r48: list[Any] = []
    r62: list[Any] = []
    other = 0
    for d in datagrams:
        a, b, o = _records(d)
        r48 += a
        r62 += b
        other += o
    try:
        p48, unknown = _plots48(r48, sites, epoch, t_ref)
        tracks, p62 = _tracks62(r62, sites, epoch, t_ref)
    except AsterixError:
        raise
    except (ValueError, TypeError, ArithmeticError, IndexError, KeyError, AttributeError
            ) as e:  # a value libasterix parsed but we cannot use
        raise AsterixError(f"unusable record: {type(e).__name__}: {e}") from None
    return Decoded(Plots.concat([p48, p62]), tracks, unknown, other)


def _plots48(recs: list[Any], sites: RadarSites, epoch: datetime, t_ref: float
             ) -> tuple[Plots, int]:
    from skyshield.world.radars import spherical_covariance, to_spherical

    if not recs:
        return Plots.empty(), 0
    n = len(recs)
    sac, sic = np.zeros(n, np.int64), np.zeros(n, np.int64)
    tod, rho, theta = np.zeros(n), np.zeros(n), np.zeros(n)
    height = np.full(n, np.nan)
    for i, r in enumerate(recs):
        v010 = _get(r, "010")
        sac[i] = v010.get_item("SAC").as_uint()
        sic[i] = v010.get_item("SIC").as_uint()
        tod[i] = _get(r, "140").content.as_quantity("s")
        v040 = _get(r, "040")
        rho[i] = v040.get_item("RHO").variation.content.as_quantity("NM") * NM
        theta[i] = v040.get_item("THETA").variation.content.as_quantity("°")
        h = r.get_item("110")
        if h is not None:
            height[i] = h.variation.get_item("3DH").variation.content.as_quantity("ft") * FT
    if np.any(tod >= DAY_S):
        raise AsterixError("time of day beyond 24 h")
    radar = sites.index(sac, sic)
    known = radar >= 0
    t = _t_from_tod(epoch, tod, t_ref)[known]
    radar, rho, theta, height = radar[known], rho[known], theta[known], height[known]
    slat, slon, salt, sxyz = sites.antenna_lla(t, radar)
    no_h = ~np.isfinite(height)
    h = np.where(no_h, salt, height)
    lat, lon = geodetic_from_polar(slat, slon, salt, rho, theta, h)
    z = THEATRE.to_xyz(lat, lon, h)
    net = sites.net
    r_, az, el = to_spherical(z - sxyz)
    s_el = np.where(no_h, NO_HEIGHT_SIGMA_M / np.maximum(r_, 1.0), net.sigma_elevation[radar])
    R = spherical_covariance(np.maximum(r_, 1.0), az, el, net.sigma_range[radar],
                             net.sigma_azimuth[radar], s_el)
    return Plots.from_arrays(t, radar, z, R), int(np.sum(~known))


def _tracks62(recs: list[Any], sites: RadarSites, epoch: datetime, t_ref: float
              ) -> tuple[dict[str, np.ndarray], Plots]:
    keys = ("number", "t", "lat", "lon", "alt", "ve", "vn", "sac", "sic")
    if not recs:
        return {k: np.zeros(0) for k in keys}, Plots.empty()
    n = len(recs)
    cols = {k: np.full(n, np.nan) for k in keys}
    for i, r in enumerate(recs):
        v010 = _get(r, "010")
        cols["sac"][i] = v010.get_item("SAC").as_uint()
        cols["sic"][i] = v010.get_item("SIC").as_uint()
        cols["t"][i] = _get(r, "070").content.as_quantity("s")
        v105 = _get(r, "105")
        cols["lat"][i] = v105.get_item("LAT").variation.content.as_quantity("°")
        cols["lon"][i] = v105.get_item("LON").variation.content.as_quantity("°")
        cols["number"][i] = _get(r, "040").as_uint()
        a = r.get_item("130")
        cols["alt"][i] = a.variation.content.as_quantity("ft") * FT if a is not None else 0.0
        v = r.get_item("185")
        if v is not None:
            cols["ve"][i] = v.variation.get_item("VX").variation.content.as_quantity("m/s")
            cols["vn"][i] = v.variation.get_item("VY").variation.content.as_quantity("m/s")
    if np.any(np.abs(cols["lat"]) > 90) or np.any(np.abs(cols["lon"]) > 180):
        raise AsterixError("I062/105 position outside WGS84 ranges")
    if np.any(cols["t"] >= DAY_S):
        raise AsterixError("time of day beyond 24 h")
    cols["t"] = _t_from_tod(epoch, cols["t"], t_ref)
    cols["number"] = cols["number"].astype(np.int64)
    z = THEATRE.to_xyz(cols["lat"], cols["lon"], cols["alt"])
    sh, sv = CAT062_SIGMA
    R = np.broadcast_to(np.diag([sh**2, sh**2, sv**2]), (n, 3, 3)).copy()
    sensor = np.full(n, len(sites), np.int64)  # the system-track source, after the radars
    return cols, Plots.from_arrays(cols["t"], sensor, z, R)


# ------------------------------------------------------------------------ UDP ingest

@dataclass
class IngestStats:
    """Counters of an ingest: per source address where it matters."""

    datagrams: int = 0
    plots: int = 0
    tracks: int = 0
    malformed: Counter = field(default_factory=Counter)  # source -> datagrams dropped
    rate_limited: Counter = field(default_factory=Counter)  # source -> datagrams dropped
    unknown_source: int = 0  # records from an undeclared SAC/SIC
    oversized: int = 0
    refused: int = 0  # plots the sink refused (OverflowError: the picture is behind)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON of the counters."""
        return {"datagrams": self.datagrams, "plots": self.plots, "tracks": self.tracks,
                "malformed": dict(self.malformed), "rate_limited": dict(self.rate_limited),
                "unknown_source": self.unknown_source, "oversized": self.oversized,
                "refused": self.refused}


class AsterixIngest(asyncio.DatagramProtocol):
    """UDP ingest: each datagram decoded to `Plots` and handed to `sink(plots, source)`.

    A malformed datagram (bad framing, record or value) is counted against its source
    address and dropped whole, never reaching `sink`. Each source may send at most
    `max_rate` datagrams per second (a token bucket of one second's worth); the excess is
    counted and dropped before decoding, so a flood cannot starve the event loop.
    """

    def __init__(self, sites: RadarSites, epoch: datetime, clock: Callable[[], float],
                 sink: Callable[[Plots, str], Any], max_rate: float = 2_000.0,
                 max_bytes: int = 65_507) -> None:
        self.sites = sites
        self.epoch = epoch
        self.clock = clock
        self.sink = sink
        self.max_rate = max_rate
        self.max_bytes = max_bytes
        self.stats = IngestStats()
        self._buckets: dict[str, tuple[float, float]] = {}
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport (to close it)."""
        self.transport = transport  # type: ignore[assignment]

    def _allow(self, src: str) -> bool:
        now = time.monotonic()
        tokens, last = self._buckets.get(src, (self.max_rate, now))
        tokens = min(self.max_rate, tokens + (now - last) * self.max_rate)
        if tokens < 1.0:
            self._buckets[src] = (tokens, now)
            return False
        self._buckets[src] = (tokens - 1.0, now)
        return True

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        """Decode one datagram; count and drop it if malformed."""
        src = f"{addr[0]}:{addr[1]}"
        self.stats.datagrams += 1
        if len(data) > self.max_bytes:
            self.stats.oversized += 1
            self.stats.malformed[src] += 1
            return
        if not self._allow(src):
            self.stats.rate_limited[src] += 1
            return
        try:
            d = decode(data, self.sites, self.epoch, self.clock())
        except (AsterixError, RecursionError, ValueError, TypeError, IndexError, KeyError,
                AssertionError, AttributeError, OverflowError, ZeroDivisionError):
            self.stats.malformed[src] += 1
            return
        self.stats.unknown_source += d.unknown_source
        self.stats.tracks += int(d.tracks["number"].size)
        if len(d.plots):
            try:
                self.sink(d.plots, f"asterix:{src}")
            except OverflowError:  # the picture is behind: dropped, counted, not fatal
                self.stats.refused += len(d.plots)
                return
            self.stats.plots += len(d.plots)

    def close(self) -> None:
        """Stop listening."""
        if self.transport is not None:
            self.transport.close()


async def listen_udp(host: str, port: int, sites: RadarSites, epoch: datetime,
                     clock: Callable[[], float], sink: Callable[[Plots, str], Any], **kw: Any
                     ) -> AsterixIngest:
    """Start an `AsterixIngest` on (host, port) in the running event loop; returns it."""
    loop = asyncio.get_running_loop()
    _lib()  # import libasterix now, not on the first datagram
    _, proto = await loop.create_datagram_endpoint(
        lambda: AsterixIngest(sites, epoch, clock, sink, **kw), local_addr=(host, port))
    return proto


# -------------------------------------------------------------------------------- feed

@dataclass
class FeedStats:
    """What `feed_udp` sent."""

    datagrams: int = 0
    records: int = 0
    out_of_range: int = 0
    batches: int = 0


def feed_udp(batches: Iterable[tuple[float, Plots]], sites: RadarSites, epoch: datetime,
             host: str, port: int, speed: float = 10.0, max_plots: int = 1_000_000,
             max_wall_s: float = 3_600.0, say: Callable[[str], Any] | None = None,
             on_start: Callable[[float], Any] | None = None) -> FeedStats:
    """Encode each (t, plots) batch as CAT048 and send it over UDP at `speed` x real time.

    `on_start(t)` is called once with the first batch's time before anything is sent (to
    set the receiver's exercise clock, say). Bounded: stops after `max_plots` plots or
    `max_wall_s` seconds of real time.
    """
    import socket

    if not speed > 0:
        raise ValueError(f"speed must be > 0, got {speed}")
    st = FeedStats()
    info = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    wall0 = time.monotonic()
    t0: float | None = None
    with socket.socket(info[0], socket.SOCK_DGRAM) as sock:
        for t, plots in batches:
            if t0 is None:
                t0 = t
                if on_start is not None:
                    on_start(t)
                wall0 = time.monotonic()
            due = wall0 + (t - t0) / speed
            if due - wall0 > max_wall_s:
                break
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if not len(plots):
                continue
            enc = encode_cat048(plots, sites, epoch, simulated=True)
            for dg in enc.datagrams:
                sock.sendto(dg, info[4])
            st.datagrams += len(enc.datagrams)
            st.records += enc.records
            st.out_of_range += enc.out_of_range
            st.batches += 1
            if say is not None and st.batches == 1:
                say(f"sending CAT048 to {host}:{port} from t={t:.0f} s at x{speed:g}")
            if st.records >= max_plots:
                break
    return st
