"""Scenario variants derived from a scenario, for side-by-side comparisons.

`own_territory_only` is the other half of the debris dilemma: the same raid and forces, but
every nation engages only over its own territory (the host's for an ally), keeping its
hold-fire rules, threat classes, trigger and approval.
"""

from __future__ import annotations

from skyshield.model.scenario import CountryZone, Rules, Scenario

__all__ = ["own_territory_only"]


def own_territory_only(scenario: Scenario) -> Scenario:
    """The scenario with every coalition nation's rules limited to its own airspace."""
    rules: dict[str, Rules] = {}
    zones = dict(scenario.zones)
    for member in scenario.coalition:
        zone = f"{member.airspace.lower()}-airspace (variant)"
        zones[zone] = CountryZone(kind="country", country=member.airspace)
        src = member.host if member.rules_from == "host" and member.host else member.nation
        r = scenario.rules.get(member.nation) or scenario.rules.get(src) or Rules(
            engagement_zones=[zone])
        rules[member.nation] = r.model_copy(update={
            "engagement_zones": [zone], "max_depth_km": 0.0, "excluded_zones": [],
            "ukrainian_consent": "all"})
    coalition = [m.model_copy(update={"rules_from": "own"}) for m in scenario.coalition]
    return scenario.model_copy(update={
        "name": f"{scenario.name} (own territory only)", "rules": rules,
        "coalition": coalition, "zones": zones})
