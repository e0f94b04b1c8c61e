"""A scramble leads to flight, and no sortie is shorter than a minute (issue 9 fix).

Before the fix, an alert aircraft whose engagement ended during its scramble (a false
track dropped) took off straight into return-to-base, landed in the same step and was
counted as a sortie of a few seconds.
"""

from __future__ import annotations

import numpy as np

from skyshield.contracts import AircraftState as S
from skyshield.world.aircraft import MIN_SORTIE_S, Fleet


def fleet(n: int = 1) -> Fleet:
    base = np.zeros((n, 3))
    return Fleet(nation=np.array(["POL"] * n), squadron=np.zeros(n, np.int64),
                 ac_type=np.zeros(n, np.int64), base=base, cruise_ms=np.full(n, 230.0),
                 dash_ms=np.full(n, 400.0), endurance_s=np.full(n, 3 * 3600.0),
                 rounds_full=np.full((n, 1), 2, np.int64), alert_delay_s=np.full(n, 300.0),
                 turnaround_s=np.full(n, 1800.0))


def fly(fl: Fleet, seconds: float, dt: float = 5.0) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"took_off": [], "landed": []}
    for k in range(int(seconds / dt)):
        ch = fl.step(dt)
        for key in out:
            if len(ch[key]):
                out[key].append((k + 1) * dt)
    return out


def test_engagement_ended_during_the_scramble_stands_the_aircraft_down():
    fl = fleet()
    fl.state[:] = S.ALERT
    a = np.array([0])
    fl.station[a] = -1
    fl.launch(a, S.INTERCEPT, np.array([300.0]))
    fl.intercept(a, np.array([7]), np.array([[100_000.0, 0.0, 5000.0]]))
    fly(fl, 100.0)
    fl.release(a)  # the (false) track was dropped before take-off
    ev = fly(fl, 600.0)
    assert ev["took_off"] == [] and ev["landed"] == []
    assert fl.state[0] == S.ALERT and fl.sorties[0] == 0 and fl.flight_s[0] == 0.0


def test_aircraft_turned_back_just_after_take_off_flies_a_minute_at_least():
    fl = fleet()
    fl.state[:] = S.ALERT
    a = np.array([0])
    fl.launch(a, S.INTERCEPT, np.array([10.0]))
    fl.intercept(a, np.array([7]), np.array([[100_000.0, 0.0, 5000.0]]))
    ev = fly(fl, 10.0)
    assert ev["took_off"] == [10.0]
    fl.release(a)  # no station: home
    ev = fly(fl, 600.0)
    assert len(ev["landed"]) == 1 and fl.sorties[0] == 1
    assert fl.flight_s[0] >= MIN_SORTIE_S
