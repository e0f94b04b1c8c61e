"""`skyshield feed`: a simulated raid's radar plots played into a running server.

The raid of a scenario (or of a run folder: its scenario and seed) flies its routes and
the scenario's radars scan it, exactly as in `skyshield simulate` (same generators, same
seed), but unopposed: the feed is the world's sensors, not the world. The feed signs in
as a sensor, sets the server's exercise clock to the first scan it will play at the
requested speed, and posts each second's plots when the server's clock reaches them.
Bounded in scenario time (`minutes`), in plots (`max_plots`) and in real time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from skyshield.contracts import Plots
from skyshield.model.scenario import Scenario

if TYPE_CHECKING:
    import httpx

__all__ = ["FeedError", "FeedResult", "raid_plots", "run_feed"]

STEP_S = 1.0  # scenario time per posted batch [s]
SKIP_STEP_S = 30.0  # fast-forward step before the first detection [s]


class FeedError(Exception):
    """The feed cannot start or the server refused it (the message says why)."""


@dataclass
class FeedResult:
    """What a feed sent."""

    plots: int = 0
    batches: int = 0
    rejected: int = 0


def load_source(source: str, load: Callable[[str], Scenario]) -> tuple[Scenario, int]:
    """(scenario, seed) of a run folder (its scenario.yaml and run.json) or a scenario."""
    p = Path(source)
    if p.is_dir():
        if not (p / "scenario.yaml").is_file():
            raise FeedError(f"{p} is not a run folder (no scenario.yaml)")
        from skyshield.report.rundir import load_run

        run = load_run(p)
        return run.scenario, int(run.run.get("seed", run.scenario.seed))
    sc = load(source)
    return sc, sc.seed


def raid_plots(sc: Scenario, seed: int, start_s: float | None = None,
               minutes: float = 60.0, step_s: float = STEP_S) -> Iterator[tuple[float, Plots]]:
    """(t, plots of the scans in (t - STEP_S, t]) for the raid, unopposed, from the start
    (default: one scan period before the first detection of a threat) for `minutes`."""
    from skyshield.model.library import library
    from skyshield.sim.build import build_radars
    from skyshield.world.raid import generate_raid
    from skyshield.world.threats import ThreatStatus

    root = np.random.SeedSequence(seed)
    raid_seq, _, sense_seq = root.spawn(3)
    raid = generate_raid(sc, np.random.default_rng(raid_seq))
    sense = np.random.default_rng(sense_seq)
    th = raid.threats
    rcs = np.array([library().threat(n).rcs_m2 for n in raid.type_names], float)
    radars = build_radars(sc, rcs)
    if not len(radars):
        raise FeedError(f"scenario {sc.name} declares no radars: nothing to feed")
    t = 0.0

    def scan(t0: float, t1: float) -> Plots:
        nonlocal t
        th.step(t, t1 - t)
        t = t1
        alive = np.flatnonzero(th.status == ThreatStatus.FLYING)
        return radars.scan(t1, th.pos[alive], th.type_idx[alive], alive, sense, t_prev=t0,
                           truth_vel=th.vel[alive])

    if start_s is None:  # find the first detection of a threat (a dry run of the radars)
        start_s = _first_detection(sc, seed)
    while t < start_s:  # the scans before the start are not played
        scan(t, min(t + SKIP_STEP_S, start_s))
    end = min(sc.duration_s, start_s + minutes * 60.0)
    while t < end:
        t1 = min(t + step_s, end)
        yield t1, scan(t, t1)


def _first_detection(sc: Scenario, seed: int) -> float:
    """One scan period before the first scan that sees a threat [s]."""
    for t, p in raid_plots(sc, seed, 0.0, sc.duration_s / 60.0, step_s=SKIP_STEP_S):
        real = p.truth_id >= 0
        if real.any():
            return max(0.0, float(p.t[real].min()) - 10.0)
        del t
    raise FeedError(f"no threat of {sc.name} is ever seen by its radars")


def sign_in(http: httpx.Client, user: str, password: str) -> None:
    """Sign `http` in to the live server as `user` (its later requests carry the token)."""
    r = http.post("/api/login", json={"name": user, "password": password})
    if r.status_code != 200:
        raise FeedError(f"sign-in as {user!r} refused: {r.json().get('detail')}")
    http.headers["Authorization"] = f"Bearer {r.json()['token']}"


def set_clock(http: httpx.Client, t: float, rate: float) -> dict[str, Any]:
    """Set the server's exercise clock to scenario time `t` [s] running at `rate`."""
    r = http.post("/api/clock", json={"t": t, "rate": rate})
    if r.status_code != 200:
        raise FeedError(f"the server refused the clock: {r.text}")
    return r.json()


def password_of(user: str, password: str | None, credentials: Path | None) -> str:
    """The feed account's password: given, or read from the server's accounts file."""
    if password:
        return password
    path = credentials or Path("skyshield-server.credentials.json")
    if not path.is_file():
        raise FeedError(f"no password: give --password (or SKYSHIELD_PASSWORD) or "
                        f"--credentials (no {path})")
    for a in json.loads(path.read_text()):
        if a.get("name") == user:
            return str(a["password"])
    raise FeedError(f"{path} has no account {user!r}")


def run_feed(source: str, to: str, *, speed: float = 10.0, start_s: float | None = None,
             minutes: float = 60.0, max_plots: int = 1_000_000, user: str = "feed",
             password: str | None = None, credentials: Path | None = None,
             load: Callable[[str], Scenario], say: Callable[[str], Any] = print
             ) -> FeedResult:
    """Play the raid of `source` into the server at `to`; returns what was sent."""
    import httpx

    from skyshield.server.ingest import plots_to_wire

    sc, seed = load_source(source, load)
    pw = password_of(user, password, credentials)
    base = to.rstrip("/")
    res = FeedResult()
    wall_limit = minutes * 60.0 / speed + 60.0  # real-time bound [s]
    wall0 = time.monotonic()
    try:
        with httpx.Client(base_url=base, timeout=10.0) as http:
            sign_in(http, user, pw)
            plots_iter = raid_plots(sc, seed, start_s, minutes)
            clock_set = False
            for t, plots in plots_iter:
                if not clock_set:
                    c = set_clock(http, t - STEP_S, speed)
                    clock0, rate, mono0 = c["t"], c["rate"], time.monotonic()
                    say(f"feeding {sc.name} (seed {seed}) from t={t:.0f} s at x{speed:g} "
                        f"into {base}")
                    clock_set = True
                wait = (t - clock0) / rate - (time.monotonic() - mono0)
                if wait > 0:
                    time.sleep(wait)
                if time.monotonic() - wall0 > wall_limit:
                    break
                if not len(plots):
                    continue
                body = {"plots": plots_to_wire(plots), "source": f"feed:{sc.name}"}
                r = http.post("/api/plots", json=body)
                if r.status_code == 429:
                    time.sleep(float(r.json().get("retry_after_s", 1.0)))
                    r = http.post("/api/plots", json=body)
                if r.status_code not in (200, 422):
                    raise FeedError(f"the server refused a batch ({r.status_code}): {r.text}")
                a = r.json()
                res.plots += int(a.get("accepted", 0))
                res.rejected += int(a.get("rejected", 0))
                res.batches += 1
                if res.plots >= max_plots:
                    break
    except httpx.HTTPError as e:
        raise FeedError(f"cannot reach the server at {base}: {e}") from None
    return res
