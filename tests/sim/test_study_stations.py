"""A zone-depth override moves the patrol stations: the 150 km option of the built-in study
flies deeper than its 50 km option, measured against the shipped border polygons with an
independent geodesic projection (pyproj azimuthal equidistant + shapely), not the product's
border-distance code."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from skyshield.geo.borders import NATO
from skyshield.model.resolve import locate
from skyshield.model.study import load_study
from skyshield.sim.run import run_scenario

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def polygons() -> dict[str, shapely.Geometry]:
    text = resources.files("skyshield").joinpath("data/borders.geojson").read_text("utf-8")
    return {f["id"]: shape(f["geometry"]) for f in json.loads(text)["features"]}


def depth_km(polygons, lat: np.ndarray, lon: np.ndarray, countries) -> np.ndarray:
    """Oracle: distance [km] of each point to the nearest of `countries` (0 inside one),
    in an azimuthal equidistant projection centred on the points (exact along radials)."""
    lat, lon = np.atleast_1d(lat).astype(float), np.atleast_1d(lon).astype(float)
    tr = Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={lat.mean():.4f} "
                              f"+lon_0={lon.mean():.4f} +ellps=WGS84", always_xy=True)
    target = shapely.union_all([shapely.segmentize(polygons[c], 0.005) for c in countries])
    target = shapely.transform(target, lambda c: np.column_stack(tr.transform(c[:, 0],
                                                                              c[:, 1])))
    x, y = tr.transform(lon, lat)
    return shapely.distance(target, shapely.points(x, y)) / 1000.0


@pytest.fixture(scope="module")
def plan():
    return load_study("coalition-options")


def stations(scenario):
    return [(m.nation, m.airspace, p, *locate(p.at)) for m in scenario.coalition
            for sq in m.squadrons for p in sq.patrols]


def test_stations_stand_within_each_options_depth(plan, polygons):
    ukr = polygons["UKR"]
    for members in ("poland", "pol-rou", "four"):
        shallow = stations(plan.option(f"{members}-50km").scenario)
        deep = stations(plan.option(f"{members}-150km").scenario)
        declared = {p.name: (lat, lon) for _, _, p, lat, lon in stations(plan.base)}
        for (_, air, p, la50, lo50), (_, _, _, la150, lo150) in zip(shallow, deep,
                                                                         strict=True):
            over = shapely.contains_xy(ukr, lo50, la50)
            assert over == shapely.contains_xy(ukr, lo150, la150)
            if not over:  # home-defence stations stay where declared
                if p.name in declared:
                    assert (la50, lo50) == (la150, lo150) == declared[p.name]
                continue
            d50, d150 = depth_km(polygons, np.array([la50, la150]), np.array([lo50, lo150]),
                                 [air])
            r = p.orbit_radius_km
            assert d50 + r <= 50 + 1.5, (members, p.name, d50)  # the orbit inside the zone
            assert d150 + r <= 150 + 1.5, (members, p.name, d150)
            assert d150 > d50 + 40, (members, p.name, d50, d150)
            # and no deeper from any NATO country than the zone allows
            assert depth_km(polygons, la150, lo150, sorted(NATO))[0] <= d150 + 0.5


def test_the_150_km_option_flies_deeper(plan, polygons):
    """Poland alone at 50 and 150 km, 30 minutes (its patrols reach their stations)."""
    deepest = {}
    for name in ("poland-50km", "poland-150km"):
        sc = plan.option(name).scenario.model_copy(update={"duration_min": 30.0,
                                                           "tick_s": 2.0})
        res = run_scenario(sc, seed=1)
        ac = res.trajectories[res.trajectories.kind == "aircraft"]
        lat, lon = ac.lat.to_numpy(float), ac.lon.to_numpy(float)
        over = shapely.contains_xy(polygons["UKR"], lon, lat)
        d = depth_km(polygons, lat[over], lon[over], sorted(NATO))
        deepest[name] = d.max() if d.size else 0.0
        # the engine's exposure metric agrees with the oracle on the real polygons
        assert res.metrics["nations"]["POL"]["max_depth_km"] == pytest.approx(
            deepest[name], abs=3.0)
    assert deepest["poland-50km"] <= 50 + 3.0
    assert deepest["poland-150km"] > deepest["poland-50km"] + 30, deepest
