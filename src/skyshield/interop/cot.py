"""The air picture as Cursor-on-Target (CoT) events, and the senders TAK clients listen to.

CoT is the XML event of MITRE's "Cursor-on-Target Event data model" (schema version 2.0,
so every event carries ``version="2.0"``; TAK's "protocol version 0" is this plain XML on
the wire, as opposed to version 1, protobuf). One event per object and update:

- ``<event version="2.0" uid type time start stale how [opex]>`` with ``<point lat lon hae ce
  le>`` (WGS84 degrees, metres above the ellipsoid, 1-sigma circular / linear error) and a
  ``<detail>`` holding ``<contact callsign>``, ``<track course speed>`` (degrees true, m/s),
  ``<remarks>`` for people and ``<skyshield ...>`` with the same facts for machines.
- Type strings follow the MIL-STD-2525 hierarchy CoT borrows (`TYPE_*` below): a hostile
  attack drone ``a-h-A-M-F-Q`` (air, military, fixed wing, drone), a hostile cruise missile
  ``a-h-A-W-M``, a hostile aircraft ``a-h-A-M-F``, an unclassified air track ``a-u-A``, a
  coalition fighter ``a-f-A-M-F-F``. A pending engagement is a drawn line ``u-d-f`` from
  the aircraft to the track, which every TAK client draws.
- Stable uids: ``<prefix>.track.<number>`` (track numbers are never reused in a run),
  ``<prefix>.aircraft.<id>``, ``<prefix>.engagement.<track>.<aircraft>``. A later event with
  the same uid replaces the earlier one on every client.
- ``stale`` is `time` + a few scan periods (`DEFAULT_STALE_S`): a track that stops being
  reported fades from the clients by itself.

Senders (`CotSender`): UDP unicast, UDP multicast (a 224.0.0.0/4 address; TTL 1 by default)
and TCP (a TAK server's plain streaming input, events back to back), with the standard
library only (docs/design-notes.md says why not `pytak`).
"""

from __future__ import annotations

import ipaddress
import socket
import time as _time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlparse
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from skyshield.geo.frame import THEATRE, TheatreFrame
from skyshield.model.library import ThreatClass

__all__ = [
    "DEFAULT_STALE_S",
    "CotObjects",
    "CotSender",
    "aircraft_objects",
    "cot_time",
    "course_speed",
    "engagement_objects",
    "events_xml",
    "parse_target",
    "picture_events",
    "track_objects",
]

DEFAULT_STALE_S = 30.0  # validity of an event: three 10 s scan periods [s]
TYPE_BY_CLASS = {  # ThreatClass -> CoT type of a track of that class
    ThreatClass.drone: "a-h-A-M-F-Q",
    ThreatClass.decoy: "a-h-A-M-F-Q",
    ThreatClass.cruise_missile: "a-h-A-W-M",
    ThreatClass.ballistic: "a-h-A-W-M",
    ThreatClass.aircraft: "a-h-A-M-F",
    ThreatClass.unknown: "a-u-A",
}
TYPE_FIGHTER = "a-f-A-M-F-F"  # friendly, air, military fixed wing, fighter
TYPE_ENGAGEMENT = "u-d-f"  # a drawn line (aircraft -> track), TAK's freehand line
HOW_FUSED = "m-f"  # machine, fused (a multi-radar tracker)
HOW_GPS = "m-g"  # machine, GPS (own aircraft through their data links)
UNKNOWN_ERROR_M = 9_999_999.0  # CoT's "error unknown" [m]
_CLASSES = list(ThreatClass)


