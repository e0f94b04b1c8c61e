"""ASTERIX CAT048 / CAT062: known plots through UDP loopback back at their places (within the
encoding's resolution), the bytes read by a second, independent decoder (pyasteryx), and a
fuzz test of random and truncated datagrams against the ingest."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyshield.geo.frame import THEATRE
from skyshield.units import FT, NM

EPOCH = datetime(2025, 11, 20, 19, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sites():
    from skyshield.interop.asterix import RadarSites
    from skyshield.model.loader import load_scenario

    return RadarSites.from_scenario(load_scenario("western-night"))


def known_plots(sites, n: int = 300, seed: int = 3):
    """Plots at random places 5-440 km from a random radar (ground and airborne), 0-12 km up."""
    from geographiclib.geodesic import Geodesic

    from skyshield.interop.asterix import Plots

    rng = np.random.default_rng(seed)
    sensor = rng.integers(0, len(sites), n)
    t = np.sort(rng.uniform(0, 6 * 3600, n))
    slat, slon, _, _ = sites.antenna_lla(t, sensor)
    az, dist = rng.uniform(0, 360, n), rng.uniform(5e3, 440e3, n)
    pts = [Geodesic.WGS84.Direct(a, b, c, d) for a, b, c, d in zip(slat, slon, az, dist,
                                                                 strict=True)]
    lat = np.array([p["lat2"] for p in pts])
    lon = np.array([p["lon2"] for p in pts])
    alt = rng.uniform(0, 12_000, n)
    z = THEATRE.to_xyz(lat, lon, alt)
    return Plots.from_arrays(t, sensor, z, np.broadcast_to(np.eye(3), (n, 3, 3))), lat, lon, alt


def _ecef(lat, lon, h):
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    return np.stack(tr.transform(lon, lat, h), axis=-1)


def _independent_polar(sites, plots, lat, lon, alt):
    """Slant range (ECEF chord) and azimuth (in the antenna's local east-north plane)."""
    slat, slon, salt, _ = sites.antenna_lla(plots.t, plots.sensor)
    d = _ecef(lat, lon, alt) - _ecef(slat, slon, salt)
    p, lam = np.radians(slat), np.radians(slon)
    east = np.stack([-np.sin(lam), np.cos(lam), np.zeros_like(lam)], -1)
    north = np.stack([-np.sin(p) * np.cos(lam), -np.sin(p) * np.sin(lam), np.cos(p)], -1)
    az = np.degrees(np.arctan2((d * east).sum(-1), (d * north).sum(-1))) % 360.0
    return np.linalg.norm(d, axis=-1), az


def _resolution_bound(rho: np.ndarray) -> tuple[np.ndarray, float]:
    """Horizontal and vertical bounds [m] of CAT048's resolution (half an LSB each) + 2 m."""
    from skyshield.interop.asterix import HEIGHT_LSB_M, RHO_LSB_M, THETA_LSB_DEG

    h = 0.5 * RHO_LSB_M + rho * np.radians(0.5 * THETA_LSB_DEG) + 2.0
    return h, 0.5 * HEIGHT_LSB_M + 0.5


async def _loopback(datagrams: list[bytes], sites, t_ref: float, extra=()):
    """Send datagrams from one socket (and `extra` from another) to a live ingest."""
    from skyshield.interop.asterix import listen_udp

    got = []
    ing = await listen_udp("127.0.0.1", 0, sites, EPOCH, lambda: t_ref,
                           lambda p, src: got.append(p))
    port = ing.transport.get_extra_info("sockname")[1]
    a, b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM), socket.socket(
        socket.AF_INET, socket.SOCK_DGRAM)
    for d in datagrams:
        a.sendto(d, ("127.0.0.1", port))
    for d in extra:
        b.sendto(d, ("127.0.0.1", port))
    want = len(datagrams) + len(extra)
    for _ in range(200):
        if ing.stats.datagrams >= want:
            break
        await asyncio.sleep(0.01)
    src_a = f"127.0.0.1:{a.getsockname()[1]}"
    src_b = f"127.0.0.1:{b.getsockname()[1]}"
    a.close()
    b.close()
    ing.close()
    return got, ing.stats, src_a, src_b


