"""The static layers of a scenario, resolved to the theatre frame in kilometres.

`build_scene(scenario)` turns what the planner declared (place names, zone specs, ranges) into
plain geometry: country polygons, engagement and excluded zones, Ukrainian air-defence sites,
air bases, radars, cities, launch areas and patrol stations, each with its frame position in km.
The static map (`theatre_map`) and the HTML replay (`html`) both draw from it, so they agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import box

from skyshield.geo.borders import borders, to_frame
from skyshield.geo.frame import THEATRE
from skyshield.model import library as lib
from skyshield.model.scenario import LatLon, Scenario

__all__ = ["Scene", "Point", "ZoneLayer", "build_scene", "latlon_of"]

KM = 1000.0
SIMPLIFY_KM = 0.2  # drawing tolerance of borders and zones [km]
VIEW_PAD_KM = 70.0  # margin around the scenario's content [km]
VIEW_ASPECT = 1.45  # width / height of the default view


@dataclass(frozen=True)
class Point:
    """A named point of a layer, in frame km, with free-form attributes for labels/tooltips."""

    name: str
    x: float  # [km] east
    y: float  # [km] north
    lat: float  # [deg]
    lon: float  # [deg]
    attrs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ZoneLayer:
    """A named zone used by the rules: `role` is "engagement" or "excluded"."""

    name: str
    role: str
    nations: tuple[str, ...]
    geometry: shapely.Geometry  # frame km


@dataclass(frozen=True)
class Country:
    """A country polygon in frame km (simplified for drawing) and where its name goes."""

    iso3: str
    name: str
    nato: bool
    geometry: shapely.Geometry  # frame km
    label: tuple[float, float] | None  # [km], None when the country is outside the view


@dataclass(frozen=True)
class Scene:
    """Everything static the map shows, in the theatre frame [km]."""

    name: str
    description: str
    view: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax [km]
    countries: list[Country]
    zones: list[ZoneLayer]
    sites: list[Point]  # Ukrainian air defence: attrs system, range_km, active
    bases: list[Point]  # attrs nation, squadrons (list of str), aircraft
    radars: list[Point]  # attrs nation, kind, range_km, orbit_km
    cities: list[Point]  # attrs country, population, kind, target (bool)
    launch_areas: list[Point]  # attrs threats (count), types, in_view (bool)
    patrols: list[Point]  # attrs nation, squadron, aircraft, radius_km


def latlon_of(loc: LatLon | str) -> tuple[float, float]:
    """(lat, lon) of a scenario location: an explicit point or a library place name."""
    try:  # the model's resolver, when present, is the one authority on locations
        from skyshield.model.resolve import latlon
    except ImportError:
        latlon = None
    if latlon is not None:
        lat, lon = latlon(loc)
        return float(lat), float(lon)
    if isinstance(loc, LatLon):
        return loc.lat, loc.lon
    from skyshield.model.resolve import parse_latlon

    pair = parse_latlon(loc)
    if pair is not None:
        return pair
    p = lib.place(loc)
    return p.lat, p.lon


def _xy_km(lat: float, lon: float) -> tuple[float, float]:
    xy = THEATRE.to_xy(lat, lon) / KM
    return float(xy[0]), float(xy[1])


def _point(name: str, lat: float, lon: float, **attrs: object) -> Point:
    x, y = _xy_km(lat, lon)
    return Point(name, x, y, lat, lon, dict(attrs))


def _km(geom_lonlat: shapely.Geometry) -> shapely.Geometry:
    """A lon/lat geometry in frame km, edges densified before projecting, simplified."""
    g = to_frame(shapely.segmentize(geom_lonlat, 0.05))
    g = shapely.transform(g, lambda c: c / KM)
    return shapely.simplify(g, SIMPLIFY_KM, preserve_topology=True)


@lru_cache(maxsize=1)
def _country_km() -> dict[str, tuple[str, shapely.Geometry]]:
    b = borders()
    return {iso: (b.names.get(iso, iso), _km(g)) for iso, g in b.geometry.items()}


def _zones(scenario: Scenario) -> dict[str, shapely.Geometry]:
    """The scenario's named zones as lon/lat geometries (via `model.zones.build_zones`)."""
    from skyshield.model.zones import build_zones

    return {name: z.geometry for name, z in build_zones(scenario).items()}


def _zone_layers(scenario: Scenario) -> list[ZoneLayer]:
    roles: dict[tuple[str, str], list[str]] = defaultdict(list)
    for nation, rules in scenario.rules.items():
        for z in rules.engagement_zones:
            roles[(z, "engagement")].append(nation)
        for z in rules.excluded_zones:
            roles[(z, "excluded")].append(nation)
    if not roles:
        return []
    geoms = _zones(scenario)
    out = []
    for (name, role), nations in roles.items():
        if name in geoms and not geoms[name].is_empty:
            out.append(ZoneLayer(name, role, tuple(sorted(set(nations))), _km(geoms[name])))
    out.sort(key=lambda z: z.role != "engagement")  # engagement below excluded
    return out


def _targets(scenario: Scenario) -> set[str]:
    names: set[str] = set()
    for w in scenario.raid.waves:
        for t in w.targets:
            area = scenario.raid.target_areas.get(t)
            names.update(area.places if area else [t])
    return {lib.fold(n) for n in names}


