"""The scenario fields of issue 12: waypoints, launch points and polygons, route options,
strays, hold fire, allies with a host, an empty coalition: accepted, and refused with a
message at the right field."""

from __future__ import annotations

import pytest
from tests.model.test_loader import GOOD  # the same small valid scenario

from skyshield.model.errors import ScenarioError
from skyshield.model.loader import parse_scenario


def problems(text: str) -> dict[str, str]:
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, file="bad.yaml")
    return {p.field: p.message for p in e.value.problems}


WAVE = ("    - {threat: Shahed-136, count: 10, launch_area: Kursk, window_min: [0, 30],\n"
        "       targets: [Lviv, Lutsk]}\n")


def with_wave(text: str) -> str:
    return GOOD.replace(WAVE, text)


def test_waypoints_points_polygons_options_and_strays_are_accepted():
    s = parse_scenario(with_wave(
        "    - {threat: Shahed-136, count: 10, launch_area: Belarus, window_min: [0, 30],\n"
        "       targets: [Lviv], via: [Kovel, {lat: 51.0, lon: 25.0}],\n"
        "       options: {loiter: {share: 0.3, minutes: 15},\n"
        "                 turn_back: {share: 0.1}}}\n"
        "    - {threat: Kh-101, count: 4, launch_area: {lat: 46.5, lon: 47.0},\n"
        "       window_min: [0, 5], targets: [Lviv], options: {doglegs: {count: [0, 1]}}}\n"
        "    - {threat: Shahed-136, count: 4, window_min: [0, 5], targets: [Izmail],\n"
        "       routing: border, options: {graze: {share: 0.5, depth_km: 1}},\n"
        "       launch_area: {kind: polygon, points: [[45, 33], [45.5, 33], [45.2, 34]]}}\n"
        "  strays: {nav_loss: {Shahed-136: 0.05, Gerbera: 0}}\n"))
    w = s.raid.waves
    assert len(w[0].via) == 2 and w[0].options.loiter.minutes == 15
    assert w[1].launch_area.lat == 46.5 and w[2].launch_area.kind == "polygon"
    assert s.raid.strays.nav_loss == {"Shahed-136": 0.05, "Gerbera": 0}


def test_bad_launch_via_graze_and_nav_loss_are_reported_at_their_fields():
    msgs = problems(with_wave(
        "    - {threat: Shahed-136, count: 10, launch_area: {lat: 50.0, lon: 20.0},\n"
        "       window_min: [0, 30], targets: [Lviv], via: [Lvivv],\n"
        "       options: {graze: {share: 0.5}}}\n"
        "  strays: {nav_loss: {Shahed-999: 0.1, Gerbera: 1.5}}\n"))
    assert "is in POL" in msgs["raid.waves[0].launch_area"]
    assert "unknown place 'Lvivv'" in msgs["raid.waves[0].via[0]"]
    assert "border-following" in msgs["raid.waves[0].options.graze"]
    assert any("Shahed-999" in k for k in msgs)
    assert any("expected a probability" in m for m in msgs.values())


def test_empty_coalition_and_allies_with_a_host():
    base = GOOD[: GOOD.index("coalition:")] + "coalition: []\nrules: {}\n" + GOOD[
        GOOD.index("raid:"):]
    s = parse_scenario(base)
    assert s.coalition == []
    ally = GOOD.replace("rules:\n", (
        "  - nation: NLD\n    host: POL\n    rules_from: host\n    squadrons:\n"
        "      - {name: NL F-35, base: Łask Air Base, aircraft: F-35A, count: 4}\n"
        "rules:\n"))
    s = parse_scenario(ally)
    assert s.coalition[1].airspace == "POL"
    bad = ally.replace("host: POL", "host: ROU")
    msgs = problems(bad)
    assert "not in the host country ROU" in msgs["coalition[1].squadrons[0].base"]
    msgs = problems(ally.replace("    host: POL\n    rules_from: host\n", ""))
    assert any("needs `host`" in m for m in msgs.values())


def test_hold_fire_rules_parse():
    s = parse_scenario(GOOD.replace(
        "    excluded_zones: [no-go]\n",
        "    excluded_zones: [no-go]\n"
        "    hold_fire: {city_km: 10, leaving_within_s: 120}\n"))
    assert s.rules["POL"].hold_fire.city_km == 10
    msgs = problems(GOOD.replace("    excluded_zones: [no-go]\n",
                                 "    excluded_zones: [no-go]\n"
                                 "    hold_fire: {city_km: -1}\n"))
    assert "rules.POL.hold_fire.city_km" in msgs
