"""The tick engine: only the schedule. world moves -> sensing -> picture -> decide -> world.

One `Engine.run()` is one run of a scenario with one seed. The stages are injected
components: the `World` (truth), a `Picture` with the feed it reads, and the `Decider`
(with its assigner and approver). The order of the stages inside a tick is fixed and
readable; slow stages run on their own periods (`EngineConfig`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from skyshield.decide.assign import Assigner
from skyshield.decide.decider import Decider
from skyshield.decide.roe import compile_rules, required_horizon_s
from skyshield.doctrine import DEFAULT_ASSIGN, HORIZON_S
from skyshield.model.scenario import Scenario
from skyshield.picture.base import Picture
from skyshield.picture.tracks import Tracks
from skyshield.sim.build import build_forces, build_radars, keep_out_circles, move_stations_clear
from skyshield.sim.ledger import Ledger
from skyshield.sim.record import RunRecord, Trajectories, record_run
from skyshield.sim.result import RunResult
from skyshield.units import MINUTE
from skyshield.world.raid import generate_raid
from skyshield.world.world import World


@dataclass(frozen=True)
class EngineConfig:
    """How a run is wired (registry names, checked when built) and paced [s]."""

    picture: str = "perfect"  # a name of `sim.registry.PICTURES`
    assign: str = DEFAULT_ASSIGN  # a name of `sim.registry.ASSIGNERS`
    decide_period_s: float = 5.0  # re-planning period of the assigner
    patrol_period_s: float = 30.0  # patrol relief check period
    replay_dt_s: float = 10.0  # replay sampling period
    depth_period_s: float = 60.0  # depth-into-Ukraine sampling period
    monitor_period_s: float = 10.0  # airspace bookkeeping period (crossings stay exact)
    picture_period_s: float = 5.0  # perfect-picture refresh period (tracked: every scan)
    gbad_period_s: float = 5.0  # Ukrainian fire-control cycle
    cruise_period_s: float = 5.0  # integration period of aircraft not engaged

    def __post_init__(self) -> None:
        from skyshield.sim.registry import check_name

        check_name("picture", self.picture)
        check_name("assign", self.assign)
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name.endswith("_s") and not (isinstance(v, int | float) and v > 0):
                raise ValueError(f"{f.name} must be a positive number of seconds, not {v!r}")


class Engine:
    """Runs one scenario with one seed; `run()` returns a `RunResult`.

    `picture` (a `(feed, Picture)` pair) and `assigner` default to the registry entries
    named by `config`; pass built components to inject others.
    """

    def __init__(self, scenario: Scenario, config: EngineConfig | None = None,
                 seed: int | None = None, *, picture: tuple[Any, Picture] | None = None,
                 assigner: Assigner | None = None, approver: Any = None) -> None:
        from skyshield.sim.registry import build_assigner, build_picture

        self.scenario = scenario
        self.config = config or EngineConfig()
        self.seed = scenario.seed if seed is None else seed
        self.feed, self.picture = picture or build_picture(self.config.picture, scenario)
        self.assigner = assigner or build_assigner(self.config.assign)
        self.approver = approver

    # ------------------------------------------------------------------- setup
    def start(self) -> Engine:
        """Build the run's world and decision core at t = 0 (`run` and `run_until` call it)."""
        sc, cfg = self.scenario, self.config
        raid_seq, draw_seq, sense_seq = np.random.SeedSequence(self.seed).spawn(3)
        raid = generate_raid(sc, np.random.default_rng(raid_seq))
        forces = build_forces(sc)
        keep_out = np.zeros((0, 3))
        if sc.deconfliction.policy == "fighters_keep_out":
            keep_out = keep_out_circles(forces.sites, sc.deconfliction.hold_fire_km)
            move_stations_clear(forces.stations, keep_out)
        self.ledger = Ledger(len(raid.threats), len(forces.fleet))
        w = self.world = World(sc, raid, forces, self.ledger, np.random.default_rng(draw_seq),
                               keep_out=keep_out, sense_rng=np.random.default_rng(sense_seq))
        w.radars = build_radars(sc, w.type_rcs)
        self.on_alert = tuple(s.on_alert for m in sc.coalition for s in m.squadrons)
        self.decider = Decider(
            compile_rules(sc), forces.table, len(forces.fleet), assigner=self.assigner,
            approver=self.approver, stations=forces.stations, keep_out=keep_out,
            horizon_s=max(HORIZON_S, required_horizon_s(sc)))
        self.weapon_names = np.array(forces.table.name, dtype=object)
        self.traj = Trajectories()
        self.detections: list[tuple[np.ndarray, np.ndarray]] = []
        self.n_plots = 0
        self.close = np.zeros(0, np.int64)  # aircraft flown every tick (about to release)
        self._tracks, self.tracks_t = Tracks.empty(), 0.0
        self._stale = False  # the picture moved on since `tracks` was last built
        self.dt = sc.tick_s
        self.k = 0
        self.t = 0.0
        self.every = {name: max(1, int(round(p / self.dt))) for name, p in (
            ("decide", cfg.decide_period_s), ("patrol", cfg.patrol_period_s),
            ("replay", cfg.replay_dt_s), ("depth", cfg.depth_period_s),
            ("monitor", cfg.monitor_period_s), ("picture", cfg.picture_period_s),
            ("gbad", cfg.gbad_period_s), ("cruise", cfg.cruise_period_s))}
        self.wall0 = time.perf_counter()
        return self

    # -------------------------------------------------------------------- tick
    def step(self) -> None:
        """One tick, stages in their fixed order."""
        self.k += 1
        k, dt, every, w = self.k, self.dt, self.every, self.world
        t = self.t = k * dt
        cruise = k % every["cruise"] == 0
        if cruise:  # world moves: everyone on the cruise period, engagements every tick
            w.sync(t)
        else:
            w.move_close(t, self.close, k)
        w.resolve_shots(t)  # weapons in flight arrive
        if k % every["gbad"] == 0:
            w.ukrainian_defence(t)  # Ukrainian sites fire
            w.fratricide(t, every["gbad"] * dt)
        if k % every["monitor"] == 0:
            w.monitor(t, every["monitor"] * dt, depth=k % every["depth"] == 0)
        relieve = k % every["patrol"] == 0 or k == 1
        plan = k % every["decide"] == 0
        if relieve:
            w.sync(t)
        self._sense(t, k % every["picture"] == 0)  # sensing -> picture
        if plan:
            w.sync(t)
        # decide -> orders -> world. Between slow-stage ticks, only engagements about to
        # release have anything to do: with none, the step would order nothing
        if plan or relieve or cruise or len(self.close):
            # a step for the engagements about to release reads their tracks only
            tracks = self.tracks if plan or relieve or cruise else self._close_tracks()
            orders = self.decider.step(tracks, w.own_forces(t, self.on_alert), t,
                                       tracks_t=self.tracks_t, plan=plan, relieve=relieve,
                                       full=cruise)
            self.ledger.orders(orders, self.weapon_names, w.fleet.nation)
            w.apply(orders)  # fly intercepts, release weapons
            self.close = orders.close
        if k % every["replay"] == 0:
            self._sample(t)

    def _sense(self, t: float, refresh: bool) -> None:
        """Observe the world through the feed and bring the picture up to date.

        A picture that can `ingest` without building its output (the tracker) is only
        marked stale here; `tracks` builds it, predicted to the same time, when a stage
        reads it (most scan ticks are never read: decide runs every few seconds).
        """
        plots = self.feed.observe(self.world, t, self.dt, refresh)
        if plots is None:
            if refresh:
                self._publish(t)
            return
        if self.feed.measured and len(plots):
            self.detections.append((plots.t, plots.truth_id))
            self.n_plots += len(plots)
        if len(plots) or refresh:
            ingest = getattr(self.picture, "ingest", None)
            if ingest is None:
                self._tracks, self.tracks_t = self.picture.update(plots, t).confirmed_only(), t
                self._stale = False
            else:
                ingest(plots, t)
                self._publish(t)

    def _publish(self, t: float) -> None:
        """The picture is now the one at time t (built when `tracks` is read)."""
        self.tracks_t, self._stale = t, True

    @property
    def tracks(self) -> Tracks:
        """The published picture (confirmed tracks at `tracks_t`), built on first read."""
        if self._stale:
            pic = self.picture
            self._tracks = (pic.picture(self.tracks_t, confirmed_only=True)
                            if hasattr(pic, "ingest") else
                            pic.picture(self.tracks_t).confirmed_only())
            self._stale = False
        return self._tracks

    def _close_tracks(self) -> Tracks:
        """The tracks of the engagements about to release, for a step that reads only those
        (`Decider.close_tracks`): when the published picture is not built yet and the picture
        can build some tracks alone (the tracker), only these, to the same bits as in the
        whole picture; otherwise the published picture."""
        if not self._stale or not getattr(self.picture, "builds_some", False):
            return self.tracks
        return self.picture.picture(self.tracks_t, confirmed_only=True,
                                    numbers=self.decider.close_tracks())

    def _sample(self, t: float) -> None:
        """Store positions for the replay (tracks too when the picture is measured)."""
        for kind, (ids, xyz, state) in self.world.sample(t).items():
            self.traj.add(t, kind, ids, xyz, state)
        if self.feed.measured:
            tr = self.tracks
            self.traj.add(t, "track", tr.number, tr.x[:, :3] + tr.x[:, 3:] * (t - self.tracks_t),
                          tr.cls)

    # --------------------------------------------------------------------- run
    def run_until(self, t_stop: float) -> Engine:
        """Start if needed and step until simulated time `t_stop` [s]; returns self."""
        if not hasattr(self, "k"):
            self.start()
        n = int(round(min(t_stop, self.scenario.duration_s) / self.dt))
        while self.k < n:
            self.step()
        self.world.truth(self.t)
        self.world.sync(self.t)
        return self

    def run(self, progress: Callable[[float, float], None] | None = None) -> RunResult:
        """Fly the whole scenario; `progress(t, duration)` is called every simulated minute."""
        return RunResult.from_record(self.run_record(progress))

    def run_record(self, progress: Callable[[float, float], None] | None = None) -> RunRecord:
        """Fly the whole scenario and return the plain run record (picklable)."""
        self.start()
        n_ticks = int(round(self.scenario.duration_s / self.dt))
        minute = max(1, int(round(MINUTE / self.dt)))  # progress every simulated minute
        while self.k < n_ticks:
            self.step()
            if progress is not None and self.k % minute == 0:
                progress(self.t, self.scenario.duration_s)
        self.world.truth(self.t)
        self.world.sync(self.t)
        return record_run(self, n_ticks * self.dt, time.perf_counter() - self.wall0)

    # ------------------------------------------------------------ inspection
    @property
    def fleet(self) -> Any:
        """The coalition fleet (truth), for inspection tools."""
        return self.world.fleet

    @property
    def rules(self) -> Any:
        """The compiled rules of engagement the decider applies."""
        return self.decider.rules
