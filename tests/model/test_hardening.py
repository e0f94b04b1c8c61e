"""Bad scenarios of issue 10: each is refused at its field and line, never crashes or passes.

Every test here failed on the code before the fix (a GEOS exception, or the input accepted).
"""

from __future__ import annotations

import re

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyshield.geo.borders import country_of
from skyshield.model.budget import check_budget, estimate_run
from skyshield.model.errors import Problem, ScenarioError
from skyshield.model.loader import (
    MAX_FILE_BYTES,
    builtin_path,
    dump_scenario,
    load_scenario,
    parse_scenario,
)
from skyshield.model.scenario import MAX_THREATS, Scenario
from skyshield.model.validate import polygon_problems

TEXT = builtin_path("western-night").read_text(encoding="utf-8")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def refused(text: str) -> list[Problem]:
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, file="bad.yaml")
    return e.value.problems


def line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def with_zone(spec: str, engage: bool = True) -> str:
    """western-night with zone `bad` added (and used as Poland's first engagement zone)."""
    text = TEXT.replace("  poland: {kind: country, country: POL}\n",
                        "  poland: {kind: country, country: POL}\n  bad: " + spec + "\n")
    if engage:
        text = text.replace("engagement_zones: [ukr-near-pol", "engagement_zones: [bad, "
                            "ukr-near-pol", 1)
    assert "  bad: " in text
    return text


# ------------------------------------------------------------------ polygon zones
@pytest.mark.parametrize("points, vertex, words", [
    ("[[95, 20], [50, 21], [49, 22]]", 0, "latitude 95 is out of range"),
    ("[[50, 20], [50, 200], [49, 22]]", 1, "longitude 200 is out of range"),
    ("[[50, 20], [50, 20], [50, 20]]", 1, "repeats vertex 0"),
    ("[[50, 23], [51, 25], [50, 25], [51, 23]]", 2, "intersects itself"),
    ("[[50, 23], [50.5, 24], [51, 25]]", 0, "no area"),
])
def test_broken_polygon_zone_named_at_its_vertex(points, vertex, words):
    text = with_zone(f"{{kind: polygon, points: {points}}}")
    ps = refused(text)
    p = next(p for p in ps if words in p.message)
    assert p.field == f"zones.bad.points[{vertex}]"
    assert p.line == line_of(text, "  bad: {kind: polygon")


lattice = st.tuples(st.integers(0, 6), st.integers(0, 6)).map(
    lambda p: (48.0 + 0.5 * p[0], 22.0 + 0.5 * p[1]))


@FAST
@given(st.lists(lattice, min_size=3, max_size=7, unique=True))
def test_polygon_check_agrees_with_geos(pts):
    """A polygon of distinct vertices passes iff GEOS finds it valid with an area."""
    ring = shapely.Polygon([(lon, lat) for lat, lon in pts])
    assert (polygon_problems(pts) == []) == (ring.is_valid and ring.area > 0)


def test_closing_vertex_is_allowed():
    pts = [(48.0, 22.0), (48.0, 23.0), (49.0, 23.0), (48.0, 22.0)]
    assert polygon_problems(pts) == []


# ------------------------------------------------------------------------- bounds
@pytest.mark.parametrize("old, new, field, words", [
    ("tick_s: 1.0", "tick_s: 1e-9", "tick_s", "greater than or equal to 0.1"),
    ("count: 8\n", "count: true\n", "coalition[0].squadrons[0].count", "got 'true'"),
    ("count: 20,", "count: true,", "raid.waves[0].count", "got 'true'"),
    ("name: western-night", "name: ''", "name", "non-empty"),
    ("name: western-night", "name: '   '", "name", "non-empty"),
    ("name: western-night", 'name: "a\\tb"', "name", "control character"),
    ("window_min: [0, 60]", "window_min: [0, 1e300]", "raid.waves[0].window_min",
     "after the scenario ends"),
    ("window_min: [0, 60]", "window_min: [0, 600]", "raid.waves[0].window_min",
     "after the scenario ends"),
])
def test_out_of_bounds_refused_at_the_field(old, new, field, words):
    assert old in TEXT
    text = TEXT.replace(old, new, 1)
    ps = refused(text)
    assert any(p.field == field and words in p.message and p.line == line_of(text, new.strip())
               for p in ps), ps


