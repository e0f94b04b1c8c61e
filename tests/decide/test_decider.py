"""The decision core on its own: hand-built tracks and own forces, no world, no engine.

Oracles: closed-form head-on geometry for the plan and the lead point; the weapon table
for the release envelope and the weapon choice; a scripted approver for the approval
states and the withdrawal of requests whose engagements ended first; an import guard for
"the core never reads truth".
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skyshield.contracts import AircraftState, OwnForces
from skyshield.decide.approve import WITHDRAWN_WHY, Approver, Decisions, DelayApprover, Requests
from skyshield.decide.book import EngagementState
from skyshield.decide.decider import Decider, DeciderConfig
from skyshield.decide.engage import WeaponTable
from skyshield.decide.roe import compile_rules
from skyshield.doctrine import RANGE_MARGIN
from skyshield.geo.frame import THEATRE
from skyshield.model.library import ThreatClass
from skyshield.model.loader import parse_scenario
from skyshield.picture.tracks import Tracks

DRONE = list(ThreatClass).index(ThreatClass.drone)
CRUISE = list(ThreatClass).index(ThreatClass.cruise_missile)
SHOOTER_LL = (49.84, 23.30)  # over Ukraine, ~20 km from Poland
TRACK_LL = (49.84, 24.20)  # ~65 km east of the shooter, inside Poland's 150 km zone
DASH = 400.0  # [m/s]


def rules_for(approval: str):
    text = f"""
name: decider-test
epoch: 2025-11-20T19:00:00Z
duration_min: 60
seed: 1
zones:
  ukr-near-pol: {{kind: near_country, country: POL, within_km: 150}}
coalition:
  - nation: POL
    squadrons:
      - {{name: PL QRA, base: Rzeszów-Jasionka, aircraft: F-16, count: 2, on_alert: 0}}
rules:
  POL:
    engagement_zones: [ukr-near-pol]
    max_depth_km: 150
    approval: {{inside_own: automatic, elsewhere: {approval}, delay_s: 120}}
raid:
  waves:
    - {{threat: Shahed-136, count: 1, launch_area: Kursk, window_min: [0, 0],
       targets: [Lviv], routing: direct}}
