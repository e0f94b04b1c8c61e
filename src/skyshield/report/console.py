"""The run summary as rich tables, for the terminal (`skyshield simulate`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, Group
from rich.table import Table

PLAIN_EVERY_S = 5.0  # piped or logged output: at most one progress line this often [s]

OUTCOME_LABELS = {
    "destroyed_coalition": "destroyed (coalition)",
    "destroyed_ukraine": "destroyed (Ukraine)",
    "impacted": "reached target",
    "expired": "ran out of range",
    "flying": "still flying",
    "not_launched": "not launched",
}


def _usd(x: float | None) -> str:
    return "–" if x is None else f"${x / 1e6:,.1f} M"


def summary(metrics: dict[str, Any]) -> Group:
    """Threats by type and outcome, per-nation work and exposure, leakers and cost."""
    m = metrics
    outcomes = [o for o in OUTCOME_LABELS if m["threats"]["outcomes"].get(o, 0)]
    t1 = Table(title=f"threats by type and outcome — {m['scenario']}", title_justify="left")
    t1.add_column("type", style="bold")
    for o in outcomes:
        t1.add_column(OUTCOME_LABELS[o], justify="right")
    t1.add_column("total", justify="right", style="bold")
    for name, row in sorted(m["threats"]["by_type"].items()):
        t1.add_row(name, *(str(row.get(o, 0)) for o in outcomes), str(sum(row.values())))
    t1.add_row("all", *(str(m["threats"]["outcomes"][o]) for o in outcomes),
               str(m["threats"]["total"]), style="bold")

    t2 = Table(title="coalition nations: work and exposure", title_justify="left")
    for col in ("nation", "a/c", "sorties", "flt h", "shots", "kills", "depth km",
                "UA min", "BY/RU km", "appr.", "delay s", "MEZ min"):
        t2.add_column(col, justify="left" if col == "nation" else "right", no_wrap=True)
    for nation, n in m["nations"].items():
        closest = n["closest_blr_rus_km"]
        t2.add_row(nation, str(n["aircraft"]), str(n["sorties"]), f"{n['flight_hours']:.1f}",
                   str(n["shots"]), str(n["kills"]), f"{n['max_depth_km']:.0f}",
                   f"{n['ukr_minutes']:.0f}", "–" if closest is None else f"{closest:.0f}",
                   str(n["approvals"]), f"{n['approval_delay_s_mean']:.0f}",
                   f"{n['mez_minutes']:.0f}")
    t2.caption = ("depth: deepest point inside Ukraine, from NATO territory; BY/RU: closest "
                  "approach to Belarus or Russia; appr.: engagements needing national approval, "
                  "delay: their mean delay; MEZ: minutes inside active Ukrainian engagement zones")

    t3 = Table(title="what it achieved and what it risked", title_justify="left",
               show_header=False)
    t3.add_column("what")
    t3.add_column("value", justify="right")
    leak = ", ".join(f"{c} {k}" for c, k in m["leakers"].items() if k) or "none"
    t3.add_row("leakers into NATO airspace", f"{m['leakers_total']} ({leak})")
    t3.add_row("interceptions over Ukraine", str(m["interceptions_over_ukraine"]))
    from skyshield.report.realism import airspace_lines, debris_lines, held_fire_line

    for line in airspace_lines(m) + debris_lines(m) + [held_fire_line(m)]:
        if line:
            what, _, value = line.partition(": ") if ": " in line else (line, "", "")
            t3.add_row(what, value)
    t3.add_row("fratricide-risk events (aircraft entering a UA MEZ)",
               str(m["fratricide_risk_events"]))
    c = m["cost"]
    t3.add_row("notional cost spent (weapons + flight hours)",
               f"{_usd(c['spent_usd'])} ({_usd(c['weapons_usd'])} + {_usd(c['flight_usd'])})")
    t3.add_row("notional value of threats destroyed", _usd(c["destroyed_value_usd"]))
    ratio = c["exchange_ratio"]
    t3.add_row("cost exchange (destroyed / spent)", "–" if ratio is None else f"{ratio:.2f}")
    a = m.get("assign")
    if a:
        line = str(a.get("solver", a.get("assigner", "?")))
        if "cycles" in a:
            line += (f": {a['cycles']} cycles, solve {a['solve_ms_mean']:.1f} ms mean / "
                     f"{a['solve_ms_max']:.1f} ms max; threat value planned (expected) "
                     f"{a['planned_value']:.1f}, achieved {a['achieved_value']:.1f}")
        else:
            line += f"; threat value achieved {a['achieved_value']:.1f}"
        t3.add_row("weapon-target assignment", line)
    if "tracking" in m:
        tr = m["tracking"]
        t3.add_row("mean GOSPA (c = 10 km, p = 2)", f"{tr['gospa_mean_m'] / 1000:.2f} km")
        med = tr.get("time_to_track_median_s")
        t3.add_row("median time from regular detection to confirmed track",
                   "–" if med is None else f"{med:.0f} s")
        t3.add_row("false tracks / threats never tracked",
                   f"{tr['false_tracks']} / {tr['never_tracked']}")
    t3.add_row("simulated / wall time", f"{m['simulated_s'] / 3600:.1f} h / {m['wall_s']:.1f} s "
               f"({m['speedup']:.0f}× real time)")
    return Group(t1, t2, t3)


def _clock(t: float) -> str:
    """Simulated time as HH:MM."""
    return f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}"


@contextmanager
def sim_progress(
    console: Console, description: str, total_s: float, every_s: float = PLAIN_EVERY_S
) -> Iterator[Callable[[float, float], None]]:
    """Progress of a run as `update(t, total)`: a bar on a terminal, plain lines otherwise.

    When the console is not a terminal (output piped to a file or a CI log) a rich bar
    would be drawn only at the end, so the log would stay empty for the whole run; there
    the progress is written as plain lines, at most one every `every_s` seconds of wall
    time, plus one when the run ends.
    """
    if console.is_terminal:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      TextColumn("{task.fields[clock]}"), TimeElapsedColumn(),
                      console=console, transient=False) as bar:
            task = bar.add_task(description, total=total_s, clock="00:00")

            def update(t: float, total: float) -> None:
                bar.update(task, completed=t, clock=_clock(t))

            yield update
        return
    start = time.monotonic()
    last = [start, -1.0]  # wall time of the last line, simulated time it showed

    def line(t: float, total: float) -> None:
        pct = 100.0 * t / total if total > 0 else 100.0
        console.print(f"{description}: {_clock(t)} of {_clock(total)} simulated "
                      f"({pct:.0f} %), {time.monotonic() - start:.0f} s", highlight=False,
                      soft_wrap=True)  # one line whatever the console width
        last[0], last[1] = time.monotonic(), t

    def update(t: float, total: float) -> None:
        if time.monotonic() - last[0] >= every_s:
            line(t, total)

    console.print(f"{description}: started", highlight=False, soft_wrap=True)
    yield update
    if last[1] < total_s:
        line(total_s, total_s)
