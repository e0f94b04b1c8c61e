"""Scenario loading: built-ins validate; every problem reported at once with its line."""

import json
import textwrap

import pytest

from skyshield.model.errors import Problem, ScenarioError
from skyshield.model.library import library
from skyshield.model.loader import (
    builtin_scenarios,
    load_scenario,
    parse_scenario,
    scenario_json_schema,
)
from skyshield.model.resolve import locate, resolve
from skyshield.model.scenario import LatLon, Scenario
from skyshield.model.summary import summarize
from skyshield.model.validate import validate_scenario

GOOD = textwrap.dedent("""\
    name: tiny
    epoch: 2025-11-20T19:00:00Z
    duration_min: 300
    zones:
      ukr-near-pol: {kind: near_country, country: POL, within_km: 100}
      no-go: {kind: near_border, countries: [BLR, RUS], within_km: 50}
    coalition:
      - nation: POL
        squadrons:
          - name: PL F-16
            base: Rzeszów-Jasionka
            aircraft: F-16
            count: 4
            on_alert: 2
            patrols:
              - {name: CAP, at: {lat: 50.5, lon: 23.9}, aircraft: 2}
    rules:
      POL:
        engagement_zones: [ukr-near-pol]
        excluded_zones: [no-go]
    raid:
      waves:
        - {threat: Shahed-136, count: 10, launch_area: Kursk, window_min: [0, 30],
           targets: [Lviv, Lutsk]}
    """)


def problems(text: str) -> list[Problem]:
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, file="bad.yaml")
    return e.value.problems


def line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


@pytest.mark.parametrize("name", ["western-night", "border-skim", "mass-raid",
                                  "debris-dilemma"])
def test_builtin_scenarios_validate(name):
    s = load_scenario(name)
    assert isinstance(s, Scenario) and s.name == name
    assert validate_scenario(s) == []
    r = resolve(s)
    assert len(r.waves) == len(s.raid.waves)
    assert all(sq.loadout and sq.base.kind == "airbase" for sq in r.squadrons)


def test_builtin_scenario_sizes():
    assert builtin_scenarios() == ["border-skim", "debris-dilemma", "mass-raid",
                                   "western-night"]
    w = summarize(load_scenario("western-night"))
    assert 55 <= w.threats_by_class["drone"] <= 65 and w.threats_by_class["decoy"] > 0
    assert w.threats_by_class["cruise_missile"] == 12
    assert set(w.aircraft_by_nation) == {"POL", "ROU", "SVK"}
    m = summarize(load_scenario("mass-raid"))
    assert m.threats_by_class["drone"] + m.threats_by_class["decoy"] == 800
    assert m.threats_by_class["cruise_missile"] == 100
    assert m.aircraft >= 40 and "HUN" in m.aircraft_by_nation
    assert load_scenario("mass-raid").duration_min == 360
    b = load_scenario("border-skim")
    assert {w.routing for w in b.raid.waves} >= {"border"}


def test_builtin_files_start_with_a_comment_block():
    from importlib import resources

    for name in builtin_scenarios():
        folder = resources.files("skyshield").joinpath("scenarios")
        text = folder.joinpath(name + ".yaml").read_text("utf-8")
        assert text.startswith("# " + name)


def test_load_by_path_and_name(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(GOOD, encoding="utf-8")
    assert load_scenario(p).name == "tiny"
    assert load_scenario(str(p)).name == "tiny"
    assert load_scenario("Western-Night.yaml").name == "western-night"
    with pytest.raises(ScenarioError, match="did you mean 'western-night'"):
        load_scenario("westen-night")
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "missing.yaml")