def _view(points: list[Point], zones: list[ZoneLayer]) -> tuple[float, float, float, float]:
    xs = [p.x for p in points]
    ys = [p.y for p in points]
    for z in zones:
        x0, y0, x1, y1 = z.geometry.bounds
        xs += [x0, x1]
        ys += [y0, y1]
    if not xs:
        xs, ys = [-600.0, 600.0], [-400.0, 400.0]
    x0, x1 = min(xs) - VIEW_PAD_KM, max(xs) + VIEW_PAD_KM
    y0, y1 = min(ys) - VIEW_PAD_KM, max(ys) + VIEW_PAD_KM
    w, h = x1 - x0, y1 - y0
    if w / h < VIEW_ASPECT:
        grow = (h * VIEW_ASPECT - w) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (w / VIEW_ASPECT - h) / 2
        y0, y1 = y0 - grow, y1 + grow
    return (x0, x1, y0, y1)


def build_scene(scenario: Scenario) -> Scene:
    """Resolve a scenario's static layers to the theatre frame [km]."""
    sites = []
    for s in scenario.air_defence:
        lat, lon = latlon_of(s.at)
        sites.append(_point(s.name, lat, lon, system=s.system, range_km=s.range_km,
                            active=s.active, magazine=s.magazine))

    by_base: dict[str, dict] = {}
    patrols = []
    for nation in scenario.coalition:
        for sq in nation.squadrons:
            place = lib.place(sq.base)
            rec = by_base.setdefault(place.name, {"place": place, "nation": nation.nation,
                                                  "squadrons": [], "aircraft": 0})
            rec["squadrons"].append(f"{sq.name} ({sq.count} × {sq.aircraft})")
            rec["aircraft"] += sq.count
            for p in sq.patrols:
                lat, lon = latlon_of(p.at)
                patrols.append(_point(p.name, lat, lon, nation=nation.nation, squadron=sq.name,
                                      aircraft=p.aircraft, radius_km=p.orbit_radius_km,
                                      altitude_m=p.altitude_m))
    bases = [_point(name, r["place"].lat, r["place"].lon, nation=r["nation"],
                    squadrons=r["squadrons"], aircraft=r["aircraft"])
             for name, r in by_base.items()]

    radars = []
    for r in scenario.radars:
        if r.kind == "airborne" and r.orbit is not None:
            lat, lon = latlon_of(r.orbit.center)
            orbit = r.orbit.radius_km
        else:
            lat, lon = latlon_of(r.at)  # type: ignore[arg-type]
            orbit = 0.0
        radars.append(_point(r.name, lat, lon, nation=r.nation, kind=r.kind,
                             range_km=r.range_km, orbit_km=orbit))

    zones = _zone_layers(scenario)
    targets = _targets(scenario)
    target_places = [p for p in lib.library().places if lib.fold(p.name) in targets]
    core = sites + bases + patrols + [r for r in radars if r.attrs["kind"] == "ground"]
    core += [_point(p.name, p.lat, p.lon) for p in target_places]
    view = _view(core, [])  # zones may span whole countries: frame the declared points
    vx0, vx1, vy0, vy1 = view

    def in_view(p: Point, margin: float = 0.0) -> bool:
        return vx0 - margin <= p.x <= vx1 + margin and vy0 - margin <= p.y <= vy1 + margin

    cities = []
    for p in lib.library().places:
        is_target = lib.fold(p.name) in targets
        if p.kind == "city" or (is_target and p.kind != "launch_area"):
            pt = _point(p.name, p.lat, p.lon, country=p.country, population=p.population,
                        kind=p.kind, target=is_target)
            if in_view(pt):
                cities.append(pt)
    cities.sort(key=lambda c: -c.attrs["population"])

    from skyshield.world.raid import launch_site

    launch: dict[str, dict] = {}
    for w in scenario.raid.waves:  # a library area, a {lat, lon} point or a polygon
        name, la_lat, la_lon = launch_site(w.launch_area)
        rec = launch.setdefault(name, {"n": 0, "types": set(), "at": (la_lat, la_lon)})
        rec["n"] += w.count
        rec["types"].add(w.threat)
    launch_areas = []
    for name, rec in launch.items():
        pt = _point(name, *rec["at"], threats=rec["n"], types=sorted(rec["types"]))
        pt.attrs["in_view"] = in_view(pt)
        launch_areas.append(pt)

    frame_box = box(vx0, vy0, vx1, vy1)
    b = borders()
    countries = []
    for iso, (name, g) in _country_km().items():
        label = None
        part = g.intersection(frame_box.buffer(-40.0))
        if not part.is_empty and part.area > 4000.0:
            if part.geom_type == "MultiPolygon":
                part = max(part.geoms, key=lambda q: q.area)
            c = part.centroid if part.contains(part.centroid) else part.representative_point()
            label = (float(c.x), float(c.y))
        countries.append(Country(iso, name, iso in b.nato, g, label))
    return Scene(scenario.name, scenario.description, view, countries, zones, sites, bases,
                 radars, cities, launch_areas, patrols)


def rings(geom: shapely.Geometry) -> list[np.ndarray]:
    """Exterior and interior rings of a (multi)polygon as (M, 2) arrays."""
    out: list[np.ndarray] = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        out.append(np.asarray(poly.exterior.coords))
        out.extend(np.asarray(r.coords) for r in poly.interiors)
    return out
