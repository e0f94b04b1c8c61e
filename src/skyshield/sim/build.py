"""Turn a scenario into the arrays a run needs: fleet, patrol stations, sites, weapons, raid."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skyshield.contracts import PatrolPlan
from skyshield.decide.engage import WeaponTable
from skyshield.geo.frame import THEATRE
from skyshield.model.library import InterceptorType, ThreatClass, WeaponType, library
from skyshield.model.resolve import locate
from skyshield.model.scenario import Scenario
from skyshield.units import KM, MINUTE
from skyshield.world.aircraft import AircraftState, Fleet
from skyshield.world.gbad import Sites
from skyshield.world.radars import RadarNet, RadarSpec

GUN_MAX_TARGET_MS = 100.0  # a gun pass is only flown against slow targets (drones) [m/s]
BASKET_M = 3000.0  # seeker acquisition radius around the aim point [m]


@dataclass(frozen=True)
class Squad:
    """One squadron as run: its nation, name, type and base."""

    nation: str
    name: str
    ac_type: InterceptorType
    base: str
    base_latlon: tuple[float, float]


@dataclass(frozen=True)
class Forces:
    """The coalition and Ukrainian forces of a run, ready to simulate."""

    squads: list[Squad]
    fleet: Fleet
    stations: PatrolPlan
    weapons: list[WeaponType]
    table: WeaponTable
    speed_ms: np.ndarray  # (W,) mean weapon fly-out speed [m/s]
    sites: Sites


def weapon_table(weapons: list[WeaponType]) -> WeaponTable:
    """Arrays of the weapons' envelopes, Pk per threat class and costs."""
    pk = np.array([[w.pk_against(c) for c in ThreatClass] for w in weapons]).reshape(
        len(weapons), len(ThreatClass)
    )
    return WeaponTable(
        name=[w.name for w in weapons],
        pk=pk,
        rmax_head=np.array([w.rmax_small_head_km * KM for w in weapons]),
        rmax_tail=np.array([w.rmax_small_tail_km * KM for w in weapons]),
        rmin=np.array([w.rmin_km * KM for w in weapons]),
        cost=np.array([w.cost_usd for w in weapons], float),
        max_target_speed=np.array(
            [GUN_MAX_TARGET_MS if w.guidance == "gun" else np.inf for w in weapons]
        ),
    )


def build_forces(scenario: Scenario) -> Forces:
    """Fleet, stations, weapons and Ukrainian sites from the scenario and the library."""
    lib = library()
    squads: list[Squad] = []
    loads: list[dict[str, int]] = []
    counts: list[int] = []
    alert: list[int] = []
    scramble: list[float] = []
    turnaround: list[float] = []
    st_name, st_sq, st_c, st_r, st_req, st_t0 = [], [], [], [], [], []
    for member in scenario.coalition:
        for sq in member.squadrons:
            ac = lib.interceptor(sq.aircraft)
            base = lib.place(sq.base)
            k = len(squads)
            squads.append(Squad(member.nation, sq.name, ac, base.name, (base.lat, base.lon)))
            load = sq.loadout or ac.default_load
            loads.append({lib.weapon(w).name: n for w, n in load.items()})
            counts.append(sq.count)
            alert.append(sq.on_alert)
            scramble.append(sq.scramble_s)
            turnaround.append(sq.turnaround_s)
            for p in sq.patrols:
                lat, lon = locate(p.at)
                st_name.append(p.name)
                st_sq.append(k)
                st_c.append(THEATRE.to_xyz(lat, lon, p.altitude_m))
                st_r.append(p.orbit_radius_m)
                st_req.append(p.aircraft)
                st_t0.append(p.start_min * MINUTE)
    names = sorted({w for load in loads for w in load})
    weapons = [lib.weapon(w) for w in names]
    widx = {w: i for i, w in enumerate(names)}

    sq_of = np.repeat(np.arange(len(squads)), counts)
    rounds = np.zeros((len(sq_of), len(weapons)), np.int64)
    for k, load in enumerate(loads):
        for w, n in load.items():
            rounds[sq_of == k, widx[w]] = n
    base_xyz = np.array([THEATRE.to_xyz(*s.base_latlon, 0.0) for s in squads]).reshape(-1, 3)
    fleet = Fleet(
        nation=np.array([squads[k].nation for k in sq_of]),
        squadron=sq_of,
        ac_type=sq_of.copy(),
        base=base_xyz[sq_of],
        cruise_ms=np.array([squads[k].ac_type.speed_ms for k in sq_of]),
        dash_ms=np.array([squads[k].ac_type.dash_ms for k in sq_of]),
        endurance_s=np.array([squads[k].ac_type.endurance_s for k in sq_of]),
        rounds_full=rounds,
        alert_delay_s=np.array(scramble)[sq_of],
        turnaround_s=np.array(turnaround)[sq_of],
    )
    # the first `on_alert` aircraft of each squadron hold quick-reaction alert
    first = np.searchsorted(sq_of, np.arange(len(squads)))
    rank = np.arange(len(sq_of)) - first[sq_of]
    fleet.state[rank < np.array(alert)[sq_of]] = AircraftState.ALERT

    stations = PatrolPlan(
        name=st_name,
        squadron=np.array(st_sq, np.int64),
        center=np.array(st_c, float).reshape(-1, 3),
        radius=np.array(st_r, float),
        required=np.array(st_req, np.int64),
        start_s=np.array(st_t0, float),
    )
    return Forces(
        squads,
        fleet,
        stations,
        weapons,
        weapon_table(weapons),
        np.array([w.speed_ms for w in weapons]),
        build_sites(scenario),
    )


