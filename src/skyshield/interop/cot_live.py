"""The live picture as Cursor-on-Target: a hook on the live server's published messages.

`CotPublisher` is called with every message the live mission publishes (the server's
`LiveMission.on_message`): on a ``picture`` it sends the tracks (with their assessment),
the coalition aircraft in the air and the engagements still waiting for approval; on a
``proposal`` / ``decision`` it keeps the queue of pending engagements. It reads only the
message (JSON columns, degrees and metres), so it needs nothing from `server/`.

Sending happens on a thread of its own behind a bounded queue: a slow or dead TAK server
never stalls the mission loop; when the queue is full the oldest picture is dropped and
counted (`dropped`), since a newer one replaces it anyway.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from skyshield.geo.frame import THEATRE
from skyshield.interop.cot import (
    DEFAULT_STALE_S,
    CotObjects,
    CotSender,
    aircraft_objects,
    engagement_objects,
    events_xml,
    track_objects,
)

__all__ = ["CotPublisher", "picture_objects"]

PENDING_STATES = ("pending", "proposed", "waiting")  # proposal states still awaiting people


class _Assessment:
    """The assessment columns of a picture message, with `Assessment`'s lookup by number."""

    def __init__(self, a: dict[str, Any]) -> None:
        self.number = np.asarray(a.get("number", []), np.int64)
        n = self.number.size
        self.next_country = np.asarray(a.get("next_country", [""] * n), object)
        t = a.get("t_next_country_s", [None] * n)
        self.t_next_country = np.array([np.inf if v is None else float(v) for v in t])
        self.p_nato = np.asarray(a.get("p_nato", [0.0] * n), float)
        self.heading_places = np.asarray(a.get("heading_for", [""] * n), object).reshape(n, 1)

    def __len__(self) -> int:
        return int(self.number.size)

    def rows_of(self, numbers: np.ndarray) -> np.ndarray:
        pos = {int(k): i for i, k in enumerate(self.number)}
        return np.array([pos.get(int(k), -1) for k in numbers], np.int64)


def _xyz(lat: Iterable[float], lon: Iterable[float], alt: Iterable[float]) -> np.ndarray:
    return THEATRE.to_xyz(np.asarray(list(lat), float), np.asarray(list(lon), float),
                          np.asarray(list(alt), float)).reshape(-1, 3)


def picture_objects(msg: dict[str, Any], pending: dict[Any, dict[str, Any]], prefix: str,
                    stale_s: float = DEFAULT_STALE_S) -> CotObjects:
    """CoT objects of one ``picture`` message and the pending engagements."""
    parts: list[CotObjects] = []
    tr = msg.get("tracks") or {}
    num = np.asarray(tr.get("number", []), np.int64)
    tpos: dict[int, np.ndarray] = {}
    if num.size:
        xyz = _xyz(tr["lat"], tr["lon"], tr["alt"])
        vel = np.c_[np.asarray(tr.get("vx", np.zeros(num.size)), float),
                    np.asarray(tr.get("vy", np.zeros(num.size)), float), np.zeros(num.size)]
        sig = np.asarray(tr.get("sigma_m", np.full(num.size, np.nan)), float)
        P = np.zeros((num.size, 6, 6))
        P[:, 0, 0] = P[:, 1, 1] = np.where(np.isfinite(sig), sig, 1e6) ** 2 / 2.0
        P[:, 2, 2] = np.where(np.isfinite(sig), sig, 1e6) ** 2
        a = msg.get("assessment")
        parts.append(track_objects(num, np.c_[xyz, vel], P, np.asarray(tr["cls"], np.int64),
                                   np.asarray(tr.get("cls_conf", np.full(num.size, np.nan)),
                                              float), prefix=prefix,
                                   assessment=_Assessment(a) if a else None))
        tpos = {int(k): xyz[i] for i, k in enumerate(num)}
    ac = msg.get("aircraft") or {}
    ids = np.asarray(ac.get("id", []), np.int64)
    apos: dict[int, np.ndarray] = {}
    if ids.size:
        up = np.asarray(ac.get("airborne", np.ones(ids.size, bool)), bool)
        xyz = _xyz(ac["lat"], ac["lon"], ac["alt"])
        label = np.asarray(ac.get("label", [""] * ids.size), object)
        nation = np.asarray(ac.get("nation", [""] * ids.size), object)
        apos = {int(k): xyz[i] for i, k in enumerate(ids)}
        if up.any():
            parts.append(aircraft_objects(ids[up], nation[up], label[up], xyz[up],
                                          np.zeros((int(up.sum()), 3)), prefix=prefix))
    live = [p for p in pending.values()
            if int(p["track"]) in tpos and int(p["aircraft"]) in apos]
    if live:
        parts.append(engagement_objects(
            np.array([p["track"] for p in live]), np.array([p["aircraft"] for p in live]),
            np.array([p.get("nation", "") for p in live], object),
            np.full(len(live), "pending", object),
            np.array([tpos[int(p["track"])] for p in live]),
            np.array([apos[int(p["aircraft"])] for p in live]), prefix=prefix))
    return CotObjects.concat(parts)


class CotPublisher:
    """A live-mission hook that sends the picture as CoT to one target (see module doc)."""

    def __init__(self, to: str, epoch: datetime, prefix: str = "skyshield",
                 stale_s: float = DEFAULT_STALE_S, max_queue: int = 8,
                 opex: str | None = None) -> None:
        self.sender = CotSender(to)
        self.epoch = epoch
        self.prefix = prefix
        self.stale_s = stale_s
        self.opex = opex
        self.pending: dict[Any, dict[str, Any]] = {}
        self.pictures = 0
        self.dropped = 0
        self._q: queue.Queue[list[bytes] | None] = queue.Queue(max_queue)
        self._thread = threading.Thread(target=self._run, name="cot-out", daemon=True)
        self._thread.start()

    def __call__(self, msg: dict[str, Any]) -> None:
        """Take one published message."""
        kind = msg.get("type")
        if kind in ("proposal", "decision"):
            e = msg.get("engagement", msg)  # the server nests the proposal's JSON
            key = e.get("id", (e.get("track"), e.get("aircraft")))
            if str(e.get("state", "pending")) in PENDING_STATES and "track" in e:
                self.pending[key] = e
            else:
                self.pending.pop(key, None)
            return
        if kind != "picture":
            return
        objs = picture_objects(msg, self.pending, self.prefix, self.stale_s)
        when = self.epoch + timedelta(seconds=float(msg.get("t", 0.0)))
        events = events_xml(objs, when, self.stale_s, self.opex)
        self.pictures += 1
        while True:
            try:
                self._q.put_nowait(events)
                return
            except queue.Full:
                try:
                    self._q.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def _run(self) -> None:
        while (events := self._q.get()) is not None:
            self.sender.send(events)

    def close(self) -> None:
        """Send what is queued, stop the thread, close the socket."""
        self._q.put(None)
        self._thread.join(timeout=10)
        self.sender.close()