"""
    return compile_rules(parse_scenario(text, file="decider-test.yaml"))


def table(gun: bool = False) -> WeaponTable:
    """A missile (index 0) and, optionally, a gun (index 1) good only against slow targets."""
    names = ["AIM-X"] + (["GUN"] if gun else [])
    pk = np.full((len(names), len(ThreatClass)), 0.8)
    if gun:
        pk[1] = 0.5
    return WeaponTable(
        name=names, pk=pk,
        rmax_head=np.array([40_000.0, 2_000.0][: len(names)]),
        rmax_tail=np.array([20_000.0, 1_500.0][: len(names)]),
        rmin=np.array([1_000.0, 100.0][: len(names)]),
        cost=np.array([1e6, 100.0][: len(names)]),
        max_target_speed=np.array([np.inf, 100.0][: len(names)]))


def own(pos: np.ndarray, state=AircraftState.PATROL, rounds=None, t: float = 0.0) -> OwnForces:
    n = len(pos)
    base = np.repeat(THEATRE.to_xyz(50.11, 22.02, 0.0)[None, :], n, axis=0)
    return OwnForces(
        t=t, nation=np.array(["POL"] * n), squadron=np.zeros(n, np.int64),
        state=np.broadcast_to(np.asarray(state, np.int64), (n,)).copy(), pos=pos, base=base,
        cruise_ms=np.full(n, 230.0), dash_ms=np.full(n, DASH), fuel_s=np.full(n, 3 * 3600.0),
        rounds=np.full((n, 2), 2, np.int64) if rounds is None else rounds,
        alert_delay_s=np.full(n, 300.0), station=np.full(n, -1, np.int64),
        station_center=pos.copy())


def tracks_at(xyz: np.ndarray, vel: np.ndarray, cls: int = DRONE, t: float = 0.0) -> Tracks:
    n = len(xyz)
    return Tracks(number=np.arange(101, 101 + n, dtype=np.int64), x=np.c_[xyz, vel],
                  P=np.broadcast_to(np.eye(6) * 100.0, (n, 6, 6)).copy(),
                  cls=np.full(n, cls, np.int64), cls_conf=np.ones(n), t_init=np.full(n, t),
                  t_update=np.full(n, t), confirmed=np.ones(n, bool))


def head_on(speed: float = 50.0):
    """One shooter at SHOOTER_LL; one track at TRACK_LL flying straight at it."""
    p = THEATRE.to_xyz(*SHOOTER_LL, 5000.0)[None, :]
    x = THEATRE.to_xyz(*TRACK_LL, 5000.0)[None, :]
    u = (p - x) / np.linalg.norm(p - x)
    return p, x, u * speed


def test_plan_takes_the_track_and_aims_at_the_head_on_lead_point():
    p, x, v = head_on()
    d = Decider(rules_for("automatic"), table(), 1)
    o = d.step(tracks_at(x, v), own(p), 0.0)
    assert o.engage.aircraft.tolist() == [0] and o.engage.track.tolist() == [101]
    # head-on: the gap closes at dash + 50 m/s until it equals the margin of the head range
    d0 = np.linalg.norm(p - x)
    reach = RANGE_MARGIN * 40_000.0
    tau = (d0 - reach) / (DASH + 50.0)
    assert o.engage.time[0] == pytest.approx(tau, rel=1e-6)
    assert np.allclose(o.engage.aim[0], x[0] + v[0] * tau, atol=1.0)
    assert d.book.state[0] == EngagementState.APPROVED  # automatic: no request
    assert o.requests is None
    # the same step steers the airborne shooter to the lead point and does not fire yet
    assert o.steer.aircraft.tolist() == [0] and len(o.fire.aircraft) == 0
    assert np.allclose(o.steer.goal[0], o.engage.aim[0], atol=1.0)


def test_a_second_step_does_not_assign_the_engaged_track_again():
    p, x, v = head_on()
    d = Decider(rules_for("automatic"), table(), 2)
    p2 = np.r_[p, p + [0.0, 5000.0, 0.0]]
    o1 = d.step(tracks_at(x, v), own(p2), 0.0)
    assert len(o1.engage.aircraft) == 1
    st = [AircraftState.INTERCEPT, AircraftState.PATROL]  # as the world left them
    o2 = d.step(tracks_at(x, v), own(p2, state=st), 5.0)
    assert len(o2.engage.aircraft) == 0  # the track is in the book
    # the engaged aircraft went home (bingo): the engagement ends, the track is free again
    st = [AircraftState.RTB, AircraftState.PATROL]
    o3 = d.step(tracks_at(x, v), own(p2, state=st), 10.0)
    assert o3.engage.aircraft.tolist() == [1] and not d.book.engaged[0]


@pytest.mark.parametrize(("gap_m", "fires"), [(30_000.0, True), (45_000.0, False),
                                              (500.0, False)])
def test_release_check_follows_the_weapon_envelope(gap_m, fires):
    """Head-on reach 40 km, minimum range 1 km: fire at 30 km, not at 45 km nor 0.5 km."""
    p, x, v = head_on()
    u = (x - p) / np.linalg.norm(x - p)
    d = Decider(rules_for("automatic"), table(), 1)
    far = p + u * 60_000.0  # planned from far away, so the plan itself never fires
    d.step(tracks_at(far, v), own(p), 0.0)
    assert d.book.engaged[0]
    near = p + u * gap_m
    own_now = own(p, state=AircraftState.INTERCEPT)
    o = d.step(tracks_at(near, v), own_now, 1.0, plan=False)
    assert (o.fire.aircraft.tolist() == [0]) is fires
    if fires:
        assert o.fire.weapon.tolist() == [0] and o.fire.track.tolist() == [101]
        assert not d.book.engaged[0]  # the engagement ends when it fires


@pytest.mark.parametrize(("track_lon", "east_ms", "kept"), [
    (24.20, -50.0, True),  # ~77 km in, flying west toward the shooter: go on
    (24.70, 50.0, True),  # ~115 km in, slowly east: in range about 130 km in
    (25.40, 150.0, False),  # ~165 km in and flying away east: beyond the zone, break off
    (25.60, -200.0, True),  # still outside, flying in fast: met about 135 km in
])
def test_chase_is_broken_off_where_the_intercept_point_leaves_the_permitted_area(
        track_lon, east_ms, kept):
    """Poland may engage up to 150 km into Ukraine (at 49.84 N its border is near 23.1 E,
    72 km per degree of longitude). Once engaged, an aircraft chases the lead point only
    while it lies inside that area; otherwise the engagement ends and the aircraft is
    released (back to its station). Lead points: tau = (gap - reach) / closing speed."""
    p, x, v = head_on()
    d = Decider(rules_for("automatic"), table(), 1)
    d.step(tracks_at(x, v), own(p), 0.0)  # planned head-on, well inside the zone
    assert d.book.engaged[0]
    track = THEATRE.to_xyz(SHOOTER_LL[0], track_lon, 5000.0)[None, :]
    o = d.step(tracks_at(track, np.array([[east_ms, 0.0, 0.0]])),
               own(p, state=AircraftState.INTERCEPT), 1.0, plan=False)
    assert len(o.fire.aircraft) == 0  # nothing in range yet
    assert bool(d.book.engaged[0]) is kept
    if kept:
        assert o.steer.aircraft.tolist() == [0] and 0 not in o.release.tolist()
    else:
        assert o.release.tolist() == [0] and len(o.steer.aircraft) == 0


def test_weapon_choice_gun_for_a_slow_drone_missile_for_a_fast_cruise_missile():
    p, x, v = head_on(speed=50.0)
    d = Decider(rules_for("automatic"), table(gun=True), 1)
    o = d.step(tracks_at(x, v, DRONE), own(p), 0.0)
    assert o.engage.weapon.tolist() == [1]  # the gun: cheap, and the drone is slow
    p, x, v = head_on(speed=250.0)
    d = Decider(rules_for("automatic"), table(gun=True), 1)
    o = d.step(tracks_at(x, v, CRUISE), own(p), 0.0)
    assert o.engage.weapon.tolist() == [0]  # too fast for a gun pass
    # no missile left: only the gun could, and the cruise missile is too fast for it
    d = Decider(rules_for("automatic"), table(gun=True), 1)
    o = d.step(tracks_at(x, v, CRUISE), own(p, rounds=np.array([[0, 2]])), 0.0)
    assert len(o.engage.aircraft) == 0


class ScriptedApprover:
    """An approver whose verdicts the test gives by hand (the server's will wait for people);
    it records the requests the core withdraws."""

    def __init__(self) -> None:
        self.asked: list[Requests] = []
        self.verdicts: list[tuple[int, bool, float]] = []
        self.cancelled: list[tuple[list[int], float, list[str]]] = []

    def request(self, requests: Requests) -> None:
        self.asked.append(requests)

    def decisions(self, t: float) -> Decisions:
        due = [v for v in self.verdicts if v[2] <= t]
        self.verdicts = [v for v in self.verdicts if v[2] > t]
        if not due:
            return Decisions()
        return Decisions(np.array([v[0] for v in due]), np.array([v[1] for v in due]),
                         np.array([v[2] for v in due]))

    def expected_t(self, ids: np.ndarray) -> np.ndarray:
        return np.full(len(ids), np.inf)

    def cancel(self, ids: np.ndarray, t: float, why: np.ndarray | None = None) -> None:
        self.cancelled.append((ids.tolist(), t, [str(w) for w in why]))


def _in_range_step(d: Decider, t: float):
    p, x, v = head_on()
    u = (x - p) / np.linalg.norm(x - p)
    return d.step(tracks_at(p + u * 30_000.0, v), own(p, state=AircraftState.INTERCEPT), t,
                  plan=False)


def _pending(approver, timeout: float = np.inf) -> Decider:
    p, x, v = head_on()
    d = Decider(rules_for("national"), table(), 1, approver=approver,
                config=DeciderConfig(approval_timeout_s=timeout))
    o = d.step(tracks_at(x, v), own(p), 0.0)
    assert o.requests is not None and o.requests.delay_s.tolist() == [120.0]
    assert d.book.state[0] == EngagementState.PENDING
    return d


def test_pending_engagement_never_fires_until_approved():
    ap = ScriptedApprover()
    d = _pending(ap)
    assert len(ap.asked) == 1 and ap.asked[0].track.tolist() == [101]
    o = _in_range_step(d, 10.0)
    assert len(o.fire.aircraft) == 0 and d.book.state[0] == EngagementState.PENDING
    ap.verdicts.append((int(ap.asked[0].id[0]), True, 42.0))
    o = _in_range_step(d, 45.0)
    assert o.decisions is not None and o.decisions.approved.tolist() == [True]
    assert o.fire.aircraft.tolist() == [0]  # approved and in range: released


def test_refused_engagement_ends_and_releases_the_aircraft():
    ap = ScriptedApprover()
    d = _pending(ap)
    ap.verdicts.append((int(ap.asked[0].id[0]), False, 30.0))
    o = _in_range_step(d, 30.0)
    assert d.book.state[0] == EngagementState.REFUSED and not d.book.engaged[0]
    assert o.release.tolist() == [0] and len(o.fire.aircraft) == 0


def test_unanswered_request_expires_after_the_timeout():
    ap = ScriptedApprover()
    d = _pending(ap, timeout=60.0)
    _in_range_step(d, 59.0)
    assert d.book.state[0] == EngagementState.PENDING
    o = _in_range_step(d, 60.0)
    assert d.book.state[0] == EngagementState.EXPIRED and o.release.tolist() == [0]
    assert len(o.fire.aircraft) == 0


def test_delay_approver_approves_at_the_declared_delay():
    ap = DelayApprover()
    d = _pending(ap)
    assert ap.expected_t(d.book.request[:1]).tolist() == [120.0]
    assert len(_in_range_step(d, 119.0).fire.aircraft) == 0
    o = _in_range_step(d, 120.0)
    assert o.decisions.t.tolist() == [120.0] and o.fire.aircraft.tolist() == [0]


# ------------------------------------------------------------------ withdrawn requests
def _track_lost(d: Decider, t: float):
    """The picture no longer holds the track; the aircraft still flies the intercept."""
    p, _, _ = head_on()
    return d.step(Tracks.empty(), own(p, state=AircraftState.INTERCEPT), t, plan=False)


def _aircraft_left(d: Decider, t: float):
    """The aircraft went home (bingo); the track is still there."""
    p, x, v = head_on()
    return d.step(tracks_at(x, v), own(p, state=AircraftState.RTB), t, plan=False)


ENDINGS = {"track_lost": (_track_lost, np.inf), "aircraft_left": (_aircraft_left, np.inf),
           "timeout": (_in_range_step, 60.0)}


def test_the_approvers_satisfy_the_protocol():
    from skyshield.server.approver import HumanApprover

    human = HumanApprover({}, lambda r: [], lambda k, p, e: 0)
    for ap in (DelayApprover(), ScriptedApprover(), human):
        assert isinstance(ap, Approver)


@pytest.mark.parametrize("why", sorted(ENDINGS))
def test_a_pending_engagement_that_ends_is_withdrawn_at_the_approver(why):
    end, timeout = ENDINGS[why]
    ap = ScriptedApprover()
    d = _pending(ap, timeout=timeout)
    rid = int(ap.asked[0].id[0])
    o = _in_range_step(d, 10.0)  # still pending: nothing withdrawn
    assert ap.cancelled == [] and len(o.withdrawn) == 0
    o = end(d, 60.0)
    assert not d.book.engaged[0] and len(o.fire.aircraft) == 0
    assert ap.cancelled == [([rid], 60.0, [why])]  # withdrawn once, at the step that ended it
    assert o.withdrawn.id.tolist() == [rid] and o.withdrawn.why.tolist() == [why]
    assert why in WITHDRAWN_WHY
    assert bool(d.book.state[0] == EngagementState.EXPIRED) is (why == "timeout")
    # a verdict arriving anyway (an approver that ignored the withdrawal) changes nothing
    ap.verdicts.append((rid, True, 61.0))
    o = _in_range_step(d, 65.0)
    assert not d.book.engaged[0] and len(o.fire.aircraft) == 0 and len(ap.cancelled) == 1


@pytest.mark.parametrize("verdict", [True, False])
def test_an_engagement_that_had_its_verdict_is_never_withdrawn(verdict):
    ap = ScriptedApprover()
    d = _pending(ap, timeout=60.0)
    ap.verdicts.append((int(ap.asked[0].id[0]), verdict, 5.0))
    p, x, v = head_on()
    d.step(tracks_at(x, v), own(p, state=AircraftState.INTERCEPT), 5.0, plan=False)
    for t in (10.0, 60.0, 70.0):  # the track is lost, the timeout passes
        o = _track_lost(d, t)
        assert len(o.withdrawn) == 0
    assert ap.cancelled == [] and not d.book.engaged[0]


@pytest.mark.parametrize("why", sorted(ENDINGS))
def test_delay_approver_never_approves_a_withdrawn_request(why):
    end, timeout = ENDINGS[why]
    ap = DelayApprover()
    d = _pending(ap, timeout=timeout)
    rid = d.book.request[0]
    assert ap.expected_t(np.array([rid])).tolist() == [120.0]
    o = end(d, 60.0)
    assert o.withdrawn.id.tolist() == [rid]
    assert ap.expected_t(np.array([rid])).tolist() == [np.inf]  # it no longer holds it
    # past the declared delay (120 s): no approval comes, to the core or to anyone
    o = _in_range_step(d, 125.0)
    assert o.decisions is None or len(o.decisions) == 0
    assert len(ap.decisions(1e9)) == 0


def test_delay_approver_forgets_only_the_withdrawn_of_several():
    ap = DelayApprover()
    ap.request(Requests(np.arange(4), np.arange(4), np.arange(4), np.array(["POL"] * 4),
                        np.zeros(4, np.int64), np.zeros((4, 3)), 10.0,
                        np.array([5.0, 6.0, 7.0, 8.0])))
    ap.cancel(np.array([1, 3]), 12.0, np.array(["track_lost", "timeout"]))
    ap.cancel(np.array([9]), 12.0)  # an unknown id: ignored
    d = ap.decisions(100.0)
    assert d.id.tolist() == [0, 2] and d.t.tolist() == [15.0, 17.0]


def test_the_ledger_logs_withdrawals_instead_of_late_approvals():
    """Through the sim's ledger: the withdrawn request has a withdrawal event, no approval,
    and the ledger holds nothing more for it."""
    from skyshield.sim.ledger import Ledger

    ap = DelayApprover()
    led = Ledger(0, 1)
    p, x, v = head_on()
    d = Decider(rules_for("national"), table(), 1, approver=ap)
    names, nation = np.array(["AIM-X"], object), np.array(["POL"])
    led.orders(d.step(tracks_at(x, v), own(p), 0.0), names, nation)
    rid = int(d.book.request[0])
    assert set(led.request_rank) == {rid} and set(led._asked) == {rid}
    led.orders(_aircraft_left(d, 40.0), names, nation)
    led.orders(_in_range_step(d, 130.0), names, nation)  # past the declared delay
    ev = led.log.frame()
    assert ev.kind.tolist() == ["assign", "approval_request", "approval_withdrawn"]
    w = ev.iloc[2]
    assert (w.t, w.aircraft, w.track, w.nation, w.value, w.detail) == (
        40.0, 0, 101, "POL", 40.0, "aircraft_left")
    assert led.request_rank == {} and led._asked == {}
    assert led.approvals.tolist() == [1]  # it was asked: the approvals needed still count it


SRC = Path(__file__).resolve().parents[2] / "src" / "skyshield"


def test_decide_never_imports_world_or_sim():
    for f in sorted((SRC / "decide").rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text())):
            mods = ([node.module] if isinstance(node, ast.ImportFrom) and node.module else
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for m in mods:
                assert not m.startswith(("skyshield.world", "skyshield.sim")), f"{f}: {m}"


def test_decider_runs_with_truth_modules_unimportable():
    """Behavioural check: block `skyshield.world` and `skyshield.sim`, then plan and fire."""
    code = f"""
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.startswith(("skyshield.world", "skyshield.sim")):
            raise ImportError("truth is off limits: " + name)
sys.meta_path.insert(0, Block())
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
from tests.decide.test_decider import test_release_check_follows_the_weapon_envelope as f
f(30_000.0, True)
assert not any(m.startswith(("skyshield.world", "skyshield.sim")) for m in sys.modules)
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(SRC.parent), "PATH": ""}, check=False)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]