def build_sites(scenario: Scenario) -> Sites:
    """Ukrainian air-defence sites as arrays."""
    ads = scenario.air_defence
    pos = np.array([THEATRE.to_xyz(*locate(a.at), 0.0) for a in ads], float).reshape(-1, 3)
    return Sites(
        name=[a.name for a in ads],
        pos=pos,
        range_m=np.array([a.range_km * KM for a in ads], float),
        alt_min=np.array([a.alt_min_m for a in ads], float),
        alt_max=np.array([a.alt_max_m for a in ads], float),
        magazine=np.array([a.magazine for a in ads], np.int64),
        pk=np.array([a.pk for a in ads], float),
        reload_s=np.array([a.reload_s for a in ads], float),
        active=np.array([a.active for a in ads], bool),
    )


def build_radars(scenario: Scenario, type_rcs_m2: np.ndarray) -> RadarNet:
    """The scenario's radars as a `RadarNet`; RCS is looked up per threat type (`type_rcs_m2`).

    The declared range is the instrumented range; Pd 0.9 against 1 m² is placed at 80 % of
    it, so a 0.1 m² drone is held to about 45 % of the declared range (Swerling fourth-root
    law). Scan phases are spread deterministically so radars don't all scan on one tick.
    """
    specs = []
    for i, r in enumerate(scenario.radars):
        common = dict(
            name=r.name, max_range=r.range_km * KM, ref_range=0.8 * r.range_km * KM,
            scan_period=r.scan_s, phase=(0.37 * (i + 1) * r.scan_s) % r.scan_s,
            sigma_range=r.range_sigma_m, sigma_azimuth=float(np.deg2rad(r.azimuth_sigma_deg)),
            sigma_elevation=float(r.height_sigma_m / (0.5 * r.range_km * KM)),
            false_alarms=r.false_alarms_per_scan)
        if r.kind == "airborne" and r.orbit is not None:
            lat, lon = locate(r.orbit.center)
            specs.append(RadarSpec(
                position=tuple(THEATRE.to_xyz(lat, lon, r.orbit.altitude_m)), antenna_height=0.0,
                airborne=True, orbit_speed=r.orbit.speed_kmh / 3.6,
                orbit_radius=r.orbit.radius_km * KM, **common))
        else:
            lat, lon = locate(r.at)
            specs.append(RadarSpec(position=tuple(THEATRE.to_xyz(lat, lon, 0.0)),
                                   antenna_height=r.antenna_height_m, **common))
    return RadarNet.from_specs(specs, rcs_m2=type_rcs_m2)


def keep_out_circles(sites: Sites, margin_km: float) -> np.ndarray:
    """(K,3) circles x, y, radius [m]: each active site's zone plus the safe distance."""
    live = sites.active & (sites.magazine > 0)
    return np.c_[sites.pos[live, :2], sites.range_m[live] + margin_km * KM]


def move_stations_clear(stations: PatrolPlan, circles: np.ndarray, clear_m: float = 1000.0
                        ) -> None:
    """Move patrol stations whose orbit would enter a keep-out circle radially out of it."""
    for cx, cy, r in circles:
        d = stations.center[:, :2] - [cx, cy]
        dist = np.hypot(d[:, 0], d[:, 1])
        need = r + stations.radius + clear_m
        close = dist < need
        if close.any():
            unit = d[close] / np.maximum(dist[close], 1.0)[:, None]
            stations.center[close, :2] = np.array([cx, cy]) + unit * need[close, None]
