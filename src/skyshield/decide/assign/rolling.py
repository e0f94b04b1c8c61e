"""The rolling plan: the dynamic problem re-solved every decision cycle, kept stable.

Each cycle, `RollingPlanner.plan_cycle` states the problem (`dynamic.build`) for the
candidate tracks and free aircraft, solves it with its `StaticSolver`, and commits each
aircraft's first engagement of the plan. The last plan is remembered by (aircraft,
weapon, track number): carried into the new problem (and topped up by MMR where rounds
are free), it is kept unless the new answer lowers F by more than `switch_gain` of the
value the kept plan destroys, so aircraft are not re-tasked back and forth for a
rounding's worth. With `shoot_look_shoot` (the default, the engine's habit) a track with
an engagement open or a weapon in flight is not planned again until the outcome is seen;
without it such a track stays in the plan with its value discounted by the open shots'
survival, so a second shooter may be sent at once.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

import numpy as np

from skyshield.decide.assess import assess_tracks, threat_value
from skyshield.decide.assign.base import Assigner, Assignment, AssignmentProblem
from skyshield.decide.assign.dynamic import Commit, DynamicConfig, DynamicProblem, build, commit
from skyshield.decide.assign.greedy import mmr
from skyshield.decide.assign.static import StaticSolver, from_matching
from skyshield.decide.engage import Engagements, EntryP, Shooters, WeaponTable, target_ok
from skyshield.decide.roe import NationRules
from skyshield.doctrine import HORIZON_S
from skyshield.geo.frame import THEATRE
from skyshield.picture.tracks import Tracks


@dataclass
class PlanStats:
    """What the planner did, cycle by cycle (CPU seconds, value units)."""

    solve_s: list[float] = field(default_factory=list)  # solver CPU time per cycle [s]
    state_s: list[float] = field(default_factory=list)  # problem statement CPU per cycle [s]
    planned_value: list[float] = field(default_factory=list)  # expected class value committed
    plan_value: list[float] = field(default_factory=list)  # expected value of the whole plan
    triples: list[int] = field(default_factory=list)  # permitted triples considered
    feasible: list[int] = field(default_factory=list)  # feasible triples
    kept: int = 0  # cycles whose earlier plan was kept

    def summary(self) -> dict[str, float | int]:
        """Mean and max solve time [ms], planned value, sizes: the figures a report shows."""
        s = np.array(self.solve_s) * 1e3
        st = np.array(self.state_s) * 1e3
        return {
            "cycles": len(s),
            "solve_ms_mean": round(float(s.mean()), 3) if len(s) else 0.0,
            "solve_ms_max": round(float(s.max()), 3) if len(s) else 0.0,
            "state_ms_mean": round(float(st.mean()), 3) if len(st) else 0.0,
            "planned_value": round(float(np.sum(self.planned_value)), 3),
            "triples_max": int(max(self.triples, default=0)),
            "feasible_max": int(max(self.feasible, default=0)),
            "kept_cycles": self.kept,
        }


class RollingPlanner(Assigner):
    """A `StaticSolver` run as a rolling plan on the dynamic problem (module docstring)."""

    def __init__(self, solver: StaticSolver, config: DynamicConfig | None = None,
                 switch_gain: float = 0.02, shoot_look_shoot: bool = True) -> None:
        self.solver = solver
        # shoot-look-shoot: one round per track per plan; shoot-shoot: two at once
        self.config = config or DynamicConfig(max_rounds_per_track=1 if shoot_look_shoot else 2)
        self.switch_gain = switch_gain  # relative gain that justifies changing the plan [-]
        self.shoot_look_shoot = shoot_look_shoot
        self.name = getattr(solver, "name", type(solver).__name__)
        self.stats = PlanStats()
        self._last: dict[tuple[int, int, int], int] = {}  # (aircraft, weapon, track) -> rounds

    def assign(self, problem: AssignmentProblem) -> Assignment:
        """The engine's matching, solved by the solver (used where no dynamic plan is made)."""
        x = self.solver.solve(from_matching(problem)).x
        shooter, track = np.nonzero(x)
        return Assignment(track.astype(np.int64), shooter.astype(np.int64))

    def plan(self, tracks: Tracks, rows: np.ndarray, shooters: Shooters,
             rules: dict[str, NationRules], table: WeaponTable, t: float,
             entry_p: EntryP | None = None, keep_out: np.ndarray | None = None,
             horizon_s: float = HORIZON_S, survival: np.ndarray | None = None,
             incumbent: np.ndarray | None = None) -> Engagements:
        """The Decider's plan step: new engagements for free shooters against tracks `rows`.

        `incumbent (S,)` is each shooter's current track (an index into `rows`; -1 a free
        shooter, -2 a track not among `rows`) for aircraft planned again while engaged
        (`config.retask_price`): that track is offered to it alone, and any other costs it
        `retask_price` more.

        Threat value and deadline come from the assessment of those tracks: the deadline is
        the predicted NATO entry (for a track still outside) and, with
        `config.impact_deadline`, the predicted arrival at the place it most likely
        threatens, if earlier; at most the horizon. `survival` (per row) is the chance each
        track survives the shots already open on it: its value is discounted by it.
        """
        empty = Engagements(*(np.zeros(0, np.int64),) * 4, np.zeros((0, 3)))
        if not len(rows) or not len(shooters):
            return empty
        x, cls = tracks.x[rows], tracks.cls[rows]
        lat, lon, alt = THEATRE.to_lla(x[:, :3])
        allowed = np.zeros((len(rows), len(shooters)), bool)
        for nation, nr in rules.items():
            cols = shooters.nation == nation
            if cols.any():
                allowed[:, cols] = target_ok(nr, lat, lon, alt, cls, entry_p)[:, None]
        extra = None
        if incumbent is not None and (incumbent != -1).any():
            extra = np.zeros(allowed.shape)
            extra[:, incumbent != -1] = self.config.retask_price or 0.0
            s_inc = np.flatnonzero(incumbent >= 0)
            r_inc = incumbent[s_inc]
            own_ok = allowed[r_inc, s_inc]
            allowed[r_inc, :] = False  # a re-taskable aircraft's track is for it alone
            allowed[r_inc, s_inc] = own_ok
            extra[r_inc, s_inc] = 0.0
        keep = np.flatnonzero(allowed.any(axis=1))
        if not len(keep):
            return empty
        sub = rows[keep]
        a = assess_tracks(tracks.select(sub), t, horizon_s)
        outside = (a.t_to_border > 0).all(axis=1)
        nato = np.where(outside, a.t_to_border.min(axis=1), np.inf)
        impact = np.where(a.place_value > 0, a.t_to_place, np.inf)
        if not self.config.impact_deadline:
            impact = np.full(len(sub), np.inf)
        deadline = np.minimum(nato, impact)
        if self.config.horizon_deadline:
            deadline = np.minimum(deadline, horizon_s)
        value = a.value if self.config.assessed_value else threat_value(cls[keep])
        value = value if survival is None else value * survival[keep]
        c = self.plan_cycle(x[keep], cls[keep], tracks.number[sub], value, deadline,
                            allowed[keep], shooters, rules, table, keep_out,
                            report_value=threat_value(cls[keep]),
                            extra_cost=None if extra is None else extra[keep])
        return Engagements(c.shooter, keep[c.track], c.weapon, c.time, c.aim)

    def plan_cycle(self, tracks_x: np.ndarray, tracks_cls: np.ndarray, numbers: np.ndarray,
                   value: np.ndarray, deadline: np.ndarray, allowed: np.ndarray,
                   shooters: Shooters, rules: dict[str, NationRules], table: WeaponTable,
                   keep_out: np.ndarray | None = None,
                   report_value: np.ndarray | None = None,
                   extra_cost: np.ndarray | None = None) -> Commit:
        """State, solve and commit one cycle; remember the plan for the next one."""
        t0 = _time.process_time()
        dp = build(tracks_x, value, deadline, allowed, tracks_cls, shooters, rules, table,
                   self.config, keep_out, extra_cost)
        t1 = _time.process_time()
        p = dp.static
        aircraft = shooters.index[dp.shooter]
        sol = self.solver.solve(p)
        x = sol.x
        keep = self._carried(dp, aircraft, numbers)
        if keep is not None:
            keep = mmr(p, keep)
            fk, fn = p.objective(keep), sol.objective
            if fk - fn <= self.switch_gain * max(float(p.value.sum()) - fk, 1e-12):
                x = keep
                self.stats.kept += 1
        t2 = _time.process_time()
        c = commit(dp, x, report_value)
        i, j = np.nonzero(x)
        self._last = {(int(a), int(w), int(n)): int(k) for a, w, n, k in zip(
            aircraft[i], dp.weapon[i, j], numbers[j], x[i, j], strict=True)}
        st = self.stats
        st.state_s.append(t1 - t0)
        st.solve_s.append(t2 - t1)
        st.planned_value.append(c.planned_value)
        st.plan_value.append(float(p.value.sum()) - float(np.prod(p.q ** x, axis=0) @ p.value))
        st.triples.append(dp.n_triples)
        st.feasible.append(dp.n_feasible)
        return c

    def _carried(self, dp: DynamicProblem, aircraft: np.ndarray, numbers: np.ndarray
                 ) -> np.ndarray | None:
        """The last plan in the new problem's rows and columns, where still feasible."""
        if not self._last:
            return None
        p = dp.static
        W, T = p.shape
        col = {int(n): k for k, n in enumerate(numbers)}
        rows: dict[int, list[int]] = {}
        for k, a in enumerate(aircraft.tolist()):
            rows.setdefault(a, []).append(k)
        x = np.zeros((W, T), np.int64)
        for (a, w, n), k in self._last.items():  # the last plan's few entries
            j = col.get(n)
            if j is None:
                continue
            for i in rows.get(a, ()):  # the row of that aircraft that fires that weapon there
                if dp.weapon[i, j] == w and p.allowed[i, j]:
                    x[i, j] = k
                    break
        over = x.sum(axis=1) > p.rounds
        x[over] = 0
        if p.cap is not None:
            x[:, x.sum(axis=0) > p.cap] = 0
        return x if x.any() else None
