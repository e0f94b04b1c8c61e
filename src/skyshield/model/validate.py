"""Cross-checks that the schema alone cannot make: names against the library and each other.

`check_references` works on the plain data of a scenario file (dicts and lists), so that it
can run even when pydantic found problems too and every problem is reported at once; it
skips whatever has the wrong shape (pydantic reports that). `check_geometry` is the hook
for checks that need the borders (an engagement zone wholly inside an excluded zone ...).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from skyshield.model.errors import PathT, Problem, Where
from skyshield.model.errors import dotted as _dotted
from skyshield.model.library import Catalogue, library
from skyshield.model.resolve import parse_latlon
from skyshield.model.scenario import Scenario
from skyshield.model.zones import build_zones

HOSTILE = ("RUS", "BLR", "UKR")  # no coalition squadron is based here


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a 6371 km sphere (a sanity check, not geodesy)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def check_geometry(scenario: Scenario, file: str = "<scenario>",
                   where: Where | None = None) -> list[Problem]:
    """Rules that can never allow an engagement, judged on the real zones and borders.

    Per nation: an engagement zone wholly inside its excluded zones (by geometry; the
    same name in both lists is reported by `check_references`), an engagement zone with no
    Ukrainian and no own territory, ``max_depth_km: 0`` with no engagement zone over its own
    territory (nothing is then ever allowed), and a consent zone that does not overlap the
    engagement zones over Ukraine. Each is reported at the offending field.
    """
    import shapely

    if not scenario.rules:
        return []
    loc = where or (lambda path: (0, 0))
    problems: list[Problem] = []

    def add(path: PathT, message: str) -> None:
        problems.append(Problem(file, *loc(path), _dotted(path), message))

    zones = _built_zones(scenario)
    if zones is None:
        return []
    from skyshield.geo import zones as gz

    ukraine = gz.country("UKR").geometry
    airspace = {m.nation: m.airspace for m in scenario.coalition}
    for nation, r in scenario.rules.items():
        base: PathT = ("rules", nation)
        if airspace.get(nation, nation) not in gz.borders().geometry:
            continue  # an ally without a host: reported by the schema
        own = gz.country(airspace.get(nation, nation)).geometry
        named = {**zones, "__own__": gz.Zone("__own__", own)}
        engage = [(i, z, named[z].geometry) for i, z in enumerate(r.engagement_zones)
                  if z in named]
        excluded = [named[z].geometry for z in r.excluded_zones if z in named]
        out = shapely.union_all(excluded) if excluded else None
        for i, z, g in engage:
            if out is not None and z not in r.excluded_zones and _covered(g, out):
                names = ", ".join(repr(x) for x in r.excluded_zones)
                add((*base, "engagement_zones", i), f"zone {z!r} lies wholly inside the "
                    f"excluded zones ({names}): engaging there is never allowed")
            if not _overlaps(g, shapely.union(ukraine, own)):
                add((*base, "engagement_zones", i), f"zone {z!r} covers no Ukrainian and no "
                    f"{nation} territory: these rules cannot use it (expected a zone over "
                    f"Ukraine or {nation})")
        if r.max_depth_km == 0 and engage and not any(_overlaps(g, own) for _, _, g in engage):
            add((*base, "max_depth_km"), f"max_depth_km is 0 (never over Ukraine) and no "
                f"engagement zone covers {nation} airspace: these rules can never allow an "
                "engagement")
        if r.ukrainian_consent != "all" and engage:
            over_ukr = shapely.intersection(
                shapely.union_all([g for _, _, g in engage]), ukraine)
            for j, z in enumerate(r.ukrainian_consent):
                if z in named and not _overlaps(named[z].geometry, over_ukr):
                    add((*base, "ukrainian_consent", j), f"consent zone {z!r} does not overlap "
                        "the engagement zones over Ukraine: it allows nothing")
    return problems


_AREA_EPS = 1e-6  # relative area below which an overlap or a remainder is a sliver [-]


def _covered(g: Any, cover: Any) -> bool:
    """True if `g` has no area outside `cover` (slivers along shared borders ignored)."""
    import shapely

    a = shapely.area(g)
    return a > 0 and shapely.area(shapely.difference(g, cover)) <= _AREA_EPS * a


def _overlaps(g: Any, other: Any) -> bool:
    """True if `g` and `other` share more than a sliver of area."""
    import shapely

    a = shapely.area(g)
    return a > 0 and shapely.area(shapely.intersection(g, other)) > _AREA_EPS * a


_ZONE_CACHE: dict[str, Any] = {}


def _built_zones(scenario: Scenario) -> dict[str, Any] | None:
    """The scenario's zones built (cached by their specs: loading a file twice builds once);
    None if they cannot be built (a reference problem reported elsewhere)."""
    import json

    import shapely

    key = json.dumps(scenario.model_dump(mode="json")["zones"], sort_keys=True)
    if key not in _ZONE_CACHE:
        try:
            zones = build_zones(scenario)
        except (KeyError, ValueError, shapely.errors.GEOSException):
            return None
        if len(_ZONE_CACHE) > 16:
            _ZONE_CACHE.clear()
        _ZONE_CACHE[key] = zones
    return _ZONE_CACHE[key]


def validate_scenario(scenario: Scenario) -> list[Problem]:
    """All reference and geometry problems of a scenario built in Python (no lines)."""
    data = scenario.model_dump(mode="json")
    return check_references(data, "<scenario>") + check_geometry(scenario)


# --------------------------------------------------------------------------- helpers
def _d(x: Any) -> dict:
    return x if isinstance(x, dict) else {}


def _l(x: Any) -> list:
    return x if isinstance(x, list) else []


def _items(x: Any) -> Iterable[tuple[int, Any]]:
    return enumerate(_l(x))


class _Checker:
    def __init__(self, data: dict, file: str, where: Where | None):
        self.data = data
        self.file = file
        self.where = where or (lambda path: (0, 0))
        self.problems: list[Problem] = []
        self.lib = library()

    def add(self, path: PathT, message: str) -> None:
        line, col = self.where(path)
        self.problems.append(Problem(self.file, line, col, _dotted(path), message))

    def name(self, cat: Catalogue, value: Any, path: PathT, kinds: tuple[str, ...] = (),
             what: str = "") -> Any:
        """Check `value` names a record of `cat` (of one of `kinds`, if given)."""
        if not isinstance(value, str):
            return None
        rec = cat.get(value)
        if rec is None:
            close = cat.suggest(value) if not kinds else [
                n for n in cat.suggest(value, n=12) if cat[n].kind in kinds][:3]
            hint = f": did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            self.add(path, f"unknown {what or cat.kind} {value!r}{hint}")
            return None
        if kinds and rec.kind not in kinds:
            want = what or " or ".join(kinds)
            self.add(path, f"{rec.name!r} is {_a(rec.kind)}, expected {_a(want)}")
            return None
        return rec

    def location(self, value: Any, path: PathT) -> tuple[float, float] | None:
        if isinstance(value, dict):
            lat, lon = value.get("lat"), value.get("lon")
            ok = isinstance(lat, int | float) and isinstance(lon, int | float)
            return (float(lat), float(lon)) if ok else None
        if isinstance(value, str):
            ll = parse_latlon(value)
            if ll is not None:
                return ll
            rec = self.name(self.lib.places, value, path, what="place")
            return (rec.lat, rec.lon) if rec is not None else None
        return None

    def unique(self, names: list[tuple[PathT, Any]], what: str) -> None:
        seen: dict[str, PathT] = {}
        for path, n in names:
            if not isinstance(n, str):
                continue
            if n in seen:
                self.add(path, f"duplicate {what} name {n!r}")
            seen[n] = path


# ---------------------------------------------------------------------------- checks
def check_references(data: Any, file: str = "<scenario>", where: Where | None = None
                     ) -> list[Problem]:
    """Every name-level problem of scenario `data` (plain dicts/lists from YAML)."""
    if not isinstance(data, dict):
        return []
    c = _Checker(data, file, where)
    zones = _check_zones(c)
    _check_polygons(c)
    _check_places(c)
    _check_times(c)
    _check_sizes(c)
    _check_coalition(c)
    _check_rules(c, zones)
    _check_sensors_and_sites(c)
    _check_raid(c)
    _check_forces(c)
    _check_routes(c)
    return c.problems


def _check_zones(c: _Checker) -> dict[str, dict]:
    zones = {k: _d(v) for k, v in _d(c.data.get("zones")).items() if isinstance(k, str)}
    for zname, z in zones.items():
        base: PathT = ("zones", zname)
        kind = z.get("kind")
        if kind == "circle":
            c.location(z.get("center"), (*base, "center"))
        elif kind == "union":
            for i, ref in _items(z.get("of")):
                _zone_ref(c, zones, ref, (*base, "of", i))
        elif kind == "difference":
            of = z.get("of")
            _zone_ref(c, zones, of, (*base, "of"))
            for i, ref in _items(z.get("minus")):
                _zone_ref(c, zones, ref, (*base, "minus", i))
                if ref == of:
                    c.add((*base, "minus", i), f"zone {zname!r} subtracts its own base {of!r}: "
                          "it is empty")
    # cycles through union/difference references
    state: dict[str, int] = {}

    def visit(n: str, trail: list[str]) -> None:
        if state.get(n) == 2 or n not in zones:
            return
        if state.get(n) == 1:
            cyc = trail[trail.index(n):] + [n]
            c.add(("zones", cyc[0]), "zone references form a cycle: " + " -> ".join(cyc))
            return
        state[n] = 1
        for ref in _zone_children(zones[n]):
            visit(ref, [*trail, n])
        state[n] = 2

    for n in zones:
        visit(n, [])
    return zones


def _zone_children(z: dict) -> list[str]:
    kind = z.get("kind")
    refs: list[Any] = []
    if kind == "union":
        refs = _l(z.get("of"))
    elif kind == "difference":
        refs = [z.get("of"), *_l(z.get("minus"))]
    return [r for r in refs if isinstance(r, str)]


def _zone_ref(c: _Checker, zones: dict[str, dict], ref: Any, path: PathT) -> None:
    if isinstance(ref, str) and ref not in zones:
        import difflib

        close = difflib.get_close_matches(ref, list(zones), n=3, cutoff=0.5)
        hint = f": did you mean {', '.join(repr(z) for z in close)}?" if close else ""
        known = f" (zones defined: {', '.join(zones) or 'none'})" if not close else ""
        c.add(path, f"unknown zone {ref!r}{hint}{known}")


def _check_coalition(c: _Checker) -> None:
    lib = c.lib
    squadrons: list[tuple[PathT, Any]] = []
    nations: list[tuple[PathT, Any]] = []
    for i, nation in _items(c.data.get("coalition")):
        nation = _d(nation)
        nations.append((("coalition", i, "nation"), nation.get("nation")))
        for j, sq in _items(nation.get("squadrons")):
            sq = _d(sq)
            p: PathT = ("coalition", i, "squadrons", j)
            squadrons.append(((*p, "name"), sq.get("name")))
            base = c.name(lib.places, sq.get("base"), (*p, "base"), kinds=("airbase",),
                          what="air base")
            if base is not None and base.country in HOSTILE:
                c.add((*p, "base"), f"{base.name!r} is in {base.country}; expected an air base "
                      "in a coalition country")
            c.name(lib.interceptors, sq.get("aircraft"), (*p, "aircraft"))
            for w in _d(sq.get("loadout")):
                c.name(lib.weapons, w, (*p, "loadout", w))
            patrols = []
            for k, pat in _items(sq.get("patrols")):
                pat = _d(pat)
                patrols.append(((*p, "patrols", k, "name"), pat.get("name")))
                c.location(pat.get("at"), (*p, "patrols", k, "at"))
            c.unique(patrols, "patrol station")
    c.unique(squadrons, "squadron")
    c.unique(nations, "coalition nation")


def _check_rules(c: _Checker, zones: dict[str, dict]) -> None:
    members = {n.get("nation"): i for i, n in _items(c.data.get("coalition"))
               if isinstance(n, dict)}
    rules = _d(c.data.get("rules"))
    borrowed = {n.get("nation") for _, n in _items(c.data.get("coalition"))
                if isinstance(n, dict) and n.get("rules_from") == "host"}
    for nation, i in members.items():
        if isinstance(nation, str) and nation not in rules and nation not in borrowed:
            c.add(("coalition", i, "nation"), f"coalition member {nation} has no rules "
                  f"(expected an entry `rules: {{{nation}: ...}}`)")
    for nation, r in rules.items():
        r = _d(r)
        base: PathT = ("rules", nation)
        if isinstance(nation, str) and members and nation not in members:
            c.add(base, f"rules for {nation}, which is not in the coalition "
                  f"(members: {', '.join(str(m) for m in members)})")
        engage = [(i, z) for i, z in _items(r.get("engagement_zones")) if isinstance(z, str)]
        excluded = [z for _, z in _items(r.get("excluded_zones")) if isinstance(z, str)]
        for i, z in engage:
            _zone_ref(c, zones, z, (*base, "engagement_zones", i))
        for i, z in _items(r.get("excluded_zones")):
            _zone_ref(c, zones, z, (*base, "excluded_zones", i))
        for i, z in _items(r.get("ukrainian_consent")):
            _zone_ref(c, zones, z, (*base, "ukrainian_consent", i))
        # name-level contradictions: an engagement zone that is also excluded
        out = _excluded_closure(zones, set(excluded))
        blocked = [(i, z) for i, z in engage if z in out]
        for i, z in blocked:
            c.add((*base, "engagement_zones", i), f"zone {z!r} is also excluded: "
                  "engaging there is never allowed")
        if engage and len(blocked) == len(engage):
            c.add((*base, "engagement_zones"), "every engagement zone is excluded: these rules "
                  "can never allow an engagement")
        consent = r.get("ukrainian_consent")
        if isinstance(consent, list) and not consent and engage:
            c.add((*base, "ukrainian_consent"), "Ukraine consents nowhere: these rules can never "
                  "allow an engagement over Ukraine (expected zone names or 'all')")
        classes = _l(r.get("threat_classes"))
        if "threat_classes" in r and not classes:
            c.add((*base, "threat_classes"), "no threat classes: these rules can never allow an "
                  "engagement")


def _excluded_closure(zones: dict[str, dict], excluded: set[str]) -> set[str]:
    """Zones certainly inside the excluded set, judged by names alone."""
    out = set(excluded)
    changed = True
    while changed:
        changed = False
        for n, z in zones.items():
            if n in out:
                continue
            kind = z.get("kind")
            if kind == "union":
                refs = [r for r in _l(z.get("of")) if isinstance(r, str)]
                hit = bool(refs) and all(r in out for r in refs)
            elif kind == "difference":
                hit = z.get("of") in out
            else:
                hit = False
            if hit:
                out.add(n)
                changed = True
    return out


def _check_sensors_and_sites(c: _Checker) -> None:
    sites = []
    for i, s in _items(c.data.get("air_defence")):
        s = _d(s)
        sites.append((("air_defence", i, "name"), s.get("name")))
        c.location(s.get("at"), ("air_defence", i, "at"))
    c.unique(sites, "air defence site")
    radars = []
    for i, r in _items(c.data.get("radars")):
        r = _d(r)
        radars.append((("radars", i, "name"), r.get("name")))
        if r.get("at") is not None:
            c.location(r.get("at"), ("radars", i, "at"))
        orbit = _d(r.get("orbit"))
        if orbit.get("center") is not None:
            c.location(orbit.get("center"), ("radars", i, "orbit", "center"))
    c.unique(radars, "radar")


def _check_raid(c: _Checker) -> None:
    lib = c.lib
    raid = _d(c.data.get("raid"))
    areas = {k: _d(v) for k, v in _d(raid.get("target_areas")).items() if isinstance(k, str)}
    area_points: dict[str, list[tuple[str, float, float]]] = {}
    for a, spec in areas.items():
        pts = []
        for j, pname in _items(spec.get("places")):
            rec = c.name(lib.places, pname, ("raid", "target_areas", a, "places", j), what="place")
            if rec is not None:
                pts.append((rec.name, rec.lat, rec.lon))
        area_points[a] = pts
    duration = c.data.get("duration_min")
    for i, w in _items(raid.get("waves")):
        w = _d(w)
        p: PathT = ("raid", "waves", i)
        t = c.name(lib.threats, w.get("threat"), (*p, "threat"))
        launch = c.name(lib.places, w.get("launch_area"), (*p, "launch_area"),
                        kinds=("launch_area",), what="launch area")
        targets: list[tuple[str, float, float]] = []
        for j, tgt in _items(w.get("targets")):
            if not isinstance(tgt, str):
                continue
            if tgt in areas:
                targets += area_points[tgt]
                continue
            rec = lib.places.get(tgt)
            if rec is None:
                close = list(dict.fromkeys(
                    [a for a in areas if a.lower() == tgt.lower()] + lib.places.suggest(tgt)))[:3]
                hint = f": did you mean {', '.join(repr(x) for x in close)}?" if close else ""
                c.add((*p, "targets", j), f"unknown target {tgt!r}, expected a place or a "
                      f"target area{hint}")
            else:
                targets.append((rec.name, rec.lat, rec.lon))
        window = _l(w.get("window_min"))
        if (isinstance(duration, int | float) and window and isinstance(window[0], int | float)
                and window[0] >= duration):
            c.add((*p, "window_min"), f"first launch at {window[0]:g} min is after the scenario "
                  f"ends ({duration:g} min)")
        if t is not None and launch is not None and targets:
            far = max(targets, key=lambda x: great_circle_km(launch.lat, launch.lon, x[1], x[2]))
            d = great_circle_km(launch.lat, launch.lon, far[1], far[2])
            if d > t.range_km:
                c.add((*p, "targets"), f"{far[0]} is {d:.0f} km from {launch.name}, beyond the "
                      f"{t.range_km:g} km range of {t.name}")


def _check_forces(c: _Checker) -> None:
    """Allies beyond the neighbours fly from a base in their host country."""
    lib = c.lib
    for i, nation in _items(c.data.get("coalition")):
        nation = _d(nation)
        host = nation.get("host")
        if not isinstance(host, str):
            continue
        for j, sq in _items(nation.get("squadrons")):
            base = lib.places.get(_d(sq).get("base")) if isinstance(_d(sq).get("base"), str) \
                else None
            if base is not None and base.kind == "airbase" and base.country != host:
                c.add(("coalition", i, "squadrons", j, "base"), f"{base.name!r} is in "
                      f"{base.country}, not in the host country {host}")


_NO_LAUNCH = ("POL", "SVK", "HUN", "ROU", "MDA")  # no Russian launch from these


def _check_routes(c: _Checker) -> None:
    """Waypoints name places; launch points lie outside NATO and Moldova; a graze needs a
    border-following routing; navigation-loss overrides name threat types."""
    from skyshield.geo.borders import country_of

    raid = _d(c.data.get("raid"))
    for i, w in _items(raid.get("waves")):
        w = _d(w)
        p: PathT = ("raid", "waves", i)
        for k, v in _items(w.get("via")):
            c.location(v, (*p, "via", k))
        la = w.get("launch_area")
        pts: list[tuple[PathT, float, float]] = []
        if isinstance(la, dict) and la.get("kind") == "polygon":
            for k, q in _items(la.get("points")):
                if isinstance(q, list | tuple) and len(q) == 2 and all(
                        isinstance(x, int | float) for x in q):
                    pts.append(((*p, "launch_area", "points", k), float(q[0]), float(q[1])))
        elif isinstance(la, dict):
            ll = c.location(la, (*p, "launch_area"))
            if ll is not None:
                pts.append(((*p, "launch_area"), *ll))
        for path, lat, lon in pts:
            where = str(country_of(lat, lon))
            if where in _NO_LAUNCH:
                c.add(path, f"launch point {lat:g}, {lon:g} is in {where}; expected Russia, "
                      "Belarus, occupied Ukraine or the sea")
        opts = _d(w.get("options"))
        if opts.get("graze") is not None and w.get("routing") not in ("border", "north_west"):
            c.add((*p, "options", "graze"), "a graze cuts into the neighbour a border-following "
                  f"routing skims; expected routing border or north_west, got "
                  f"{w.get('routing', 'mixed')!r}")
    for name in _d(_d(raid.get("strays")).get("nav_loss")):
        c.name(c.lib.threats, name, ("raid", "strays", "nav_loss", name))


def _a(noun: str) -> str:
    """The noun with its indefinite article ("an air base", "a city")."""
    noun = noun.replace("_", " ")
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


# ------------------------------------------------------------------ geometry of input
HOSTILE_AIRSPACE = ("BLR", "RUS")  # no coalition station may stand over these


def _check_polygons(c: _Checker) -> None:
    """Every polygon zone: vertices in range, distinct, edges not crossing, some area.

    Judged on the plain data, so that a broken polygon is reported at its vertex and the
    zone is never handed to GEOS (which raises on degenerate input).
    """
    for zname, z in _d(c.data.get("zones")).items():
        z = _d(z)
        if z.get("kind") != "polygon" or not isinstance(zname, str):
            continue
        base: PathT = ("zones", zname, "points")
        pts: list[tuple[float, float]] = []
        for i, p in _items(z.get("points")):
            ok = (isinstance(p, list) and len(p) == 2
                  and all(isinstance(v, int | float) and not isinstance(v, bool) for v in p))
            if not ok:
                return  # pydantic reports the shape
            lat, lon = float(p[0]), float(p[1])
            if not (math.isfinite(lat) and math.isfinite(lon)):
                return
            if not -90 <= lat <= 90:
                c.add((*base, i), f"vertex {i}: latitude {lat:g} is out of range (expected "
                      "-90 to 90; vertices are [lat, lon])")
            elif not -180 <= lon <= 180:
                c.add((*base, i), f"vertex {i}: longitude {lon:g} is out of range (expected "
                      "-180 to 180; vertices are [lat, lon])")
            pts.append((lat, lon))
        if len(pts) != len(_l(z.get("points"))) or len(pts) < 3:
            continue
        for problem in polygon_problems(pts):
            c.add((*base, problem[0]), problem[1])


def polygon_problems(pts: list[tuple[float, float]]) -> list[tuple[int, str]]:
    """(vertex index, message) for each defect of a polygon given as (lat, lon) vertices.

    A last vertex equal to the first only closes the ring. Otherwise a repeated vertex,
    fewer than 3 distinct vertices, crossing edges or no area make it unusable.
    """
    import numpy as np

    if len(pts) > 3 and pts[-1] == pts[0]:
        pts = pts[:-1]
    seen: dict[tuple[float, float], int] = {}
    out: list[tuple[int, str]] = []
    for i, p in enumerate(pts):
        if p in seen:
            out.append((i, f"vertex {i} {list(p)} repeats vertex {seen[p]}: a polygon visits "
                        "each vertex once"))
        seen.setdefault(p, i)
    if out:
        return out
    xy = np.array([(lon, lat) for lat, lon in pts], float)
    n = len(xy)
    if n < 3:
        return [(0, "a polygon needs at least 3 distinct vertices")]
    a, b = xy, np.roll(xy, -1, axis=0)  # edge k runs from vertex k to vertex k+1
    sv = np.linalg.svd(xy - xy.mean(axis=0), compute_uv=False)
    if sv[-1] <= 1e-9 * max(sv[0], 1e-12):
        return [(0, "the polygon has no area (its vertices lie on one line)")]
    i, j = np.triu_indices(n, k=2)
    keep = ~((i == 0) & (j == n - 1))  # the first and last edges share vertex 0
    i, j = i[keep], j[keep]

    def orient(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
        return np.sign((q[:, 0] - p[:, 0]) * (r[:, 1] - p[:, 1])
                       - (q[:, 1] - p[:, 1]) * (r[:, 0] - p[:, 0]))

    o1, o2 = orient(a[i], b[i], a[j]), orient(a[i], b[i], b[j])
    o3, o4 = orient(a[j], b[j], a[i]), orient(a[j], b[j], b[i])
    cross = (o1 * o2 <= 0) & (o3 * o4 <= 0) & ~((o1 == 0) & (o2 == 0) & (o3 == 0) & (o4 == 0))
    collinear = (o1 == 0) & (o2 == 0)
    overlap = collinear & _overlap_1d(a[i], b[i], a[j], b[j])
    hit = np.nonzero(cross | overlap)[0]
    prev, nxt = np.roll(xy, 1, axis=0), b  # a vertex where the ring turns straight back
    back = (orient(prev, xy, nxt) == 0) & (np.sum((prev - xy) * (nxt - xy), axis=1) > 0)
    if back.any() and not len(hit):
        v = int(np.argmax(back))
        return [(v, f"the edges at vertex {v} fold back on each other: the polygon "
                 "intersects itself (expected a simple polygon, vertices in order around it)")]
    if len(hit):
        k, m = int(i[hit[0]]), int(j[hit[0]])
        return [(m, f"edge {k}-{(k + 1) % n} crosses edge {m}-{(m + 1) % n}: the polygon "
                 "intersects itself (expected a simple polygon, vertices in order around it)")]
    return []


def _overlap_1d(p: Any, q: Any, r: Any, s: Any) -> Any:
    """For collinear segments pq and rs: True where they share more than a point."""
    import numpy as np

    lo1, hi1 = np.minimum(p, q), np.maximum(p, q)
    lo2, hi2 = np.minimum(r, s), np.maximum(r, s)
    return ((np.minimum(hi1, hi2) - np.maximum(lo1, lo2)) > 0).any(axis=1)


def _quiet_location(c: _Checker, value: Any) -> tuple[float, float] | None:
    """(lat, lon) of a location without reporting (unknown names are reported elsewhere)."""
    if isinstance(value, dict):
        lat, lon = value.get("lat"), value.get("lon")
        ok = all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                 for v in (lat, lon))
        return (float(lat), float(lon)) if ok and -90 <= lat <= 90 and -180 <= lon <= 180 \
            else None
    if isinstance(value, str):
        ll = parse_latlon(value)
        if ll is not None:
            return ll
        rec = c.lib.places.get(value)
        return (rec.lat, rec.lon) if rec is not None else None
    return None


def _check_places(c: _Checker) -> None:
    """Where each kind of thing may stand, judged on the real borders.

    Everything declared by position lies inside the theatre; a ground radar stands on land
    in its nation's territory or in Ukraine; a coalition patrol station or AEW orbit lies
    wholly outside Belarus and Russia; a Ukrainian air-defence site stands in Ukraine.
    """
    import numpy as np

    from skyshield.geo.borders import borders

    th = _d(c.data.get("theatre"))
    box = []
    for k, default in (("south", 43.0), ("north", 57.0), ("west", 13.0), ("east", 42.0)):
        v = th.get(k, default)
        if not isinstance(v, int | float) or isinstance(v, bool):
            return
        box.append(float(v))
    south, north, west, east = box
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        return  # the schema reports the box
    # (path, lat, lon, rule, nation, radius [km])
    items: list[tuple[PathT, float, float, str, str, float]] = []

    def put(path: PathT, value: Any, rule: str, nation: str = "", radius: Any = 0.0) -> None:
        ll = _quiet_location(c, value)
        r = float(radius) if isinstance(radius, int | float) and math.isfinite(radius) else 0.0
        if ll is not None:
            items.append((path, ll[0], ll[1], rule, nation, max(r, 0.0)))

    for i, nation in _items(c.data.get("coalition")):
        nation = _d(nation)
        for j, sq in _items(nation.get("squadrons")):
            for k, pat in _items(_d(sq).get("patrols")):
                pat = _d(pat)
                put(("coalition", i, "squadrons", j, "patrols", k, "at"), pat.get("at"),
                    "station", str(nation.get("nation")), pat.get("orbit_radius_km", 20.0))
    for i, s in _items(c.data.get("air_defence")):
        put(("air_defence", i, "at"), _d(s).get("at"), "ukraine")
    for i, r in _items(c.data.get("radars")):
        r = _d(r)
        nation = str(r.get("nation"))
        if r.get("kind", "ground") == "ground":
            put(("radars", i, "at"), r.get("at"), "ground", nation)
        else:
            orbit = _d(r.get("orbit"))
            put(("radars", i, "orbit", "center"), orbit.get("center"),
                "theatre" if nation in HOSTILE_AIRSPACE else "station", nation,
                orbit.get("radius_km", 0.0))
    for zname, z in _d(c.data.get("zones")).items():
        z = _d(z)
        if z.get("kind") == "circle":
            put(("zones", zname, "center"), z.get("center"), "theatre")
    if not items:
        return
    lat = np.array([x[1] for x in items])
    lon = np.array([x[2] for x in items])
    b = borders()
    country = b.country_of(lat, lon)
    near = b.distance_to_any(lat, lon, HOSTILE_AIRSPACE) / 1000.0

    def named(code: str) -> str:
        return b.names.get(code, code) if code else "the sea or outside the mapped countries"

    for (path, la, lo, rule, nation, radius), cc, d in zip(items, country, near, strict=True):
        at = f"({la:.2f}, {lo:.2f})"
        if not (south <= la <= north and west <= lo <= east):
            c.add(path, f"{at} is outside the theatre ({south:g} to {north:g} N, {west:g} to "
                  f"{east:g} E)")
        elif rule == "ground" and nation in b.codes and cc not in (nation, "UKR"):
            where = "at sea" if not cc else f"in {named(cc)}"
            c.add(path, f"ground radar {at} is {where}: expected on land in {named(nation)} "
                  "or in Ukraine")
        elif rule == "ground" and nation not in b.codes and cc in ("", *HOSTILE_AIRSPACE):
            where = "at sea" if not cc else f"in {named(cc)}"
            c.add(path, f"ground radar {at} of {nation} is {where}: expected on land in a "
                  "coalition country or in Ukraine")
        elif rule == "station" and cc in HOSTILE_AIRSPACE:
            c.add(path, f"{at} is over {named(cc)}: a coalition station must lie outside "
                  "Belarus and Russia")
        elif rule == "station" and math.isfinite(d) and d < radius:
            c.add(path, f"the orbit of radius {radius:g} km around {at} reaches "
                  f"{d:.0f} km from Belarus or Russia into their airspace: expected it "
                  "wholly outside")
        elif rule == "ukraine" and cc != "UKR":
            c.add(path, f"{at} is in {named(cc)}: a Ukrainian air-defence site must stand in "
                  "Ukraine")
    for zname, z in _d(c.data.get("zones")).items():
        if _d(z).get("kind") != "polygon":
            continue
        for i, p in _items(_d(z).get("points")):
            if (isinstance(p, list) and len(p) == 2 and all(
                    isinstance(v, int | float) and not isinstance(v, bool) for v in p)
                    and not (south <= p[0] <= north and west <= p[1] <= east)
                    and -90 <= p[0] <= 90 and -180 <= p[1] <= 180):
                c.add(("zones", zname, "points", i), f"vertex {i} ({p[0]:g}, {p[1]:g}) is "
                      f"outside the theatre ({south:g} to {north:g} N, {west:g} to {east:g} E)")


def _check_times(c: _Checker) -> None:
    """Launch windows and patrol starts inside the scenario's duration."""
    duration = c.data.get("duration_min")
    if not isinstance(duration, int | float) or isinstance(duration, bool):
        return
    for i, w in _items(_d(c.data.get("raid")).get("waves")):
        window = _l(_d(w).get("window_min"))
        if (len(window) == 2 and all(isinstance(x, int | float) for x in window)
                and window[0] < duration < window[1]):
            c.add(("raid", "waves", i, "window_min"), f"last launch at {window[1]:g} min is "
                  f"after the scenario ends ({duration:g} min)")
    for i, nation in _items(c.data.get("coalition")):
        for j, sq in _items(_d(nation).get("squadrons")):
            for k, pat in _items(_d(sq).get("patrols")):
                start = _d(pat).get("start_min")
                if isinstance(start, int | float) and start >= duration:
                    c.add(("coalition", i, "squadrons", j, "patrols", k, "start_min"),
                          f"the patrol starts at {start:g} min, after the scenario ends "
                          f"({duration:g} min)")