def cot_time(dt: datetime) -> str:
    """A CoT time: ISO 8601 UTC, ``CCYY-MM-DDThh:mm:ss.sssZ``."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class CotObjects:
    """Objects to report as CoT events, struct of arrays (one row per event)."""

    uid: np.ndarray  # (N,) str
    type: np.ndarray  # (N,) str CoT type
    lat: np.ndarray  # (N,) [deg]
    lon: np.ndarray  # (N,) [deg]
    hae: np.ndarray  # (N,) height above the WGS84 ellipsoid [m]
    ce: np.ndarray  # (N,) circular error, 1 sigma [m]
    le: np.ndarray  # (N,) linear (height) error, 1 sigma [m]
    course: np.ndarray  # (N,) course over ground, degrees true [deg]
    speed: np.ndarray  # (N,) ground speed [m/s]
    callsign: np.ndarray  # (N,) str
    remarks: np.ndarray  # (N,) str, for people
    how: np.ndarray  # (N,) str
    facts: list[dict[str, str]] = field(default_factory=list)  # per row, <skyshield> attrs
    links: list[list[tuple[float, float, float]]] = field(default_factory=list)  # line points

    def __len__(self) -> int:
        """Number of objects."""
        return int(self.uid.shape[0])

    @staticmethod
    def concat(parts: Sequence[CotObjects]) -> CotObjects:
        """Stack several sets of objects."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return _empty()
        cols = {name: np.concatenate([getattr(p, name) for p in parts])
                for name in ("uid", "type", "lat", "lon", "hae", "ce", "le", "course", "speed",
                             "callsign", "remarks", "how")}
        facts = [f for p in parts for f in (p.facts or [{}] * len(p))]
        links = [ln for p in parts for ln in (p.links or [[]] * len(p))]
        return CotObjects(**cols, facts=facts, links=links)


def _empty() -> CotObjects:
    z, s = np.zeros(0), np.zeros(0, dtype=object)
    return CotObjects(s, s, z, z, z, z, z, z, z, s, s, s)


def course_speed(vel_xyz: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                 frame: TheatreFrame = THEATRE) -> tuple[np.ndarray, np.ndarray]:
    """Course (degrees true) and ground speed [m/s] of theatre-frame velocities.

    The frame's grid north differs from true north by the meridian convergence; it is
    measured here by projecting a point 1 km north of each object.
    """
    v = np.asarray(vel_xyz, np.float64).reshape(-1, 3)
    north = frame.to_xy(np.asarray(lat) + 0.009, lon) - frame.to_xy(lat, lon)
    grid_north = np.degrees(np.arctan2(north[..., 0], north[..., 1]))
    grid_course = np.degrees(np.arctan2(v[:, 0], v[:, 1]))
    return np.mod(grid_course - grid_north, 360.0), np.hypot(v[:, 0], v[:, 1])


def track_objects(
    number: np.ndarray,
    x: np.ndarray,
    P: np.ndarray | None,
    cls: np.ndarray,
    cls_conf: np.ndarray | None = None,
    prefix: str = "skyshield",
    assessment: object | None = None,
    frame: TheatreFrame = THEATRE,
) -> CotObjects:
    """CoT objects of picture tracks (`Tracks` columns; theatre-frame state `x` (N,6)).

    `assessment` is a `decide.assess.Assessment` (any rows; matched by track number): its
    next country, entry time, NATO probability and likeliest place go into the remarks.
    """
    number = np.asarray(number, np.int64).reshape(-1)
    n = number.size
    x = np.asarray(x, np.float64).reshape(n, 6)
    cls = np.asarray(cls, np.int64).reshape(n)
    conf = np.full(n, np.nan) if cls_conf is None else np.asarray(cls_conf, float).reshape(n)
    lat, lon, hae = frame.to_lla(x[:, :3])
    course, speed = course_speed(x[:, 3:], lat, lon, frame)
    if P is None:
        ce = np.full(n, UNKNOWN_ERROR_M)
        le = np.full(n, UNKNOWN_ERROR_M)
    else:
        P = np.asarray(P, np.float64).reshape(n, 6, 6)
        ce = np.sqrt(np.maximum(0.5 * (P[:, 0, 0] + P[:, 1, 1]), 0.0))
        le = np.sqrt(np.maximum(P[:, 2, 2], 0.0))
    names = np.array([c.value for c in _CLASSES], dtype=object)
    cls_name = names[np.clip(cls, 0, len(_CLASSES) - 1)]
    types = np.array([TYPE_BY_CLASS[c] for c in _CLASSES], dtype=object)[
        np.clip(cls, 0, len(_CLASSES) - 1)]
    facts: list[dict[str, str]] = []
    remarks = []
    rows = _assessment_rows(assessment, number)
    for i in range(n):
        f = {"track": str(int(number[i])), "class": str(cls_name[i])}
        text = str(cls_name[i]).replace("_", " ")
        if np.isfinite(conf[i]):
            f["class_conf"] = f"{conf[i]:.2f}"
            text += f" ({conf[i]:.2f})"
        text += f", {speed[i] * 3.6:.0f} km/h, course {course[i]:03.0f}"
        r = rows[i]
        if r is not None:
            f.update(r)
            if r.get("next_country"):
                text += f"; enters {r['next_country']} in {r['t_next_country_min']} min"
            if r.get("p_nato"):
                text += f"; p(NATO airspace) {r['p_nato']}"
            if r.get("heading_for"):
                text += f"; heading for {r['heading_for']}"
        facts.append(f)
        remarks.append(text)
    return CotObjects(
        uid=np.array([f"{prefix}.track.{k}" for k in number], dtype=object),
        type=types, lat=lat, lon=lon, hae=hae, ce=ce, le=le, course=course, speed=speed,
        callsign=np.array([f"T{k:04d}" for k in number], dtype=object),
        remarks=np.array(remarks, dtype=object),
        how=np.full(n, HOW_FUSED, dtype=object), facts=facts)