def test_cat048_loopback_back_at_their_places(sites) -> None:
    """Known plots -> CAT048 -> UDP loopback -> ingest -> Plots within the resolution."""
    from skyshield.interop.asterix import Plots, encode_cat048

    plots, lat, lon, alt = known_plots(sites)
    enc = encode_cat048(plots, sites, EPOCH)
    assert enc.records == len(plots) and enc.out_of_range == 0
    assert all(len(d) <= 1400 for d in enc.datagrams)
    got, stats, *_ = asyncio.run(_loopback(enc.datagrams, sites, t_ref=3 * 3600.0))
    assert stats.datagrams == len(enc.datagrams) and not stats.malformed
    rx = Plots.concat(got)
    assert len(rx) == len(plots)
    o1 = np.lexsort((plots.t, plots.sensor))
    o2 = np.lexsort((rx.t, rx.sensor))
    assert np.array_equal(rx.sensor[o2], plots.sensor[o1])
    assert np.abs(rx.t[o2] - plots.t[o1]).max() <= 1 / 256 + 1e-9
    rho, _ = _independent_polar(sites, plots, lat, lon, alt)
    hb, vb = _resolution_bound(rho[o1])
    d = rx.z[o2] - plots.z[o1]
    horiz = np.hypot(d[:, 0], d[:, 1]) / THEATRE.scale(lat[o1])  # frame metres -> ground
    assert np.all(horiz <= hb), f"worst {np.max(horiz - hb):.1f} m over the bound"
    assert np.abs(d[:, 2]).max() <= vb
    # the covariance is the declared radar's: range sigma along the line of sight
    _, _, _, sxyz = sites.antenna_lla(rx.t[o2], rx.sensor[o2])
    u = rx.z[o2] - sxyz
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    var_r = np.einsum("ni,nij,nj->n", u, rx.R[o2], u)
    assert np.sqrt(var_r) == pytest.approx(sites.net.sigma_range[rx.sensor[o2]], rel=0.02)


def test_cat048_bytes_read_by_pyasteryx(sites) -> None:
    """A second, independent decoder reads our bytes as the standard says, and its values
    match an independent geometry (ECEF chord, local east-north azimuth) of the known plots."""
    pyasteryx = pytest.importorskip("pyasteryx")
    from skyshield.interop.asterix import RHO_LSB_M, SAC, THETA_LSB_DEG, encode_cat048

    plots, lat, lon, alt = known_plots(sites, n=120, seed=8)
    enc = encode_cat048(plots, sites, EPOCH)
    msgs = [m for d in enc.datagrams for m in pyasteryx.Decoder().decode(d)]
    assert len(msgs) == len(plots) and {m.category for m in msgs} == {48}
    sic = np.array([m["I048/010"]["SIC"] for m in msgs])
    assert {m["I048/010"]["SAC"] for m in msgs} == {SAC}
    tod = np.array([m["I048/140"]["ToD"] for m in msgs])
    rho = np.array([m["I048/040"]["RHO"] for m in msgs]) * NM
    theta = np.array([m["I048/040"]["THETA"] for m in msgs])
    h = np.array([m["I048/110"]["3D_Height"] for m in msgs]) * FT
    assert all(m["I048/020"]["TYP"] == 1 and m["I048/020"]["SIM"] == 1 for m in msgs)
    # our encoder groups records per radar; put the known plots in the same order
    order = np.concatenate([np.flatnonzero(plots.sensor == s) for s in np.unique(plots.sensor)])
    assert np.array_equal(sic, plots.sensor[order] + 1)
    midnight = EPOCH.replace(hour=0, minute=0)
    want_tod = ((EPOCH - midnight).total_seconds() + plots.t[order]) % 86400
    assert np.abs(tod - want_tod).max() <= 1 / 256 + 1e-9
    chord, az = _independent_polar(sites, plots.select(order), lat[order], lon[order],
                                   alt[order])
    assert np.abs(rho - chord).max() <= 0.5 * RHO_LSB_M + 1.0
    daz = (theta - az + 180.0) % 360.0 - 180.0
    assert np.abs(daz).max() <= 0.5 * THETA_LSB_DEG + 1e-3
    assert np.abs(h - alt[order]).max() <= 12.5 * FT + 1e-6


