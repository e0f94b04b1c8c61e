"""The `skyshield` command: thin verbs over the library (parse, call one function, print)."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from skyshield.model.errors import ScenarioError
from skyshield.model.loader import builtin_scenarios, load_scenario, scenario_json_schema
from skyshield.model.summary import summarize
from skyshield.units import HOUR, MINUTE

app = typer.Typer(
    name="skyshield",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    help=(
        "Plan, simulate and coordinate a coalition air-defence mission: fighters of Poland, "
        "Slovakia, Hungary and Romania intercepting Russian drones and cruise missiles over "
        "western Ukraine, under each nation's rules of engagement.\n\n"
        "A scenario is a YAML file (or the name of a built-in one, see `skyshield scenarios`); "
        "`skyshield validate` checks it and `skyshield schema` writes its JSON Schema for "
        "editors. All figures are notional and public.\n\n"
        "Start with [bold]skyshield simulate[/bold] (the default scenario, western-night): it "
        "prints what the coalition achieved and risked and writes a run folder with an "
        "offline HTML report."
    ),
)
# piped output (a file, a CI log) gets room for the summary tables rather than 80 columns
out = Console() if sys.stdout.isatty() else Console(width=120)
err = Console(stderr=True)

ScenarioArg = Annotated[
    str, typer.Argument(help="scenario file, or a built-in name such as 'western-night'")
]


@app.command()
def scenarios() -> None:
    """List the built-in scenarios: name, description, threats and aircraft."""
    table = Table(title="built-in scenarios", expand=True)
    table.add_column("name", style="bold")
    table.add_column("description", no_wrap=True, overflow="ellipsis", ratio=1)
    table.add_column("threats", justify="right")
    table.add_column("aircraft", justify="right")
    for name in builtin_scenarios():
        s = summarize(load_scenario(name))
        table.add_row(name, s.description, str(s.threats), str(s.aircraft))
    out.print(table)


def _load(scenario: str):  # noqa: ANN202 - returns a Scenario, or exits with the problems
    try:
        return load_scenario(scenario)
    except ScenarioError as e:
        for p in e.problems:
            err.print(str(p), markup=False, highlight=False, soft_wrap=True)
        n = len(e.problems)
        err.print(f"[red]{n} problem{'s' if n != 1 else ''}[/red]: scenario refused")
        raise typer.Exit(1) from None


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario: print OK and a summary, or every problem as file:line:col (exit 1)."""
    s = summarize(_load(scenario))
    out.print(f"[green]OK[/green] {scenario}: {s.line()}", highlight=False)


