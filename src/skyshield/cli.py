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


if __name__ == "__main__":  # pragma: no cover
    app()
