"""Airspace monitor: exact border crossings and time inside, against the real polygons."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from skyshield.geo import borders as gb
from skyshield.geo.borders import NATO
from skyshield.geo.frame import THEATRE
from skyshield.model.library import library
from skyshield.world.airspace import AirspaceMonitor
from skyshield.world.threats import Threats, ThreatStatus


def first_inside(poly, lat0, lon0, lat1, lon1) -> float:
    """Fraction along a frame-straight segment where it first is inside poly (WGS84 polygon):
    a fine scan, then bisection. Independent of `segment_entries`."""
    p0, p1 = THEATRE.to_xy(lat0, lon0), THEATRE.to_xy(lat1, lon1)

    def inside(f):
        la, lo = THEATRE.from_xy(p0 + np.asarray(f)[..., None] * (p1 - p0))
        return shapely.contains_xy(poly, lo, la)

    f = np.linspace(0.0, 1.0, 20001)
    hit = np.flatnonzero(inside(f))
    assert hit.size and hit[0] > 0
    lo_f, hi_f = f[hit[0] - 1], f[hit[0]]
    for _ in range(50):
        mid = 0.5 * (lo_f + hi_f)
        lo_f, hi_f = (lo_f, mid) if inside(mid) else (mid, hi_f)
    return hi_f


def test_cruise_missile_toward_lublin_crosses_polish_border_on_time():
    lib = library()
    kh = lib.threat("Kh-101")
    lublin = lib.place("Lublin")
    # From the east (near Rivne), a dogleg north of Lutsk, then west into Poland to Lublin.
    lat = np.array([50.62, 51.05, lublin.lat])
    lon = np.array([26.60, 24.90, lublin.lon])
    th = Threats.from_routes(lat[None], lon[None], 60.0, 3, t_launch=20.0, speed=kh.speed_ms,
                             range_m=kh.range_m, threat_cls=kh.cls.code)
    # Expected crossing, independently: first point inside the POL polygon on the last leg.
    pol = gb.borders().geometry["POL"]
    f = first_inside(pol, lat[1], lon[1], lat[2], lon[2])
    f_geo, who = gb.segment_entries(lat[1], lon[1], lat[2], lon[2], ["POL"])
    assert who == "POL" and float(f_geo) == pytest.approx(f, abs=1e-6)
    legs = th.leg_lengths(0)
    t_expected = 20.0 + (legs[0] + f * legs[1]) / kh.speed_ms
    xy = THEATRE.to_xy(lat[1:], lon[1:])
    want_lat, want_lon = THEATRE.from_xy(xy[0] + f * (xy[1] - xy[0]))

    mon = AirspaceMonitor(NATO, 1)
    lat0, lon0, _ = th.lla()
    events, t = [], 0.0
    while th.status[0] in (ThreatStatus.PENDING, ThreatStatus.FLYING):
        th.step(t, 1.0)
        lat1, lon1, _ = th.lla()
        ev = mon.update(t, t + 1.0, lat0, lon0, lat1, lon1, th.alive)
        if len(ev):
            events.append(ev)
        lat0, lon0, t = lat1, lon1, t + 1.0
    assert th.status[0] == ThreatStatus.IMPACTED
    assert len(events) == 1 and len(events[0]) == 1
    ev = events[0]
    assert ev.entry[0] and ev.country[0] == "POL" and ev.idx[0] == 0
    assert abs(ev.t[0] - t_expected) < 2.0
    # The crossing point lies within 100 m of the geometric one.
    d = np.hypot(*(THEATRE.to_xy(ev.lat[0], ev.lon[0]) - THEATRE.to_xy(want_lat, want_lon)))
    assert d < 100.0
    assert mon.first_entry_t[0] == ev.t[0] and mon.first_entry_country[0] == "POL"
    # It impacts in Poland: it spent the rest of its flight inside.
    assert mon.time_inside[0] == pytest.approx(th.t_end[0] - t_expected, abs=2.0)


def test_entry_exit_and_member_to_member_with_time_inside():
    # Object 0: UKR -> POL -> UKR (out again). Object 1: HUN -> SVK (member to member).
    # Object 2: aircraft Rzeszow -> Lviv, watched by a UKR monitor too. Object 3: dead.
    paths = {
        0: ([50.5, 50.5, 50.5], [24.6, 22.8, 24.6]),
        1: ([48.0, 48.9, 48.9], [21.5, 21.5, 21.5]),
        2: ([50.04, 49.84, 49.84], [22.0, 24.02, 24.02]),
        3: ([50.5, 50.5, 50.5], [24.6, 22.8, 22.8]),
    }
    n, steps = 4, 400
    s = np.linspace(0.0, 2.0, 2 * steps + 1)
    lat = np.zeros((s.size, n))
    lon = np.zeros((s.size, n))
    for i, (la, lo) in paths.items():
        lat[:, i] = np.interp(s, [0, 1, 2], la)
        lon[:, i] = np.interp(s, [0, 1, 2], lo)
    alive = np.ones(n, bool)
    alive[3] = False
    nato = AirspaceMonitor(NATO, n)
    ukr = AirspaceMonitor(frozenset({"UKR"}), n)
    ev_n, ev_u = [], []
    for k in range(s.size - 1):
        ev_n.append(nato.update(k, k + 1, lat[k], lon[k], lat[k + 1], lon[k + 1], alive))
        ev_u.append(ukr.update(k, k + 1, lat[k], lon[k], lat[k + 1], lon[k + 1], alive))

    def flat(evs):
        return [(int(e.idx[j]), bool(e.entry[j]), str(e.country[j]), float(e.t[j]))
                for e in evs for j in range(len(e))]

    en = flat(ev_n)
    o0 = [x for x in en if x[0] == 0]
    assert [(x[1], x[2]) for x in o0] == [(True, "POL"), (False, "POL")]
    o1 = [x for x in en if x[0] == 1]
    assert [(x[1], x[2]) for x in o1] == [(False, "HUN"), (True, "SVK")]
    assert o1[0][3] == pytest.approx(o1[1][3], abs=1e-3)  # same instant
    assert not [x for x in en if x[0] == 3]
    assert nato.time_inside[1] == pytest.approx(2 * steps)  # inside NATO throughout
    assert nato.time_inside[0] == pytest.approx(o0[1][3] - o0[0][3], abs=1e-6)
    eu = [x for x in flat(ev_u) if x[0] == 2]
    assert [(x[1], x[2]) for x in eu] == [(True, "UKR")]
    # Crossing time against the polygons, independently.
    f = first_inside(gb.borders().geometry["UKR"], 50.04, 22.0, 49.84, 24.02)
    p0 = THEATRE.to_xy(50.04, 22.0)
    p1 = THEATRE.to_xy(49.84, 24.02)
    q = p0 + f * (p1 - p0)
    # The object moves linearly in lat/lon per tick; find the tick and compare within 1 tick.
    tick_xy = THEATRE.to_xy(lat[:, 2], lon[:, 2])
    k = int(np.argmin(np.hypot(*(tick_xy - q).T)))
    assert abs(eu[0][3] - k) <= 1.0
    assert ukr.time_inside[2] == pytest.approx(2 * steps - eu[0][3], abs=1e-6)