def test_cat062_round_trip_and_pyasteryx(sites) -> None:
    pyasteryx = pytest.importorskip("pyasteryx")
    from skyshield.interop.asterix import SIC_SDPS, decode, encode_cat062
    from skyshield.interop.cot import course_speed

    lat, lon, alt = np.array([50.2, 48.9]), np.array([24.1, 17.0]), np.array([1500.0, 300.0])
    xyz = THEATRE.to_xyz(lat, lon, alt)
    vel = np.array([[120.0, -40.0, 0.0], [0.0, 60.0, 0.0]])
    enc = encode_cat062(np.array([17, 40_001]), np.array([10.0, 12.5]), xyz, vel, EPOCH)
    d = decode(enc.datagrams, sites, EPOCH, t_ref=0.0)
    assert d.tracks["number"].tolist() == [17, 40_001]
    assert np.abs(d.tracks["lat"] - lat).max() <= 180 / 2**25
    assert np.abs(d.tracks["alt"] - alt).max() <= 3.125 * FT + 1e-6
    assert d.tracks["t"].tolist() == [10.0, 12.5]
    assert np.all(d.plots.sensor == len(sites))  # the system-track source
    course, speed = course_speed(vel, lat, lon)
    ve, vn = speed * np.sin(np.radians(course)), speed * np.cos(np.radians(course))
    assert np.abs(d.tracks["ve"] - ve).max() <= 0.125 and np.abs(d.tracks["vn"] - vn).max() <= 0.125
    (m1, m2) = pyasteryx.Decoder(editions={62: "1.18"}).decode(enc.datagrams[0])
    assert m1["I062/010"] == {"SAC": 99, "SIC": SIC_SDPS}
    assert m1["I062/040"]["TrkN"] == 17 and m2["I062/040"]["TrkN"] == 40_001
    assert m1["I062/105"]["Lat"] == pytest.approx(50.2, abs=180 / 2**25)
    assert m2["I062/105"]["Lon"] == pytest.approx(17.0, abs=180 / 2**25)
    assert m1["I062/185"]["Vx"] == pytest.approx(ve[0], abs=0.125)


def test_time_of_day_wraps_at_midnight(sites) -> None:
    from skyshield.interop.asterix import decode, encode_cat048

    epoch = datetime(2025, 11, 20, 23, 50, tzinfo=UTC)
    plots, *_ = known_plots(sites, n=20)
    plots = plots.select(slice(None))
    plots = type(plots).from_arrays(np.linspace(0, 1800, 20), plots.sensor, plots.z, plots.R)
    enc = encode_cat048(plots, sites, epoch)
    d = decode(enc.datagrams, sites, epoch, t_ref=900.0)
    assert np.sort(d.plots.t) == pytest.approx(np.sort(plots.t), abs=1 / 128)
    assert epoch + timedelta(seconds=float(d.plots.t.max())) > datetime(2025, 11, 21, tzinfo=UTC)


def test_unknown_sources_and_out_of_range(sites) -> None:
    from skyshield.interop.asterix import Plots, RadarSites, decode, encode_cat048

    plots, *_ = known_plots(sites, n=10)
    far = plots.z.copy()
    _, _, _, sx = sites.antenna_lla(plots.t, plots.sensor)
    far[:3, :2] = sx[:3, :2] + [480e3, 0.0]  # beyond 256 NM
    enc = encode_cat048(Plots.from_arrays(plots.t, plots.sensor, far, plots.R), sites, EPOCH)
    assert enc.out_of_range == 3 and enc.records == 7
    other = RadarSites(sites.net, sites.sac, sites.sic + 50)  # a receiver declaring other SICs
    d = decode(enc.datagrams, other, EPOCH, 0.0)
    assert d.unknown_source == 7 and len(d.plots) == 0


