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

from skyshield.cli_errors import DEBUG_KEY, GuardedGroup, print_problems
from skyshield.doctrine import DEFAULT_ASSIGN
from skyshield.model.errors import ScenarioError
from skyshield.model.loader import builtin_scenarios, load_scenario, scenario_json_schema
from skyshield.model.summary import summarize
from skyshield.units import HOUR, MINUTE

app = typer.Typer(
    name="skyshield",
    cls=GuardedGroup,  # no traceback reaches a user (skyshield/cli_errors.py)
    pretty_exceptions_enable=False,
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


@app.callback()
def _options(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option(
        "--debug", help="on an internal error, show the Python traceback")] = False,
) -> None:
    """Options of every command."""
    ctx.meta[DEBUG_KEY] = debug


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
        print_problems(e)
        raise typer.Exit(1) from None


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario: print OK, a summary and the run's expected size, or every problem
    as file:line:col (exit 1; also when the run would exceed the memory budget)."""
    from skyshield.model.budget import check_budget

    sc = _load(scenario)
    est = check_budget(sc, file=scenario)
    out.print(f"[green]OK[/green] {scenario}: {summarize(sc).line()}", highlight=False)
    out.print(est.line(), highlight=False)


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
        Path | None, typer.Option("--out", "-o", help="run folder (default: runs/NAME-seedN, "
                                  "or the next free runs/NAME-seedN-2 ...)")
    ] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="replace the run folder given by --out if it holds files")] = False,
    picture: PictureOpt = Picture.tracked,
    assign: Annotated[str, typer.Option(help=(
        "weapon-target assignment: 'greedy' (most valuable track, soonest shooter), or the "
        "(aircraft, weapon, track) problem re-planned each cycle by 'mmr' (maximum "
        "marginal return), 'local' (local search) or 'exact' (MIP, HiGHS)"))] = DEFAULT_ASSIGN,
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
    from skyshield.report.console import sim_progress, summary
    from skyshield.sim.run import run_scenario
    from skyshield.sim.rundir import check_before_flying

    sc = _load(scenario)
    seed = sc.seed if seed is None else seed

    out_dir = check_before_flying(sc, scenario, seed, out_dir, force=force, say=err.print)
    out_dir = out_dir or Path("runs") / f"{sc.name}-seed{seed}"
    # a bar on a terminal; plain lines every few seconds when piped or logged
    with sim_progress(err, f"simulating {sc.name} (seed {seed}, {picture.value} picture)",
                      sc.duration_s) as progress:
        try:
            result = run_scenario(sc, seed=seed, picture=picture.value, assign=assign,
                                  progress=progress)
        except ValueError as e:
            err.print(f"[red]error:[/red] {e}")
            raise typer.Exit(2) from None
    result.write(out_dir, force=force)
    out.print(summary(result.metrics))
    if compare_policies:
        from skyshield.sim.study import compare_deconfliction

        with err.status("comparing deconfliction policies") as status:
            df = compare_deconfliction(sc, seed, picture.value,
                                       progress=lambda p: status.update(f"policy {p}"),
                                       declared=result.metrics)
        from skyshield.sim.rundir import write_file_atomic

        write_file_atomic(out_dir / "deconfliction.json", df.to_json(orient="records", indent=2))
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
    from skyshield.sim.rundir import safe_name

    out_file = out_file or Path(f"{safe_name(sc.name)}-map.png")
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


# ------------------------------------------------------------------------------ study
@app.command(help=(
    "Run a policy study: every option of a study file (a YAML of overrides of a base "
    "scenario) flown over many nights, with statistics.\n\n"
    "Each option is flown --runs times on raids drawn per run from the study's variation "
    "(counts, launch windows, routes); run i of every option flies the same raid, so the "
    "options are compared night by night against the baseline. Runs go to a Dask "
    "LocalCluster using every core (--workers K to choose; 0 runs in this process), or to "
    "an existing Dask cluster (--dask tcp://host:8786). Each run is saved as it finishes; "
    "after an interruption, the same command with --resume does only the runs left.\n\n"
    "Writes into --out: runs.parquet / runs.csv (one row per run, every metric), "
    "summary.csv (mean and 95 % interval per option), paired.csv (each option minus the "
    "baseline), burden.csv and evenness.csv (each nation's share), failures.csv, and "
    "report/index.html (offline).\n\n"
    "Example: [bold]skyshield study coalition-options --runs 10 --workers 2[/bold]"))
def study(
    file: Annotated[str, typer.Argument(
        help="study file, or a built-in name such as 'coalition-options'")],
    runs: Annotated[int | None, typer.Option(
        min=1, help="runs per option (default: the study's)")] = None,
    workers: Annotated[int | None, typer.Option(
        min=0, help="local worker processes (default: every core; 0: in this process)")] = None,
    dask: Annotated[str | None, typer.Option(
        metavar="ADDRESS", help="address of an existing Dask scheduler, e.g. "
        "tcp://10.0.0.5:8786 (its workers need skyshield installed)")] = None,
    resume: Annotated[bool, typer.Option(
        help="continue the study already in --out, skipping its finished runs")] = False,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", "-o", help="study folder (default: runs/study-NAME)")] = None,
    report: Annotated[bool, typer.Option(help="write the HTML study report")] = True,
) -> None:
    """Run a policy study (see the help above)."""
    from skyshield.model.study import load_study
    from skyshield.report.study_console import study_summary
    from skyshield.report.study_html import build_study_report, load_tables
    from skyshield.sim.monte_carlo import run_study
    from skyshield.sim.store import StudyExistsError

    try:
        plan = load_study(file)
        out_dir = out_dir or Path("runs") / f"study-{plan.study.name}"
        n = runs or plan.study.runs
        err.print(f"study {plan.study.name}: {len(plan.options)} options x {n} runs on "
                  f"{plan.base.name}, out: {out_dir}", highlight=False)
        run_study(plan, runs=runs, workers=workers, dask=dask, resume=resume, out=out_dir,
                  progress=True)
    except ScenarioError as e:
        for p in e.problems:
            err.print(str(p), markup=False, highlight=False, soft_wrap=True)
        k = len(e.problems)
        err.print(f"[red]{k} problem{'s' if k != 1 else ''}[/red]: study refused")
        raise typer.Exit(1) from None
    except (StudyExistsError, ConnectionError) as e:
        err.print(Text.assemble(("error: ", "red"), str(e)), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print(f"[yellow]interrupted[/yellow]: finished runs are saved in {out_dir}; "
                  "run the same command with --resume to finish the study")
        raise typer.Exit(130) from None
    out.print(study_summary(load_tables(out_dir)))
    out.print(f"study folder: [bold]{out_dir}[/bold]")
    if report:
        out.print(f"report: [bold]{build_study_report(out_dir)}[/bold]")
# --------------------------------------------------------------------- live server
@app.command(help=(
    "Run the live coordination server for a scenario: one shared air picture from the "
    "plots fed to it, the simulation's decision core proposing engagements, each nation's "
    "operators approving their own on the page at http://HOST:PORT/ (API docs at /docs), "
    "every decision in a signed, tamper-evident audit log. Without --users, an account per "
    "coalition nation (plus coordinator, observer and feed) is created with random "
    "passwords, written to a file beside the key."))
def serve(
    scenario: ScenarioArg,
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
    db: Annotated[str, typer.Option(
        help="database: a SQLite file (WAL mode) or postgresql://user:pass@host/db")
    ] = "skyshield-server.db",
    key: Annotated[Path | None, typer.Option(
        help="Ed25519 signing key (PEM; created if missing; default beside the database)")
    ] = None,
    users: Annotated[Path | None, typer.Option(
        help="accounts file (JSON/YAML list of name, password, role, nation)")] = None,
    speed: Annotated[float, typer.Option(
        help="exercise clock rate (a feed may set it too)", min=0.01, max=100)] = 1.0,
    max_requests: Annotated[float, typer.Option(
        help="per-client limit: requests per second", min=0.1)] = 50.0,
    max_plots: Annotated[float, typer.Option(
        help="per-client limit: plots per second", min=1)] = 50_000.0,
    send_timeout: Annotated[float, typer.Option(
        help="a WebSocket client whose send takes longer is dropped [s]", min=0.05)] = 2.0,
    asterix_port: Annotated[int | None, typer.Option(
        help="also take radar data as ASTERIX CAT048/CAT062 on this UDP port (same host)",
        min=1, max=65535)] = None,
    cot: Annotated[list[str] | None, typer.Option(
        help="also send the picture as Cursor-on-Target to udp://HOST:PORT (unicast or "
        "multicast) or tcp://HOST:PORT (a TAK server); repeatable")] = None,
) -> None:
    from skyshield.interop.cot import parse_target
    from skyshield.server.run import serve as run_server
    from skyshield.server.store import StoreError

    for to in cot or []:
        try:
            parse_target(to)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--cot") from None
    sc = _load(scenario)
    try:
        run_server(sc, host=host, port=port, db=db, key=key, users=users, speed=speed,
                   limits=(max_requests, max_plots), send_timeout_s=send_timeout,
                   announce=lambda m: err.print(m, highlight=False, markup=False),
                   asterix_port=asterix_port, cot=tuple(cot or ()))
    except (StoreError, ValueError, OSError) as e:
        err.print(f"[red]error:[/red] {e}", highlight=False)
        raise typer.Exit(1) from None


class FeedFormat(StrEnum):
    """Wire formats of `skyshield feed`."""

    json = "json"
    asterix = "asterix"


@app.command(help=(
    "Play a simulated raid's radar plots into a running server, as a live exercise feed: "
    "the scenario's threats fly their routes, its radars scan them, and each scan's plots "
    "are posted when the server's exercise clock reaches their time (set to --speed). "
    "Stops after --minutes of scenario time or --max-plots plots."))
def feed(
    source: Annotated[str, typer.Argument(help="a run folder or a scenario (file or name)")],
    to: Annotated[str, typer.Option("--to", help="server URL, e.g. http://127.0.0.1:8000 "
                                    "(--format asterix: udp://HOST:PORT)")],
    speed: Annotated[float, typer.Option(help="exercise clock rate", min=0.01, max=100)] = 10.0,
    start: Annotated[str | None, typer.Option(
        help="scenario time to start at, HH:MM (default: the first detection)")] = None,
    minutes: Annotated[float, typer.Option(help="scenario minutes to play", min=0.1)] = 60.0,
    max_plots: Annotated[int, typer.Option(help="stop after this many plots", min=1)
                         ] = 1_000_000,
    user: Annotated[str, typer.Option(help="sensor account")] = "feed",
    password: Annotated[str | None, typer.Option(
        envvar="SKYSHIELD_PASSWORD", help="its password (default: from --credentials)")] = None,
    credentials: Annotated[Path | None, typer.Option(
        help="the server's generated accounts file")] = None,
    fmt: Annotated[FeedFormat, typer.Option(
        "--format", help="json: plot batches over HTTP to the server at --to; asterix: "
        "CAT048 radar reports over UDP to --to udp://HOST:PORT")] = FeedFormat.json,
    server: Annotated[str | None, typer.Option(
        help="with --format asterix: the live server's URL, to set its exercise clock")
    ] = None,
) -> None:
    from skyshield.server.feed import FeedError, run_feed

    if fmt is FeedFormat.asterix:
        from skyshield.interop.asterix_feed import run_asterix_feed

        try:
            st = run_asterix_feed(
                source, to, speed=speed, start_s=None if start is None else _parse_at(start),
                minutes=minutes, max_plots=max_plots, server=server, user=user,
                password=password, credentials=credentials, load=_load,
                say=lambda m: err.print(m, highlight=False, markup=False))
        except (FeedError, OSError) as e:
            err.print(f"[red]error:[/red] {e}", highlight=False)
            raise typer.Exit(1) from None
        out.print(f"sent {st.records:,} plots as CAT048 in {st.datagrams:,} datagrams"
                  + (f" ({st.out_of_range:,} beyond 256 NM not sent)" if st.out_of_range
                     else ""), highlight=False)
        return
    try:
        n = run_feed(source, to, speed=speed, start_s=None if start is None else _parse_at(start),
                     minutes=minutes, max_plots=max_plots, user=user, password=password,
                     credentials=credentials, load=_load,
                     say=lambda m: err.print(m, highlight=False, markup=False))
    except FeedError as e:
        err.print(f"[red]error:[/red] {e}", highlight=False)
        raise typer.Exit(1) from None
    out.print(f"fed {n.plots:,} plots in {n.batches:,} batches "
              f"({n.rejected:,} refused by the server)", highlight=False)


audit_app = typer.Typer(help="The live server's audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    db: Annotated[str, typer.Argument(help="the server's database (file or postgresql://...)")],
    key: Annotated[Path | None, typer.Option(
        help="the server's key file or its pinned public key (default: beside the database)")
    ] = None,
    checkpoint: Annotated[list[Path] | None, typer.Option(
        help="a checkpoint kept outside the database (e.g. by a nation's client)")] = None,
) -> None:
    """Check the whole audit log: every entry against its signed root, and the
    checkpoints kept outside; names the first entry changed, removed, inserted or moved."""
    from skyshield.server.run import verify_db
    from skyshield.server.store import StoreError

    try:
        rep = verify_db(db, key, checkpoint)
    except (StoreError, ValueError, OSError) as e:
        err.print(f"[red]error:[/red] {e}", highlight=False)
        raise typer.Exit(2) from None
    if rep.ok:
        out.print(f"[green]OK[/green] {rep.entries:,} entries verify"
                  f" ({rep.checkpoints} outside checkpoint{'s' if rep.checkpoints != 1 else ''}"
                  " consistent)", highlight=False)
        return
    for f in rep.findings:
        err.print(f"[red]TAMPERED[/red] {f}", highlight=False)
    raise typer.Exit(1)
# ------------------------------------------------------------------ interoperability

class ExportFormat(StrEnum):
    """File formats of `skyshield export`."""

    geojson = "geojson"
    czml = "czml"


def _run_dir(run_dir: Path) -> None:
    """Exit with a clear message unless `run_dir` is a run folder."""
    if not (run_dir / "scenario.yaml").is_file() or not (run_dir / "trajectories.parquet"
                                                          ).is_file():
        err.print(f"[red]error:[/red] {run_dir} is not a run folder (expected scenario.yaml and "
                  "trajectories.parquet, as `skyshield simulate --out DIR` writes)")
        raise typer.Exit(1)


@app.command(help=(
    "Export a finished run for GIS tools (GeoJSON) or a Cesium globe (CZML).\n\n"
    "GeoJSON (RFC 7946, WGS84 lon/lat/alt): threat tracks, aircraft tracks (one line per "
    "sortie), kills, debris points, NATO crossings and impacts, each with its properties. "
    "CZML: every threat and aircraft with time-dynamic interpolated positions from the "
    "scenario's epoch, their trails, and kills; open it in any CesiumJS viewer.\n\n"
    "Example: [bold]skyshield export runs/western-night-seed7 --format czml[/bold]"))
def export(
    run_dir: Annotated[Path, typer.Argument(help="a run folder written by `skyshield simulate`")],
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="geojson or czml")
                   ] = ExportFormat.geojson,
    out_file: Annotated[Path | None, typer.Option(
        "--out", "-o", help="output file (default: RUN_DIR/run.geojson or run.czml)")] = None,
) -> None:
    """Export a run folder as GeoJSON or CZML (see the help above)."""
    _run_dir(run_dir)
    if fmt is ExportFormat.geojson:
        from skyshield.interop.geojson import write_geojson as write
    else:
        from skyshield.interop.czml import write_czml as write
    try:
        path = write(run_dir, out_file)
    except OSError as e:
        err.print(f"[red]error:[/red] cannot write {out_file or run_dir}: {e.strerror or e}")
        raise typer.Exit(1) from None
    out.print(f"wrote [bold]{path}[/bold] ({path.stat().st_size / 1e6:.1f} MB)")


@app.command(help=(
    "Replay a finished run as Cursor-on-Target to TAK clients (ATAK, WinTAK, WebTAK) or a TAK "
    "server, for exercises without a live server.\n\n"
    "Every replay sample (10 s of scenario time) sends the picture: tracks as hostile air "
    "(drone a-h-A-M-F-Q, cruise missile a-h-A-W-M) with their class and assessment in the "
    "remarks, coalition fighters (a-f-A-M-F-F), and engagements waiting for national approval "
    "as lines. Events are stamped with the scenario's clock and go stale after 3 samples. "
    "--to udp://HOST:PORT (unicast, or a multicast group such as 239.2.3.1:6969) or "
    "tcp://HOST:PORT (a TAK server's streaming input).\n\n"
    "Example: [bold]skyshield cot runs/western-night-seed7 --to udp://239.2.3.1:6969 "
    "--speed 10[/bold]"))
def cot(
    run_dir: Annotated[Path, typer.Argument(help="a run folder written by `skyshield simulate`")],
    to: Annotated[str, typer.Option(help="udp://HOST:PORT or tcp://HOST:PORT")] = ...,  # type: ignore[assignment]
    speed: Annotated[float, typer.Option(help="times real time (10: one scenario minute in "
                                              "6 s)", min=1e-3)] = 10.0,
    until: Annotated[float | None, typer.Option(
        help="stop at this scenario time [minutes] (default: the end of the run)", min=0)
    ] = None,
) -> None:
    """Replay a run folder as CoT events (see the help above)."""
    from skyshield.interop.cot import parse_target
    from skyshield.interop.cot_replay import replay_cot

    _run_dir(run_dir)
    try:
        parse_target(to)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--to") from None
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.fields[clock]}"), TimeElapsedColumn(), console=err) as bar:
        task = bar.add_task(f"CoT to {to}", total=None, clock="00:00")

        def progress(t: float, end: float) -> None:
            bar.update(task, completed=t, total=end,
                       clock=f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}")

        try:
            st = replay_cot(run_dir, to, speed=speed, progress=progress,
                            until_s=None if until is None else until * MINUTE)
        except OSError as e:
            err.print(f"[red]error:[/red] cannot send to {to}: {e.strerror or e}")
            raise typer.Exit(1) from None
    out.print(f"sent {st.events} CoT events in {st.frames} pictures ({st.tracks} tracks) to "
              f"{to}" + (f"; {st.errors} failed" if st.errors else ""), highlight=False)


if __name__ == "__main__":  # pragma: no cover
    app()
