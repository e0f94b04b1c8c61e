"""Where the live path's time goes: wall and CPU per stage, and an optional profiler.

`Timings` keeps the last samples of each stage of the plot-in -> picture-out path (parse,
audit, waiting for the picture thread, tracker update, message build and encoding, the hop
onto the event loop, each client's queue and send) and of the decision step, with the
thread CPU of each; `/healthz` serves them and `benchmarks/bench_server.py` prints them.
A stage whose wall time is far above its CPU time waited: for a core (a loaded machine)
or for the GIL (another thread of the server running).

The garbage collector's passes are timed too (``gc.gen2``): a full pass over the objects
of every imported library stops all threads for about 100 ms of CPU, so the server moves
what exists once it has started into the permanent generation (`freeze_heap`).

``SKYSHIELD_PROFILE=DIR`` makes the server profile its picture thread, its decision
thread and its event loop with cProfile, written to ``DIR/<thread>.pstats`` when it stops.
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["PROFILE_ENV", "Timings", "freeze_heap", "profiled"]

PROFILE_ENV = "SKYSHIELD_PROFILE"


class Timings:
    """The last `keep` (wall, cpu) samples of each stage [s], thread-safe."""

    def __init__(self, keep: int = 4_000) -> None:
        """Bounded memory: `keep` samples per stage."""
        self.keep = keep
        self._s: dict[str, deque[tuple[float, float, float]]] = {}  # (end, wall, cpu)
        self._n: dict[str, int] = {}
        self.lock = threading.Lock()
        self._gc: deque[tuple[str, float, float]] = deque(maxlen=keep)  # collector passes

    def add(self, stage: str, wall: float, cpu: float = float("nan")) -> None:
        """One sample of a stage."""
        with self.lock:
            self._put(stage, time.perf_counter(), wall, cpu)

    def _put(self, stage: str, end: float, wall: float, cpu: float) -> None:
        d = self._s.get(stage)
        if d is None:
            d = self._s[stage] = deque(maxlen=self.keep)
            self._n[stage] = 0
        d.append((end, wall, cpu))
        self._n[stage] += 1

    def _take_gc(self) -> None:
        """Move the collector's passes into the stages (with the lock held)."""
        while self._gc:
            stage, end, wall = self._gc.popleft()
            self._put(stage, end, wall, float("nan"))

    @contextlib.contextmanager
    def time(self, stage: str) -> Iterator[None]:
        """Time the block (wall clock, and this thread's CPU)."""
        w, c = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.add(stage, time.perf_counter() - w, time.thread_time() - c)

    def watch_gc(self) -> Callable[[], None]:
        """Time the garbage collector's passes too (stages gc.gen0..2: a pass stops every
        thread); returns the callable that stops watching."""
        started: list[float] = []

        def cb(phase: str, info: dict[str, Any]) -> None:
            # runs in whichever thread allocated, maybe inside `add` holding the lock: no
            # lock here, only an append (atomic) that `add` and the readers take in later
            if phase == "start":
                started[:] = [time.perf_counter()]
            elif started:
                end = time.perf_counter()
                self._gc.append((f"gc.gen{info.get('generation', '?')}", end, end - started[0]))

        gc.callbacks.append(cb)
        return lambda: gc.callbacks.remove(cb) if cb in gc.callbacks else None

    def clear(self) -> None:
        """Forget every sample (a benchmark phase starts)."""
        with self.lock:
            self._s.clear()
            self._n.clear()
            self._gc.clear()

    def samples(self, since_s: float = 10.0) -> dict[str, list[list[float]]]:
        """The raw samples of the last `since_s` seconds: per stage [end, wall, cpu], the end
        on the server's perf_counter [s] (to see what overlapped a slow one)."""
        t0 = time.perf_counter() - since_s
        with self.lock:
            self._take_gc()
            return {k: [[round(e, 4), round(w, 5), round(c, 5)] for e, w, c in v if e >= t0]
                    for k, v in self._s.items()}

    def to_json(self) -> dict[str, dict[str, Any]]:
        """Per stage: samples, wall median / p99 / mean and CPU median / mean [ms]."""
        with self.lock:
            self._take_gc()
            items = [(k, np.array(v, float), self._n[k]) for k, v in self._s.items()]
        out = {}
        for k, a, n in sorted(items):
            w, c = a[:, 1] * 1e3, a[:, 2] * 1e3
            cpu = c[np.isfinite(c)]
            out[k] = {"n": n, "wall_med": round(float(np.median(w)), 3),
                      "wall_p99": round(float(np.percentile(w, 99)), 3),
                      "wall_mean": round(float(w.mean()), 3),
                      "cpu_med": round(float(np.median(cpu)), 3) if cpu.size else None,
                      "cpu_mean": round(float(cpu.mean()), 3) if cpu.size else None}
        return out


def freeze_heap() -> int:
    """Collect once, then leave everything alive now (modules, the scenario, the compiled
    kernels: about 250,000 objects) out of all later collections; returns their number."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


@contextlib.contextmanager
def profiled(name: str) -> Iterator[None]:
    """Profile this thread's work inside the block when ``SKYSHIELD_PROFILE`` names a folder."""
    folder = os.environ.get(PROFILE_ENV)
    if not folder:
        yield
        return
    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        Path(folder).mkdir(parents=True, exist_ok=True)
        prof.dump_stats(str(Path(folder) / f"{name}.pstats"))
