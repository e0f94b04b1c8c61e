"""Read a run folder (docs/contracts.md, "The run folder") into one `RunData`.

Column names are normalised here, once, so that the rest of the report reads one vocabulary:

- `threats`: id, type, cls, t_launch [s], launch_area, target, outcome, by, weapon,
  t_outcome [s], lat_outcome, lon_outcome [deg], nato_country, t_nato_entry [s], nato_s [s].
- `aircraft`: id, nation, squadron, type, base, sorties, flight_hours [h], shots, kills,
  max_depth_km [km], minutes_over_ukraine [min].
- `events` and `trajectories`: as in the contract.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from skyshield.model.errors import RunFolderError
from skyshield.model.scenario import Scenario

__all__ = ["RunData", "load_run", "read_records", "scenario_yaml"]

# canonical name -> accepted spellings (first match wins)
THREAT_COLUMNS = {
    "id": ["id", "threat", "threat_id"],
    "type": ["type", "threat_type", "type_name"],
    "cls": ["cls", "class", "threat_class"],
    "t_launch": ["t_launch", "launch_t", "launch_time", "t_launch_s"],
    "launch_area": ["launch_area", "launch_place", "launch"],
    "target": ["target", "target_name", "target_place"],
    "outcome": ["outcome", "fate"],
    "by": ["by", "destroyed_by", "killer"],
    "weapon": ["weapon"],
    "t_outcome": ["t_outcome", "outcome_t", "outcome_time", "t_end"],
    "lat_outcome": ["lat_outcome", "outcome_lat", "end_lat"],
    "lon_outcome": ["lon_outcome", "outcome_lon", "end_lon"],
    "nato_country": ["nato_country", "nato_entered", "entered_nato", "nato"],
    "t_nato_entry": ["t_nato_entry", "nato_entry_t", "nato_entry_time", "entry_t"],
    "nato_s": ["nato_s", "seconds_in_nato", "nato_seconds", "time_in_nato_s"],
}
AIRCRAFT_COLUMNS = {
    "id": ["id", "aircraft", "aircraft_id"],
    "nation": ["nation"],
    "squadron": ["squadron"],
    "type": ["type", "aircraft_type"],
    "base": ["base"],
    "sorties": ["sorties"],
    "flight_hours": ["flight_hours", "flight_h", "hours"],
    "shots": ["shots"],
    "kills": ["kills"],
    "max_depth_km": ["max_depth_km", "depth_km", "max_depth_ukr_km"],
    "minutes_over_ukraine": ["minutes_over_ukraine", "ukr_min", "ukr_minutes",
                             "min_over_ukraine"],
    "approvals": ["approvals", "national_approvals"],
    "approval_delay_s": ["approval_delay_s", "mean_approval_delay_s"],
    "cost_per_hour_usd": ["cost_per_hour_usd"],
}
_DEFAULTS = {"by": "", "weapon": "", "nato_country": "", "target": "", "launch_area": "",
             "squadron": "", "base": "", "type": "", "cls": "unknown"}


def _normalise(df: pd.DataFrame, spec: dict[str, list[str]]) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    lower = {c.lower(): c for c in df.columns}
    for canon, names in spec.items():
        src = next((lower[n] for n in names if n in lower), None)
        if src is not None:
            out[canon] = df[src]
        else:
            out[canon] = _DEFAULTS.get(canon, np.nan)
    for c in out.columns:
        if c in _DEFAULTS:
            out[c] = out[c].fillna(_DEFAULTS[c]).astype(str)
    return out


# the columns a reader needs in each table (any accepted spelling), from docs/contracts.md
REQUIRED = {
    "events": {"t": ["t"], "kind": ["kind"], "threat": ["threat"], "aircraft": ["aircraft"],
               "lat": ["lat"], "lon": ["lon"]},
    "threats": {k: THREAT_COLUMNS[k] for k in ("id", "type", "t_launch", "outcome")},
    "aircraft": {k: AIRCRAFT_COLUMNS[k] for k in ("id", "nation")},
    "trajectories": {k: [k] for k in ("t", "kind", "id", "lat", "lon", "alt", "state")},
}

NUMERIC = {  # required columns that must hold numbers
    "events": ("t", "threat", "aircraft", "lat", "lon"),
    "threats": ("id", "t_launch"),
    "aircraft": ("id",),
    "trajectories": ("t", "id", "lat", "lon", "alt", "state"),
}



def _read(path: Path) -> pd.DataFrame:
    """One table of the run folder (Parquet, else CSV), checked against `REQUIRED`."""
    for suffix, reader in ((".parquet", pd.read_parquet), (".csv", pd.read_csv)):
        f = path.with_suffix(suffix)
        if f.is_file():
            try:
                df = reader(f)
            except Exception as e:  # noqa: BLE001 - Arrow, pandas and OS errors alike
                raise RunFolderError(f, f"cannot be read ({_why(e)}): the run folder is "
                                     "damaged; run the simulation again") from None
            lower = {str(c).lower() for c in df.columns}
            missing = [k for k, names in REQUIRED[path.name].items()
                       if not any(n in lower for n in names)]
            if missing:
                raise RunFolderError(f, f"lacks the column{'s' if len(missing) > 1 else ''} "
                                     f"{', '.join(missing)} (see docs/contracts.md, "
                                     "'The run folder')")
            cols = {str(c).lower(): c for c in df.columns}
            for k in NUMERIC[path.name]:
                c = next((cols[n] for n in REQUIRED[path.name][k] if n in cols), None)
                if c is not None and not pd.api.types.is_numeric_dtype(df[c]):
                    raise RunFolderError(f, f"column {c!r} holds {df[c].dtype}, expected "
                                         "numbers (see docs/contracts.md, 'The run folder')")
            return df
    raise RunFolderError(path.with_suffix(".parquet"), "is missing: the run folder is "
                         "incomplete (was the run interrupted?)")


def _why(e: Exception) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _json_object(f: Path) -> dict:
    if not f.is_file():
        raise RunFolderError(f, "is missing: the run folder is incomplete (was the run "
                             "interrupted?)")
    try:
        obj = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise RunFolderError(f, f"cannot be read ({_why(e)}): the run folder is "
                             "damaged") from None
    if not isinstance(obj, dict):
        raise RunFolderError(f, f"expected a JSON object, found {type(obj).__name__}")
    return obj


def read_records(f: Path, fields: tuple[str, ...]) -> list[dict]:
    """An optional JSON list of records (e.g. deconfliction.json), each with `fields`."""
    try:
        rows = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise RunFolderError(f, f"cannot be read ({_why(e)})") from None
    if not isinstance(rows, list) or not all(
            isinstance(r, dict) and all(k in r for k in fields) for r in rows):
        raise RunFolderError(f, f"expected a list of records with {', '.join(fields)}")
    return rows


def _check_version(f: Path, run: dict) -> None:
    """Refuse a run folder written by an incompatible (other major, or newer) skyshield."""
    import skyshield

    text = run.get("skyshield") or run.get("skyshield_version")
    if not isinstance(text, str):
        raise RunFolderError(f, "names no skyshield version (expected a 'skyshield' field)")

    def parts(v: str) -> tuple[int, ...]:
        return tuple(int(x) for x in v.split("+")[0].split(".")[:3] if x.isdigit())

    ours, theirs = parts(skyshield.__version__), parts(text)
    if not theirs:
        raise RunFolderError(f, f"names an unreadable skyshield version {text!r}")
    if theirs[:1] != ours[:1] or theirs > ours:
        raise RunFolderError(f, f"was written by skyshield {text}; this is "
                             f"{skyshield.__version__}, which cannot read it")


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as YAML (the resolved model, JSON-compatible values)."""
    from ruamel.yaml import YAML

    y = YAML()
    y.default_flow_style = None
    y.width = 1_000_000  # never fold: a folded long key does not load back
    buf = io.StringIO()
    y.dump(scenario.model_dump(mode="json"), buf)
    return buf.getvalue()


