"""A study's results on disk: one small JSON file per finished run, written as it finishes.

Layout of a study folder::

    study.json                 what was run (name, fingerprint, options, skyshield version)
    runs/<option>/<run>.json   one record per finished run (ok or failed), atomic writes

`--resume` reads the records back and skips the runs already done (failed runs are tried
again). A folder holding another study's results (a different fingerprint) is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import skyshield
from skyshield.model.loader import dump_scenario
from skyshield.model.study import StudyPlan


def fingerprint(plan: StudyPlan) -> str:
    """What makes two studies' runs interchangeable: scenarios, variation, engine choices."""
    h = hashlib.sha256()
    h.update(f"{plan.study.name}|{plan.study.common_random_numbers}|".encode())
    h.update(plan.study.variation.model_dump_json().encode())
    for o in plan.options:
        h.update(f"|{o.name}|{o.picture}|{o.assign}|".encode())
        h.update(dump_scenario(o.scenario).encode())
    return h.hexdigest()[:16]


class StudyExistsError(ValueError):
    """The output folder already holds results that would be overwritten or mixed."""


class ResultStore:
    """Per-run records of one study in folder `root`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _file(self, option: str, run: int) -> Path:
        return self.root / "runs" / option / f"{run:06d}.json"

    def open(self, plan: StudyPlan, resume: bool) -> None:
        """Create the folder, or check that resuming it continues the same study."""
        meta = self.root / "study.json"
        fp = fingerprint(plan)
        if meta.exists():
            old = json.loads(meta.read_text())
            if old.get("fingerprint") != fp:
                raise StudyExistsError(
                    f"{self.root} holds results of another study (or of this one before it "
                    f"changed): fingerprint {old.get('fingerprint')} != {fp}; choose another "
                    "--out")
            if not resume and any(self.root.glob("runs/*/*.json")):
                raise StudyExistsError(
                    f"{self.root} already holds {len(list(self.root.glob('runs/*/*.json')))} "
                    "runs of this study: pass --resume to continue it, or choose another --out")
        self.root.mkdir(parents=True, exist_ok=True)
        _atomic(meta, json.dumps({
            "study": plan.study.name, "fingerprint": fp, "file": plan.file,
            "baseline": plan.baseline, "options": [o.name for o in plan.options],
            "skyshield": skyshield.__version__}, indent=2))

    def write(self, record: dict[str, Any]) -> None:
        """Save one run's record (atomically: a crash leaves the old file or none)."""
        _atomic(self._file(record["option"], record["run"]),
                json.dumps(record, allow_nan=True, default=_plain))

    def records(self) -> list[dict[str, Any]]:
        """Every record saved so far (unreadable files are skipped: their runs are redone)."""
        out = []
        for f in sorted(self.root.glob("runs/*/*.json")):
            try:
                out.append(json.loads(f.read_text()))
            except (OSError, ValueError):
                continue
        return out


def _atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _plain(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    if isinstance(x, float) and math.isnan(x):
        return None
    raise TypeError(f"not JSON serialisable: {type(x)}")