def _assessment_rows(a: object | None, number: np.ndarray) -> list[dict[str, str] | None]:
    """Per track, the assessment facts as strings (None where the track is not assessed)."""
    if a is None or len(a) == 0:  # type: ignore[arg-type]
        return [None] * number.size
    rows = a.rows_of(number)  # type: ignore[attr-defined]
    out: list[dict[str, str] | None] = []
    for r in rows:
        if r < 0:
            out.append(None)
            continue
        f: dict[str, str] = {}
        nc = str(a.next_country[r])  # type: ignore[attr-defined]
        tn = float(a.t_next_country[r])  # type: ignore[attr-defined]
        if nc and np.isfinite(tn):
            f["next_country"] = nc
            f["t_next_country_min"] = f"{tn / 60:.1f}"
        p = float(a.p_nato[r])  # type: ignore[attr-defined]
        if p > 0:
            f["p_nato"] = f"{p:.2f}"
        place = str(a.heading_places[r, 0])  # type: ignore[attr-defined]
        if place:
            f["heading_for"] = place
        out.append(f)
    return out


def aircraft_objects(
    ids: np.ndarray,
    nation: np.ndarray,
    type_name: np.ndarray,
    xyz: np.ndarray,
    vel: np.ndarray,
    state: np.ndarray | None = None,
    prefix: str = "skyshield",
    frame: TheatreFrame = THEATRE,
) -> CotObjects:
    """CoT objects of coalition aircraft (theatre-frame positions and velocities)."""
    ids = np.asarray(ids, np.int64).reshape(-1)
    n = ids.size
    lat, lon, hae = frame.to_lla(np.asarray(xyz, float).reshape(n, 3))
    course, speed = course_speed(np.asarray(vel, float).reshape(n, 3), lat, lon, frame)
    nation = np.asarray(nation, dtype=object).reshape(n)
    type_name = np.asarray(type_name, dtype=object).reshape(n)
    st = [""] * n if state is None else [str(s) for s in np.asarray(state).reshape(n)]
    callsign = np.array([f"{nation[i]} {type_name[i]} {ids[i]}" for i in range(n)], object)
    remarks = np.array([f"{nation[i]} {type_name[i]}" + (f", {st[i]}" if st[i] else "")
                        for i in range(n)], dtype=object)
    facts = [{"aircraft": str(int(ids[i])), "nation": str(nation[i]),
              "airframe": str(type_name[i]), **({"state": st[i]} if st[i] else {})}
             for i in range(n)]
    return CotObjects(
        uid=np.array([f"{prefix}.aircraft.{k}" for k in ids], dtype=object),
        type=np.full(n, TYPE_FIGHTER, dtype=object), lat=lat, lon=lon, hae=hae,
        ce=np.full(n, 10.0), le=np.full(n, 10.0), course=course, speed=speed,
        callsign=callsign, remarks=remarks, how=np.full(n, HOW_GPS, dtype=object),
        facts=facts)