@app.command()
def schema(
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="write to this file instead of stdout")
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editor completion and checking)."""
    text = json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False)
    if out_file is None:
        typer.echo(text)
    else:
        out_file.write_text(text + "\n", encoding="utf-8")
        out.print(f"wrote {out_file}")


class Picture(StrEnum):
    """Which air picture the decision stage sees."""

    perfect = "perfect"
    tracked = "tracked"


PictureOpt = Annotated[Picture, typer.Option(
    help="air picture: 'perfect' (truth under track numbers, fast) or 'tracked' "
    "(radars + tracker)")]


DEFAULT_SCENARIO = "western-night"
OptScenarioArg = Annotated[
    str,
    typer.Argument(help="scenario file, or a built-in name (default: western-night)"),
]


@app.command()
def simulate(
    scenario: OptScenarioArg = DEFAULT_SCENARIO,
    seed: Annotated[int | None, typer.Option(help="random seed (default: the scenario's)")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="run folder (default: runs/NAME-seedN)")
    ] = None,
    picture: PictureOpt = Picture.tracked,
    assign: Annotated[str, typer.Option(help="weapon-target assignment solver")] = "greedy",
    report: Annotated[bool, typer.Option(help="write the HTML report into the run folder")] = True,
    compare_policies: Annotated[bool, typer.Option(
        help="also fly the run under each deconfliction policy (3 more runs) and show what "
        "each costs in kills")] = False,
    dilemma: Annotated[bool, typer.Option(
        help="also fly the same raid with every nation engaging only over its own territory "
        "(1 more run) and compare where the debris fell")] = False,
) -> None:
    """Fly a whole raid and print what the coalition achieved and risked.

    Writes events.parquet, threats.parquet, aircraft.parquet, trajectories.parquet,
    metrics.json, the scenario as run and run.json into the run folder, and the HTML
    report in its report/ sub-folder.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from skyshield.report.console import summary
    from skyshield.sim.run import run_scenario

    sc = _load(scenario)
    seed = sc.seed if seed is None else seed
    out_dir = out_dir or Path("runs") / f"{sc.name}-seed{seed}"
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.fields[clock]}"), TimeElapsedColumn(),
                  console=err, transient=False) as bar:
        task = bar.add_task(f"simulating {sc.name} (seed {seed}, {picture.value} picture)",
                            total=sc.duration_s, clock="00:00")

        def progress(t: float, total: float) -> None:
            bar.update(task, completed=t, clock=f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}")

        try:
            result = run_scenario(sc, seed=seed, picture=picture.value, assign=assign,
                                  progress=progress)
        except ValueError as e:
            err.print(f"[red]error:[/red] {e}")
            raise typer.Exit(2) from None
    result.write(out_dir)
    out.print(summary(result.metrics))
    if compare_policies:
        from skyshield.sim.study import compare_deconfliction

        with err.status("comparing deconfliction policies") as status:
            df = compare_deconfliction(sc, seed, picture.value,
                                       progress=lambda p: status.update(f"policy {p}"),
                                       declared=result.metrics)
        (out_dir / "deconfliction.json").write_text(df.to_json(orient="records", indent=2))
        table = Table(title="deconfliction policies: what each costs (same seed)",
                      title_justify="left")
        heads = {"policy": "policy", "kills_coalition": "coalition kills",
                 "kills_ukraine": "UA kills", "kills_vs_none": "kills vs none",
                 "impacted": "reached target", "leakers": "leakers",
                 "fratricide_risk_events": "risk events", "mez_minutes": "min in UA MEZ"}
        for col, head in heads.items():
            table.add_column(head, justify="left" if col == "policy" else "right")
        for r in df.to_dict("records"):
            name = r["policy"] + (" (declared)" if r["declared"] else "")
            table.add_row(name, *(str(r[c]) for c in list(heads)[1:]))
        out.print(table)
    if dilemma:
        from skyshield.sim.study import debris_dilemma

        with err.status("flying the raid again, engaging over own territory only"):
            home, table = debris_dilemma(sc, seed, picture.value, result.metrics, out_dir)
        t = Table(title="the debris dilemma: engage over Ukraine, or only over own territory "
                  "(same raid, same seed)", title_justify="left")
        t.add_column("")
        for col in table.columns:
            t.add_column(col, justify="right")
        for name, row in table.iterrows():
            t.add_row(str(name), *(str(v) for v in row))
        out.print(t)
    out.print(f"run folder: [bold]{out_dir}[/bold]")
    if report:
        from skyshield.report.html import build_report

        out.print(f"report: [bold]{build_report(out_dir)}[/bold]")


@app.command("report")
def report_cmd(
    run_dir: Annotated[Path, typer.Argument(help="a run folder written by `skyshield simulate`")],
) -> None:
    """Re-render the HTML report of a run folder from its files."""
    from skyshield.report.html import build_report

    if not (run_dir / "metrics.json").exists():
        err.print(f"[red]error:[/red] {run_dir} is not a run folder (no metrics.json)")
        raise typer.Exit(1)
    out.print(f"report: [bold]{build_report(run_dir)}[/bold]")


@app.command("map")
def map_cmd(
    scenario: OptScenarioArg = DEFAULT_SCENARIO,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="PNG file (an SVG is written beside it)")
    ] = None,
) -> None:
    """Draw the theatre: borders, zones, bases, radars, air defence, cities, launch areas."""
    from skyshield.report.theatre_map import render_map

    sc = _load(scenario)
    out_file = out_file or Path(f"{sc.name}-map.png")
    paths = render_map(sc, out_file.with_suffix(""), fmt=("png", "svg"))
    for p in paths:
        out.print(f"wrote [bold]{p}[/bold]")



# ------------------------------------------------------------------ assess and roe explain

