"""The `skyshield` command: thin verbs over the library (parse, call one function, print)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from skyshield.model.errors import ScenarioError
from skyshield.model.loader import builtin_scenarios, load_scenario, scenario_json_schema
from skyshield.model.summary import summarize

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
        "editors. All figures are notional and public."
    ),
)
out = Console()
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


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario: print OK and a summary, or every problem as file:line:col (exit 1)."""
    try:
        s = summarize(load_scenario(scenario))
    except ScenarioError as e:
        for p in e.problems:
            err.print(str(p), markup=False, highlight=False, soft_wrap=True)
        n = len(e.problems)
        err.print(f"[red]{n} problem{'s' if n != 1 else ''}[/red]: scenario refused")
        raise typer.Exit(1) from None
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


DEFAULT_SCENARIO = "western-night"
OptScenarioArg = Annotated[
    str,
    typer.Argument(help="scenario file, or a built-in name (default: western-night)"),
]


def _load(scenario: str):  # noqa: ANN202 - returns a Scenario, or exits with the problems
    try:
        return load_scenario(scenario)
    except ScenarioError as e:
        for p in e.problems:
            err.print(str(p), markup=False, highlight=False, soft_wrap=True)
        err.print(f"[red]{len(e.problems)} problem(s)[/red]: scenario refused")
        raise typer.Exit(1) from None


@app.command()
def simulate(
    scenario: OptScenarioArg = DEFAULT_SCENARIO,
    seed: Annotated[int | None, typer.Option(help="random seed (default: the scenario's)")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="run folder (default: runs/NAME-seedN)")
    ] = None,
    picture: Annotated[
        str, typer.Option(help="air picture: 'tracked' (radars + tracker) or 'perfect' (truth)")
    ] = "tracked",
    assign: Annotated[str, typer.Option(help="weapon-target assignment solver")] = "greedy",
    report: Annotated[bool, typer.Option(help="write the HTML report into the run folder")] = True,
    compare_policies: Annotated[bool, typer.Option(
        help="also fly the run under each deconfliction policy (3 more runs) and show what "
        "each costs in kills")] = False,
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
        task = bar.add_task(f"simulating {sc.name} (seed {seed}, {picture} picture)",
                            total=sc.duration_s, clock="00:00")

        def progress(t: float, total: float) -> None:
            bar.update(task, completed=t, clock=f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}")

        try:
            result = run_scenario(sc, seed=seed, picture=picture, assign=assign,
                                  progress=progress)
        except ValueError as e:
            err.print(f"[red]error:[/red] {e}")
            raise typer.Exit(2) from None
    result.write(out_dir)
    out.print(summary(result.metrics))
    if compare_policies:
        from skyshield.sim.study import compare_deconfliction

        with err.status("comparing deconfliction policies") as status:
            df = compare_deconfliction(sc, seed, picture,
                                       progress=lambda p: status.update(f"policy {p}"))
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


if __name__ == "__main__":  # pragma: no cover
    app()
