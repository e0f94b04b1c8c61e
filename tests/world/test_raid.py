"""Raid generation: determinism, waves, launch windows, routing geometry, ranges."""

from __future__ import annotations

import numpy as np
import pytest

from skyshield.geo import borders as gb
from skyshield.geo import geodesy
from skyshield.model.library import ThreatClass, library
from skyshield.model.loader import load_scenario
from skyshield.model.scenario import Raid, Strays, TargetArea, Wave
from skyshield.world.raid import ROUTINGS, Fate, generate_raid


@pytest.fixture(scope="module")
def western():
    return load_scenario("western-night")


def with_waves(scenario, waves, areas=None, strays=False):
    raid = Raid(target_areas=areas or scenario.raid.target_areas, waves=waves,
                strays=Strays(enabled=strays))
    return scenario.model_copy(update={"raid": raid})


def arrays(plan):
    th = plan.threats
    return [th.wp, th.n_wp, th.t_launch, th.type_idx, th.target_idx, th.cls, th.speed,
            th.interceptable, plan.routing, plan.wave, plan.launch_idx]


def test_deterministic_for_a_seed_and_different_across_seeds(western):
    a = generate_raid(western, np.random.default_rng(7))
    b = generate_raid(western, np.random.default_rng(7))
    for x, y in zip(arrays(a), arrays(b), strict=True):
        np.testing.assert_array_equal(x, y)
    assert a.target_names == b.target_names and a.type_names == b.type_names
    c = generate_raid(western, np.random.default_rng(8))
    assert not np.array_equal(a.threats.t_launch, c.threats.t_launch)
    assert a.threats.wp.shape != c.threats.wp.shape or not np.array_equal(
        a.threats.wp, c.threats.wp)


def test_counts_types_windows_and_targets_match_the_waves(western):
    plan = generate_raid(western, np.random.default_rng(1))
    th = plan.threats
    lib = library()
    assert len(plan) == sum(w.count for w in western.raid.waves)
    np.testing.assert_array_equal(th.id, np.arange(len(plan)))
    for i, wave in enumerate(western.raid.waves):
        m = plan.wave == i
        assert m.sum() == wave.count
        tt = lib.threat(wave.threat)
        assert {plan.type_names[j] for j in th.type_idx[m]} == {tt.name}
        assert (th.cls[m] == tt.cls.code).all()
        assert (th.speed[m] == tt.speed_ms).all()
        lo, hi = (60.0 * v for v in wave.window_min)
        assert (th.t_launch[m] >= lo).all() and (th.t_launch[m] <= hi).all()
        allowed = set()
        for t in wave.targets:
            area = western.raid.target_areas.get(t)
            allowed |= {lib.place(p).name for p in (area.places if area else [t])}
        got = {plan.target_names[j] for j in th.target_idx[m]}
        assert got <= allowed
        # Launch points near the launch area, targets exactly on the target places.
        la = lib.place(wave.launch_area)
        for j in np.flatnonzero(m):
            lat, lon, _ = th.route_lla(j)
            d = geodesy.distance(lat[0], lon[0], la.lat, la.lon)
            assert d < 26e3
            tgt = lib.place(plan.target_names[th.target_idx[j]])
            if plan.fate[j] == Fate.TARGET:
                assert (lat[-1], lon[-1]) == pytest.approx((tgt.lat, tgt.lon), abs=1e-7)
            else:  # strays, decoys and turn-backs fly on past their range and expire
                assert th.length[j] > th.range_m[j]
        if wave.routing != "mixed":
            flown = {ROUTINGS[r] for r in plan.routing[m]}
            assert flown <= {wave.routing, "direct"}  # direct only as a range fallback
    # Routes respect the range (a few may fall back to direct and still be too long).
    direct = plan.routing == ROUTINGS.index("direct")
    aimed = plan.fate == Fate.TARGET
    assert (th.length[~direct & aimed] <= th.range_m[~direct & aimed]).all()
    # Cruise missiles dogleg: 3 to 5 turn points at least.
    cm = th.cls == ThreatClass.cruise_missile.code
    assert cm.any() and (th.n_wp[cm] - 2 >= 3).all()