def _parse_at(text: str) -> float:
    """A time since scenario start: HH:MM, H:MM:SS or minutes (80, 92.5) -> seconds."""
    t = str(text).strip()
    try:
        if ":" not in t:
            minutes = float(t)
            if not minutes >= 0 or minutes == float("inf"):
                raise ValueError
            return minutes * MINUTE
        parts = [int(x) for x in t.split(":")]
        if len(parts) not in (2, 3) or any(x < 0 for x in parts) or any(x >= 60 for x in parts[1:]):
            raise ValueError
        h, m, sec = (parts + [0])[:3]
        return h * HOUR + m * MINUTE + sec
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a time since scenario start; use HH:MM (04:30), H:MM:SS "
            "(4:30:15) or minutes (270)") from None


def _clock(t: float) -> str:
    s = int(round(t))
    hm = f"{s // 3600:02d}:{s % 3600 // 60:02d}"
    return hm if s % 60 == 0 else f"{hm}:{s % 60:02d}"


def _check_at(sc, at_s: float) -> str:  # noqa: ANN001 - a Scenario
    """Refuse a time beyond the scenario (exit 2, naming --at); return the heading line."""
    if at_s > sc.duration_s:
        raise typer.BadParameter(
            f"{_clock(at_s)} is beyond the end of scenario {sc.name!r}, which lasts "
            f"{_clock(sc.duration_s)}", param_hint="'--at'")
    utc = (sc.epoch + timedelta(seconds=at_s)).strftime("%Y-%m-%d %H:%M UTC")
    return f"[bold]{sc.name}[/bold] at {_clock(at_s)} after the start ({utc})"


AtOpt = Annotated[float, typer.Option(
    "--at", parser=_parse_at, metavar="TIME",
    help="time since scenario start: HH:MM (04:30), H:MM:SS (4:30:15) or minutes (270)")]

def _mins(m: float | None) -> str:
    return "-" if m is None else f"{m:.1f}"


@app.command(help=(
    "Rank the threats in the air at a moment of the raid, most valuable to engage first.\n\n"
    "Flies the scenario from its start to --at, assesses every track of the air picture and "
    "prints the top N: class, position, speed and heading, the next country it enters and "
    "when, the time to each NATO border, the probability of entering NATO airspace, the "
    "places it may be heading for and its value; then the reasons for each.\n\n"
    "Example: [bold]skyshield assess western-night --at 04:30 --top 5[/bold]"))
def assess(
    scenario: OptScenarioArg = DEFAULT_SCENARIO,
    at: AtOpt = ...,  # type: ignore[assignment] - required
    top: Annotated[int, typer.Option(min=1, help="how many tracks to show")] = 10,
    picture: PictureOpt = Picture.perfect,
) -> None:
    """Rank the threats in the air at a moment of the raid (see the help above)."""
    from skyshield.sim.inspect import assess_at

    sc = _load(scenario)
    head = _check_at(sc, at)
    with err.status(f"flying {sc.name} to {_clock(at)}"):
        rows = assess_at(sc, at, top=top, picture=picture.value)
    if not rows:
        out.print(f"{head}: no tracks in the {picture.value} picture")
        return
    out.print(f"{head}, {picture.value} picture: top {len(rows)} threats", highlight=False)
    out.print(_threat_table(rows))
    out.print("[bold]why[/bold]")
    for r in rows:
        out.print(f"  {r['rank']}. track {r['track']} ({_cls(r)}, value {r['value']:.1f})",
                  highlight=False)
        for reason in r["reasons"]:
            out.print(Padding(Text(f"- {reason}"), (0, 0, 0, 5)), highlight=False)


def _cls(r: dict) -> str:
    return r["class"].replace("_", " ")