def test_an_aircraft_in_range_before_approval_holds_outside_the_minimum_range_and_fires():
    """Closed loop on hand-flown kinematics (straight at the steering goal at dash speed,
    1 s steps): the shooter starts 300 m behind a 50 m/s drone, inside the missile's 1 km
    minimum range, its request pending. Flying at the target it would sit on it below the
    minimum range and never fire; it must hold inside the envelope and fire on approval."""
    ap = ScriptedApprover()
    d = _pending(ap)
    p, x, v = head_on()
    x = x[0] + np.zeros(3)
    p = x - v[0] / 50.0 * 300.0  # 300 m behind the drone
    ap.verdicts.append((int(ap.asked[0].id[0]), True, 60.0))
    fired_at, ranges = None, []
    for t in np.arange(1.0, 121.0):
        x = x + v[0]
        o = d.step(tracks_at(x[None, :], v), own(p[None, :], state=AircraftState.INTERCEPT),
                   float(t), plan=False)
        if len(o.fire.aircraft):
            fired_at = t
            break
        assert o.steer.aircraft.tolist() == [0]
        step = o.steer.goal[0] - p
        p = p + step * min(1.0, DASH / max(np.linalg.norm(step), 1e-9))
        ranges.append(np.linalg.norm(p - x))
    assert fired_at is not None and 60.0 <= fired_at <= 62.0
    assert min(ranges[5:]) >= 1_000.0  # held outside the minimum range while waiting
    rng = np.linalg.norm(p - x)
    assert 1_000.0 <= rng <= RANGE_MARGIN * 20_000.0 + 1.0


