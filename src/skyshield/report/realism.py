"""Plain-text pieces of the summary for issue 12: airspace violations and overflights,
depth, held fire, debris; and the debris-dilemma comparison table.

Every function reads a `metrics.json` dict (blocks `airspace`, `debris`, `held_fire`) and
returns plain data; the console and the HTML report format it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from skyshield.geo.borders import NATO_ORDER
from skyshield.report.style import NATION_NAMES

__all__ = ["NATO_ORDER", "airspace_lines", "debris_lines", "dilemma_table", "held_fire_line"]



def airspace_lines(metrics: dict[str, Any]) -> list[str]:
    """NATO violations per country (threats, longest stay, depth), then Moldovan and
    Belarusian overflights; empty if the run has no `airspace` block."""
    a = metrics.get("airspace") or {}
    if not a:
        return []
    nato = [(c, a[c]) for c in NATO_ORDER if c in a and a[c]["threats_entered"]]
    total = sum(v["threats_entered"] for _, v in nato)
    out = [f"NATO airspace violated by {total} threat{'s' if total != 1 else ''}"
           + (": " + "; ".join(
               f"{NATION_NAMES[c]} {v['threats_entered']} (longest {v['longest_min']:.1f} min, "
               f"deepest {v['max_depth_km']:.0f} km, {v['ended_inside']} fell inside)"
               for c, v in nato) if nato else "")]
    for c in ("MDA", "BLR"):
        v = a.get(c)
        if v is not None:
            out.append(f"{NATION_NAMES[c]} overflown by {v['threats_entered']} threat"
                       f"{'s' if v['threats_entered'] != 1 else ''}"
                       + (f" ({v['minutes']:.0f} min in all, deepest {v['max_depth_km']:.0f} km)"
                          if v["threats_entered"] else ""))
    return out


def held_fire_line(metrics: dict[str, Any]) -> str:
    """"held fire: debris over population 12, leaving on its own 3" (empty if none held)."""
    h = metrics.get("held_fire") or {}
    d, lv = int(h.get("debris_over_population", 0)), int(h.get("leaving_on_its_own", 0))
    if not (d or lv):
        return ""
    return f"held fire: debris over population {d}, leaving on its own {lv}"


def debris_lines(metrics: dict[str, Any]) -> list[str]:
    """Where the debris of kills and missed munitions fell."""
    d = metrics.get("debris") or {}
    if not d:
        return []
    return [f"debris of {d['kills']} kills: {d['on_nato']} on NATO soil "
            f"({d['on_nato_near_population']} near population), {d['on_ukraine']} on Ukraine, "
            f"{d['near_population']} near population in all",
            f"missed munitions: {d['munitions_missed']}, {d['munitions_on_nato']} fell on NATO "
            "territory"]


def dilemma_table(forward: dict[str, Any], home: dict[str, Any]) -> pd.DataFrame:
    """Side by side: engaging over Ukraine (`forward`) vs only over own territory (`home`)."""
    def col(m: dict[str, Any]) -> dict[str, float]:
        d, h = m.get("debris") or {}, m.get("held_fire") or {}
        a = m.get("airspace") or {}
        out = m.get("threats", {}).get("outcomes", {})
        return {
            "coalition kills": out.get("destroyed_coalition", 0),
            "debris on NATO soil": d.get("on_nato", 0),
            "... near population": d.get("on_nato_near_population", 0),
            "debris on Ukraine": d.get("on_ukraine", 0),
            "munitions fallen on NATO soil": d.get("munitions_on_nato", 0),
            "held fire (debris / leaving)": f"{h.get('debris_over_population', 0)} / "
                                            f"{h.get('leaving_on_its_own', 0)}",
            "threats in NATO airspace": sum(a.get(c, {}).get("threats_entered", 0)
                                            for c in NATO_ORDER),
            "impacted": out.get("impacted", 0),
        }
    return pd.DataFrame({"engage over Ukraine": col(forward),
                         "own territory only": col(home)})
