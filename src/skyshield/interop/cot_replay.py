"""Replay a finished run as Cursor-on-Target, for exercises without a live server.

Every replay sample time of the run folder (10 s) becomes one picture sent to the target:

- tracks: the run's tracked picture (`trajectories` rows of kind ``track``), or, for a run
  flown with the perfect picture, the threats under their ids as track numbers;
- their assessment (`decide.assess.assess`, the same code the live decide stage runs:
  next country, entry time, NATO probability, likeliest place), on nominal covariances;
- coalition aircraft in the air;
- engagements waiting for national approval (from ``approval_request`` to ``approval``, or
  to ``approval_withdrawn`` when the engagement ended first).

Velocities come from the neighbouring samples. The replay is bounded: it ends at the run's
last sample (or `until_s`), at `speed` times real time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from skyshield.geo.frame import THEATRE
from skyshield.interop.cot import (
    DEFAULT_STALE_S,
    CotObjects,
    CotSender,
    aircraft_objects,
    engagement_objects,
    picture_events,
    sleep_until,
    track_objects,
)
from skyshield.report.rundir import RunData, load_run

__all__ = ["ReplayStats", "replay_cot", "replay_frames"]

NOMINAL_SIGMA = (200.0, 10.0)  # position / velocity sigma of replayed tracks [m, m/s]
STATE_NAMES = ("ready", "alert", "scramble", "transit", "patrol", "intercept", "rtb",
               "turnaround")  # AircraftState order, for the remarks


@dataclass
class ReplayStats:
    """What a replay sent."""

    frames: int = 0
    events: int = 0
    errors: int = 0
    tracks: int = 0  # distinct track uids
    wall_s: float = 0.0


def _with_velocity(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(t, id, xyz, vel) of trajectory rows, velocity by differences with the next sample."""
    rows = rows.sort_values(["id", "t"], kind="stable")
    t = rows["t"].to_numpy(np.float64)
    ids = rows["id"].to_numpy(np.int64)
    xyz = THEATRE.to_xyz(rows["lat"].to_numpy(np.float64), rows["lon"].to_numpy(np.float64),
                         rows["alt"].to_numpy(np.float64))
    vel = np.zeros_like(xyz)
    if t.size > 1:
        same = ids[1:] == ids[:-1]
        dt = np.where(same, np.diff(t), 1.0)
        fwd = np.where(same[:, None], np.diff(xyz, axis=0) / dt[:, None], 0.0)
        vel[:-1] = fwd
        # the last sample of an object keeps the velocity of the step before it
        last = np.r_[~same, True]
        prev_ok = np.r_[False, same]
        vel[last & prev_ok] = vel[np.flatnonzero(last & prev_ok) - 1]
    return t, ids, xyz, vel


def _pending(run: RunData) -> pd.DataFrame:
    """Engagements waiting for approval: track, aircraft, nation, t0 (request), t1 (answer)."""
    ev = run.events
    cols = ["track", "aircraft", "nation", "t0", "t1"]
    if not len(ev):
        return pd.DataFrame(columns=cols)
    req = ev[ev["kind"] == "approval_request"][["t", "track", "aircraft", "nation"]]
    ans = ev[ev["kind"].isin(["approval", "approval_withdrawn", "shot"])][
        ["t", "track", "aircraft"]]
    if not len(req):
        return pd.DataFrame(columns=cols)
    m = req.merge(ans, on=["track", "aircraft"], how="left", suffixes=("", "_ans"))
    m = m[~(m["t_ans"] < m["t"])]  # answers before the request belong to earlier ones
    m = m.sort_values("t_ans").drop_duplicates(["t", "track", "aircraft"])
    t1 = m["t_ans"].fillna(m["t"] + DEFAULT_STALE_S).to_numpy(np.float64)
    return pd.DataFrame({"track": m["track"].to_numpy(np.int64),
                         "aircraft": m["aircraft"].to_numpy(np.int64),
                         "nation": m["nation"].astype(str).to_numpy(),
                         "t0": m["t"].to_numpy(np.float64), "t1": t1})