def engagement_objects(
    track: np.ndarray,
    aircraft: np.ndarray,
    nation: np.ndarray,
    status: np.ndarray,
    track_xyz: np.ndarray,
    aircraft_xyz: np.ndarray,
    prefix: str = "skyshield",
    frame: TheatreFrame = THEATRE,
) -> CotObjects:
    """CoT lines (aircraft -> track) of engagements, e.g. those pending national approval."""
    track = np.asarray(track, np.int64).reshape(-1)
    n = track.size
    aircraft = np.asarray(aircraft, np.int64).reshape(n)
    nation = np.asarray(nation, dtype=object).reshape(n)
    status = np.asarray(status, dtype=object).reshape(n)
    tlat, tlon, thae = frame.to_lla(np.asarray(track_xyz, float).reshape(n, 3))
    alat, alon, ahae = frame.to_lla(np.asarray(aircraft_xyz, float).reshape(n, 3))
    remarks = np.array([f"{status[i]}: {nation[i]} aircraft {aircraft[i]} on track {track[i]}"
                        + (f", awaiting {nation[i]} approval" if status[i] == "pending" else "")
                        for i in range(n)], dtype=object)
    return CotObjects(
        uid=np.array([f"{prefix}.engagement.{track[i]}.{aircraft[i]}" for i in range(n)],
                     dtype=object),
        type=np.full(n, TYPE_ENGAGEMENT, dtype=object), lat=alat, lon=alon, hae=ahae,
        ce=np.full(n, UNKNOWN_ERROR_M), le=np.full(n, UNKNOWN_ERROR_M),
        course=np.full(n, np.nan), speed=np.full(n, np.nan),
        callsign=np.array([f"ENG {track[i]}/{aircraft[i]}" for i in range(n)], dtype=object),
        remarks=remarks, how=np.full(n, HOW_FUSED, dtype=object),
        facts=[{"track": str(int(track[i])), "aircraft": str(int(aircraft[i])),
                "nation": str(nation[i]), "status": str(status[i])} for i in range(n)],
        links=[[(alat[i], alon[i], ahae[i]), (tlat[i], tlon[i], thae[i])] for i in range(n)])


def _num(v: float, digits: int) -> str:
    """A decimal for an xs:decimal attribute (never NaN or exponent notation)."""
    return f"{v:.{digits}f}"


def events_xml(objs: CotObjects, when: datetime, stale_s: float = DEFAULT_STALE_S,
               opex: str | None = None) -> list[bytes]:
    """One CoT event (UTF-8 XML, no declaration) per object, stamped `when` (UTC)."""
    if stale_s <= 0:
        raise ValueError(f"stale_s must be > 0 s, got {stale_s}")
    t = cot_time(when)
    stale = cot_time(when + timedelta(seconds=float(stale_s)))
    ox = f" opex={quoteattr(opex)}" if opex else ""
    lat = np.clip(np.nan_to_num(objs.lat), -90.0, 90.0)
    lon = np.nan_to_num(((objs.lon + 180.0) % 360.0) - 180.0)
    hae = np.nan_to_num(objs.hae)
    ce = np.nan_to_num(objs.ce, nan=UNKNOWN_ERROR_M)
    le = np.nan_to_num(objs.le, nan=UNKNOWN_ERROR_M)
    out = []
    for i in range(len(objs)):
        detail = [f"<contact callsign={quoteattr(str(objs.callsign[i]))}/>"]
        if np.isfinite(objs.course[i]) and np.isfinite(objs.speed[i]):
            detail.append(f'<track course="{_num(objs.course[i], 1)}" '
                          f'speed="{_num(objs.speed[i], 1)}"/>')
        for p in (objs.links[i] if objs.links else []):
            detail.append(f'<link point="{p[0]:.6f},{p[1]:.6f},{p[2]:.1f}"/>')
        if objs.remarks[i]:
            detail.append(f"<remarks>{escape(str(objs.remarks[i]))}</remarks>")
        if objs.facts and objs.facts[i]:
            attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in objs.facts[i].items())
            detail.append(f"<skyshield {attrs}/>")
        out.append((
            f'<event version="2.0" uid={quoteattr(str(objs.uid[i]))} '
            f'type={quoteattr(str(objs.type[i]))} time="{t}" start="{t}" stale="{stale}" '
            f'how={quoteattr(str(objs.how[i]))}{ox}>'
            f'<point lat="{lat[i]:.7f}" lon="{lon[i]:.7f}" hae="{hae[i]:.1f}" '
            f'ce="{_num(ce[i], 1)}" le="{_num(le[i], 1)}"/>'
            f'<detail>{"".join(detail)}</detail></event>').encode())
    return out


