"""What a user sees when a command fails: one line per problem, never a traceback.

`GuardedGroup` wraps every command of the `skyshield` app: bad input (a scenario, a run
folder, a file that cannot be written) prints its problems and exits 1; an internal error
prints a short message saying where to report it and exits 70, with the traceback only
under ``skyshield --debug``.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from skyshield.model.errors import RunFolderError, ScenarioError

EXIT_INPUT = 1  # bad input: the user can fix it
EXIT_INTERNAL = 70  # a defect of skyshield (EX_SOFTWARE)
EXIT_INTERRUPTED = 130
REPORT_TO = ("please report it on the skyshield issue tracker with the command, the scenario "
             "file and the output of the same command run as `skyshield --debug ...`")
DEBUG_KEY = "skyshield.debug"

err = Console(stderr=True)


def _passed_through() -> tuple[type[BaseException], ...]:
    """Exceptions the command line itself handles (usage errors, exits): typer >= 0.20
    carries its own copy of click, older versions use click."""
    out: list[type[BaseException]] = [typer.Exit, typer.Abort]
    for name in ("typer._click.exceptions", "click.exceptions"):
        try:
            m = importlib.import_module(name)
        except ImportError:
            continue
        out += [getattr(m, n) for n in ("ClickException", "Exit", "Abort") if hasattr(m, n)]
    return tuple(out)


PASSED_THROUGH = _passed_through()


def print_problems(e: ScenarioError) -> None:
    """Every problem of a refused scenario, one per line, then the count."""
    for p in e.problems:
        err.print(str(p), markup=False, highlight=False, soft_wrap=True)
    n = len(e.problems)
    err.print(f"[red]{n} problem{'s' if n != 1 else ''}[/red]: scenario refused")


def _error(message: str) -> None:
    err.print(Text.assemble(("error: ", "red"), message), highlight=False, soft_wrap=True)


class GuardedGroup(TyperGroup):
    """The top-level command group: turns every exception into a message and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command; map what it raises to a one-line message and an exit code."""
        try:
            return super().invoke(ctx)
        except PASSED_THROUGH:
            raise
        except ScenarioError as e:
            print_problems(e)
            raise typer.Exit(EXIT_INPUT) from None
        except RunFolderError as e:
            _error(str(e))
            raise typer.Exit(EXIT_INPUT) from None
        except KeyboardInterrupt:
            _error("interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except OSError as e:
            if ctx.meta.get(DEBUG_KEY):
                raise
            where = f"{e.filename}: " if e.filename else ""
            _error(f"{where}{e.strerror or e}")
            raise typer.Exit(EXIT_INPUT) from None
        except Exception as e:  # noqa: BLE001 - the last line of defence
            if ctx.meta.get(DEBUG_KEY):
                raise
            what = " ".join(str(e).split())[:200]
            _error(f"internal error ({type(e).__name__}: {what}). This is a defect of "
                   f"skyshield, not of your input: {REPORT_TO}.")
            raise typer.Exit(EXIT_INTERNAL) from None