def replay_frames(run: RunData, assess: bool = True, prefix: str | None = None,
                  until_s: float | None = None):  # noqa: ANN201 - a generator of (t, objects)
    """Yield ``(t, CotObjects)`` for every replay sample time of the run, in order."""
    from skyshield.decide.assess import assess as assess_fn

    prefix = prefix or f"skyshield.{run.scenario.name}"
    tr = run.trajectories
    kinds = set(tr["kind"].unique()) if len(tr) else set()
    track_kind = "track" if "track" in kinds else "threat"
    tt, tid, txyz, tvel = _with_velocity(tr[tr["kind"] == track_kind])
    tcls = (tr[tr["kind"] == track_kind].sort_values(["id", "t"], kind="stable")["state"]
            .to_numpy(np.int64))
    at, aid, axyz, avel = _with_velocity(tr[tr["kind"] == "aircraft"])
    ast = (tr[tr["kind"] == "aircraft"].sort_values(["id", "t"], kind="stable")["state"]
           .to_numpy(np.int64))
    ac = run.aircraft.drop_duplicates("id").set_index("id")
    pend = _pending(run)
    times = np.unique(np.r_[tt, at])
    if until_s is not None:
        times = times[times <= until_s]
    t_order, a_order = np.argsort(tt, kind="stable"), np.argsort(at, kind="stable")
    t_sorted, a_sorted = tt[t_order], at[a_order]
    for t in times:
        parts: list[CotObjects] = []
        r = t_order[np.searchsorted(t_sorted, t, "left"):np.searchsorted(t_sorted, t, "right")]
        if r.size:
            x = np.c_[txyz[r], tvel[r]]
            a = (assess_fn(x, None, tcls[r], float(t), numbers=tid[r],
                           nominal_sigma=NOMINAL_SIGMA) if assess else None)
            P = np.broadcast_to(np.diag([NOMINAL_SIGMA[0] ** 2] * 3
                                        + [NOMINAL_SIGMA[1] ** 2] * 3), (r.size, 6, 6))
            parts.append(track_objects(tid[r], x, P, tcls[r], prefix=prefix, assessment=a))
        q = a_order[np.searchsorted(a_sorted, t, "left"):np.searchsorted(a_sorted, t, "right")]
        if q.size:
            nation = ac["nation"].reindex(aid[q]).fillna("").to_numpy(object)
            typ = ac["type"].reindex(aid[q]).fillna("").to_numpy(object)
            state = np.array(STATE_NAMES, object)[np.clip(ast[q], 0, len(STATE_NAMES) - 1)]
            parts.append(aircraft_objects(aid[q], nation, typ, axyz[q], avel[q], state,
                                          prefix=prefix))
            live = pend[(pend["t0"] <= t) & (t < pend["t1"])]
            if len(live) and r.size:
                tpos = dict(zip(tid[r].tolist(), range(r.size), strict=True))
                apos = dict(zip(aid[q].tolist(), range(q.size), strict=True))
                ok = [(k in tpos and j in apos) for k, j in zip(live["track"], live["aircraft"],
                                                                strict=True)]
                live = live[ok]
                if len(live):
                    ti = np.array([tpos[k] for k in live["track"]], np.int64)
                    ai = np.array([apos[k] for k in live["aircraft"]], np.int64)
                    parts.append(engagement_objects(
                        live["track"].to_numpy(), live["aircraft"].to_numpy(),
                        live["nation"].to_numpy(object), np.full(len(live), "pending", object),
                        txyz[r][ti], axyz[q][ai], prefix=prefix))
        yield float(t), CotObjects.concat(parts)


def replay_cot(
    run_dir: Path,
    to: str,
    speed: float = 10.0,
    stale_s: float | None = None,
    until_s: float | None = None,
    assess: bool = True,
    progress: Callable[[float, float], None] | None = None,
) -> ReplayStats:
    """Send a run folder's picture as CoT to `to` (udp:// or tcp://) at `speed` x real time.

    Stale times default to three replay periods at the replay speed's clock (events are
    stamped with the scenario's clock: epoch + sample time), so a client drops objects
    that stop coming.
    """
    if not speed > 0:
        raise ValueError(f"--speed must be > 0 (times real time), got {speed}")
    run = load_run(Path(run_dir))
    epoch = run.scenario.epoch
    frames = replay_frames(run, assess=assess, until_s=until_s)
    stats = ReplayStats()
    uids: set[str] = set()
    last = float(run.trajectories["t"].max()) if len(run.trajectories) else 0.0
    end = min(last, until_s) if until_s is not None else last
    t_start = time.monotonic()
    t0: float | None = None
    with CotSender(to) as sender:
        for t, objs in frames:
            t0 = t if t0 is None else t0
            sleep_until(t_start + (t - t0) / speed)
            ev = picture_events(epoch, t, [objs], stale_s=stale_s or DEFAULT_STALE_S,
                                opex="s-skyshield")
            stats.events += sender.send(ev)
            stats.frames += 1
            uids.update(u for u, ty in zip(objs.uid, objs.type, strict=True)
                        if ".track." in u and ty)
            if progress is not None:
                progress(t, end)
        stats.errors = sender.errors
    stats.tracks = len(uids)
    stats.wall_s = time.monotonic() - t_start
    return stats