def test_malformed_counted_per_source_and_dropped(sites) -> None:
    from skyshield.interop.asterix import encode_cat048

    plots, *_ = known_plots(sites, n=40)
    good = encode_cat048(plots, sites, EPOCH).datagrams
    bad = [b"\x30\x00", good[0][:-3], b"\x30\xff\xff" + good[0][3:], b"", b"\x30\x00\x05\x00"]
    got, stats, src_a, src_b = asyncio.run(_loopback(good, sites, 0.0, extra=bad))
    assert sum(len(p) for p in got) == 40
    # the empty datagram is counted too: all 5 bad ones, against the second sender only
    assert dict(stats.malformed) == {src_b: 5}, (dict(stats.malformed), src_a)


@pytest.fixture(scope="module")
def valid_datagrams(sites) -> list[bytes]:
    from skyshield.interop.asterix import encode_cat048, encode_cat062

    plots, *_ = known_plots(sites, n=30, seed=11)
    d48 = encode_cat048(plots, sites, EPOCH).datagrams
    d62 = encode_cat062(np.arange(5), np.zeros(5), plots.z[:5], np.zeros((5, 3)), EPOCH).datagrams
    return d48 + d62


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_random_and_truncated(sites, valid_datagrams, data) -> None:
    """Random bytes, truncations and bit flips never raise out of the ingest; what reaches
    the sink is finite and from a declared radar; everything else is counted as malformed."""
    from skyshield.interop.asterix import AsterixIngest

    kind = data.draw(st.sampled_from(["random", "truncated", "flipped", "prefixed"]))
    base = data.draw(st.sampled_from(valid_datagrams))
    if kind == "random":
        dg = data.draw(st.binary(max_size=600))
    elif kind == "truncated":
        dg = base[:data.draw(st.integers(0, len(base) - 1))]
    elif kind == "flipped":
        i = data.draw(st.integers(0, len(base) - 1))
        dg = base[:i] + bytes([base[i] ^ data.draw(st.integers(1, 255))]) + base[i + 1:]
    else:
        dg = bytes([data.draw(st.sampled_from([48, 62]))]) + data.draw(st.binary(max_size=200))
    got = []
    ing = AsterixIngest(sites, EPOCH, lambda: 0.0, lambda p, s: got.append(p), max_rate=1e9)
    ing.datagram_received(dg, ("127.0.0.1", 9))
    assert ing.stats.datagrams == 1
    if kind == "truncated":
        assert ing.stats.malformed["127.0.0.1:9"] == 1 and not got
    for p in got:
        assert np.isfinite(p.z).all() and np.isfinite(p.R).all() and np.isfinite(p.t).all()
        assert ((p.sensor >= 0) & (p.sensor <= len(sites))).all()
    assert ing.stats.malformed["127.0.0.1:9"] + bool(got) <= 1


def test_flood_is_rate_limited(sites) -> None:
    from skyshield.interop.asterix import AsterixIngest

    ing = AsterixIngest(sites, EPOCH, lambda: 0.0, lambda p, s: None, max_rate=50.0)
    for _ in range(500):
        ing.datagram_received(b"\x30\x00\x05\x00", ("10.0.0.1", 1))
    assert ing.stats.rate_limited["10.0.0.1:1"] >= 400
    assert ing.stats.malformed["10.0.0.1:1"] + ing.stats.rate_limited["10.0.0.1:1"] == 500


def test_feed_udp_on_loopback(sites) -> None:
    """`feed_udp` paces batches and everything it sends is decoded by a live ingest."""
    from skyshield.interop.asterix import feed_udp, listen_udp

    plots, *_ = known_plots(sites, n=60)
    batches = [(float(t), plots.select(plots.t == t)) for t in np.unique(plots.t)]

    async def main():
        got = []
        ing = await listen_udp("127.0.0.1", 0, sites, EPOCH, lambda: 3 * 3600.0,
                               lambda p, s: got.append(p))
        port = ing.transport.get_extra_info("sockname")[1]
        st_ = await asyncio.to_thread(feed_udp, batches, sites, EPOCH, "127.0.0.1", port,
                                      speed=1e6, max_plots=50)
        for _ in range(100):
            if ing.stats.datagrams >= st_.datagrams:
                break
            await asyncio.sleep(0.01)
        ing.close()
        return st_, got, ing.stats

    st_, got, stats = asyncio.run(main())
    assert st_.records == 50  # bounded by max_plots
    assert sum(len(p) for p in got) == 50 and not stats.malformed