def picture_events(epoch: datetime, t: float, parts: Iterable[CotObjects],
                   stale_s: float = DEFAULT_STALE_S, opex: str | None = None) -> list[bytes]:
    """The CoT events of one picture at `t` seconds after the scenario `epoch`."""
    return events_xml(CotObjects.concat(list(parts)), epoch + timedelta(seconds=float(t)),
                      stale_s, opex)


# ------------------------------------------------------------------------------ sending

@dataclass(frozen=True)
class Target:
    """Where CoT goes: ``udp`` (unicast or multicast) or ``tcp``, host and port."""

    scheme: str
    host: str
    port: int

    @property
    def multicast(self) -> bool:
        """True for a UDP multicast group address."""
        try:
            return self.scheme == "udp" and ipaddress.ip_address(self.host).is_multicast
        except ValueError:
            return False


def parse_target(url: str) -> Target:
    """``udp://HOST:PORT`` or ``tcp://HOST:PORT`` -> `Target` (ValueError saying what's wrong)."""
    u = urlparse(url)
    if u.scheme not in ("udp", "tcp"):
        raise ValueError(f"{url!r}: expected udp://HOST:PORT or tcp://HOST:PORT")
    try:
        port = u.port
    except ValueError:
        port = None
    if not u.hostname or port is None or not 0 < port < 65536:
        raise ValueError(f"{url!r}: expected a host and a port 1-65535, e.g. udp://127.0.0.1:6969")
    return Target(u.scheme, u.hostname, port)


class CotSender:
    """Sends CoT events to one target: a UDP datagram per event, or a TCP stream.

    Opening a TCP connection that is refused raises `OSError` (nothing was sent); a broken
    connection later is reopened once per event. `sent` and `errors` count events.
    """

    def __init__(self, target: Target | str, ttl: int = 1, timeout_s: float = 5.0) -> None:
        self.target = parse_target(target) if isinstance(target, str) else target
        self.ttl = ttl
        self.timeout_s = timeout_s
        self.sent = 0
        self.errors = 0
        self._sock: socket.socket | None = None
        self._addr: tuple | None = None

    def open(self) -> CotSender:
        """Open the socket (TCP: connect, raising OSError if refused)."""
        if self._sock is not None:
            return self
        tg = self.target
        if tg.scheme == "udp":
            info = socket.getaddrinfo(tg.host, tg.port, type=socket.SOCK_DGRAM)[0]
            s = socket.socket(info[0], socket.SOCK_DGRAM)
            if tg.multicast:
                s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, self.ttl)
                s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
            self._addr = info[4]
        else:
            s = socket.create_connection((tg.host, tg.port), timeout=self.timeout_s)
        self._sock = s
        return self

    def send(self, events: Iterable[bytes]) -> int:
        """Send events; returns how many went out."""
        n = 0
        udp = self.target.scheme == "udp"
        for ev in events:
            for attempt in (0, 1):
                try:
                    self.open()
                    assert self._sock is not None
                    if udp:
                        self._sock.sendto(ev, self._addr)
                    else:
                        self._sock.sendall(ev)
                    n += 1
                    break
                except OSError:
                    self.close()
                    if attempt == 1 or udp:
                        self.errors += 1
                        break
        self.sent += n
        return n

    def close(self) -> None:
        """Close the socket (a later send opens a new one)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> CotSender:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def sleep_until(t_wall: float) -> None:
    """Sleep until the monotonic clock reads `t_wall` (no-op if past)."""
    d = t_wall - _time.monotonic()
    if d > 0:
        _time.sleep(d)
