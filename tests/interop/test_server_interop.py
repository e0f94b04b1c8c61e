"""ASTERIX in and Cursor-on-Target out of a real `skyshield serve` process on loopback.

Known CAT048 plots of one target, sent over UDP, come out of the server's picture at the
target's place; the same picture arrives as CoT events on a UDP receiver; a malformed
datagram is counted against its sender; `skyshield feed --format asterix` plays a raid
into the server and the server counts what it sent.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from skyshield.geo.frame import THEATRE
from tests.interop.test_cot import _dt, _udp_receiver, check_event
from tests.server.conftest import ServerProcess, env

pytestmark = pytest.mark.slow
T0 = 2000.0  # exercise clock at the first plot [s]
RATE = 20.0  # exercise clock rate [-]
SPEED = np.array([150.0, -60.0, 0.0])  # the target's velocity, theatre frame [m/s]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cot_rx():
    s, got, stop, th = _udp_receiver()
    yield s.getsockname()[1], got
    stop.set()
    th.join()
    s.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, cot_rx):
    port = free_udp_port()
    s = ServerProcess(tmp_path_factory.mktemp("srv"), extra=[
        "--asterix-port", str(port), "--cot", f"udp://127.0.0.1:{cot_rx[0]}"])
    s.asterix_port = port
    yield s
    s.stop()


def _target(sites, t) -> np.ndarray:
    """A target 120 km east-north-east of radar 0, flying straight, at 2 km."""
    _, _, _, sx = sites.antenna_lla(np.zeros(1), np.zeros(1, np.int64))
    p0 = sx[0] + [110e3, 50e3, 0.0]
    p0[2] = 2000.0
    return p0 + (np.asarray(t, float)[:, None] - T0) * SPEED


def test_asterix_plots_in_the_picture_and_cot_out(server, cot_rx) -> None:
    from skyshield.interop.asterix import Plots, RadarSites, _lib, encode_cat048
    from skyshield.model.loader import load_scenario

    sc = load_scenario("western-night")
    sites = RadarSites.from_scenario(sc)
    scans = T0 + 10.0 * np.arange(12)
    _lib()  # import libasterix (a second or more) before the clock starts
    obs = server.client("obs")  # sign in first too: argon2 takes a while
    with server.client("coord") as c:
        clock = c.post("/api/clock", json={"t": T0 - 1.0, "rate": RATE}).json()
    wall0 = time.monotonic() - (clock["t"] - (T0 - 1.0)) / RATE  # when the clock read T0-1
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for t in scans:
        plots = Plots.from_arrays([t], [0], _target(sites, [t]), np.eye(3)[None])
        (dg,) = encode_cat048(plots, sites, sc.epoch).datagrams
        wait = wall0 + (t - T0 + 1.0) / RATE - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        tx.sendto(dg, ("127.0.0.1", server.asterix_port))
    tx.sendto(b"\x30\x00\x09garbage", ("127.0.0.1", server.asterix_port))
    src = f"127.0.0.1:{tx.getsockname()[1]}"
    tx.close()
    end = time.monotonic() + 30
    with obs as c:
        while time.monotonic() < end:
            pic = c.get("/api/picture").json()
            if pic["tracks"]["number"] and pic["t"] >= scans[-1]:
                break
            time.sleep(0.2)
        stats = c.get("/api/ingest").json()["asterix"]
    assert stats["plots"] == len(scans) and stats["malformed"] == {src: 1}
    tr = pic["tracks"]
    assert len(tr["number"]) == 1, tr
    truth = _target(sites, [pic["t"]])[0]
    got = THEATRE.to_xyz(tr["lat"][0], tr["lon"][0], tr["alt"][0])
    assert np.hypot(*(got - truth)[:2]) < 250.0, (got - truth)
    # the same picture, as CoT: the track's uid, its place at the event's time
    number = tr["number"][0]
    mine: list = []
    for _ in range(50):
        evs = [check_event(g) for g in list(cot_rx[1])]
        mine = [e for e in evs if e.get("uid") == f"skyshield.western-night.track.{number}"]
        if mine:
            break
        time.sleep(0.1)
    assert mine, f"no CoT event for track {number}"
    e = mine[-1]
    t_ev = (_dt(e.get("time")) - sc.epoch).total_seconds()
    truth = _target(sites, [t_ev])[0]
    pt = e.find("point")
    got = THEATRE.to_xyz(float(pt.get("lat")), float(pt.get("lon")), float(pt.get("hae")))
    assert np.hypot(*(got - truth)[:2]) < 250.0
    assert e.get("type").startswith(("a-h-A", "a-u-A"))
    assert _dt(e.get("stale")) - _dt(e.get("time")) == timedelta(seconds=30)


def test_cat062_system_tracks_are_ingested(server) -> None:
    """A CAT062 datagram (another system's tracks) reaches the mission as plots."""
    from skyshield.interop.asterix import RadarSites, encode_cat062
    from skyshield.model.loader import load_scenario

    sc = load_scenario("western-night")
    sites = RadarSites.from_scenario(sc)
    with server.client("obs") as c:
        before = c.get("/api/ingest").json()["asterix"]
        t = c.get("/api/clock").json()["t"]
        (dg,) = encode_cat062(np.array([7, 8]), np.array([t, t]), _target(sites, [t, t]) +
                              [[0, 0, 0], [30e3, 0, 0]], np.zeros((2, 3)), sc.epoch).datagrams
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            tx.sendto(dg, ("127.0.0.1", server.asterix_port))
        for _ in range(50):
            st = c.get("/api/ingest").json()["asterix"]
            if st["datagrams"] > before["datagrams"]:
                break
            time.sleep(0.1)
    assert st["tracks"] - before["tracks"] == 2 and st["plots"] - before["plots"] == 2
    assert st["malformed"] == before["malformed"]


def test_feed_format_asterix_into_the_server(server, tmp_path: Path) -> None:
    """`skyshield feed --format asterix` sends a raid's CAT048; the server decodes it all."""
    with server.client("obs") as c:
        before = c.get("/api/ingest").json()["asterix"]["plots"]
    r = subprocess.run(
        [sys.executable, "-m", "skyshield.cli", "feed", "western-night", "--format", "asterix",
         "--to", f"udp://127.0.0.1:{server.asterix_port}", "--server", server.url,
         "--password", "feed-secret", "--speed", "100", "--minutes", "2", "--max-plots", "400"],
        env=env(), capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    sent = int(re.search(r"sent ([\d,]+) plots as CAT048", r.stdout).group(1).replace(",", ""))
    assert sent > 0
    end = time.monotonic() + 20
    with server.client("obs") as c:
        while time.monotonic() < end:
            st = c.get("/api/ingest").json()["asterix"]
            if st["plots"] - before >= sent:
                break
            time.sleep(0.2)
        clock = c.get("/api/clock").json()
    assert st["plots"] - before == sent
    assert clock["rate"] == 100.0  # the feed set the exercise clock


def test_feed_asterix_refuses_a_non_udp_target(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "skyshield.cli", "feed", "western-night", "--format", "asterix",
         "--to", "http://127.0.0.1:1"], env=env(), capture_output=True, text=True,
        timeout=120, cwd=tmp_path)
    assert r.returncode == 1 and "expected udp://HOST:PORT" in " ".join(r.stderr.split())


def test_serve_refuses_a_busy_asterix_port(tmp_path: Path) -> None:
    """A port in use is a one-line error before the server starts, not a traceback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("127.0.0.1", 0))
        r = subprocess.run(
            [sys.executable, "-m", "skyshield.cli", "serve", "western-night", "--port", "1",
             "--asterix-port", str(busy.getsockname()[1]), "--db", str(tmp_path / "x.db")],
            env=env(), capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "ASTERIX port" in r.stderr and "in use" in r.stderr