def _threat_table(rows: list[dict]) -> Table:
    """The rows of `assess_at` as a table that stays readable in 80 columns."""
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 0),
                  pad_edge=False, show_edge=False)
    for col, just, width in (("#", "right", 2), ("track", "right", 5), ("class", "left", 7),
                             ("position", "left", 9), ("km/h\nhdg", "right", 4),
                             ("next\ncountry", "left", 8), ("NATO\nborder in", "left", 8),
                             ("P\nNATO", "right", 4), ("heading for", "left", 12),
                             ("value", "right", 5)):
        table.add_column(col, justify=just, min_width=width, overflow="fold")
    for r in rows:
        if r["country"] in r["t_to_border_min"]:
            nxt = f"in {r['country']}"
        elif r["next_country"]:
            nxt = f"{r['next_country']} {_mins(r['t_next_country_min'])}"
        else:
            nxt = "-"
        borders = "\n".join(f"{c} {_mins(m)}" for c, m in r["t_to_border_min"].items()
                            if m is not None) or "-"
        table.add_row(
            str(r["rank"]), str(r["track"]), _cls(r),
            f"{r['lat']:.2f}N {r['lon']:.2f}E\n{r['alt_m']} m {r['country'] or 'sea'}",
            f"{r['speed_kmh']}\n{r['heading_deg']:03d}°", nxt, borders,
            f"{r['p_nato']:.2f}", "\n".join(r["heading_for"]) or "-", f"{r['value']:.1f}",
        )
    table.caption = ("times in minutes from now; NATO border in: along the present course; "
                     "P NATO: probability of entering NATO airspace within the horizon")
    table.caption_justify = "left"
    return table


roe_app = typer.Typer(
    name="roe", no_args_is_help=True, rich_markup_mode="rich",
    help="Rules of engagement: which coalition aircraft may engage which track, and why.")
app.add_typer(roe_app, name="roe")


@roe_app.command("explain", help=(
    "Explain, for every coalition aircraft, whether it may engage a track and by which "
    "rule.\n\n"
    "Flies the scenario from its start to --at, judges the track against each nation's rules "
    "of engagement and prints every aircraft's verdict: allowed (own airspace, engagement "
    "zone) or refused (class, altitude floor, excluded zone, depth, consent, city, trigger), "
    "with the other rules that also fail and the national approval delay. Without --track, "
    "lists the tracks present at that time (number, class, position) to choose from.\n\n"
    "Example: [bold]skyshield roe explain western-night --at 04:30 --track 12[/bold]"))
def roe_explain(
    scenario: OptScenarioArg = DEFAULT_SCENARIO,
    at: AtOpt = ...,  # type: ignore[assignment] - required
    track: Annotated[int | None, typer.Option(
        help="track number (omit it to list the tracks present at --at)")] = None,
    picture: PictureOpt = Picture.perfect,
) -> None:
    """Explain the rules of engagement for one track (see the help above)."""
    sc = _load(scenario)
    head = _check_at(sc, at)
    if track is None:
        from skyshield.sim.inspect import assess_at

        with err.status(f"flying {sc.name} to {_clock(at)}"):
            rows = assess_at(sc, at, top=1_000_000, picture=picture.value)
        if not rows:
            out.print(f"{head}: no tracks in the {picture.value} picture")
            return
        out.print(f"{head}: {len(rows)} tracks in the {picture.value} picture",
                  highlight=False)
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        for col in ("track", "class", "lat, lon", "alt m", "over", "km/h", "heading for",
                    "value"):
            table.add_column(col, overflow="fold", min_width=12 if col == "heading for" else None,
                             justify="left" if col in ("class", "lat, lon", "over",
                                                       "heading for") else "right")
        for r in sorted(rows, key=lambda r: r["track"]):
            table.add_row(str(r["track"]), _cls(r), f"{r['lat']:.2f}, {r['lon']:.2f}",
                          str(r["alt_m"]), r["country"] or "sea", str(r["speed_kmh"]),
                          ", ".join(r["heading_for"][:1]) or "-", f"{r['value']:.1f}")
        out.print(table)
        out.print(f"choose one: skyshield roe explain {scenario} --at {_clock(at)} "
                  "--track N", highlight=False, markup=False)
        return
    from skyshield.sim.inspect import explain_at

    try:
        with err.status(f"flying {sc.name} to {_clock(at)}"):
            expl = explain_at(sc, at, track, picture=picture.value)
    except KeyError as e:
        err.print(Text.assemble(("error: ", "red"), str(e.args[0])), highlight=False,
                  soft_wrap=True)
        err.print("(omit --track to list the tracks with their class and position)")
        raise typer.Exit(1) from None
    out.print(f"{head}, {picture.value} picture", highlight=False)
    out.print(expl)


if __name__ == "__main__":  # pragma: no cover
    app()
