"""Event-log hashes of the built-in scenarios, pinned: a refactor must not change behaviour.

Each built-in scenario runs with seed 11 under both pictures, shortened to the first
shots (the durations below), and the SHA-256 of its event log (CSV, 6 decimals, as
`test_engine.events_hash`) must match the value recorded before the engine was split into
world / picture / decide stages (issue 9). Change a pinned hash only in a commit that says
which behaviour changed and why.

History:
- split of the engine (issue 9): approvals are logged when the approver gives them, so an
  approval due after the end of the run is no longer logged ahead of time (western-night
  1 and 1, mass-raid 2 and 5 such rows); every other row is identical, checked row by row
  against the logs of the unsplit engine.
- a scramble leads to flight (issue 9 fix): an alert aircraft whose engagement ends before
  it is airborne stands down instead of taking off into return-to-base; mass-raid tracked
  changes (ROU aircraft 47, assigned at 14,045 s to track 13766, dropped during the
  scramble, is back on alert and re-assigned at 14,090 s); the other five are unchanged.
- threats that cross borders as real ones do (issue 12): every raid is generated anew.
  Routes keep out of Belarus, Moldova and NATO unless asked (legs detoured at a declared
  inset; border chains at insets of 6, 9 or 12 km drawn per route; `north_west` leaves its
  chain at or before the target, never along the Bug in Poland), and threats get fates
  from a child generator with the library's navigation-loss rates (13 % of Shahed-type
  drones lose their navigation, 5 % of those drift until empty, the others come down where
  lost; decoys fly on until empty), so all six logs change from the first launch on. The
  rest of the wiring changes nothing by itself: the new engine fed the raids of the
  previous generator (pickled from main) reproduces the previous western-night and
  border-skim perfect hashes exactly (debris and missed munitions draw from their own
  generator and write no events; no scenario here declares `hold_fire`).
- approval requests are withdrawn when their engagement ends first (issue 9, the
  approver's `cancel`): a pending engagement whose aircraft leaves the fight (bingo) or
  whose track ends no longer gets a later `approval` row from the delay approver; an
  `approval_withdrawn` row (value: seconds waited, detail: why) is logged when it ends.
  border-skim perfect: 1 approval fewer, 1 withdrawal (aircraft_left); border-skim tracked:
  3 fewer, 3 withdrawals (2 aircraft_left, 1 track_lost); mass-raid tracked: 5 fewer, 6
  withdrawals (all track_lost; the sixth's approval was due after the end of the run). The
  other three logs had no such engagement and are unchanged; in all six every row other
  than approvals and withdrawals is identical, in order, checked against the logs before
  the change. The decisions themselves are unchanged (the core ignored those approvals).
- chases broken off at the edge of the permitted area (issue 14): an engaged aircraft
  whose intercept point has left its nation's permitted area (too deep into Ukraine, in an
  excluded zone) ends the engagement (airborne: back to its station or home; still
  scrambling: stands down), as the release rules would never let it fire there. Before,
  the chase went on: in coalition-options Romanian F-16s under a 50 km depth flew 108 km
  into Ukraine, Polish ones within 7 km of Belarus. border-skim and mass-raid change
  (more assignments as tracks leave and re-enter the areas: 12->15, 19->50, 15->39,
  24->31; shots 0->0, 0->0, 4->3, 2->4); western-night's two logs are unchanged.
- both of the above together (merge of the two): a chase broken off while its approval
  was pending withdraws the request too (`out_of_area`); the four changed logs are the
  composition of the two changes.
- kill draws as common random numbers (`world.draws`): the n-th coalition (or Ukrainian)
  shot at a threat is decided by the n-th uniform of that threat's own sequence, drawn when
  the run starts, instead of the next draw of one stream in shot order. All six logs change
  at their first outcome of a kill draw and are identical before it, checked row by row on
  the perfect runs against the logs before the change: western-night row 495 (the first
  gun shot's miss becomes a kill), border-skim row 298, mass-raid row 1,330 (the second
  and sixth Ukrainian shots: a kill and a miss swap).
- an aircraft within launch range that may not fire yet holds at a standoff
  (`decide.intercept.standoff_point`, docs/design-notes.md "Steering") instead of flying
  at the target, where it sat inside the weapon's minimum range and never fired.
  western-night's two logs are unchanged (no engagement of their first 270 min waited
  within range). The other four change from the first such wait on, checked row by row
  against the logs before: border-skim perfect row 290, tracked row 288 (a Romanian
  aircraft's positions, same events); mass-raid perfect row 1,886 (the shooter's altitude
  at a shot); mass-raid tracked row 1,784, after which 6 shots and 4 kills are made
  instead of 3 and 2.
"""

