"""Cursor-on-Target: the event schema's rules, positions and courses against the picture,
stable uids, and events received on loopback over UDP and TCP (and from `skyshield cot`)."""

from __future__ import annotations

import re
import socket
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from skyshield.geo.frame import THEATRE

EPOCH = datetime(2025, 11, 20, 19, 0, tzinfo=UTC)
# xs:dateTime as CoT writes it: CCYY-MM-DDThh:mm:ss[.s+]Z (Event-PUBLIC.xsd, version 2.0)
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
TYPE = re.compile(r"^\w+(-\w+)*(;[^;]*)?$")
HOW = re.compile(r"^\w(-\w+)*$")
DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def _dt(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def check_event(xml: bytes) -> ET.Element:
    """Assert the CoT 2.0 event schema's rules on one event; return the parsed element."""
    ev = ET.fromstring(xml)
    assert ev.tag == "event"
    for a in ("version", "uid", "type", "time", "start", "stale", "how"):
        assert a in ev.attrib, f"required attribute {a} missing"
    assert DECIMAL.match(ev.get("version")) and float(ev.get("version")) >= 2.0
    assert TYPE.match(ev.get("type")), ev.get("type")
    assert HOW.match(ev.get("how")), ev.get("how")
    assert ev.get("uid")
    for a in ("time", "start", "stale"):
        assert DATETIME.match(ev.get(a)), f"{a}={ev.get(a)!r} is not a CoT xs:dateTime"
    assert _dt(ev.get("start")) <= _dt(ev.get("stale"))
    kids = [k.tag for k in ev]
    assert kids.count("point") == 1 and kids.count("detail") <= 1 and set(kids) <= {
        "point", "detail"}
    pt = ev.find("point")
    for a in ("lat", "lon", "hae", "ce", "le"):
        assert DECIMAL.match(pt.get(a)), f"point {a}={pt.get(a)!r} is not an xs:decimal"
    assert -90 <= float(pt.get("lat")) <= 90 and -180 <= float(pt.get("lon")) <= 180
    return ev


def _picture() -> tuple[list, np.ndarray, np.ndarray]:
    """Three tracks and two fighters at known WGS84 places, each moving due true north."""
    from geographiclib.geodesic import Geodesic

    from skyshield.interop.cot import aircraft_objects, engagement_objects, track_objects

    ll = np.array([[50.1, 24.0, 900.0], [49.2, 16.5, 3000.0], [51.0, 33.9, 150.0],
                   [50.3, 23.1, 8000.0], [48.2, 26.4, 7000.0]])
    xyz = THEATRE.to_xyz(ll[:, 0], ll[:, 1], ll[:, 2])
    # velocity: 100 m/s due true north, from a point 1 km north on the geodesic
    north = np.array([[Geodesic.WGS84.Direct(a, b, 0.0, 1000.0)[k] for k in ("lat2", "lon2")]
                      for a, b, _ in ll])
    vel = (THEATRE.to_xyz(north[:, 0], north[:, 1], ll[:, 2]) - xyz) * 0.1
    P = np.broadcast_to(np.diag([300.0**2, 100.0**2, 200.0**2, 1, 1, 1]), (3, 6, 6))
    tr = track_objects(np.array([12, 7, 3]), np.c_[xyz[:3], vel[:3]], P, np.array([0, 2, 5]),
                       np.array([0.9, 0.8, 0.3]), prefix="t")
    ac = aircraft_objects(np.array([4, 9]), np.array(["POL", "ROU"]), np.array(["F-16", "F-16"]),
                          xyz[3:], vel[3:], prefix="t")
    en = engagement_objects(np.array([12]), np.array([4]), np.array(["POL"]),
                            np.array(["pending"]), xyz[:1], xyz[3:4], prefix="t")
    return [tr, ac, en], ll, vel


def test_events_follow_the_schema_and_the_picture() -> None:
    from skyshield.interop.cot import picture_events

    parts, ll, _ = _picture()
    events = [check_event(e) for e in picture_events(EPOCH, 3600.0, parts, stale_s=30.0)]
    assert len(events) == 6
    for ev in events:
        assert ev.get("version") == "2.0"
        assert _dt(ev.get("time")) == EPOCH + timedelta(hours=1) == _dt(ev.get("start"))
        assert _dt(ev.get("stale")) - _dt(ev.get("time")) == timedelta(seconds=30)
    for ev, (lat, lon, hae) in zip(events[:5], ll, strict=True):
        pt = ev.find("point")
        assert float(pt.get("lat")) == pytest.approx(lat, abs=1e-6)
        assert float(pt.get("lon")) == pytest.approx(lon, abs=1e-6)
        assert float(pt.get("hae")) == pytest.approx(hae, abs=0.1)
        course = float(ev.find("detail/track").get("course"))
        # due true north; at 16.5 E the frame's grid north is ~8.6 deg off true north
        assert min(course, 360 - course) < 0.2, course
        assert float(ev.find("detail/track").get("speed")) == pytest.approx(100.0, rel=0.01)
    types = [e.get("type") for e in events]
    assert types[0] == "a-h-A-M-F-Q" and types[1] == "a-h-A-W-M" and types[2] == "a-u-A"
    assert types[3].startswith("a-f-A-M-F") and types[4].startswith("a-f-A-M-F")
    assert types[5] == "u-d-f"
    assert float(events[0].find("point").get("ce")) == pytest.approx(np.sqrt(
        (300**2 + 100**2) / 2), abs=0.1)
    assert [e.get("uid") for e in events] == [
        "t.track.12", "t.track.7", "t.track.3", "t.aircraft.4", "t.aircraft.9",
        "t.engagement.12.4"]
    line = [tuple(map(float, ln.get("point").split(","))) for ln in events[5].iter("link")]
    assert line[0][:2] == pytest.approx(tuple(ll[3, :2]), abs=1e-6)
    assert line[1][:2] == pytest.approx(tuple(ll[0, :2]), abs=1e-6)
    assert "awaiting POL approval" in events[5].find("detail/remarks").text


def test_uids_stable_across_pictures() -> None:
    """Same track number, same uid, whatever else changes; another number, another uid."""
    from skyshield.interop.cot import track_objects

    x = np.zeros((2, 6))
    a = track_objects(np.array([5, 6]), x, None, np.array([0, 0]), prefix="p")
    b = track_objects(np.array([6, 8]), x + 1000.0, None, np.array([2, 2]), prefix="p")
    assert a.uid[1] == b.uid[0] and len({*a.uid, *b.uid}) == 3


def test_escaping_and_bad_stale() -> None:
    from skyshield.interop.cot import aircraft_objects, events_xml

    ac = aircraft_objects(np.array([1]), np.array(['P<O>L&"']), np.array(["F'16"]),
                          np.zeros((1, 3)), np.zeros((1, 3)))
    ev = check_event(events_xml(ac, EPOCH)[0])
    assert ev.find("detail/contact").get("callsign") == "P<O>L&\" F'16 1"
    with pytest.raises(ValueError, match="stale_s"):
        events_xml(ac, EPOCH, stale_s=0)


def _udp_receiver() -> tuple[socket.socket, list[bytes], threading.Event, threading.Thread]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.2)
    got: list[bytes] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                got.append(s.recv(65536))
            except TimeoutError:
                continue

    th = threading.Thread(target=run, daemon=True)
    th.start()
    return s, got, stop, th


