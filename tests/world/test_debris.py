"""Debris footprints, missed munitions and populated places, against independent oracles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from skyshield.geo import fallout
from skyshield.geo.frame import THEATRE
from skyshield.model.library import ThreatClass
from skyshield.model.population import near_population, populated_places
from skyshield.world.debris import debris_metrics, kill_debris, munition_falls

GEOD = Geod(ellps="WGS84")


@settings(max_examples=30, deadline=None)
@given(alt=st.floats(0.0, 6000.0), speed=st.floats(0.0, 300.0), hdg=st.floats(0, 2 * np.pi),
       seed=st.integers(0, 1000), cls=st.sampled_from([ThreatClass.drone, ThreatClass.decoy,
                                                       ThreatClass.cruise_missile]))
def test_debris_point_lies_inside_its_footprint(alt, speed, hdg, seed, cls):
    pos = np.array([[*THEATRE.to_xy(48.5, 26.0), alt]] * 20)
    vel = np.array([[speed * np.cos(hdg), speed * np.sin(hdg), 0.0]] * 20)
    f = kill_debris(pos, vel, np.full(20, cls.code), np.random.default_rng(seed))
    xy = THEATRE.to_xy(f.lat, f.lon)
    r = np.hypot(*(xy - f.mean_xy).T)
    assert (r <= f.radius_m * (1 + 1e-9) + 1e-6).all()
    # the mean point is thrown along the velocity, never further than the speed times the
    # decay time (the drag bound), and no further than a fall in vacuum would allow
    throw = np.hypot(*(f.mean_xy - pos[:, :2]).T)
    t_vac = np.sqrt(2 * alt / fallout.G)
    assert (throw <= speed * min(fallout.TAU_S, t_vac) + 1e-6).all()


def test_warhead_falls_faster_than_light_debris():
    t_w = fallout.fall_time(3000.0, True)
    t_d = fallout.fall_time(3000.0, False)
    assert t_w < t_d
    # a slow fall from low height is free fall: sqrt(2h/g)
    assert fallout.fall_time(10.0, True) == pytest.approx(np.sqrt(20.0 / 9.80665))


def test_missed_munitions_fall_at_their_range_along_the_line_of_fire():
    shooter = THEATRE.to_xy([50.0, 50.0], [23.0, 23.0])
    aim = THEATRE.to_xy([50.2, 50.0], [23.0, 23.3])
    f = munition_falls(shooter, aim, np.array([100e3, 35e3]))
    slat, slon = THEATRE.from_xy(shooter)
    _, _, d = GEOD.inv(slon, slat, f.lon, f.lat)
    assert d == pytest.approx([100e3, 35e3], rel=0.005)  # the frame's scale, < 0.4 %
    alat, alon = THEATRE.from_xy(aim)
    az, _, _ = GEOD.inv(slon, slat, alon, alat)
    elon, elat, _ = GEOD.fwd(slon, slat, az, [100e3, 35e3])
    _, _, miss = GEOD.inv(elon, elat, f.lon, f.lat)
    assert (miss < 0.01 * np.array([100e3, 35e3])).all()  # along the line of fire
    assert list(f.country) == ["POL", "UKR"]  # 50.9 N 23.0 E is Poland; 50.0 N 23.5 E Ukraine


def test_near_population_against_brute_force():
    pp = populated_places()
    assert len(pp) > 1000
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(45, 53, 300), rng.uniform(20, 32, 300)
    _, _, d = GEOD.inv(np.repeat(lon, len(pp)), np.repeat(lat, len(pp)),
                       np.tile(pp.lon, 300), np.tile(pp.lat, 300))
    dmin = d.reshape(300, len(pp)).min(axis=1)
    got = near_population(lat, lon, 10.0)
    clear = np.abs(dmin - 10e3) > 20.0  # away from the 10 km edge (frame scale ~0.01 %)
    assert (got[clear] == (dmin[clear] <= 10e3)).all()
    assert near_population([50.4667], [23.9333], 1.0)[0]  # Przewodów, from the library


def test_debris_metrics_count_nato_population_ukraine():
    import pandas as pd

    d = pd.DataFrame({"debris_country": ["POL", "POL", "UKR", "ROU", ""],
                      "debris_near_population": [True, False, True, True, False]})
    m = pd.DataFrame({"country": ["POL", "UKR"], "near_population": [True, False]})
    out = debris_metrics(d, m)
    assert out["on_nato"] == 3 and out["on_nato_near_population"] == 2
    assert out["on_ukraine"] == 1 and out["near_population"] == 3
    assert out["munitions_on_nato"] == 1 and out["by_country"] == {"POL": 2, "ROU": 1,
                                                                   "UKR": 1}


def test_debris_log_tables_and_its_own_generator():
    from skyshield.world.debris import DebrisLog

    log = DebrisLog(np.random.default_rng(3))
    pos = np.array([[*THEATRE.to_xy(45.44, 28.05), 1500.0], [*THEATRE.to_xy(48.5, 26.0), 50.0]])
    vel = np.array([[40.0, 0.0, 0.0], [200.0, 0.0, 0.0]])
    log.kills(100.0, [4, 9], pos, vel, [ThreatClass.drone.code, ThreatClass.decoy.code],
              ["ROU", "UKR"])
    log.misses(120.0, pos[:1, :2], pos[1:, :2], [35e3], ["ROU"], ["AIM-9X"])
    k, m = log.kill_table(), log.miss_table()
    assert list(k.threat) == [4, 9] and list(k.debris_country) == ["ROU", "UKR"]
    assert bool(k.debris_near_population.iloc[0])  # over Galați
    assert list(k.debris_warhead) == [True, False] and len(m) == 1
    out = debris_metrics(k, m)
    assert out["on_nato_near_population"] == 1 and out["munitions_missed"] == 1
