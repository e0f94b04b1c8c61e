"""Build the scenario's named zones as real WGS84 geometries (`geo.zones.Zone`).

Zones may refer to each other (unions, differences); they are built in dependency order,
and a cycle or an unknown name is a validation error reported by `model.validate`.
"""

from __future__ import annotations

from skyshield.geo import zones as gz
from skyshield.model.resolve import locate
from skyshield.model.scenario import (
    CircleZone,
    CountryZone,
    DifferenceZone,
    NearBorderZone,
    NearCountryZone,
    PolygonZone,
    Scenario,
    UnionZone,
    ZoneSpec,
)

_LEAVES: dict[str, gz.Zone] = {}  # leaf zones by spec: buffering real borders is costly


def build_zone(name: str, spec: ZoneSpec, built: dict[str, gz.Zone]) -> gz.Zone:
    """One zone from its spec; `built` holds the zones it may refer to."""
    if not isinstance(spec, UnionZone | DifferenceZone):
        key = spec.model_dump_json()
        if key not in _LEAVES:
            _LEAVES[key] = _build(spec, built)
        return gz.Zone(name, _LEAVES[key].geometry)
    return gz.Zone(name, _build(spec, built).geometry)


def _build(spec: ZoneSpec, built: dict[str, gz.Zone]) -> gz.Zone:
    match spec:
        case PolygonZone():
            zone = gz.polygon(spec.points)
        case CircleZone():
            lat, lon = locate(spec.center)
            zone = gz.circle(lat, lon, spec.radius_km)
        case NearCountryZone():
            zone = gz.near_country(spec.country, spec.within_km, inside=spec.inside)
        case NearBorderZone():
            zone = gz.near_border(spec.countries, spec.within_km, inside=spec.inside)
        case CountryZone():
            zone = gz.country(spec.country)
        case UnionZone():
            zone = gz.union(*(built[z] for z in spec.of))
        case DifferenceZone():
            zone = gz.difference(built[spec.of], *(built[z] for z in spec.minus))
        case _:  # pragma: no cover - the schema admits no other kind
            raise TypeError(f"unknown zone spec {spec!r}")
    return zone


def build_zones(scenario: Scenario) -> dict[str, gz.Zone]:
    """All named zones of a scenario, in file order, with references resolved."""
    built: dict[str, gz.Zone] = {}
    pending = dict(scenario.zones)
    while pending:
        progressed = False
        for name, spec in list(pending.items()):
            refs = (
                spec.of
                if isinstance(spec, UnionZone)
                else [spec.of, *spec.minus]
                if isinstance(spec, DifferenceZone)
                else []
            )
            if all(r in built for r in refs):
                built[name] = build_zone(name, spec, built)
                del pending[name]
                progressed = True
        if not progressed:
            raise ValueError(f"zones refer to unknown or cyclic zones: {sorted(pending)}")
    return {name: built[name] for name in scenario.zones}