def test_udp_and_tcp_loopback() -> None:
    from skyshield.interop.cot import CotSender, picture_events

    parts, _, _ = _picture()
    events = picture_events(EPOCH, 60.0, parts)
    s, got, stop, th = _udp_receiver()
    with CotSender(f"udp://127.0.0.1:{s.getsockname()[1]}") as snd:
        assert snd.send(events) == len(events)
    deadline = threading.Event()
    for _ in range(50):
        if len(got) == len(events):
            break
        deadline.wait(0.05)
    stop.set()
    th.join()
    s.close()
    assert sorted(got) == sorted(events)  # one event per datagram, byte for byte

    srv = socket.create_server(("127.0.0.1", 0))
    buf = bytearray()

    def accept() -> None:
        c, _ = srv.accept()
        with c:
            while chunk := c.recv(65536):
                buf.extend(chunk)

    th = threading.Thread(target=accept, daemon=True)
    th.start()
    with CotSender(f"tcp://127.0.0.1:{srv.getsockname()[1]}") as snd:
        snd.send(events)
    th.join(5)
    srv.close()
    # a TAK stream: events back to back; split them and check each
    parts_rx = re.findall(rb"<event .*?</event>", bytes(buf))
    assert parts_rx == events
    for e in parts_rx:
        check_event(e)