def test_border_routes_skim_the_moldovan_and_romanian_borders(western):
    waves = [Wave(threat="Shahed-136", count=60, launch_area="Hvardiiske", window_min=(0, 30),
                  targets=["Lviv", "Ivano-Frankivsk", "Chernivtsi", "Uzhhorod", "Ternopil"],
                  routing="border")]
    sc = with_waves(western, waves)
    plan = generate_raid(sc, np.random.default_rng(3))
    th = plan.threats
    assert (plan.routing == ROUTINGS.index("border")).all()
    for i in range(len(plan)):
        lat, lon, _ = th.route_lla(i)
        tp_lat, tp_lon = lat[1:-1], lon[1:-1]
        assert tp_lat.size >= 5
        d = np.minimum(gb.distance_to_border(tp_lat, tp_lon, "MDA"),
                       gb.distance_to_border(tp_lat, tp_lon, "ROU"))
        assert d.min() < 20e3  # passes within 20 km of the border
        assert (d < 20e3).mean() > 0.5  # most turn points skim it
        # ...and never crosses it (the declared inset): no leg enters Moldova or Romania.
        frac, _ = gb.segment_entries(lat[:-1], lon[:-1], lat[1:], lon[1:], ["MDA", "ROU"])
        assert not np.isfinite(frac).any()
    # The first border turn point is on the Odesa end (east of 29.5 E).
    lat, lon, _ = th.route_lla(0)
    assert lon[1] > 29.5


def test_north_west_follows_belarus_border_into_volyn(western):
    waves = [Wave(threat="Shahed-136", count=30, launch_area="Bryansk", window_min=(0, 30),
                  targets=["Lutsk", "Kovel", "Lviv"], routing="north_west")]
    sc = with_waves(western, waves)
    plan = generate_raid(sc, np.random.default_rng(4))
    th = plan.threats
    for i in range(len(plan)):
        lat, lon, _ = th.route_lla(i)
        d = gb.distance_to_border(lat[1:-1], lon[1:-1], "BLR")
        assert np.median(d) < 20e3
        assert lon[1] > 30.0  # enters the border at its eastern end
        assert lat[-2] > lat[-1]  # comes down from the north
        frac, _ = gb.segment_entries(lat[:-1], lon[:-1], lat[1:], lon[1:], ["BLR", "POL"])
        assert not np.isfinite(frac).any()


def test_south_mixed_and_ballistic(western):
    waves = [
        Wave(threat="Shahed-136", count=20, launch_area="Chauda", window_min=(0, 10),
             targets=["Lviv"], routing="south"),
        Wave(threat="Shahed-136", count=40, launch_area="Primorsko-Akhtarsk",
             window_min=(5, 15), targets=["Lviv", "Rivne"], routing="mixed"),
        Wave(threat="Iskander-M", count=4, launch_area="Kursk", window_min=(0, 0),
             targets=["Kyiv"], routing="border"),
    ]
    plan = generate_raid(with_waves(western, waves), np.random.default_rng(5))
    th = plan.threats
    vinn = library().place("Vinnytsia")
    for i in np.flatnonzero(plan.wave == 0):
        lat, lon, _ = th.route_lla(i)
        d = geodesy.distance(lat, lon, vinn.lat, vinn.lon)
        assert d.min() < 30e3  # across Vinnytsia
        assert gb.country_of(lat[1], lon[1]) == ""  # up from the Black Sea
    mixed = {ROUTINGS[r] for r in plan.routing[plan.wave == 1]}
    assert len(mixed) >= 2 and "north_west" not in mixed  # a southern launch area's mix
    bal = plan.wave == 2
    assert (th.n_wp[bal] == 2).all() and not th.interceptable[bal].any()
    assert (th.t_launch[bal] == 0.0).all()
    assert th.interceptable[~bal].all()


def test_scenario_with_target_area_names(western):
    areas = {"west": TargetArea(places=["Lviv", "Lutsk"])}
    waves = [Wave(threat="Gerbera", count=10, launch_area="Kursk", window_min=(1, 2),
                  targets=["west", "Rivne"], routing="direct")]
    plan = generate_raid(with_waves(western, waves, areas), np.random.default_rng(0))
    assert set(plan.target_names) <= {"Lviv", "Lutsk", "Rivne"}
    assert (plan.threats.cls == ThreatClass.decoy.code).all()
