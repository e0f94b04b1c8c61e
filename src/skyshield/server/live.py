"""The live mission: the simulation's picture and decision core, run on the server's clock.

`LiveMission` is the only place the server wires stages together (DESIGN.md):

    plots (ingest) -> Picture.update -> Tracks -> assess -> Decider.step -> Orders -> forces

- `ingest(plots, ...)` is the one way in for detections, whatever carried them (JSON over
  HTTP or WebSocket today; ASTERIX over UDP later): it audits the batch and wakes the loop.
- The picture thread updates the picture as soon as plots arrive and at least every
  `picture_period_s` of real time; the decision thread runs the decision core every
  `decide_period_s` of scenario time (as the simulation does) on the latest picture. The
  two are apart so that a slow assessment (about 0.5 s of CPU for 2,000 tracks) never
  delays the picture.
- Every message it produces (picture, proposal, decision, order) goes to the
  `on_message` hooks (the WebSocket broadcaster is one; a Cursor-on-Target sender can be
  another).

The picture and decision objects are the simulation's (`Tracker`, `Decider`); the only
server-specific piece is the approver, which waits for a person.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from skyshield.contracts import Plots
from skyshield.decide.assess import assess_tracks
from skyshield.geo.frame import THEATRE
from skyshield.model.library import ThreatClass
from skyshield.model.scenario import Scenario
from skyshield.picture.tracker import Tracker
from skyshield.picture.tracks import Tracks
from skyshield.server.audit import AuditLog
from skyshield.server.clock import ExerciseClock
from skyshield.server.timing import Timings, profiled

__all__ = ["LiveConfig", "LiveMission"]

CLASS_NAMES = [c.value for c in ThreatClass]
Hook = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class LiveConfig:
    """Pacing of the live loop."""

    picture_period_s: float = 1.0  # longest real time between two pictures [s]
    decide_period_s: float = 5.0  # scenario time between two decision steps [s]
    assess_period_s: float = 15.0  # scenario time between two assessments of every track [s]
    max_pending_plots: int = 200_000  # plots waiting for the picture before ingest refuses


def _r(a: np.ndarray, nd: int) -> list:
    """Rounded list of an array (JSON size)."""
    return np.round(np.asarray(a, float), nd).tolist()


@dataclass
class LiveMission:
    """Picture and decisions of one exercise, fed by `ingest`, read through hooks."""

    scenario: Scenario
    audit: AuditLog
    clock: ExerciseClock
    picture: Any = None  # a `Picture` (default: the simulation's Tracker)
    core: Any = None  # the decision wiring (`DecisionCore`), None: picture only
    config: LiveConfig = field(default_factory=LiveConfig)
    hooks: list[Hook] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)  # where the time goes, per stage
    # state
    tracks: Tracks = field(default_factory=Tracks.empty)
    tracks_t: float = 0.0
    assessment: dict[str, Any] | None = None
    n_plots: int = 0
    steps: int = 0
    last_step_s: float = 0.0  # CPU time of the last picture step [s]
    _pending: list[tuple[Plots, list[str], float]] = field(default_factory=list)
    _n_pending: int = 0
    # the picture thread alone waits on _wake (a notify() on a condition that the decision
    # thread waited on too could wake that one instead, and leave plots waiting for the
    # picture period: up to 1 s); the decision thread sleeps on _stopping
    _wake: threading.Condition = field(default_factory=threading.Condition)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _stop: bool = False
    _threads: list[threading.Thread] = field(default_factory=list)
    _last_decide: float = -np.inf
    decide_s: float = 0.0  # CPU time of the last decision step [s]
    _assessed: Any = None  # the last assessment of every track
    _last_assess: float = -np.inf
    lock: threading.RLock = field(default_factory=threading.RLock)
    thread_cpu: dict[str, float] = field(default_factory=dict)  # CPU of each thread so far [s]

    def __post_init__(self) -> None:
        if self.picture is None:
            self.picture = Tracker()

    # ----------------------------------------------------------------- the seams
    def on_message(self, hook: Hook) -> None:
        """Call `hook(message)` for every message the mission publishes (from its thread)."""
        self.hooks.append(hook)

    def publish(self, msg: dict[str, Any]) -> None:
        """Hand a message to every hook."""
        for h in self.hooks:
            h(msg)

    def ingest(self, plots: Plots, source: str = "", client: str = "",
               rejected: dict[str, int] | None = None, digest: str | None = None,
               batch_id: str | None = None) -> int:
        """Take a batch of valid plots (theatre frame, `Plots`), audit it, wake the loop.

        Returns the audit sequence number of the batch. Raises OverflowError when the
        picture is too far behind (the caller answers 503; nothing is changed).
        """
        n = len(plots)
        w0, c0 = time.perf_counter(), time.thread_time()
        with self._wake:
            if self._n_pending + n > self.config.max_pending_plots:
                raise OverflowError("the picture is behind: too many plots waiting")
        sensors = np.unique(plots.sensor, return_counts=True) if n else ([], [])
        if digest is None:
            h = hashlib.sha256()
            for a in (plots.t, plots.sensor, plots.z, plots.R):
                h.update(np.ascontiguousarray(a).tobytes())
            digest = h.hexdigest()
        seq, _ = self.audit.append("plots", {
            "t": round(self.clock.now(), 3), "source": source[:80], "client": client[:80],
            "n": n, "sensors": {str(int(s)): int(c) for s, c in zip(*sensors, strict=True)},
            "rejected": rejected or {}, "sha256": digest,
            "t_first": float(plots.t.min()) if n else None,
            "t_last": float(plots.t.max()) if n else None}, durable=False)
        self.timings.add("ingest.audit", time.perf_counter() - w0, time.thread_time() - c0)
        if n:
            with self._wake:
                self._pending.append((plots, [batch_id] if batch_id else [],
                                      time.perf_counter()))
                self._n_pending += n
                self._wake.notify()
        return seq

    # ----------------------------------------------------------------- the loop
    def start(self) -> None:
        """Start the picture thread and (with a decision core) the decision thread."""
        self._stop = False
        self._stopping.clear()
        self._threads = [threading.Thread(target=self._run, name="live-picture", daemon=True)]
        if self.core is not None:
            self._threads.append(threading.Thread(target=self._run_decide, name="live-decide",
                                                  daemon=True))
        for th in self._threads:
            th.start()

    def stop(self) -> None:
        """Stop the threads (waits for the steps in progress)."""
        with self._wake:
            self._stop = True
            self._stopping.set()
            self._wake.notify_all()
        for th in self._threads:
            th.join(timeout=10)

    def _run_decide(self) -> None:
        with profiled("decide"):
            self._decide_loop()

    def _decide_loop(self) -> None:
        while not self._stop:
            t = self.clock.now()
            if t < self._last_decide:  # the exercise clock was set back
                self._last_decide = -np.inf
            wait = self._last_decide + self.config.decide_period_s - t
            if wait > 0:
                self._stopping.wait(min(wait / max(self.clock.rate, 1e-6), 0.5))
                continue
            self._last_decide = t
            try:
                w0, c0 = time.perf_counter(), time.thread_time()
                self.decide(t)
                self.decide_s = time.thread_time() - c0
                self.timings.add("decide.step", time.perf_counter() - w0, self.decide_s)
                self.thread_cpu["decide"] = time.thread_time()
            except Exception as e:  # noqa: BLE001 - the loop must survive; say what failed
                self.publish({"type": "error", "t": t, "error": f"{type(e).__name__}: {e}"})
                time.sleep(0.2)

    def _run(self) -> None:
        with profiled("picture"):
            self._picture_loop()

    def _picture_loop(self) -> None:
        while True:
            with self._wake:
                if not self._pending and not self._stop:
                    self._wake.wait(self.config.picture_period_s)
                if self._stop:
                    return
                batch, self._pending, self._n_pending = self._pending, [], 0
            if batch:  # how long the oldest plots waited for this step
                self.timings.add("picture.wait", time.perf_counter() - batch[0][2])
            try:
                self.step(batch)
            except Exception as e:  # noqa: BLE001 - the loop must survive; say what failed
                self.publish({"type": "error", "t": self.clock.now(),
                              "error": f"{type(e).__name__}: {e}"})
                time.sleep(0.2)
            self.thread_cpu["picture"] = time.thread_time()

    def step(self, batch: list[tuple[Plots, list[str], float]] | None = None,
             t: float | None = None) -> None:
        """One picture update with the given plots at time t (default: now)."""
        tm = self.timings
        with self.lock:
            c0 = time.thread_time()
            t = self.clock.now() if t is None else t
            plots = Plots.concat([b[0] for b in batch or []])
            ids = [i for b in batch or [] for i in b[1]]
            self.n_plots += len(plots)
            with tm.time("picture.track"):
                tracks = self.picture.update(plots, t).confirmed_only()
            self.tracks, self.tracks_t = tracks, t
            self.steps += 1
            with tm.time("picture.build"):
                msg = self.picture_message(t, ids)
            self.last_step_s = time.thread_time() - c0
        with tm.time("picture.publish"):  # encode once, hand to the loop (and other hooks)
            self.publish(msg)

    def decide(self, t: float) -> None:
        """Assess the latest picture, run the decision core, publish what it decided."""
        with self.lock:
            tracks, tracks_t = self.tracks, self.tracks_t
        if t - self._last_assess >= self.config.assess_period_s or t < self._last_assess:
            # every track, for the operators (the core asks its own questions itself)
            self._last_assess = t
            with self.timings.time("decide.assess"):
                self._assessed = assess_tracks(tracks, tracks_t) if len(tracks) else None
            a = self._assessed
            self.assessment = _assessment_json(a) if a is not None else None
        for msg in self.core.step(tracks, tracks_t, t, self._assessed):
            self.publish(msg)

    # ----------------------------------------------------------------- messages
    def picture_message(self, t: float, batch_ids: list[str] | None = None) -> dict[str, Any]:
        """The current picture as one JSON-ready message (columns, degrees and metres)."""
        tr = self.tracks
        lat, lon, alt = THEATRE.to_lla(tr.x[:, :3]) if len(tr) else (np.zeros(0),) * 3
        v = tr.x[:, 3:6]
        sig = np.sqrt(np.maximum(tr.P[:, 0, 0] + tr.P[:, 1, 1], 0.0)) if len(tr) else v[:, 0]
        msg: dict[str, Any] = {
            "type": "picture", "t": round(t, 3), "utc": time.time(),
            "batches": batch_ids or [],
            "tracks": {
                "number": tr.number.tolist(), "lat": _r(lat, 5), "lon": _r(lon, 5),
                "alt": _r(alt, 0), "vx": _r(v[:, 0], 1), "vy": _r(v[:, 1], 1),
                "x_km": _r(tr.x[:, 0] / 1000, 2), "y_km": _r(tr.x[:, 1] / 1000, 2),
                "cls": tr.cls.tolist(), "cls_conf": _r(tr.cls_conf, 2),
                "sigma_m": _r(sig, 0),
            },
            "assessment": self.assessment,
        }
        if self.core is not None:
            msg["aircraft"] = self.core.aircraft_json(t)
        return msg

    def state(self) -> dict[str, Any]:
        """The current state for a client that (re)joins: picture, queue, clock."""
        with self.lock:
            out = {"picture": self.picture_message(self.tracks_t),
                   "clock": self.clock.to_json()}
            if self.core is not None:
                out["engagements"] = [p.to_json() for p in self.core.approver.recent()]
            return out


def _assessment_json(a: Any) -> dict[str, Any]:
    """The assessment columns the page and clients show (heading where, when, how likely)."""
    return {
        "t": a.t, "number": a.number.tolist(), "p_nato": _r(a.p_nato, 3),
        "country": a.country.tolist(), "next_country": a.next_country.tolist(),
        "t_next_country_s": [None if not np.isfinite(v) else round(float(v), 0)
                             for v in a.t_next_country],
        "heading_for": a.heading_places[:, 0].tolist(), "value": _r(a.value, 2),
    }