def test_tcp_refused_is_an_error() -> None:
    from skyshield.interop.cot import CotSender

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(OSError), CotSender(f"tcp://127.0.0.1:{port}"):
        pass


def test_multicast_target() -> None:
    from skyshield.interop.cot import parse_target

    assert parse_target("udp://239.2.3.1:6969").multicast
    assert not parse_target("udp://127.0.0.1:6969").multicast
    for bad in ("http://x:1", "udp://127.0.0.1", "udp://:80", "tcp://h:70000"):
        with pytest.raises(ValueError, match="expected"):
            parse_target(bad)


def test_replay_of_a_run(tmp_path: Path) -> None:
    """`skyshield cot RUN --to udp://...` sends every sample's picture; positions are the run's."""
    from typer.testing import CliRunner

    from skyshield.cli import app
    from tests.interop.conftest import threat_xyz, write_run

    run = write_run(tmp_path / "run", tracks=True)
    s, got, stop, th = _udp_receiver()
    res = CliRunner().invoke(app, ["cot", str(run), "--to",
                                   f"udp://127.0.0.1:{s.getsockname()[1]}",
                                   "--speed", "100000", "--until", "30"])
    threading.Event().wait(0.3)
    stop.set()
    th.join()
    s.close()
    assert res.exit_code == 0, res.output
    events = [check_event(g) for g in got]
    n_sent = int(re.search(r"sent (\d+) CoT events", res.output).group(1))
    assert len(events) == n_sent > 0
    tracks = [e for e in events if ".track." in e.get("uid")]
    assert {e.get("uid") for e in tracks} == {f"skyshield.western-night.track.{k}"
                                              for k in (100, 101, 102)}
    for e in tracks:
        k = int(e.get("uid").rsplit(".", 1)[1]) - 100
        t = (_dt(e.get("time")) - EPOCH).total_seconds()
        lat, lon, hae = THEATRE.to_lla(threat_xyz(k, np.array([t]))[0])
        pt = e.find("point")
        assert float(pt.get("lat")) == pytest.approx(float(lat), abs=1e-5)
        assert float(pt.get("lon")) == pytest.approx(float(lon), abs=1e-5)
        assert e.get("opex") == "s-skyshield"
    pending = [e for e in events if e.get("type") == "u-d-f"]
    times = sorted({(_dt(e.get("time")) - EPOCH).total_seconds() for e in pending})
    assert times and times[0] == 1000.0 and times[-1] == 1090.0  # approval asked .. given
    assert {e.get("uid") for e in pending} == {"skyshield.western-night.engagement.100.0"}


