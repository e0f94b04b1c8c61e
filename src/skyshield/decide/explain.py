"""Why may (or may not) each coalition aircraft engage a track: the ROE, explained.

`explain_track` assesses a picture, judges the chosen track against every coalition
aircraft with `decide.roe.evaluate`, and returns an `Explanation`:
plain rows (for scripts and tests), a text form (``str()``) and a rich table
(``console.print(explanation)``, fitting 80 columns) for the ``skyshield roe explain`` command.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from skyshield.decide.assess import NATO_ORDER, Assessment, assess_tracks
from skyshield.decide.roe import NationRules, Reason, evaluate, velocity_xy
from skyshield.doctrine import HORIZON_S
from skyshield.model.library import ThreatClass
from skyshield.picture.tracks import Tracks

__all__ = ["Explanation", "OwnForces", "explain_pairs", "explain_track"]


@dataclass(frozen=True)
class OwnForces:
    """What the coalition knows of its own aircraft, one entry per aircraft."""

    nation: np.ndarray  # ISO3 [str]
    lat: np.ndarray  # [deg]
    lon: np.ndarray  # [deg]
    squadron: list[str]  # squadron name
    state: list[str]  # sortie state, readable (e.g. "patrol")


@dataclass(frozen=True)
class Explanation:
    """One track judged against every coalition aircraft."""

    track: int  # track number
    t: float  # time [s]
    summary: list[str]  # the track: class, where, where to, p(NATO), value
    rows: list[dict[str, Any]]  # per aircraft: id, nation, squadron, state, lat, lon,
    #                             allowed, reason (text), also (other failing rules), delay_s

    def __str__(self) -> str:
        head = [f"track {self.track} at {_clock(self.t)}"] + [f"  {s}" for s in self.summary]
        body = []
        for r in self.rows:
            also = f" (also: {', '.join(r['also'])})" if r["also"] else ""
            delay = f", national approval {r['delay_s']:.0f} s" if r["delay_s"] > 0 else ""
            body.append(f"  #{r['aircraft']:<3} {r['nation']} {r['squadron']:<28} "
                        f"{r['state']:<10} {r['reason']}{delay}{also}")
        return "\n".join(head + body)

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield self._renderable(narrow=options.max_width < 110)

    def _renderable(self, narrow: bool) -> Any:
        """The summary lines and one table row per aircraft (narrow: fits 80 columns)."""
        from rich import box
        from rich.console import Group
        from rich.padding import Padding
        from rich.table import Table
        from rich.text import Text

        n_ok = sum(r["allowed"] for r in self.rows)
        sep = "\n" if narrow else " "
        table = Table(title=f"track {self.track} at {_clock(self.t)}: {n_ok} of "
                      f"{len(self.rows)} coalition aircraft may engage", title_justify="left",
                      box=box.SIMPLE_HEAD, padding=(0, 0), pad_edge=False, show_edge=False)
        for col, width in (("#", 2), ("nat", 3), ("squadron", 10), ("state", 10),
                           ("position", 6), ("verdict", 7), ("why", 14), ("also\nfailing", 8),
                           ("delay", 5)):
            table.add_column(col, min_width=width, overflow="fold",
                             justify="right" if col in ("#", "delay") else "left")
        for r in self.rows:
            style = "green" if r["allowed"] else "red"
            verdict, _, why = r["reason"].partition(": ")
            table.add_row(
                str(r["aircraft"]), r["nation"], r["squadron"], r["state"],
                f"{r['lat']:.2f}N{sep}{r['lon']:.2f}E", Text(verdict, style=f"bold {style}"),
                Text(why or verdict, style=style),
                "\n".join(a.replace("_", " ") for a in r["also"]),
                f"{r['delay_s']:.0f} s" if r["delay_s"] > 0 else "",
            )
        table.caption = ("delay: national approval needed before firing, outside the "
                         "nation's own airspace")
        table.caption_justify = "left"
        head = [Text(f"track {self.track}: {self.summary[0]}", style="bold")]
        head += [Padding(Text(f"- {s}"), (0, 0, 0, 2)) for s in self.summary[1:]]
        return Group(*head, Text(""), table)


def _clock(t: float) -> str:
    m = int(round(t)) // 60
    return f"{m // 60:02d}:{m % 60:02d}"


def explain_pairs(rules: dict, a: Assessment, row: int, nations: np.ndarray,
                  shooter_lat: np.ndarray, shooter_lon: np.ndarray) -> list[dict[str, Any]]:
    """Judge assessment row `row` against shooters; one dict per shooter."""
    sub = a.select(np.array([row]))
    perm = evaluate(rules, sub.lat, sub.lon, sub.alt, sub.cls, nations, shooter_lat,
                    shooter_lon, sub)
    out = []
    for j in range(len(nations)):
        first = Reason(int(perm.reason[0, j]))
        also = [r.name.lower() for r in perm.reasons(0, j) if r != first]
        out.append({"allowed": bool(perm.allowed[0, j]), "code": first.name,
                    "reason": first.text, "also": also, "delay_s": float(perm.delay[0, j])})
    return out


def explain_track(tracks: Tracks, t: float, track_number: int,
                  rules: dict[str, NationRules], forces: OwnForces,
                  horizon_s: float = HORIZON_S) -> Explanation:
    """Explain, for every coalition aircraft, whether it may engage track `track_number` of
    the picture `tracks` at time `t`, and by which rule. Raises `KeyError` (with the track
    numbers present) if there is no such track. `skyshield.sim.inspect.explain_at` runs a
    scenario to a time and calls this."""
    a = assess_tracks(tracks, t, horizon_s)
    at_s = t
    hit = np.flatnonzero(a.number == track_number)
    if not len(hit):
        present = np.sort(a.number)
        some = ", ".join(str(n) for n in present[:40])
        more = f" and {len(present) - 40} more" if len(present) > 40 else ""
        raise KeyError(f"no track {track_number} at {_clock(at_s)} "
                       f"({len(present)} tracks: {some or 'none'}{more})")
    i = int(hit[0])
    judged = explain_pairs(rules, a, i, forces.nation, forces.lat, forces.lon)
    rows = []
    for j, jd in enumerate(judged):
        rows.append({
            "aircraft": j, "nation": str(forces.nation[j]), "squadron": forces.squadron[j],
            "state": forces.state[j], "lat": float(forces.lat[j]),
            "lon": float(forces.lon[j]), **jd,
        })
    cls = list(ThreatClass)[int(a.cls[i])].value.replace("_", " ")
    ttb = ", ".join(f"{c} {a.t_to_border[i, k] / 60:.1f} min"
                    for k, c in enumerate(NATO_ORDER) if np.isfinite(a.t_to_border[i, k]))
    summary = [
        f"{cls} at {a.lat[i]:.3f}, {a.lon[i]:.3f}, {a.alt[i]:.0f} m over "
        f"{a.country[i] or 'no country'}; value {a.value[i]:.1f}",
        *a.reasons[i],
    ]
    if ttb:
        summary.append(f"time to NATO borders: {ttb}")
    summary += _hold_fire_lines(rules, a, i)
    for nation, nr in rules.items():
        p = nr.trigger_p(a)
        if p is not None:
            trig = nr.rules.trigger
            summary.append(f"{nation} trigger: p(in {trig.airspace} airspace within "
                           f"{trig.within_min:g} min) = {p[i]:.2f} (needs {trig.probability:g})")
    return Explanation(int(track_number), float(at_s), summary, rows)


def _hold_fire_lines(rules: dict[str, NationRules], a: Assessment, i: int) -> list[str]:
    """Where the debris of a kill now would fall, and whether a nation leaving rule bites,
    for the nations that declare ``hold_fire``."""
    from skyshield.geo import fallout
    from skyshield.geo.borders import country_of
    from skyshield.geo.frame import THEATRE
    from skyshield.model.population import populated_places

    if not any(nr.rules.hold_fire.city_km > 0 or nr.rules.hold_fire.leaving_within_s > 0
               for nr in rules.values()):
        return []
    v = velocity_xy(a.speed[i : i + 1], a.heading_deg[i : i + 1])
    warhead = int(a.cls[i]) != ThreatClass.decoy.code
    xy = THEATRE.to_xy(a.lat[i], a.lon[i])[None] + fallout.throw(v, a.alt[i : i + 1],
                                                                    np.array([warhead]))
    flat, flon = THEATRE.from_xy(xy)
    d, k = populated_places().nearest(flat, flon)
    pp = populated_places()
    where = str(country_of(flat[0], flon[0])) or "no country"
    out = [f"debris if killed now: {flat[0]:.3f}, {flon[0]:.3f} over {where}, "
           f"{d[0] / 1000:.1f} km from {pp.name[k[0]]}"]
    for nation, nr in rules.items():
        hf = nr.rules.hold_fire
        code = int(nr.hold_fire(a.lat[i : i + 1], a.lon[i : i + 1], a.alt[i : i + 1],
                                a.cls[i : i + 1], v)[0])
        if hf.city_km > 0 or hf.leaving_within_s > 0:
            verdict = Reason(code).text if code else "no hold-fire rule applies"
            out.append(f"{nation} hold fire (city {hf.city_km:g} km, leaving "
                       f"{hf.leaving_within_s:g} s): {verdict}")
    return out