from __future__ import annotations

import numpy as np
import pytest

from skyshield.model.loader import load_scenario
from skyshield.sim.run import run_scenario
from tests.sim.test_engine import events_hash

SEED = 11
DURATION_MIN = {"western-night": 270, "border-skim": 240, "mass-raid": 240}
PINNED = {
    ("western-night", "perfect"):
        "391d67d38a24331edb0a7d7739ab5e6a54d7be60bb96a8fde6c6973df2ae07c3",
    ("western-night", "tracked"):
        "afbf3ca952c653dd02ee2641c0224fb30e8bee2ef31ca2678baebf2a13c55365",
    ("border-skim", "perfect"):
        "118ebddffb9cc990ec0a33e1f3318465610fdf9e59ff529b98153c46a6061335",
    ("border-skim", "tracked"):
        "d8a54bb6710a4d85230734d3300951d2bf9bd50d22e7b9152152f245ce256779",
    ("mass-raid", "perfect"):
        "b93d43d4d1382b2681fd2fcf48aa74d9311cd73a7d706e1e4d377f2f0b826053",
    ("mass-raid", "tracked"):
        "31216bf60b073700c9f33b6145b59678fe30e622ebb398a21b32937235206ca7",
}


@pytest.fixture(scope="session")
def pinned_runs():
    """One run per (scenario, picture), shared by every test that reads them."""
    cache = {}

    def get(name: str, picture: str):
        if (name, picture) not in cache:
            sc = load_scenario(name).model_copy(update={"duration_min": DURATION_MIN[name]})
            cache[name, picture] = run_scenario(sc, seed=SEED, picture=picture)
        return cache[name, picture]

    return get


@pytest.mark.parametrize(("name", "picture"), sorted(PINNED))
def test_event_log_hash_is_pinned(pinned_runs, name, picture):
    r = pinned_runs(name, picture)
    # the shortened runs reach the engagements: approvals were asked and weapons fired
    kinds = set(r.events.kind)
    assert "approval" in kinds and ("shot" in kinds or "gbad_shot" in kinds)
    assert events_hash(r) == PINNED[name, picture]


@pytest.mark.parametrize(("name", "picture"), sorted(PINNED))
def test_every_sortie_lasts_a_minute_at_least(pinned_runs, name, picture):
    """A scramble leads to flight: no landing within a minute of a take-off."""
    e = pinned_runs(name, picture).events
    ev = e[e.kind.isin(["scramble", "land"])].sort_values(["aircraft", "t"], kind="stable")
    took = ev.kind.to_numpy() == "scramble"
    same = ev.aircraft.to_numpy()[1:] == ev.aircraft.to_numpy()[:-1]
    pair = same & took[:-1] & ~took[1:]  # a take-off followed by that aircraft's landing
    assert took.sum() > 0
    flown = ev.t.to_numpy()[1:][pair] - ev.t.to_numpy()[:-1][pair]
    assert (flown >= 60.0).all(), f"sorties of {sorted(flown)[:3]} s"


@pytest.mark.parametrize(("name", "picture"), sorted(PINNED))
def test_no_approval_arrives_for_an_engagement_that_ended(pinned_runs, name, picture):
    """Against the world's own events: no approval comes after its aircraft went home
    (bingo, landed); each request gets at most one answer, approval or withdrawal. (The
    logs before the withdrawal had three such approvals in the border-skim runs.)"""
    e = pinned_runs(name, picture).events
    ended = {"bingo", "land"}
    checked = 0
    for r in e[e.kind == "approval_request"].itertuples():
        later = e[e.t >= r.t]
        mine = later[(later.aircraft == r.aircraft) & (later.track == r.track)]
        nxt = later[(later.aircraft == r.aircraft) & (later.kind == "approval_request")
                    & (later.index > r.Index)]
        until = nxt.t.iloc[0] if len(nxt) else np.inf  # this request's answers come before
        ans = mine[mine.kind.isin(["approval", "approval_withdrawn"]) & (mine.t <= until)]
        assert len(ans) <= 1, ans
        if not len(ans) or ans.kind.iloc[0] != "approval":
            continue
        t1 = ans.t.iloc[0]
        between = later[later.t < t1]
        assert not len(between[(between.aircraft == r.aircraft) & between.kind.isin(ended)])
        checked += 1
    assert checked > 0