def test_cot_cli_refuses_bad_input(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from skyshield.cli import app

    r = CliRunner().invoke(app, ["cot", str(tmp_path), "--to", "udp://127.0.0.1:9"])
    assert r.exit_code == 1 and "not a run folder" in " ".join(r.output.split())
    r = CliRunner().invoke(app, ["cot", str(tmp_path), "--to", "udp://127.0.0.1:9",
                                 "--speed", "0"])
    assert r.exit_code == 2


def test_live_publisher_on_server_messages() -> None:
    """The live hook turns the server's picture / proposal / decision messages into CoT."""
    from skyshield.interop.cot_live import CotPublisher

    ll = [(50.1, 24.0, 900.0), (49.5, 23.0, 300.0)]
    xyz = THEATRE.to_xyz([p[0] for p in ll], [p[1] for p in ll], [p[2] for p in ll])
    picture = {
        "type": "picture", "t": 120.0,
        "tracks": {"number": [12, 13], "lat": [p[0] for p in ll], "lon": [p[1] for p in ll],
                   "alt": [p[2] for p in ll], "vx": [0.0, 50.0], "vy": [-100.0, 0.0],
                   "cls": [0, 2], "cls_conf": [0.9, 0.7], "sigma_m": [300.0, 200.0]},
        "assessment": {"number": [13], "p_nato": [0.4], "next_country": ["POL"],
                       "t_next_country_s": [600.0], "heading_for": ["Rzeszów"]},
        "aircraft": {"id": [0, 1], "nation": ["POL", "ROU"], "lat": [50.3, 47.0],
                     "lon": [23.1, 26.0], "alt": [8000.0, 0.0], "label": ["F-16", "F-16"],
                     "airborne": [True, False]},
    }
    del xyz
    s, got, stop, th = _udp_receiver()
    pub = CotPublisher(f"udp://127.0.0.1:{s.getsockname()[1]}", EPOCH, prefix="live")
    pub({"type": "proposal", "engagement": {"id": 5, "nation": "POL", "aircraft": 0,
                                            "track": 12, "state": "pending"}})
    pub(picture)
    pub({"type": "decision", "engagement": {"id": 5, "nation": "POL", "aircraft": 0,
                                            "track": 12, "state": "approved"}})
    pub(picture)
    pub.close()
    for _ in range(50):
        if len(got) >= 7:
            break
        threading.Event().wait(0.05)
    stop.set()
    th.join()
    s.close()
    events = [check_event(g) for g in got]
    uids = [e.get("uid") for e in events]
    # first picture: 2 tracks, 1 airborne aircraft, 1 pending line; second: no line
    assert uids == ["live.track.12", "live.track.13", "live.aircraft.0",
                    "live.engagement.12.0", "live.track.12", "live.track.13", "live.aircraft.0"]
    assert _dt(events[0].get("time")) == EPOCH + timedelta(seconds=120)
    assert float(events[0].find("point").get("lat")) == pytest.approx(50.1, abs=1e-6)
    remarks = events[1].find("detail/remarks").text
    assert "enters POL in 10.0 min" in remarks and "0.40" in remarks and "Rzeszów" in remarks
    assert events[1].get("type") == "a-h-A-W-M"
    assert float(events[0].find("point").get("ce")) == pytest.approx(300 / np.sqrt(2), abs=0.1)


def test_a_withdrawn_request_ends_the_engagements_wait() -> None:
    """An engagement waits from its request to its approval, or to its withdrawal when it
    ended first (no approval ever comes for it)."""
    from types import SimpleNamespace

    import pandas as pd

    from skyshield.interop.cot_replay import _pending

    ev = pd.DataFrame([
        dict(t=1000.0, kind="approval_request", track=5, aircraft=0, nation="POL"),
        dict(t=1040.0, kind="approval_withdrawn", track=5, aircraft=0, nation="POL"),
        dict(t=1200.0, kind="approval_request", track=6, aircraft=0, nation="POL"),
        dict(t=1320.0, kind="approval", track=6, aircraft=0, nation="POL"),
    ])
    p = _pending(SimpleNamespace(events=ev)).sort_values("track")
    assert p[["track", "t0", "t1"]].to_numpy().tolist() == [[5, 1000, 1040], [6, 1200, 1320]]
