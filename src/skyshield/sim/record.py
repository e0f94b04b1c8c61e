"""The plain record of a finished run: everything `RunResult` is built from, and nothing live.

A study worker returns a `RunRecord` (numpy arrays, a DataFrame, the scenario; picklable);
`RunResult.from_record` turns it into tables and metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from skyshield.geo.frame import THEATRE
from skyshield.model.scenario import Scenario
from skyshield.world.crossings import crossings
from skyshield.world.world import Exposure

if TYPE_CHECKING:
    from skyshield.sim.build import Squad
    from skyshield.sim.engine import Engine

__all__ = ["AircraftRecord", "RunRecord", "ThreatRecord", "Trajectories", "record_run"]


@dataclass
class Trajectories:
    """Replay samples, appended in bulk every replay period."""

    chunks: list[tuple[float, str, np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=list
    )

    def add(self, t: float, kind: str, ids: np.ndarray, xyz: np.ndarray, state: np.ndarray) -> None:
        """Append the positions of objects `ids` at time `t`."""
        if len(ids):
            self.chunks.append((t, kind, ids.copy(), xyz.copy(), state.copy()))

    def frame(self) -> pd.DataFrame:
        """Columns t [s], kind, id, lat, lon [deg], alt [m], state (int8)."""
        if not self.chunks:
            return pd.DataFrame(
                {"t": [], "kind": [], "id": [], "lat": [], "lon": [], "alt": [], "state": []}
            )
        n = [len(c[2]) for c in self.chunks]
        xyz = np.concatenate([c[3] for c in self.chunks])
        lat, lon, alt = THEATRE.to_lla(xyz)
        return pd.DataFrame(
            {
                "t": np.repeat([c[0] for c in self.chunks], n),
                "kind": np.repeat([c[1] for c in self.chunks], n),
                "id": np.concatenate([c[2] for c in self.chunks]).astype(np.int64),
                "lat": lat.astype(np.float32),
                "lon": lon.astype(np.float32),
                "alt": alt.astype(np.float32),
                "state": np.concatenate([c[4] for c in self.chunks]).astype(np.int8),
            }
        )



@dataclass(frozen=True)
class ThreatRecord:
    """Per-threat truth at the end of the run (M threats)."""

    id: np.ndarray
    type_idx: np.ndarray
    cls: np.ndarray
    t_launch: np.ndarray  # [s]
    target_idx: np.ndarray
    status: np.ndarray  # ThreatStatus
    launch_xyz: np.ndarray  # (M,3) launch point, theatre frame [m]


@dataclass(frozen=True)
class AircraftRecord:
    """Per-aircraft truth at the end of the run (N aircraft)."""

    nation: np.ndarray
    squadron: np.ndarray
    sorties: np.ndarray
    flight_s: np.ndarray  # [s]


@dataclass(frozen=True)
class RunRecord:
    """A finished run as plain data (see the module docstring)."""

    scenario: Scenario
    seed: int
    config: dict[str, Any]
    duration_s: float
    wall_s: float
    events: pd.DataFrame
    threats: ThreatRecord
    type_names: np.ndarray  # per threat type
    type_cost: np.ndarray  # per threat type [USD]
    target_names: list[str]
    killer: np.ndarray  # per threat: nation, "UKR" or ""
    kill_weapon: np.ndarray  # per threat
    aircraft: AircraftRecord
    squads: list[Squad]
    shots_fired: np.ndarray  # per aircraft
    kills: np.ndarray  # per aircraft
    approvals: np.ndarray  # per aircraft
    approval_delay: np.ndarray  # per aircraft [s]
    exposure: Exposure
    ukr_time_s: np.ndarray  # per aircraft, time over Ukraine [s]
    traj: Trajectories
    measured: bool  # the picture was built from measured plots (tracking metrics apply)
    detections: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    n_plots: int = 0
    rejected_plots: int = 0
    assign_stats: dict[str, Any] = field(default_factory=dict)  # the planner's (issue 11)
    crossings: pd.DataFrame | None = None  # world.crossings: every visit to every country
    debris: pd.DataFrame | None = None  # world.debris.DebrisLog.kill_table: one row per kill
    munitions: pd.DataFrame | None = None  # DebrisLog.miss_table: one row per missed weapon
    fate: np.ndarray | None = None  # per threat: world.raid.Fate code
    end_xyz: np.ndarray | None = None  # (M,3) where each threat is or ended, frame [m]


def record_run(eng: Engine, t_end: float, wall_s: float) -> RunRecord:
    """The record of a finished engine."""
    w, led = eng.world, eng.ledger
    th, fl = w.th, w.fleet
    cfg = {k: getattr(eng.config, k) for k in eng.config.__dataclass_fields__}
    rejected = getattr(eng.picture, "rejected", None)
    return RunRecord(
        scenario=eng.scenario, seed=eng.seed, config=cfg, duration_s=t_end, wall_s=wall_s,
        events=led.log.frame(),
        threats=ThreatRecord(th.id.copy(), th.type_idx.copy(), th.cls.copy(),
                             th.t_launch.copy(), th.target_idx.copy(), th.status.copy(),
                             th.wp[:, 0].copy()),
        type_names=w.type_names, type_cost=w.type_cost, target_names=list(w.raid.target_names),
        killer=led.killer, kill_weapon=led.kill_weapon,
        aircraft=AircraftRecord(fl.nation.copy(), fl.squadron.copy(), fl.sorties.copy(),
                                fl.flight_s.copy()),
        squads=list(w.forces.squads), shots_fired=led.shots, kills=led.kills,
        approvals=led.approvals, approval_delay=led.approval_delay, exposure=w.exposure,
        ukr_time_s=w.ukr_monitor.time_inside.copy(), traj=eng.traj,
        measured=bool(eng.feed.measured), detections=eng.detections, n_plots=eng.n_plots,
        rejected_plots=int(sum(rejected.values())) if rejected is not None else 0,
        assign_stats=_assign_stats(eng),
        crossings=crossings(th.wp, th.n_wp, th.cum, th.t_launch, th.speed, th.s.copy()),
        debris=w.debris.kill_table(), munitions=w.debris.miss_table(),
        fate=None if w.raid.fate is None else w.raid.fate.copy(), end_xyz=th.pos.copy())


def _assign_stats(eng: Engine) -> dict[str, Any]:
    """Which assigner ran and, for a rolling planner, its solve times and planned value."""
    a = eng.assigner
    out: dict[str, Any] = {"assigner": eng.config.assign, "solver": getattr(a, "name", "greedy")}
    stats = getattr(a, "stats", None)
    if stats is not None:
        out.update(stats.summary())
    return out