@dataclass
class RunData:
    """One run folder, read and normalised."""

    path: Path
    scenario: Scenario
    scenario_text: str
    run: dict
    metrics: dict
    events: pd.DataFrame
    threats: pd.DataFrame
    aircraft: pd.DataFrame
    trajectories: pd.DataFrame
    extra: dict = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        """Scenario duration [s] (or the last time seen, if later)."""
        last = float(self.trajectories["t"].max()) if len(self.trajectories) else 0.0
        return max(self.scenario.duration_s, last)


def load_run(run_dir: Path) -> RunData:
    """Read, check and normalise a run folder.

    Raises `RunFolderError` naming the file for a missing folder or file, a file that
    cannot be read, a table without its documented columns, or an incompatible version.
    """
    from skyshield.model.errors import ScenarioError
    from skyshield.model.loader import parse_scenario

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunFolderError(run_dir, "is not a folder" if run_dir.exists() else "does not "
                             "exist")
    if not any((run_dir / f).exists() for f in ("run.json", "metrics.json", "scenario.yaml")):
        raise RunFolderError(run_dir, "is not a run folder (no run.json, metrics.json or "
                             "scenario.yaml)")
    run = _json_object(run_dir / "run.json")
    _check_version(run_dir / "run.json", run)
    metrics = _json_object(run_dir / "metrics.json")
    f = run_dir / "scenario.yaml"
    if not f.is_file():
        raise RunFolderError(f, "is missing: the run folder is incomplete")
    try:
        text = f.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RunFolderError(f, f"cannot be read ({_why(e)})") from None
    try:
        scenario = parse_scenario(text, file=str(f))
    except ScenarioError as first:
        # The scenario as run may break a cross-check added since (or have been cut for a
        # test); the report shows what ran, so accept anything the schema accepts.
        from ruamel.yaml import YAML

        try:
            scenario = Scenario.model_validate(YAML(typ="safe").load(text))
        except Exception:  # noqa: BLE001 - YAML and schema errors alike
            raise RunFolderError(f, "is not a readable scenario: "
                                 + "; ".join(str(p) for p in first.problems[:3])) from None
    events = _read(run_dir / "events")
    threats = _read(run_dir / "threats")
    aircraft = _read(run_dir / "aircraft")
    traj = _read(run_dir / "trajectories")
    return RunData(
        path=run_dir,
        scenario=scenario,
        scenario_text=text,
        run=run,
        metrics=metrics,
        events=events if len(events.columns) else pd.DataFrame(
            columns=["t", "kind", "threat", "aircraft", "track", "nation", "weapon", "lat", "lon",
                     "alt", "value", "detail"]),
        threats=_normalise(threats, THREAT_COLUMNS),
        aircraft=_normalise(aircraft, AIRCRAFT_COLUMNS),
        trajectories=traj if len(traj.columns) else pd.DataFrame(
            columns=["t", "kind", "id", "lat", "lon", "alt", "state"]),
    )
