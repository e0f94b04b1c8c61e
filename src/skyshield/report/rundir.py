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

from skyshield.model.scenario import Scenario

__all__ = ["RunData", "load_run", "scenario_yaml"]

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


def _read(path: Path) -> pd.DataFrame:
    if path.with_suffix(".parquet").is_file():
        return pd.read_parquet(path.with_suffix(".parquet"))
    if path.with_suffix(".csv").is_file():
        return pd.read_csv(path.with_suffix(".csv"))
    return pd.DataFrame()


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
    """Read and normalise a run folder; missing tables become empty frames."""
    from skyshield.model.errors import ScenarioError
    from skyshield.model.loader import parse_scenario

    run_dir = Path(run_dir)
    text = (run_dir / "scenario.yaml").read_text(encoding="utf-8")
    try:
        scenario = parse_scenario(text, file=str(run_dir / "scenario.yaml"))
    except ScenarioError:
        # The scenario as run may break a cross-check added since (or have been cut for a
        # test); the report shows what ran, so accept anything the schema accepts.
        from ruamel.yaml import YAML

        scenario = Scenario.model_validate(YAML(typ="safe").load(text))
    run = json.loads((run_dir / "run.json").read_text()) if (run_dir / "run.json").is_file() else {}
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
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
