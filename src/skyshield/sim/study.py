"""Small studies over runs: what a policy option achieves and what it risks.

`compare_deconfliction` flies one scenario and seed under each deconfliction policy and
returns one row per policy, so a planner sees what keeping fighters out of Ukrainian
engagement zones (or having Ukrainian sites hold fire) costs in kills.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from skyshield.model.scenario import Scenario
from skyshield.sim.run import run_scenario

POLICIES = ("none", "fighters_keep_out", "sites_hold_fire")


def compare_deconfliction(scenario: Scenario, seed: int | None = None, picture: str = "perfect",
                          progress: Callable[[str], None] | None = None,
                          declared: dict[str, Any] | None = None) -> pd.DataFrame:
    """One row per deconfliction policy: kills, leakers, impacts, fratricide exposure.

    `declared` may hold the metrics of the run already made with the scenario's own policy
    (same seed and picture), which is then not flown again.
    """
    rows = []
    for policy in POLICIES:
        if progress is not None:
            progress(policy)
        if declared is not None and policy == scenario.deconfliction.policy:
            m = declared
        else:
            dec = scenario.deconfliction.model_copy(update={"policy": policy})
            m = run_scenario(scenario.model_copy(update={"deconfliction": dec}), seed=seed,
                             picture=picture).metrics
        o = m["threats"]["outcomes"]
        rows.append({
            "policy": policy,
            "declared": policy == scenario.deconfliction.policy,
            "kills_coalition": o["destroyed_coalition"],
            "kills_ukraine": o["destroyed_ukraine"],
            "impacted": o["impacted"],
            "leakers": m["leakers_total"],
            "fratricide_risk_events": m["fratricide_risk_events"],
            "mez_minutes": round(sum(n["mez_minutes"] for n in m["nations"].values()), 1),
        })
    df = pd.DataFrame(rows)
    base = df.loc[df.policy == "none"].iloc[0]
    df["kills_vs_none"] = (df.kills_coalition + df.kills_ukraine
                           - base.kills_coalition - base.kills_ukraine)
    return df


def debris_dilemma(scenario: Scenario, seed: int | None, picture: str,
                   declared: dict[str, Any], out_dir: Any = None
                   ) -> tuple[dict[str, Any], pd.DataFrame]:
    """Fly the raid again with every nation engaging only over its own territory
    (`model.variants.own_territory_only`, same seed and picture) and compare it with the
    declared run's metrics `declared`: kills, debris on NATO soil and near population,
    munitions fallen on NATO soil, held fire. Writes `dilemma.json` into `out_dir` if given
    (the HTML report shows it). Returns (the variant's metrics, the comparison table)."""
    import json
    from pathlib import Path

    from skyshield.model.variants import own_territory_only
    from skyshield.report.realism import dilemma_table

    home = run_scenario(own_territory_only(scenario), seed=seed, picture=picture).metrics
    keep = ("threats", "debris", "held_fire", "airspace")
    if out_dir is not None:
        (Path(out_dir) / "dilemma.json").write_text(json.dumps(
            {"forward": {k: declared.get(k) for k in keep},
             "home": {k: home.get(k) for k in keep}}, indent=2, default=str))
    return home, dilemma_table(declared, home)
