"""Geometric validation of ROE: rules that can never allow anything name their line and field."""

import textwrap

import pytest

from skyshield.model.errors import ScenarioError
from skyshield.model.loader import load_scenario, parse_scenario
from skyshield.model.validate import check_geometry

BASE = textwrap.dedent("""\
    name: geo-check
    epoch: 2025-11-20T19:00:00Z
    duration_min: 60
    zones:
      poland: {kind: country, country: POL}
      slovakia: {kind: country, country: SVK}
      ukr-near-pol: {kind: near_country, country: POL, within_km: 100}
      no-go: {kind: near_border, countries: [BLR, RUS], within_km: 100}
      kovel: {kind: circle, center: Kovel, radius_km: 20}
      odesa: {kind: circle, center: Odesa, radius_km: 30}
    coalition:
      - nation: POL
        squadrons:
          - {name: PL F-16, base: Rzeszów-Jasionka, aircraft: F-16, count: 4}
    rules:
      POL:
    RULES
    raid:
      waves:
        - {threat: Shahed-136, count: 5, launch_area: Kursk, window_min: [0, 10],
           targets: [Lviv]}
    """)


def scenario(rules: str) -> str:
    return BASE.replace("RULES\n", textwrap.indent(textwrap.dedent(rules), "    "))


def problems(text):
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, file="bad.yaml")
    return e.value.problems


def line_of(text, needle):
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_engagement_zone_inside_excluded_zone_names_line_and_field():
    # Kovel is ~75 km from Belarus: a 20 km disc around it lies inside the 100 km no-go
    text = scenario("""\
        engagement_zones: [poland, kovel]
        excluded_zones: [no-go]
        """)
    (p,) = problems(text)
    assert p.file == "bad.yaml" and p.field == "rules.POL.engagement_zones[1]"
    assert p.line == line_of(text, "engagement_zones: [poland, kovel]")
    assert "'kovel'" in p.message and "wholly inside the excluded zones" in p.message
    assert str(p).startswith(f"bad.yaml:{p.line}:")


def test_zone_with_no_ukrainian_or_own_territory():
    text = scenario("""\
        engagement_zones: [ukr-near-pol, slovakia]
        """)
    (p,) = problems(text)
    assert p.field == "rules.POL.engagement_zones[1]" and "no Ukrainian and no POL" in p.message
    assert p.line == line_of(text, "engagement_zones: [ukr-near-pol, slovakia]")


def test_max_depth_zero_without_own_airspace():
    text = scenario("""\
        engagement_zones: [ukr-near-pol]
        max_depth_km: 0
        """)
    (p,) = problems(text)
    assert p.field == "rules.POL.max_depth_km" and p.line == line_of(text, "max_depth_km: 0")
    # with Poland's own airspace in the zones the same depth is a valid (cautious) rule
    ok = scenario("""\
        engagement_zones: [poland, ukr-near-pol]
        max_depth_km: 0
        """)
    assert parse_scenario(ok).rules["POL"].max_depth_km == 0


def test_consent_zone_outside_engagement_zones():
    text = scenario("""\
        engagement_zones: [poland, ukr-near-pol]
        ukrainian_consent: [kovel, odesa]
        """)
    (p,) = problems(text)
    assert p.field == "rules.POL.ukrainian_consent[1]" and "'odesa'" in p.message
    assert p.line == line_of(text, "ukrainian_consent: [kovel, odesa]")


def test_good_rules_and_builtins_pass():
    text = scenario("""\
        engagement_zones: [poland, ukr-near-pol]
        excluded_zones: [no-go]
        ukrainian_consent: [kovel]
        """)
    assert parse_scenario(text).rules["POL"].ukrainian_consent == ["kovel"]
    for name in ("western-night", "border-skim", "mass-raid"):
        assert check_geometry(load_scenario(name)) == []
