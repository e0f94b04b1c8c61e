"""Scenario variants derived from a scenario, for side-by-side comparisons.

`own_territory_only` is the other half of the debris dilemma: the same raid and forces, but
every nation engages only over its own territory (the host's for an ally), keeping its
hold-fire rules, threat classes, trigger and approval.

`place_stations` is what a planner means by "we fly up to D km into Ukraine": every patrol
station over Ukraine is moved straight inland (or back toward the border) to a depth inside
the allowed band (by default half of it, with the whole orbit inside it), so a 150 km option
flies deeper stations than a 50 km one.
"""

from __future__ import annotations

import numpy as np

from skyshield.geo import geodesy
from skyshield.geo import zones as gz
from skyshield.geo.borders import Borders, borders
from skyshield.model.resolve import locate
from skyshield.model.scenario import CountryZone, LatLon, Rules, Scenario
from skyshield.model.zones import build_zones

__all__ = ["own_territory_only", "place_stations", "station_depth"]

STATION_FRACTION = 0.5  # default station depth: this share of the allowed depth
STEP_KM = 1.0  # resolution of the search along the line from the border [km]
ORBIT_POINTS = 16  # points of an orbit checked against excluded zones and hostile airspace
HOSTILE = ("BLR", "RUS")


def own_territory_only(scenario: Scenario) -> Scenario:
    """The scenario with every coalition nation's rules limited to its own airspace."""
    rules: dict[str, Rules] = {}
    zones = dict(scenario.zones)
    for member in scenario.coalition:
        zone = f"{member.airspace.lower()}-airspace (variant)"
        zones[zone] = CountryZone(kind="country", country=member.airspace)
        src = member.host if member.rules_from == "host" and member.host else member.nation
        r = scenario.rules.get(member.nation) or scenario.rules.get(src) or Rules(
            engagement_zones=[zone])
        rules[member.nation] = r.model_copy(update={
            "engagement_zones": [zone], "max_depth_km": 0.0, "excluded_zones": [],
            "ukrainian_consent": "all"})
    coalition = [m.model_copy(update={"rules_from": "own"}) for m in scenario.coalition]
    return scenario.model_copy(update={
        "name": f"{scenario.name} (own territory only)", "rules": rules,
        "coalition": coalition, "zones": zones})


def station_depth(max_depth_km: float, orbit_radius_km: float) -> float:
    """Default depth [km] of a station centre from its nation's border under `max_depth_km`:
    half the allowed depth, and never so deep that the orbit leaves it. Negative: behind the
    border, over the nation's own territory (an allowed depth smaller than the orbit)."""
    return min(STATION_FRACTION * max_depth_km, max_depth_km - orbit_radius_km)


def place_stations(scenario: Scenario, depth_km: float | None = None) -> Scenario:
    """`scenario` with every coalition patrol station over Ukraine moved to its planned depth.

    A station over Ukraine moves straight inland (along the gradient of the distance to its
    nation's own border, the host's for an ally) or straight back toward that border, to
    `depth_km` from it, or, when None, to `station_depth` of the ``max_depth_km`` of the
    rules the nation flies under and its orbit radius. Going inland it stops short where its
    orbit would touch one of the nation's excluded zones, Belarus or Russia, or where its
    centre would leave Ukraine. Stations over NATO territory (home-defence patrols) stay
    where they are declared.
    """
    b = borders()
    zones = None
    coalition = []
    changed = False
    for member in scenario.coalition:
        src = member.host if member.rules_from == "host" and member.host else member.nation
        rules = scenario.rules.get(src)  # as decide.roe.compile_rules reads them
        squadrons = []
        for sq in member.squadrons:
            if not sq.patrols:
                squadrons.append(sq)
                continue
            at = np.array([locate(p.at) for p in sq.patrols], float)
            over = b.country_of(at[:, 0], at[:, 1]) == "UKR"
            if not over.any():
                squadrons.append(sq)
                continue
            if zones is None:
                zones = build_zones(scenario)
            excluded = [zones[z] for z in (rules.excluded_zones if rules else []) if z in zones]
            max_depth = rules.max_depth_km if rules else 0.0
            patrols = list(sq.patrols)
            for k in np.flatnonzero(over):
                p = sq.patrols[k]
                want = depth_km if depth_km is not None else station_depth(
                    max_depth, p.orbit_radius_km)
                lat, lon = _along(b, member.airspace, at[k], want, p.orbit_radius_km,
                                  excluded)
                patrols[k] = p.model_copy(update={"at": LatLon(lat=round(lat, 5),
                                                               lon=round(lon, 5))})
                changed = True
            squadrons.append(sq.model_copy(update={"patrols": patrols}))
        coalition.append(member.model_copy(update={"squadrons": squadrons}))
    return scenario.model_copy(update={"coalition": coalition}) if changed else scenario


def _along(b: Borders, airspace: str, at: np.ndarray, want_km: float, radius_km: float,
           excluded: list[gz.Zone]) -> tuple[float, float]:
    """The point `want_km` from `airspace`'s border (negative: behind it) reached from `at`
    straight inland or straight back (along the gradient of the distance to that border),
    stopped at the last point whose orbit stays clear of `excluded` zones and hostile
    airspace and whose centre is over Ukraine."""
    qlat, qlon, d = (float(v) for v in b.nearest_on_border(at[0], at[1], (airspace,)))
    d /= 1000.0
    if want_km <= d:  # back toward the border: the straight line to its nearest point
        _, az, _ = geodesy.inverse(qlat, qlon, at[0], at[1])
        lat, lon = geodesy.forward(qlat, qlon, az, want_km * 1000.0)
        return float(lat), float(lon)
    path = [(float(at[0]), float(at[1]))]
    lat, lon = path[0]
    for _ in range(int(np.ceil((want_km - d) / STEP_KM)) + 50):  # inland, step by step
        if d >= want_km - 1e-6:
            break
        _, az, _ = geodesy.inverse(qlat, qlon, lat, lon)  # away from the nearest border point
        lat, lon = (float(v) for v in geodesy.forward(lat, lon, az, 1000.0 * min(
            STEP_KM, want_km - d)))
        path.append((lat, lon))
        qlat, qlon, d = (float(v) for v in b.nearest_on_border(lat, lon, (airspace,)))
        d /= 1000.0
    p = np.array(path)
    ring = np.linspace(0.0, 360.0, ORBIT_POINTS, endpoint=False)
    n = len(p)
    olat, olon = geodesy.forward(np.repeat(p[:, 0], ORBIT_POINTS),
                                 np.repeat(p[:, 1], ORBIT_POINTS), np.tile(ring, n),
                                 np.full(n * ORBIT_POINTS, radius_km * 1000.0))
    bad = np.isin(b.country_of(olat, olon), HOSTILE)
    for z in excluded:
        bad |= z.contains(olat, olon)
    ok = ~bad.reshape(n, ORBIT_POINTS).any(axis=1) & (b.country_of(p[:, 0], p[:, 1]) == "UKR")
    first_bad = np.flatnonzero(~ok[1:])
    k = first_bad[0] if first_bad.size else n - 1  # the last good point before any bad one
    return float(p[k, 0]), float(p[k, 1])