def _check_sizes(c: _Checker) -> None:
    """Totals and list sizes a planner can get wrong by orders of magnitude, and the names
    used as keys (zones, target areas) and of radars, which the schema leaves as text."""
    from skyshield.model.scenario import MAX_ITEMS, MAX_NAME, MAX_THREATS, _name

    raid = _d(c.data.get("raid"))
    counts = [w.get("count") for _, w in _items(raid.get("waves")) if isinstance(w, dict)]
    total = sum(n for n in counts if isinstance(n, int) and not isinstance(n, bool) and n > 0)
    if total > MAX_THREATS:
        c.add(("raid", "waves"), f"{total} threats across the waves, more than {MAX_THREATS} "
              "(the largest nights of 2025 had about 800)")
    lists: list[tuple[PathT, Any]] = [
        (("zones",), c.data.get("zones")), (("air_defence",), c.data.get("air_defence")),
        (("radars",), c.data.get("radars")), (("coalition",), c.data.get("coalition")),
        (("raid", "waves"), raid.get("waves")),
        (("raid", "target_areas"), raid.get("target_areas"))]
    lists += [(("coalition", i, "squadrons"), _d(n).get("squadrons"))
              for i, n in _items(c.data.get("coalition"))]
    for path, value in lists:
        if isinstance(value, list | dict) and len(value) > MAX_ITEMS:
            c.add(path, f"{len(value)} entries, more than {MAX_ITEMS}")
    names = [(("zones", k), k) for k in _d(c.data.get("zones"))]
    names += [(("raid", "target_areas", k), k) for k in _d(raid.get("target_areas"))]
    names += [(("radars", i, "name"), _d(r).get("name")) for i, r in _items(c.data.get("radars"))]
    for path, n in names:
        if not isinstance(n, str):
            continue
        try:
            _name(n)
            if len(n) > MAX_NAME:
                raise ValueError(f"{len(n)} characters, more than {MAX_NAME}")
        except ValueError as e:
            c.add(path, f"name {n[:40]!r}{'...' if len(n) > 40 else ''}: {e}")
