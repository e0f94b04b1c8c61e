"""Study files: the built-in study, overrides applied, every problem at its file:line:col."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from skyshield.model.errors import Problem, ScenarioError
from skyshield.model.study import (
    _parse_path,
    builtin_studies,
    load_study,
    parse_study,
    set_path,
)

GOOD = textwrap.dedent("""\
    name: t
    scenario: western-night
    runs: 4
    baseline: none
    options:
      none:
        members: []
      pol:
        members: [POL]
        zone_depth_km: 60
        set:
          rules.POL.max_depth_km: 60
          coalition[0].squadrons[1].count: 10
      rou-tight:
        members: [ROU]
        trigger: {kind: predicted_entry, airspace: own, within_min: 20}
        deconfliction: {policy: sites_hold_fire}
        picture: tracked
    """)


def problems(text: str) -> list[Problem]:
    with pytest.raises(ScenarioError) as e:
        parse_study(text, file="s.yaml")
    return e.value.problems


def line_of(text: str, needle: str, nth: int = 0) -> int:
    """1-based line of the `nth` line containing `needle` (the oracle for positions)."""
    hits = [i + 1 for i, ln in enumerate(text.splitlines()) if needle in ln]
    return hits[nth]


def test_builtin_coalition_options_has_the_issue_options():
    assert "coalition-options" in builtin_studies()
    plan = load_study("coalition-options")
    raw = YAML(typ="safe").load(
        (__import__("pathlib").Path(__file__).parents[2] / "studies" /
         "coalition-options.yaml").read_text())
    assert plan.baseline == "no-coalition"
    got = {o.name: (set(o.members), o.scenario) for o in plan.options}
    assert got["no-coalition"][0] == set() and got["no-coalition"][1].coalition == []
    want = {"poland": {"POL"}, "pol-rou": {"POL", "ROU"}, "four": {"POL", "ROU", "SVK", "HUN"}}
    for prefix, members in want.items():
        for depth in (50, 150):
            members_got, sc = got[f"{prefix}-{depth}km"]
            assert members_got == members
            assert {m.nation for m in sc.coalition} == members == set(sc.rules)
            assert all(r.max_depth_km == depth for r in sc.rules.values())
            for r in sc.rules.values():  # every near-border engagement zone at that depth
                for z in r.engagement_zones:
                    spec = sc.zones[z]
                    if spec.kind == "near_country":
                        assert spec.within_km == depth
            # Hungary's Gripens come from the study's nations block
            if "HUN" in members:
                hun = next(m for m in sc.coalition if m.nation == "HUN")
                assert hun.squadrons[0].aircraft == raw["nations"]["HUN"]["squadrons"][0][
                    "aircraft"]
    # the raid variation is declared around the record's typical and large nights
    nights = {n.name: n for n in plan.study.variation.nights}
    assert set(nights) == {"typical", "large"}
    assert nights["large"].scale.median > 3 * nights["typical"].scale.median


def test_overrides_are_applied():
    plan = parse_study(GOOD, file="s.yaml")
    base = plan.base
    pol = plan.option("pol").scenario
    assert [m.nation for m in pol.coalition] == ["POL"]
    assert pol.coalition[0].squadrons[1].count == 10 != base.coalition[0].squadrons[1].count
    assert pol.zones["ukr-near-pol"].within_km == 60
    assert base.zones["ukr-near-pol"].within_km == 150  # the base is untouched
    rou = plan.option("rou-tight")
    assert rou.picture == "tracked" and plan.option("pol").picture == "perfect"
    assert rou.scenario.rules["ROU"].trigger.kind == "predicted_entry"
    assert rou.scenario.rules["ROU"].trigger.within_min == 20
    assert rou.scenario.deconfliction.policy == "sites_hold_fire"
    assert rou.scenario.deconfliction.hold_fire_km == base.deconfliction.hold_fire_km


@pytest.mark.parametrize("bad, needle, field, words", [
    ("  pol:\n    members: [POL]\n    zone_depth: 60\n", "zone_depth:",
     "options.pol.zone_depth", ["unknown field", "zone_depth_km"]),
    ("  pol:\n    set: {rules.POL.max_depht_km: 60}\n", "max_depht_km",
     "options.pol.set.rules.POL.max_depht_km", ["no field 'max_depht_km'", "max_depth_km"]),
    ("  pol:\n    set:\n      coalition[7].squadrons[0].count: 2\n", "coalition[7]",
     "options.pol.set.coalition[7].squadrons[0].count", ["out of range"]),
    ("  pol:\n    set:\n      raid.waves[0].speed_kmh: 2\n", "speed_kmh",
     "options.pol.set.raid.waves[0].speed_kmh", ["no field 'speed_kmh'"]),
    ("  pol:\n    members: [POL, CZE]\n", "[POL, CZE]", "options.pol.members[1]",
     ["'CZE'", "neither in the base"]),
    ("  pol:\n    picture: radar\n", "picture: radar", "options.pol.picture",
     ["perfect", "tracked"]),
    ("  pol:\n    set:\n      coalition[0].squadrons[0].count: 0\n", "count: 0",
     "options.pol.set.coalition[0].squadrons[0].count", ["greater than or equal"]),
    ("  pol:\n    deconfliction: {policy: keep_apart}\n", "deconfliction:",
     "options.pol.deconfliction.policy", ["keep_apart"]),
    ("  pol:\n    members: [POL]\n    set:\n      tick_s: 60\n", "tick_s",
     "options.pol.set.tick_s", ["less than or equal to 10"]),
    ("  pol:\n    trigger: {kind: always}\n", "trigger:",
     "options.pol.trigger", ["unknown kind 'always'"]),
    ("  pol:\n    zone_depth_km: 50\n    station_depth_km: 80\n", "  pol:",
     "options.pol", ["deeper than zone_depth_km"]),
    ("  pol:\n    station_depth_km: deep\n", "station_depth_km", "options.pol.station_depth_km",
     ["a depth in km or 'keep'"]),
])
def test_option_problems_name_the_line(bad, needle, field, words):
    text = GOOD.split("  pol:\n")[0] + bad
    ps = problems(text)
    assert len(ps) == 1, ps
    p = ps[0]
    assert (p.file, p.field) == ("s.yaml", field)
    assert p.line == line_of(text, needle)
    for w in words:
        assert w in p.message


def test_study_level_problems_reported_together():
    text = textwrap.dedent("""\
        name: t
        scenario: western-night
        runs: 0
        baseline: nobody
        metrics: [destroyed_coalitoin]
        variation:
          nights:
            - {name: typical, weight: 1, scale: {dist: uniform, low: 2, high: 1}}
          waves:
            - {threat: Kh-22, count: {dist: poisson, mean: 3}}
            - {threat: Shahed-136, routing: {zigzag: 1}}
        options:
          none: {members: []}
        """)
    ps = problems(text)
    by = {p.field: p for p in ps}
    assert by["runs"].line == line_of(text, "runs:")
    assert "greater than or equal to 1" in by["runs"].message
    assert by["variation.nights[0].scale"].line == line_of(text, "scale:")
    assert "below low" in by["variation.nights[0].scale"].message
    assert "zigzag" in by["variation.waves[1].routing"].message
    # the schema problems come first; the cross-checks need a valid study
    text = text.replace("runs: 0", "runs: 3").replace("high: 1}", "high: 3}").replace(
        "zigzag", "south")
    ps = problems(text)
    by = {p.field: p for p in ps}
    assert set(by) == {"baseline", "metrics[0]", "variation.waves[0]"}
    assert by["baseline"].line == line_of(text, "baseline:")
    assert "did you mean 'destroyed_coalition'" in by["metrics[0]"].message
    assert by["variation.waves[0]"].line == line_of(text, "Kh-22")
    assert "matches no wave" in by["variation.waves[0]"].message


def test_bad_base_scenario_and_yaml():
    ps = problems("name: t\nscenario: no-such-scenario\noptions: {a: {}}\n")
    head = next(p for p in ps if p.file == "s.yaml")
    assert head.field == "scenario" and head.line == 2
    assert any("no built-in scenario" in p.message for p in ps)
    ps = problems("name: t\noptions: [a\n")
    assert ps[0].line >= 2 and "YAML" in ps[0].message
    with pytest.raises(ScenarioError, match="no built-in study"):
        load_study("no-such-study")


def test_set_path_creates_a_new_mapping_entry_but_not_a_field():
    data = {"rules": {"POL": {"max_depth_km": 1}}, "zones": {}}
    assert set_path(data, "zones.extra", {"kind": "country", "country": "HUN"}) is None
    assert data["zones"]["extra"]["country"] == "HUN"
    assert "no field" in set_path(data, "rules.POL.depth", 3)
    assert "not a dotted field path" in set_path(data, "rules..POL", 3)


SEG = st.one_of(st.from_regex(r"[a-z][a-z_-]{0,8}", fullmatch=True),
                st.integers(0, 99))


@settings(deadline=None)  # a loaded CI machine must not fail a pure parser on time
@given(st.lists(SEG, min_size=1, max_size=6).filter(lambda p: isinstance(p[0], str)))
def test_dotted_paths_round_trip(path):
    text = ""
    for el in path:
        text += f"[{el}]" if isinstance(el, int) else (f".{el}" if text else el)
    assert _parse_path(text) == path


def test_docs_variation_example_validates():
    import re
    from pathlib import Path

    from skyshield.model.study import Variation

    text = (Path(__file__).parents[2] / "docs" / "studies.md").read_text()
    block = re.search(r"```yaml\n(variation:.*?)```", text, re.S).group(1)
    v = Variation.model_validate(YAML(typ="safe").load(block)["variation"])
    assert [n.name for n in v.nights] == ["typical", "large"]
    assert v.waves[0].routing == {"mixed": 2, "north_west": 1}


def test_zone_depth_moves_stations_over_ukraine_only():
    """With zone_depth_km the Ukrainian stations move (the geometry is checked against the
    real borders in tests/sim/test_study_stations.py); 'keep' and no depth leave them."""
    text = GOOD + textwrap.indent(textwrap.dedent("""\
        pol-keep:
          members: [POL]
          zone_depth_km: 60
          station_depth_km: keep
        pol-10:
          members: [POL]
          station_depth_km: 10
        """), "  ")
    plan = parse_study(text, file="s.yaml")

    def at(option):
        sc = plan.option(option).scenario if option else plan.base
        return {p.name: p.at for sq in sc.coalition[0].squadrons for p in sq.patrols}

    base, moved, kept, ten = at(None), at("pol"), at("pol-keep"), at("pol-10")
    assert kept == base
    assert moved["CAP Lublin"] == base["CAP Lublin"]  # over Poland: home defence stays
    for name in ("CAP Volyn", "CAP Lviv west"):  # over Ukraine: moved, and differently
        assert moved[name] != base[name] and ten[name] != moved[name]
