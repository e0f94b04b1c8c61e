"""Pushing messages to many WebSocket clients: sequence numbers, backfill, no stragglers.

Every message the server pushes gets the next sequence number and is kept in a bounded
ring (`MessageLog`), so a client that reconnects asks for everything after its last number
(REST backfill) and gets it, or learns that it fell too far behind and must resync from
the current state. Each client has a bounded queue and a send timeout (`Broadcaster`): a
client that cannot keep up (its queue is full, or one send takes longer than the timeout)
is dropped, and the others never wait for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from skyshield.server.timing import Timings

__all__ = ["Broadcaster", "Client", "MessageLog"]

QUEUE_MAX = 64  # messages waiting per client before it is dropped [-]
SEND_TIMEOUT_S = 2.0  # one send longer than this drops the client [s]
# message parts that are replaced, never changed in place, and sent again and again
REUSED = ("assessment",)


class MessageLog:
    """Numbered messages, the last `keep` of them (and at most `max_bytes`) kept for backfill."""

    def __init__(self, keep: int = 2_000, max_bytes: int = 64_000_000) -> None:
        """Bounds of the ring."""
        self.keep, self.max_bytes = keep, max_bytes
        self._ring: deque[tuple[int, str, str]] = deque()  # (seq, type, text)
        self._bytes = 0
        self.seq = 0  # last number given
        self._reused: dict[str, tuple[Any, str]] = {}  # part -> (object, its JSON text)
        self.lock = threading.Lock()

    def add(self, msg: dict[str, Any]) -> tuple[int, str]:
        """Number a message (adds ``seq``), keep it; returns (seq, JSON text).

        The message is encoded once, whatever the number of clients. Parts named in
        `REUSED` (a picture's assessment: 2,000 tracks' worth, renewed every 15 s of
        exercise time while pictures go out several times a second) are encoded once per
        object and the text spliced in while the same object comes back.
        """
        with self.lock:
            self.seq += 1
            head = {"seq": self.seq, **{k: v for k, v in msg.items() if k not in REUSED}}
            text = json.dumps(head, separators=(",", ":"), allow_nan=False)
            tail = [f',"{k}":{self._encoded(k, msg[k])}' for k in REUSED if k in msg]
            if tail:
                text = text[:-1] + "".join(tail) + "}"
            self._ring.append((self.seq, msg.get("type", ""), text))
            self._bytes += len(text)
            while len(self._ring) > self.keep or (self._bytes > self.max_bytes
                                                  and len(self._ring) > 1):
                self._bytes -= len(self._ring.popleft()[2])
            return self.seq, text

    def _encoded(self, key: str, value: Any) -> str:
        """JSON text of a reused part, from the cache while `value` is the same object."""
        hit = self._reused.get(key)
        if hit is not None and hit[0] is value:
            return hit[1]
        text = json.dumps(value, separators=(",", ":"), allow_nan=False)
        self._reused[key] = (value, text)  # holds the object: its id is not reused meanwhile
        return text

    def after(self, seq: int, limit: int = 500) -> tuple[list[str], bool]:
        """JSON texts of the messages numbered > seq (up to `limit`), and whether the ring
        still held every one of them (False: the client must resync)."""
        with self.lock:
            if not self._ring:
                return [], seq >= self.seq
            first = self._ring[0][0]
            complete = seq >= first - 1
            out = [text for s, _, text in self._ring if s > seq]
            return out[:limit], complete

    @property
    def first(self) -> int:
        """Oldest number still kept (0 when empty)."""
        with self.lock:
            return self._ring[0][0] if self._ring else 0


@dataclass(eq=False)
class Client:
    """One connected WebSocket client: its queue and its sender task."""

    name: str
    send: Callable[[str], Awaitable[None]]
    close: Callable[[int, str], Awaitable[None]]
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_MAX))
    task: asyncio.Task | None = None
    dropped: str | None = None  # why it was dropped
    sent: int = 0


class Broadcaster:
    """Fan-out of numbered messages to WebSocket clients, each behind its own queue."""

    def __init__(self, log: MessageLog, send_timeout_s: float = SEND_TIMEOUT_S,
                 timings: Timings | None = None) -> None:
        """Messages are numbered by `log`; stages timed in `timings`."""
        self.log = log
        self.timings = timings or Timings()
        self.send_timeout_s = send_timeout_s
        self.clients: set[Client] = set()
        self.dropped: list[tuple[str, str]] = []  # (client, reason), most recent last
        self.loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The event loop the clients live on (publish may be called from other threads)."""
        self.loop = loop

    def publish(self, msg: dict[str, Any]) -> int:
        """Number, keep and push a message to every client; returns its number.

        Safe from any thread: the push itself runs on the event loop.
        """
        with self.timings.time("publish.encode"):
            seq, text = self.log.add(msg)
        loop = self.loop
        if loop is None or loop.is_closed():
            return seq
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._fan_out(text, time.perf_counter())
        else:
            loop.call_soon_threadsafe(self._fan_out, text, time.perf_counter())
        return seq

    def _fan_out(self, text: str, t_pub: float) -> None:
        now = time.perf_counter()
        self.timings.add("loop.hop", now - t_pub)  # waiting for the event loop to run it
        for c in list(self.clients):
            try:
                c.queue.put_nowait((text, now))
            except asyncio.QueueFull:
                self._drop(c, "too slow: its queue is full")

    def _drop(self, c: Client, why: str) -> None:
        if c.dropped:
            return
        c.dropped = why
        self.clients.discard(c)
        self.dropped.append((c.name, why))
        del self.dropped[:-100]
        if c.task is not None:
            c.task.cancel()

    async def serve(self, client: Client, backlog: list[str]) -> None:
        """Send `backlog` then live messages to one client until it goes or is dropped."""
        self.clients.add(client)
        for text in backlog:
            try:
                client.queue.put_nowait((text, time.perf_counter()))
            except asyncio.QueueFull:
                break
        client.task = asyncio.current_task()
        try:
            tm = self.timings
            while True:
                text, t_put = await client.queue.get()
                w = time.perf_counter()
                tm.add("client.queue", w - t_put)  # behind this client's earlier messages
                try:
                    await asyncio.wait_for(client.send(text), self.send_timeout_s)
                except TimeoutError:
                    self._drop(client, f"too slow: a send took over {self.send_timeout_s:g} s")
                    break
                tm.add("client.send", time.perf_counter() - w)
                client.sent += 1
        except asyncio.CancelledError:
            pass
        except Exception as e:  # noqa: BLE001 - the socket went away
            client.dropped = client.dropped or f"connection lost: {type(e).__name__}"
        finally:
            self.clients.discard(client)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.close(1013, client.dropped or "bye"), 1.0)
