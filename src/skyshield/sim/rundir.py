"""Writing a run folder safely: a checked destination, sanitised names, atomic files.

A run folder is written into a hidden temporary folder beside its destination and renamed
into place only when every file is complete, so a killed run leaves no half-written folder
that looks like a run (only a hidden ``.NAME.partial-*`` folder). An existing, non-empty
folder is replaced only when asked (`force`); the default folder of a run moves on to a
new numbered one instead. Readers check what they read (`report.rundir.load_run`).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import skyshield
from skyshield.model.errors import RunFolderError

if TYPE_CHECKING:
    from skyshield.model.scenario import Scenario
    from skyshield.sim.result import RunResult

__all__ = ["RUN_FILES", "check_before_flying", "default_run_dir", "prepare_out_dir",
           "safe_name", "write_run_folder"]

RUN_FILES = ("events.parquet", "threats.parquet", "aircraft.parquet", "trajectories.parquet",
             "crossings.parquet", "munitions.parquet", "metrics.json", "scenario.yaml",
             "run.json")
MAX_STEM = 80  # characters of a sanitised file-name stem
MAX_NUMBERED = 999  # numbered alternatives tried for a default run folder


def safe_name(name: str, fallback: str = "scenario") -> str:
    """`name` as one safe file-name component: letters, digits, ``-_.``; never a path.

    Separators, control characters and anything else become ``-``; leading dots and dashes
    go (no hidden files, no ``..``, no option-like names); empty results give `fallback`.
    """
    text = unicodedata.normalize("NFKC", str(name))
    text = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in text)
    text = re.sub(r"-{2,}", "-", text).strip("-.")[:MAX_STEM].rstrip("-.")
    return text or fallback


def default_run_dir(root: Path, scenario_name: str, seed: int) -> Path:
    """``root/NAME-seedN`` with the name sanitised (always inside `root`)."""
    return Path(root) / f"{safe_name(scenario_name)}-seed{int(seed)}"


def check_before_flying(scenario: Scenario, file: str, seed: int, out: Path | None, *,
                        force: bool = False, say: Callable[[str], Any] = print) -> Path:
    """Everything a run needs before it flies: its size within the memory budget, and a
    folder it may write (`out`, else the first free ``runs/NAME-seedN[-k]``, announced)."""
    from skyshield.model.budget import check_budget

    check_budget(scenario, file=file)
    default = default_run_dir(Path("runs"), scenario.name, seed)
    chosen = prepare_out_dir(out or default, force=force, numbered=out is None)
    if out is None and chosen != default:
        say(f"{default} holds a run already: writing {chosen}")
    return chosen


def _is_empty_dir(p: Path) -> bool:
    return p.is_dir() and not any(p.iterdir())


def prepare_out_dir(out: Path, *, force: bool = False, numbered: bool = False) -> Path:
    """Check, before a run flies, that its folder can be written; return the folder to use.

    An empty or missing folder is fine. An existing non-empty one is replaced with `force`;
    with `numbered` the next free ``OUT-2``, ``OUT-3`` ... is chosen; otherwise it is
    refused. Raises `RunFolderError` naming the folder and what is wrong.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunFolderError(out, "exists and is not a folder; choose another --out")
    if out.is_dir() and not _is_empty_dir(out) and not force:
        if not numbered:
            what = "holds a run already" if (out / "run.json").exists() else "is not empty"
            raise RunFolderError(out, f"{what}; use --force to replace it, or choose another "
                                 "--out")
        for k in range(2, MAX_NUMBERED + 1):
            alt = out.with_name(f"{out.name}-{k}")
            if not alt.exists() or _is_empty_dir(alt):
                out = alt
                break
        else:
            raise RunFolderError(out, f"{MAX_NUMBERED} numbered run folders exist already")
    _check_writable(out)
    return out


def _check_writable(out: Path) -> None:
    """Create the parents of `out` and prove a file can be made beside it."""
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{out.name}.probe-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise RunFolderError(out, f"cannot be written: {e.strerror or e}") from None


def write_run_folder(result: RunResult, out: Path, *, force: bool = False) -> Path:
    """Write every file of `result` into a temporary folder, then rename it to `out`."""
    out = Path(out)
    files: dict[str, Callable[[Path], Any]] = {
        "events.parquet": lambda p: result.events.to_parquet(p, index=False),
        "threats.parquet": lambda p: result.threats.to_parquet(p, index=False),
        "aircraft.parquet": lambda p: result.aircraft.to_parquet(p, index=False),
        "trajectories.parquet": lambda p: result.trajectories.to_parquet(p, index=False),
        **{name: (lambda p, t=table: t.to_parquet(p, index=False))
           for name, table in (("crossings.parquet", result.crossings),
                               ("munitions.parquet", result.munitions)) if table is not None},
        "metrics.json": lambda p: p.write_text(json.dumps(result.metrics, indent=2,
                                                          default=_json), encoding="utf-8"),
        "scenario.yaml": lambda p: p.write_text(_dump(result), encoding="utf-8"),
        "run.json": lambda p: p.write_text(json.dumps(_run_record(result), indent=2),
                                           encoding="utf-8"),
    }
    return write_folder(out, files, force=force)


def write_file_atomic(path: Path, text: str) -> None:
    """Write one text file beside a finished run under a temporary name, then rename it,
    so a killed writer never leaves a half-written file that looks complete."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.partial-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_folder(out: Path, files: dict[str, Callable[[Path], Any]], *,
                 force: bool = False) -> Path:
    """Write `files` (name -> writer of that path) as folder `out`, all or nothing."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunFolderError(out, "exists and is not a folder")
    if out.is_dir() and not _is_empty_dir(out) and not force:
        raise RunFolderError(out, "is not empty; use --force to replace it")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as e:
        raise RunFolderError(out, f"cannot be written: {e.strerror or e}") from None
    old: Path | None = None
    try:
        for name, write in files.items():
            write(tmp / name)
        os.chmod(tmp, 0o777 & ~_umask())
        if out.is_dir() and not _is_empty_dir(out):
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / "run")
        os.replace(tmp, out)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not out.exists():
            os.replace(old / "run", out)  # put the previous run back
        raise RunFolderError(out, f"cannot be written: {e.strerror or e}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return out


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _dump(result: RunResult) -> str:
    from skyshield.model.loader import dump_scenario

    return dump_scenario(result.scenario)


def _run_record(result: RunResult) -> dict[str, Any]:
    return {
        "skyshield": skyshield.__version__,
        "scenario": result.scenario.name,
        "seed": result.seed,
        "config": result.config,
        "simulated_s": result.duration_s,
        "wall_s": round(result.wall_s, 3),
        "python": platform.python_version(),
    }


def _json(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"not JSON serialisable: {type(x)}")