@pytest.mark.parametrize("rounds", [-1, 1000000])
def test_absurd_rounds_refused(rounds):
    old = "        scramble_min: 8\n"
    text = TEXT.replace(old, old + f"        loadout: {{AIM-120C: {rounds}}}\n", 1)
    (p,) = refused(text)
    assert p.field == "coalition[0].squadrons[0].loadout.AIM-120C"
    assert p.line == line_of(text, "loadout:")


def test_total_threats_across_waves_capped():
    """200,000 drones spread over 50 waves of 4,000: each wave is fine, the raid is not."""
    waves = "".join("    - {threat: Shahed-136, count: 4000, launch_area: Kursk, "
                    "window_min: [0, 60], targets: [Lviv]}\n" for _ in range(50))
    text = re.sub(r"(?s)(raid:\n.*?  waves:\n).*", lambda m: m.group(1) + waves, TEXT)
    ps = refused(text)
    assert any(p.field == "raid.waves" and f"more than {MAX_THREATS}" in p.message for p in ps)


def test_huge_file_refused_before_parsing(tmp_path):
    f = tmp_path / "big.yaml"
    f.write_text(TEXT + "#" * (MAX_FILE_BYTES + 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    (p,) = e.value.problems
    assert p.file == str(f) and "too large" in p.message


def test_wrong_encoding_named_at_its_line(tmp_path):
    f = tmp_path / "latin1.yaml"
    f.write_bytes(TEXT.encode("utf-8").replace("Rzeszów".encode(), "Rzeszów".encode("latin-1")))
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    (p,) = e.value.problems
    assert p.line == line_of(TEXT, "Rzeszów") and "UTF-8" in p.message


# ---------------------------------------------------------------------- geography
@pytest.mark.parametrize("old, new, field, words", [
    ("at: {lat: 51.10, lon: 23.55}", "at: {lat: 44.0, lon: 33.0}", "radars[0].at", "at sea"),
    ("at: {lat: 51.10, lon: 23.55}", "at: {lat: -89.9, lon: 0.0}", "radars[0].at",
     "outside the theatre"),
    ("at: {lat: 51.10, lon: 23.55}", "at: {lat: 48.2, lon: 17.1}", "radars[0].at",
     "in Slovakia"),
    ("at: {lat: 50.80, lon: 24.40}", "at: {lat: 55.75, lon: 37.62}",
     "coalition[0].squadrons[0].patrols[0].at", "over Russia"),
    ("orbit: {center: Lublin", "orbit: {center: '52.5, 36.0'", "radars[4].orbit.center",
     "over Russia"),
    ("orbit: {center: Lublin, radius_km: 40", "orbit: {center: '51.9, 23.3', radius_km: 150",
     "radars[4].orbit.center", "from Belarus or Russia"),
    ("at: {lat: 49.78, lon: 24.15}", "at: {lat: 52.23, lon: 21.01}", "air_defence[1].at",
     "in Poland"),
])
def test_places_checked_against_the_real_borders(old, new, field, words):
    assert old in TEXT
    text = TEXT.replace(old, new, 1)
    ps = refused(text)
    assert any(p.field == field and words in p.message and p.line == line_of(text, new)
               for p in ps), ps


def test_border_oracle_for_the_refused_places():
    """The places refused above are where the border polygons say they are."""
    assert list(country_of([44.0, 55.75, 52.5, 52.23, 48.2], [33.0, 37.62, 36.0, 21.01, 17.1])
                ) == ["", "RUS", "RUS", "POL", "SVK"]


# --------------------------------------------------------------------- round trip
WORDS = ["CAP", "Łask", "Câmpia Turzii", "Київ", "東京", "a: b", "#x", "- y", "'q'", '"dq"',
         "? k", "&a", "*a", "!tag", "null", "true", "1e3", "0x10", "{a}", "[b]", "%", "@", "`",
         "word", "é", "ß", "ǅ", "🛩"]
PLAIN = ["word", "CAP", "Łask", "Київ", "東京", "é", "north-west", "x1"]
names = (st.lists(st.sampled_from(WORDS), min_size=1, max_size=40)
         | st.lists(st.sampled_from(PLAIN), min_size=10, max_size=40)).map(" ".join).filter(
    lambda s: len(s) <= 200)


TINY = """\
name: tiny
epoch: 2025-11-20T19:00:00Z
duration_min: 60
zones:
  near-rzeszow: {kind: circle, center: Rzeszów-Jasionka, radius_km: 150}
  box: {kind: polygon, points: [[50.5, 22.5], [50.5, 23.5], [49.5, 23.5]]}
coalition:
  - nation: POL
    squadrons:
      - {name: PL F-16, base: Rzeszów-Jasionka, aircraft: F-16, count: 4,
         patrols: [{name: CAP, at: {lat: 50.5, lon: 23.9}, aircraft: 2}]}
rules:
  POL: {engagement_zones: [near-rzeszow, box]}
raid:
  target_areas:
    west: {places: [Lviv, Lutsk]}
  waves:
    - {threat: Shahed-136, count: 10, launch_area: Kursk, window_min: [0, 30], targets: [west]}
"""


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(zone=names, squadron=names, area=names, patrol=names, scenario_name=names,
       description=names)
def test_as_run_scenario_round_trips(zone, squadron, area, patrol, scenario_name,
                                     description):
    """load(dump(s)) == s for long, unicode and odd names (a folded long key broke it)."""
    base = parse_scenario(TINY).model_dump()
    base["zones"][zone] = base["zones"].pop("box")
    base["rules"]["POL"]["engagement_zones"] = ["near-rzeszow", zone]
    base["raid"]["target_areas"] = {area: base["raid"]["target_areas"]["west"]}
    base["raid"]["waves"][0]["targets"] = [area]
    sq = base["coalition"][0]["squadrons"][0]
    sq["name"], sq["patrols"][0]["name"] = squadron, patrol
    base["name"], base["description"] = scenario_name, description
    s = Scenario.model_validate(base)
    assert parse_scenario(dump_scenario(s), file="as-run.yaml") == s


def test_long_zone_name_round_trips():
    """The shortest case the YAML writer folded (a 100-character key with spaces)."""
    zone = ("word " * 20).strip()
    text = TEXT.replace("ukr-near-pol", zone)
    s = parse_scenario(text)
    assert parse_scenario(dump_scenario(s)) == s


# ----------------------------------------------------------------- expected size
def test_estimate_refuses_a_run_above_the_budget():
    s = load_scenario("mass-raid")
    est = estimate_run(s)
    assert est.threats == 906 and est.ticks == 360 * 60
    with pytest.raises(ScenarioError) as e:
        check_budget(s, "mass-raid", budget_bytes=est.bytes / 2)
    assert "memory" in e.value.problems[0].message
    assert check_budget(s, "mass-raid", budget_bytes=est.bytes * 2) == est


def test_largest_scenario_allowed_is_refused_by_the_budget():
    """A day at the finest tick with the most threats would swap for hours: refused."""
    s = load_scenario("mass-raid")
    waves = [w.model_copy(update={"count": MAX_THREATS // 20}) for w in s.raid.waves[:10]]
    big = s.model_copy(update={"duration_min": 1440.0, "tick_s": 0.1,
                               "raid": s.raid.model_copy(update={"waves": waves})})
    with pytest.raises(ScenarioError):
        check_budget(big, budget_bytes=4e9)