def test_four_kinds_of_mistake_reported_at_once_with_lines(tmp_path):
    bad = (GOOD
           .replace("on_alert: 2", "on_alret: 2")  # typo in a field name
           .replace("count: 4", "count: four")  # wrong type
           .replace("aircraft: F-16", "aircraft: F16")  # unknown aircraft
           .replace("engagement_zones: [ukr-near-pol]", "engagement_zones: [ukr-near-pl]"))
    p = tmp_path / "bad.yaml"
    p.write_text(bad, encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_scenario(p)
    got = {(x.line, x.field): x for x in e.value.problems}
    sq = "coalition[0].squadrons[0]"
    typo = got[(line_of(bad, "on_alret"), f"{sq}.on_alret")]
    assert "did you mean 'on_alert'" in typo.message and "expected one of" in typo.message
    wrong = got[(line_of(bad, "count: four"), f"{sq}.count")]
    assert "expected a valid integer" in wrong.message and "'four'" in wrong.message
    plane = got[(line_of(bad, "aircraft: F16"), f"{sq}.aircraft")]
    assert "unknown interceptor 'F16'" in plane.message and "'F-16'" in plane.message
    zone = got[(line_of(bad, "ukr-near-pl]"), "rules.POL.engagement_zones[0]")]
    assert "did you mean 'ukr-near-pol'" in zone.message
    assert len(e.value.problems) == 4
    text = str(e.value)
    assert f"{p}:{line_of(bad, 'aircraft: F16')}:9: {sq}.aircraft: unknown interceptor" in text


def test_yaml_syntax_error_names_line_and_column():
    bad = GOOD.replace("rules:\n", "rules: [\n")
    (p,) = problems(bad)
    assert p.line >= line_of(bad, "rules: [") and p.col > 0
    assert "YAML syntax error" in p.message
    (p,) = problems("name: a\nname: b\n")
    assert p.line == 2 and "duplicate key" in p.message


def test_not_a_mapping_and_empty():
    assert "expected a mapping" in problems("")[0].message
    assert "expected a mapping" in problems("- 1\n- 2\n")[0].message


def test_missing_field_points_at_its_parent():
    bad = GOOD.replace("        base: Rzeszów-Jasionka\n", "")
    (p,) = problems(bad)
    assert p.field == "coalition[0].squadrons[0].base"
    assert p.message == "missing required field 'base'"
    assert p.line == line_of(bad, "- name: PL F-16")


def test_reference_checks():
    bad = (GOOD
           .replace("base: Rzeszów-Jasionka", "base: Lviv")  # a city, not an air base
           .replace("launch_area: Kursk", "launch_area: Lask")  # an air base
           .replace("targets: [Lviv, Lutsk]", "targets: [Lvov, Lutks]")
           .replace("excluded_zones: [no-go]", "excluded_zones: [no-go, ukr-near-pol]")
           .replace("- nation: POL", "- nation: ROU"))
    msgs = {p.field: p.message for p in problems(bad)}
    assert "expected an air base" in msgs["coalition[0].squadrons[0].base"]
    assert "launch area" in msgs["raid.waves[0].launch_area"]
    assert "unknown target 'Lutks'" in msgs["raid.waves[0].targets[1]"]
    assert "'Lutsk'" in msgs["raid.waves[0].targets[1]"]
    assert "raid.waves[0].targets[0]" not in msgs  # an alias is fine
    assert "also excluded" in msgs["rules.POL.engagement_zones[0]"]
    assert "can never allow" in msgs["rules.POL.engagement_zones"]
    assert "has no rules" in msgs["coalition[0].nation"]
    assert "not in the coalition" in msgs["rules.POL"]


def test_zone_cycles_and_unknown_references():
    bad = GOOD.replace(
        "  no-go: {kind: near_border, countries: [BLR, RUS], within_km: 50}\n",
        "  no-go: {kind: near_border, countries: [BLR, RUS], within_km: 50}\n"
        "  a: {kind: union, of: [b]}\n"
        "  b: {kind: difference, of: a, minus: [nowhere]}\n"
        "  c: {kind: circle, center: Lvivv, radius_km: 30}\n")
    msgs = {p.field: p.message for p in problems(bad)}
    assert "cycle" in msgs["zones.a"]
    assert "unknown zone 'nowhere'" in msgs["zones.b.minus[0]"]
    assert "unknown place 'Lvivv'" in msgs["zones.c.center"]


def test_loadout_range_and_window_checks():
    bad = (GOOD
           .replace("on_alert: 2\n", "on_alert: 2\n        loadout: {AIM-120: 2, AIM-7: 2}\n")
           .replace("threat: Shahed-136", "threat: Kh-59/69")
           .replace("window_min: [0, 30]", "window_min: [400, 410]"))
    msgs = {p.field: p.message for p in problems(bad)}
    assert "unknown weapon 'AIM-7'" in msgs["coalition[0].squadrons[0].loadout.AIM-7"]
    assert "beyond the 400 km range" in msgs["raid.waves[0].targets"]
    assert "after the scenario ends" in msgs["raid.waves[0].window_min"]


def test_squadron_model_validator_message_is_kept():
    bad = GOOD.replace("on_alert: 2", "on_alert: 3")
    (p,) = problems(bad)
    assert p.field == "coalition[0].squadrons[0]" and "exceed count (4)" in p.message


def test_latlon_union_errors_are_not_doubled():
    bad = GOOD.replace("at: {lat: 50.5, lon: 23.9}", "at: {lat: 95.0, lon: 23.9}")
    (p,) = problems(bad)
    assert p.field == "coalition[0].squadrons[0].patrols[0].at.lat"
    assert "less than or equal to 90" in p.message


def test_aliases_and_nan_rejected():
    (p,) = problems(GOOD.replace("duration_min: 300", "duration_min: .nan"))
    assert p.field == "duration_min" and "finite" in p.message
    assert problems("a: &x [*x]\nb: &y {c: *y}\n")  # self-reference: refused, no crash
    bomb = "a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n"
        for i in range(8))
    assert "too large" in problems(bomb)[0].message


def test_resolve_locations():
    assert locate("Lviv") == (library().place("Lviv").lat, library().place("Lviv").lon)
    assert locate("49.5, 24.25") == (49.5, 24.25)
    assert locate(LatLon(lat=1, lon=2)) == (1, 2)


def test_json_schema_has_titles_and_descriptions():
    schema = scenario_json_schema()
    json.dumps(schema)
    assert {"coalition", "rules", "raid", "zones"} <= set(schema["properties"])
    assert schema["description"]
    assert "Squadron" in schema["$defs"]
    assert schema["$defs"]["Squadron"]["properties"]["base"]["description"]


def test_model_validators_added_to_the_schema():
    bad = GOOD.replace("raid:\n", "theatre: {south: 50, north: 45}\nraid:\n")
    (p,) = problems(bad)
    assert p.field == "theatre" and "south < north" in p.message
    bad = GOOD.replace("raid:\n", "air_defence:\n  - {name: x, at: Lviv, system: s, range_km: 5,"
                       " magazine: 4, pk: 0.5, alt_min_m: 3000, alt_max_m: 1000}\nraid:\n")
    (p,) = problems(bad)
    assert p.field == "air_defence[0]" and "alt_min_m" in p.message
