"""The dynamic problem and the rolling plan on hand-built forces and tracks (no engine).

Oracles: closed-form head-on geometry (the gap closes at dash + target speed), the
permitted-area polygon, the declared approval delay, and the Decider end to end.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_decider import DASH, head_on, own, rules_for, table, tracks_at

from skyshield.decide.assign import GreedyAssigner, LocalSearchAssigner
from skyshield.decide.assign.dynamic import DynamicConfig, build, commit
from skyshield.decide.assign.rolling import RollingPlanner
from skyshield.decide.decider import Decider
from skyshield.decide.engage import Shooters
from skyshield.doctrine import RANGE_MARGIN
from skyshield.geo.frame import THEATRE


def shooters(p: np.ndarray, rounds=None, delay: float = 0.0) -> Shooters:
    n = len(p)
    o = own(p, rounds=rounds)
    return Shooters(index=np.arange(n), nation=o.nation, pos=p, speed=o.dash_ms,
                    cruise=o.cruise_ms, delay=np.full(n, delay), rounds=o.rounds,
                    fuel_s=o.fuel_s, base=o.base)


def problem(approval="automatic", deadline=np.inf, gun=True, speed=50.0, **cfg):
    """One track head-on at one aircraft; a row per weapon type unless `cfg` says."""
    cfg.setdefault("one_per_aircraft", False)
    p, x, v = head_on(speed)
    sh = shooters(p)
    tr = np.c_[x, v]
    return build(tr, np.array([3.0]), np.array([deadline]), np.ones((1, 1), bool),
                 np.array([0]), sh, rules_for(approval), table(gun), DynamicConfig(**cfg)), p, x, v


def test_head_on_release_time_is_the_closed_form_for_each_weapon():
    dp, p, x, v = problem()
    d0 = np.linalg.norm(p - x)
    for row, w in enumerate(dp.weapon[:, 0]):
        reach = RANGE_MARGIN * table(True).rmax_head[w]
        tau = (d0 - reach) / (DASH + 50.0)
        assert dp.time[row, 0] == pytest.approx(tau, rel=1e-6)
        assert np.allclose(dp.aim[row, 0], x[0] + v[0] * tau, atol=1.0)
    assert sorted(dp.weapon[:, 0].tolist()) == [0, 1]  # missile and gun both feasible


def test_a_release_after_the_deadline_is_infeasible():
    dp, *_ = problem()
    t_gun = dp.time[dp.weapon[:, 0] == 1, 0][0]
    t_missile = dp.time[dp.weapon[:, 0] == 0, 0][0]
    cut, *_ = problem(deadline=(t_gun + t_missile) / 2)  # the missile is earlier
    assert cut.weapon[:, 0].tolist() == [0]
    none, *_ = problem(deadline=t_missile / 2)
    assert none.static.shape[0] == 0 and none.n_feasible == 0


def test_a_shot_waits_for_national_approval():
    dp, _, x, v = problem(approval="national")  # 120 s over Ukraine
    assert np.all(dp.time[np.isfinite(dp.time)] >= 120.0)
    assert np.allclose(dp.aim[0, 0], x[0] + v[0] * dp.time[0, 0], atol=1.0)


def test_intercepts_outside_the_permitted_area_are_removed_before_solving():
    # the track flies east, away from Poland: the lead point soon leaves the 150 km zone
    p, x, v = head_on(50.0)
    away = np.c_[x, -v * 4]  # 200 m/s eastwards
    rules = rules_for("automatic")
    dp = build(away, np.array([3.0]), np.array([np.inf]), np.ones((1, 1), bool),
               np.array([0]), shooters(p), rules, table(True))
    if dp.static.shape[0]:
        lat, lon, _ = THEATRE.to_lla(dp.aim[np.isfinite(dp.time)])
        assert rules["POL"].permitted.contains(lat, lon).all()
    # with a slower dash nothing catches it inside the zone
    sh = shooters(p)
    slow = Shooters(**{**sh.__dict__, "speed": np.full(1, 210.0)})
    dp2 = build(away, np.array([3.0]), np.array([np.inf]), np.ones((1, 1), bool),
                np.array([0]), slow, rules, table(True))
    assert dp2.n_feasible == 0


def test_the_price_sends_the_gun_at_a_drone_and_commit_takes_one_track_per_aircraft():
    dp, *_ = problem()  # value 3: missile 0.8 x 3 - 1e6 x cost_price - reserve < 0 < gun 0.5 x 3
    sol = LocalSearchAssigner(seed=1).solve(dp.static)
    c = commit(dp, sol.x)
    assert len(c) == 1 and c.weapon.tolist() == [1]
    # no price, no reserve, two rounds per track: the missile's Pk wins (both fire)
    free, *_ = problem(cost_price=0.0, reserve=0.0, max_rounds_per_track=2)
    assert GreedyAssigner().solve(free.static).x.sum() == 2


def test_the_rolling_planner_drives_the_decider_and_reports_its_cycles():
    p, x, v = head_on()
    planner = RollingPlanner(LocalSearchAssigner(restarts=2, time_limit_s=0.05))
    d = Decider(rules_for("automatic"), table(True), 1, assigner=planner)
    o = d.step(tracks_at(x, v), own(p), 0.0)
    assert o.engage.aircraft.tolist() == [0] and o.engage.track.tolist() == [101]
    s = planner.stats.summary()
    assert s["cycles"] == 1 and s["feasible_max"] >= 1 and s["planned_value"] > 0


@pytest.mark.parametrize("sls", [True, False])
def test_shoot_look_shoot_holds_a_second_shooter_until_the_outcome(sls):
    from skyshield.contracts import AircraftState as S

    p, x, v = head_on()
    p2 = np.vstack([p, p + np.array([[0.0, 5_000.0, 0.0]])])
    planner = RollingPlanner(LocalSearchAssigner(restarts=1, time_limit_s=0.05),
                             shoot_look_shoot=sls)
    d = Decider(rules_for("automatic"), table(True), 2, assigner=planner)
    first = d.step(tracks_at(x, v), own(p2, state=np.array([S.PATROL, S.READY])), 0.0)
    assert first.engage.aircraft.tolist() == [0]
    again = d.step(tracks_at(x + v * 5, v, t=5.0),
                   own(p2, state=np.array([S.INTERCEPT, S.PATROL]), t=5.0), 5.0)
    assert again.engage.aircraft.tolist() == ([] if sls else [1])


@pytest.mark.parametrize("solver", [GreedyAssigner(), LocalSearchAssigner(seed=0)])
def test_one_row_per_aircraft_sends_each_aircraft_at_its_own_drone(solver):
    # two drones head-on, two aircraft in file: the front one reaches both first. With a
    # row per weapon type, its gun (2 rounds) takes both tracks, commit flies one of them
    # and the aircraft behind idles; a row per aircraft flies min(aircraft, tracks)
    p, x, v = head_on(50.0)
    back = p + 20_000.0 * (p - x) / np.linalg.norm(p - x)
    side = np.cross(v[0], p[0]) / np.linalg.norm(np.cross(v[0], p[0]))
    xs, vs = np.vstack([x, x + 5_000.0 * side]), np.vstack([v, v])
    sh = shooters(np.vstack([p, back]))

    def flown(one: bool):
        dp = build(np.c_[xs, vs], np.array([3.0, 3.0]), np.full(2, np.inf),
                   np.ones((2, 2), bool), np.array([0, 0]), sh, rules_for("automatic"),
                   table(True), DynamicConfig(one_per_aircraft=one))
        return commit(dp, solver.solve(dp.static).x)

    c = flown(True)
    assert sorted(c.shooter.tolist()) == [0, 1] and sorted(c.track.tolist()) == [0, 1]
    assert c.weapon.tolist() == [1, 1]  # the gun, as the price says, on both
    old = flown(False)
    assert len(old) == 1 and old.shooter.tolist() == [0]
