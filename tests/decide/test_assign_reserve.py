"""The opportunity cost of a round: a gun takes the drone, the missile waits for the missile.

Oracles: the reserve's formula computed by hand from the weapon table and the class
values, and, for the two-stage case (a drone now, a cruise missile later, one aircraft
with one missile and one gun pass), enumeration of every first-stage choice with the
best second stage after it, scored by the expected class value destroyed over both.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from assign_cases import brute_force
from test_assign_dynamic import shooters
from test_decider import CRUISE, DRONE, head_on, rules_for, table

from skyshield.decide.assess import CLASS_VALUE
from skyshield.decide.assign import ExactAssigner, GreedyAssigner, LocalSearchAssigner
from skyshield.decide.assign.dynamic import DynamicConfig, build, commit, reserve_value

MISSILE, GUN = 0, 1
OLD = DynamicConfig(cost_price=1.5e-6, reserve=0.0, time_scale_s=0.0, max_rounds_per_track=2,
                    discount_price=False, one_per_aircraft=False)


def test_the_reserve_is_a_share_of_the_best_class_value_of_a_missile_round_and_none_for_a_gun():
    t = table(gun=True)  # missile Pk 0.8 on every class, gun 0.5 below 100 m/s
    r = reserve_value(t, 0.5)
    assert r[MISSILE] == pytest.approx(0.5 * 0.8 * CLASS_VALUE.max())
    assert r[GUN] == 0.0
    assert np.all(reserve_value(t, 0.0) == 0.0)


def stage(cls: int, speed: float, value: float, rounds: np.ndarray, cfg: DynamicConfig):
    """The dynamic problem of one track of class `cls` flying head-on at one aircraft."""
    p, x, v = head_on(speed)
    sh = shooters(p, rounds=rounds[None, :])
    return build(np.c_[x, v], np.array([value]), np.array([np.inf]), np.ones((1, 1), bool),
                 np.array([cls]), sh, rules_for("automatic"), table(True), cfg)


@pytest.mark.parametrize("solver", [ExactAssigner(), LocalSearchAssigner(seed=3),
                                    GreedyAssigner()], ids=["exact", "local", "mmr"])
def test_the_gun_takes_the_drone_and_the_missile_is_kept_for_the_cruise_missile(solver):
    # a drone heading for a valued place; a cruise missile later (class value 10 times the
    # assessment's factors: place, NATO entry, urgency; 18 to 130 in western-night)
    drone_v, cm_v = 8.0, 60.0
    pk = table(True).pk
    rounds = np.array([1, 1])  # one missile, one gun pass

    # oracle: every first-stage shot (none, missile, gun) with the best second stage after it
    def total(first: int | None) -> float:
        left = rounds.copy()
        got = 0.0
        if first is not None:
            left[first] -= 1
            got += drone_v * pk[first, DRONE]
        usable = [w for w in (MISSILE, GUN) if left[w] > 0 and w == MISSILE]  # gun: too slow
        return got + max([cm_v * pk[w, CRUISE] for w in usable], default=0.0)

    best = max((None, MISSILE, GUN), key=total)
    assert best == GUN and total(GUN) == pytest.approx(0.5 * 8 + 0.8 * 60)

    cfg = DynamicConfig()
    first = stage(DRONE, 50.0, drone_v, rounds, cfg)
    c1 = commit(first, solver.solve(first.static).x)
    assert c1.weapon.tolist() == [best]
    left = rounds.copy()
    left[c1.weapon[0]] -= 1
    second = stage(CRUISE, 250.0, cm_v, left, cfg)
    c2 = commit(second, solver.solve(second.static).x)
    assert c2.weapon.tolist() == [MISSILE]

    # the previous pricing (1.5e-6 per USD, no reserve, no discount, two rounds per track):
    # both fire (0.8 x 8 + 0.2 x 0.5 x 8 - 1.5 = 5.7 > 0.5 x 8), the missile first (its
    # release is earlier), and the cruise missile finds no missile left
    bare = stage(DRONE, 50.0, drone_v, rounds, OLD)
    assert commit(bare, solver.solve(bare.static).x).weapon.tolist() == [MISSILE]


def test_the_priced_dynamic_problem_is_solved_exactly():
    # the static problem the planner hands over (prices in value units) against brute force
    cfg = DynamicConfig()
    for drone_v, rounds in itertools.product((2.0, 8.0, 30.0), ([1, 2], [2, 1], [0, 2])):
        dp = stage(DRONE, 50.0, drone_v, np.array(rounds), cfg)
        s = ExactAssigner().solve(dp.static)
        assert s.objective == pytest.approx(brute_force(dp.static), rel=1e-9, abs=1e-9)


def test_the_discounted_pk_sends_the_sooner_of_two_equal_shooters():
    # two aircraft on the line of a drone's approach, the far one listed first: equal Pk and
    # price, so only the discount exp(-release / time_scale_s) tells them apart
    p, x, v = head_on(50.0)
    u = (p[0] - x[0]) / np.linalg.norm(p[0] - x[0])
    far = p + u * 30_000.0
    sh = shooters(np.vstack([far, p]), rounds=np.array([[0, 2], [0, 2]]))
    cfg = DynamicConfig()
    dp = build(np.c_[x, v], np.array([3.0]), np.array([np.inf]), np.ones((1, 2), bool),
               np.array([DRONE]), sh, rules_for("automatic"), table(True), cfg)
    t = dp.time[:, 0]
    assert np.all(np.isfinite(t)) and t[0] > t[1] + 30.0
    pk = table(True).pk[dp.weapon[:, 0], DRONE] * np.exp(-t / cfg.time_scale_s)
    assert dp.static.pk[:, 0] == pytest.approx(pk, rel=1e-12)
    for solver in (ExactAssigner(), LocalSearchAssigner(seed=0), GreedyAssigner()):
        c = commit(dp, solver.solve(dp.static).x)
        assert c.shooter.tolist() == [1]  # the nearer one
    flat = build(np.c_[x, v], np.array([3.0]), np.array([np.inf]), np.ones((1, 2), bool),
                 np.array([DRONE]), sh, rules_for("automatic"), table(True), OLD)
    assert commit(flat, GreedyAssigner().solve(flat.static).x).shooter.tolist() == [0]


def test_a_shot_that_pays_is_planned_however_far_ahead_its_release():
    # one aircraft, one missile, a cruise missile worth 1.5 x the round's price / Pk: the
    # shot pays (Pk x value > price). The engagement ends in a shot with chance
    # exp(-release / time_scale_s) = e^-2 here, and a round not fired is not spent: the
    # price is discounted as the Pk is, so the answer does not depend on that chance
    rounds = np.array([1, 0])
    probe = stage(CRUISE, 250.0, 1.0, rounds, DynamicConfig())
    t = float(probe.time[0, 0])
    assert np.isfinite(t) and t > 0
    tab = table(True)
    base = DynamicConfig(time_scale_s=t / 2.0)
    price = base.cost_price * tab.cost[MISSILE] + reserve_value(tab, base.reserve)[MISSILE]
    value = 1.5 * price / tab.pk[MISSILE, CRUISE]
    dp = stage(CRUISE, 250.0, value, rounds, base)
    assert dp.static.pk[0, 0] == pytest.approx(tab.pk[MISSILE, CRUISE] * np.exp(-2.0))
    assert dp.static.cost[0, 0] == pytest.approx(price * np.exp(-2.0))
    flat = stage(CRUISE, 250.0, value, rounds, DynamicConfig(time_scale_s=t / 2.0,
                                                            discount_price=False))
    assert flat.static.cost[0, 0] == pytest.approx(price)
    for solver in (ExactAssigner(), LocalSearchAssigner(seed=0), GreedyAssigner()):
        assert len(commit(dp, solver.solve(dp.static).x)) == 1
        # the undiscounted price outweighs the discounted gain (e^-2 x 1.5 < 1): no shot
        assert len(commit(flat, solver.solve(flat.static).x)) == 0


def test_one_round_per_track_with_shoot_look_shoot_and_two_without():
    from skyshield.decide.assign.rolling import RollingPlanner

    assert RollingPlanner(GreedyAssigner()).config.max_rounds_per_track == 1
    assert RollingPlanner(GreedyAssigner(), shoot_look_shoot=False
                          ).config.max_rounds_per_track == 2
