"""What a run leaves behind: event log, per-threat and per-aircraft tables, replay, metrics.

`RunResult` is built once from a finished engine and written to a run folder with
`write(out_dir)`; every table is a pandas DataFrame whose columns and units are listed in
`docs/contracts.md` and `docs/metrics.md`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import skyshield
from skyshield.geo.frame import THEATRE
from skyshield.model.library import ThreatClass
from skyshield.model.scenario import Scenario
from skyshield.sim.events import EventKind
from skyshield.sim.metrics import compute_metrics, realism_metrics, threat_realism_columns
from skyshield.units import HOUR, KM, MINUTE

if TYPE_CHECKING:
    from skyshield.sim.record import RunRecord

CLASS_NAMES = np.array([c.value for c in ThreatClass], dtype=object)


@dataclass
class RunResult:
    """A finished run, as tables."""

    scenario: Scenario
    seed: int
    config: dict[str, Any]
    duration_s: float
    wall_s: float
    events: pd.DataFrame
    threats: pd.DataFrame
    aircraft: pd.DataFrame
    trajectories: pd.DataFrame
    metrics: dict[str, Any]
    crossings: pd.DataFrame | None = None  # one row per threat and country visit
    munitions: pd.DataFrame | None = None  # one row per missed coalition weapon

    @classmethod
    def from_record(cls, rec: RunRecord) -> RunResult:
        """The tables and metrics of a finished run, from its plain record alone."""
        events = rec.events
        t_end, wall_s = rec.duration_s, rec.wall_s
        threats = _threat_table(rec, events, t_end)
        aircraft = _aircraft_table(rec)
        traj = rec.traj.frame()
        metrics = compute_metrics(rec.scenario, threats, aircraft, events, t_end, wall_s)
        metrics.update(realism_metrics(rec.crossings, threats, rec.munitions, events))
        if rec.measured:
            metrics["tracking"] = _tracking_metrics(rec)
        metrics["assign"] = _assign_metrics(rec, threats)
        metrics["run"] = {
            "seed": rec.seed,
            "picture": rec.config["picture"],
            "assign": rec.config["assign"],
            "version": skyshield.__version__,
        }
        return cls(rec.scenario, rec.seed, dict(rec.config), t_end, wall_s, events, threats,
                   aircraft, traj, metrics, rec.crossings, rec.munitions)

    def write(self, out: Path, force: bool = False) -> Path:
        """Write the run folder (see docs/contracts.md) all or nothing; returns its path."""
        from skyshield.sim.rundir import write_run_folder

        return write_run_folder(self, Path(out), force=force)


def _assign_metrics(rec: RunRecord, threats: pd.DataFrame) -> dict[str, Any]:
    """Which solver ran, its solve time per cycle, and the class value it planned to destroy
    (expected, over the engagements it committed) against the class value destroyed."""
    from skyshield.decide.assess import threat_value

    out = dict(rec.assign_stats) if rec.assign_stats else {"assigner": rec.config["assign"]}
    destroyed = (threats["outcome"] == "destroyed_coalition").to_numpy()
    cls = np.asarray(rec.threats.cls, np.int64)
    achieved = float(threat_value(cls[destroyed]).sum()) if destroyed.any() else 0.0
    out["achieved_value"] = round(achieved, 3)
    return out


def _tracking_metrics(eng: RunRecord, c: float = 10_000.0, p: float = 2.0) -> dict[str, Any]:
    """Tracking accuracy of the run's confirmed picture against truth, from the replay samples.

    Every `replay_dt` (10 s) the flying threats and the published confirmed tracks are compared
    (`skyshield.picture.metrics.evaluate`):

    - `gospa_mean_m`: mean GOSPA (cut-off `c` 10 km, order `p` 2, alpha 2) over the samples;
      a threat outside every radar's cover counts as a miss (c / sqrt 2 alone);
    - `time_to_track_s` (mean) and `time_to_track_median_s`: from the start of a threat's
      *regular detection* (the first of at least 3 of its plots, any radars, within 60 s) to
      its first sample assigned to a confirmed track; 0 if the track came first. Threats never
      regularly detected or never tracked are left out;
    - `time_from_first_plot_s`: the same delay from the threat's very first plot (one far,
      lucky detection can precede regular detection by many minutes);
    - `false_tracks`: track numbers never assigned to a threat; `label_switches`: changes of
      a threat's assigned track number; `tracks`: distinct confirmed track numbers;
    - `never_detected`: launched threats no radar plot ever fell on; `never_tracked`:
      launched threats never assigned to a confirmed track (includes `never_detected`).
    """
    from skyshield.picture.metrics import evaluate

    def rows(kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ch = [c for c in eng.traj.chunks if c[1] == kind]
        if not ch:
            return np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 3))
        return (np.concatenate([np.full(len(c[2]), c[0]) for c in ch]),
                np.concatenate([c[2] for c in ch]), np.concatenate([c[3] for c in ch]))

    truth_t, truth_id, truth_xyz = rows("threat")
    track_t, track_no, track_xyz = rows("track")
    det_t = np.concatenate([d[0] for d in eng.detections] + [np.zeros(0)])
    det_id = np.concatenate([d[1] for d in eng.detections] + [np.zeros(0, np.int64)])
    m = evaluate(truth_t, truth_id, truth_xyz, track_t, track_no, track_xyz, c=c, p=p,
                 detection_t=det_t, detection_truth_id=det_id)

    def stat(f: Any, x: np.ndarray) -> float | None:
        return round(float(f(x[np.isfinite(x)])), 1) if np.isfinite(x).any() else None

    launched = np.unique(truth_id)
    tracked = np.isfinite(m.confirm_delay) | np.isfinite(m.track_delay)
    never = int(np.sum(~tracked)) + int(len(launched) - len(m.truth_ids))
    return {
        "gospa_c_m": c, "gospa_p": p,
        "gospa_mean_m": round(float(m.gospa.mean), 1),
        "time_to_track_s": stat(np.mean, m.track_delay),
        "time_to_track_median_s": stat(np.median, m.track_delay),
        "time_from_first_plot_s": stat(np.mean, m.confirm_delay),
        "false_tracks": int(m.false_tracks),
        "label_switches": int(m.label_switches),
        "tracks": int(m.n_tracks),
        "never_detected": int(np.sum(~np.isfinite(m.first_detection))),
        "never_tracked": never,
        "plots": int(eng.n_plots),
        "rejected_plots": int(eng.rejected_plots),
    }


def _threat_table(eng: RunRecord, events: pd.DataFrame, t_end: float) -> pd.DataFrame:
    """One row per threat: what it was, where it went, how it ended."""
    from skyshield.world.threats import ThreatStatus

    th = eng.threats
    n = len(th.id)
    type_names = eng.type_names
    target_names = np.array(eng.target_names, dtype=object)
    status = th.status
    outcome = np.full(n, "flying", dtype=object)
    outcome[status == ThreatStatus.PENDING] = "not_launched"
    outcome[status == ThreatStatus.IMPACTED] = "impacted"
    outcome[status == ThreatStatus.EXPIRED] = "expired"
    destroyed = status == ThreatStatus.DESTROYED
    by_ukr = destroyed & (eng.killer == "UKR")
    outcome[destroyed & ~by_ukr] = "destroyed_coalition"
    outcome[by_ukr] = "destroyed_ukraine"
    end = events[
        events.kind.isin(
            [
                EventKind.KILL.value,
                EventKind.GBAD_KILL.value,
                EventKind.IMPACT.value,
                EventKind.EXPIRED.value,
            ]
        )
    ]
    end = end.drop_duplicates("threat", keep="first").set_index("threat")
    idx = np.arange(n)
    t_out = end["t"].reindex(idx).to_numpy()
    lat_out = end["lat"].reindex(idx).to_numpy()
    lon_out = end["lon"].reindex(idx).to_numpy()
    entry = events[events.kind == EventKind.NATO_ENTRY.value].drop_duplicates("threat")
    entry = entry.set_index("threat")
    exits = events[events.kind == EventKind.NATO_EXIT.value].groupby("threat")["value"].sum()
    nato_country = entry["detail"].reindex(idx).fillna("").to_numpy()
    entry_t = entry["t"].reindex(idx).to_numpy()
    inside_s = exits.reindex(idx).fillna(0.0).to_numpy()
    still = ~np.isnan(entry_t) & (exits.reindex(idx).isna().to_numpy())
    inside_s = np.where(still, inside_s + (np.nan_to_num(t_out, nan=t_end) - entry_t), inside_s)
    lat0, lon0, _ = THEATRE.to_lla(th.launch_xyz)
    extra = threat_realism_columns(eng, n, outcome)
    if extra.get("nato_country") is not None:  # exact, from the flown paths
        nato_country, entry_t, inside_s = (extra.pop("nato_country"), extra.pop("t_nato_entry"),
                                           extra.pop("nato_s"))
    return pd.DataFrame(
        {
            "id": th.id.astype(np.int64),
            "type": type_names[th.type_idx],
            "class": CLASS_NAMES[th.cls],
            "t_launch": th.t_launch,
            "launch_lat": lat0,
            "launch_lon": lon0,
            "target": target_names[th.target_idx],
            "outcome": outcome,
            "by": eng.killer.astype(str),
            "weapon": eng.kill_weapon.astype(str),
            "t_outcome": t_out,
            "lat_outcome": lat_out,
            "lon_outcome": lon_out,
            "nato_country": nato_country.astype(str),
            "t_nato_entry": entry_t,
            "nato_s": inside_s,
            "unit_cost_usd": eng.type_cost[th.type_idx],
            **extra,
        }
    )


def _aircraft_table(eng: RunRecord) -> pd.DataFrame:
    """One row per coalition aircraft: its work and its exposure."""
    fl, f, ex = eng.aircraft, eng, eng.exposure
    sq = fl.squadron
    return pd.DataFrame(
        {
            "id": np.arange(len(fl.nation)),
            "nation": fl.nation.astype(str),
            "squadron": [f.squads[k].name for k in sq],
            "type": [f.squads[k].ac_type.name for k in sq],
            "base": [f.squads[k].base for k in sq],
            "sorties": fl.sorties,
            "flight_h": fl.flight_s / HOUR,
            "cost_per_hour_usd": [f.squads[k].ac_type.cost_per_hour_usd for k in sq],
            "shots": eng.shots_fired,
            "kills": eng.kills,
            "max_depth_km": ex.depth_max / KM,
            "mean_depth_km": np.where(
                ex.depth_n > 0, ex.depth_sum / np.maximum(ex.depth_n, 1), 0.0
            )
            / KM,
            "ukr_min": eng.ukr_time_s / MINUTE,
            "closest_blr_rus_km": np.where(
                np.isfinite(ex.closest_blr_rus), ex.closest_blr_rus / KM, np.nan
            ),
            "approvals": eng.approvals,
            "approval_delay_s": eng.approval_delay,
            "mez_s": ex.risk_s,
        }
    )