@pytest.mark.parametrize(("retask_price", "retasked"), [(1.0, True), (None, False),
                                                        (1e6, False)])
def test_rolling_plan_retasks_an_engaged_aircraft_only_when_it_pays(retask_price, retasked):
    """An aircraft chasing a drone that flies away (65 km east, 50 m/s) is planned again
    when a cruise missile (10 times the class value) appears 50 km north-east of it,
    flying south: sent at the missile when re-tasking is on and its price is below the
    gain, its drone request withdrawn; otherwise it flies on at its drone and no new
    engagement is made."""
    from skyshield.decide.assign import LocalSearchAssigner
    from skyshield.decide.assign.dynamic import DynamicConfig
    from skyshield.decide.assign.rolling import RollingPlanner

    cfg = DynamicConfig(cost_price=1e-6, reserve=0.0, retask_price=retask_price)
    planner = RollingPlanner(LocalSearchAssigner(restarts=1, time_limit_s=0.05), cfg)
    ap = ScriptedApprover()
    d = Decider(rules_for("national"), table(gun=True), 1, assigner=planner, approver=ap)
    p = THEATRE.to_xyz(*SHOOTER_LL, 1000.0)[None, :]
    drone = THEATRE.to_xyz(*TRACK_LL, 1000.0)[None, :]
    o = d.step(tracks_at(drone, np.array([[50.0, 0.0, 0.0]]), DRONE), own(p), 0.0)
    assert o.engage.track.tolist() == [101]
    cm = THEATRE.to_xyz(SHOOTER_LL[0] + 0.3, SHOOTER_LL[1] + 0.5, 1000.0)[None, :]
    both = tracks_at(np.r_[drone + [250.0, 0.0, 0.0], cm], np.array([[50.0, 0.0, 0.0],
                                                                      [0.0, -250.0, 0.0]]))
    both.cls[1] = CRUISE
    o = d.step(both, own(p, state=AircraftState.INTERCEPT), 5.0)
    if retasked:
        assert o.engage.aircraft.tolist() == [0] and o.engage.track.tolist() == [102]
        assert o.engage.weapon.tolist() == [0] and d.book.track[0] == 102
        assert o.withdrawn.why.tolist() == ["retasked"]
    else:
        assert len(o.engage.aircraft) == 0 and d.book.track[0] == 101
        assert len(o.withdrawn.id) == 0
