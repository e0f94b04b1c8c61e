"""Where a study's runs execute: a Dask cluster (local or remote), or this process.

One interface, `Runner.unordered(fn, tasks)`, yields ``(task, record, error)`` as runs
finish, whatever the back end:

- `DaskRunner(workers=K)`: a `distributed.LocalCluster` of K single-threaded worker
  processes on this machine (K defaults to every core);
- `DaskRunner(address="tcp://host:8786")`: the same code on an existing Dask cluster (its
  workers need skyshield installed);
- `InlineRunner()`: in this process, one run after the other (debugging, notebooks, tests).

Dask does the distribution: a worker process that dies is restarted by its nanny and its
run is tried again elsewhere; a run that keeps killing workers ends as a `KilledWorker`
error, recorded as that run's failure, and the study goes on. Only as many runs as there are
worker threads are in flight at once: the scheduler's memory does not grow with the study's
size, and a worker that dies takes no innocent queued run down with it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

Result = tuple[Any, dict[str, Any] | None, BaseException | None]


class Runner(Protocol):
    """Runs `fn(task)` for every task, yielding results as they finish."""

    workers: int

    def unordered(self, fn: Callable[[Any], dict], tasks: Iterable[Any]) -> Iterator[Result]:
        ...

    def close(self) -> None:
        ...


class InlineRunner:
    """Every run in this process, in order."""

    workers = 1

    def unordered(self, fn: Callable[[Any], dict], tasks: Iterable[Any]) -> Iterator[Result]:
        for task in tasks:
            try:
                yield task, fn(task), None
            except Exception as e:  # the worker function itself failed
                yield task, None, e

    def close(self) -> None:
        pass


class DaskRunner:
    """Runs on a Dask cluster: a new `LocalCluster` of `workers` processes, or `address`."""

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        from distributed import Client, LocalCluster

        self.cluster = None
        if address is None:
            n = workers or os.cpu_count() or 1
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                        dashboard_address=":0", silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
            self.client.wait_for_workers(n, timeout=120)
        else:
            _reachable(address)
            try:
                self.client = Client(address, timeout="20s")
            except (OSError, TimeoutError) as e:
                raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {e}") \
                    from None
        self.workers = max(1, sum(self.client.nthreads().values()))

    def unordered(self, fn: Callable[[Any], dict], tasks: Iterable[Any]) -> Iterator[Result]:
        from distributed import as_completed

        todo = iter(tasks)
        window = self.workers  # one run per worker thread: a dying worker hits one run
        pending: dict[Any, Any] = {}

        def submit() -> bool:
            task = next(todo, None)
            if task is None:
                return False
            fut = self.client.submit(fn, task, pure=False,
                                     key=f"skyshield-run-{task.option}-{task.run}-{id(task)}")
            pending[fut.key] = (fut, task)
            queue.add(fut)
            return True

        queue = as_completed()
        for _ in range(window):
            if not submit():
                break
        try:
            for fut in queue:
                task = pending.pop(fut.key)[1]
                if fut.status == "finished":
                    yield task, fut.result(), None
                else:
                    yield task, None, fut.exception()
                fut.release()
                submit()
        finally:  # interrupted or done: nothing may stay queued on the cluster
            if pending:
                self.client.cancel([f for f, _ in pending.values()])
            pending.clear()
            queue.clear()

    def close(self) -> None:
        quiet = logging.getLogger("distributed")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # no INFO lines about workers retiring at shutdown
        try:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        finally:
            quiet.setLevel(level)


def _reachable(address: str, timeout_s: float = 5.0) -> None:
    """Fail at once, in one line, when a tcp:// scheduler address refuses connections (the
    Dask client would retry for its whole timeout first)."""
    import socket
    from urllib.parse import urlsplit

    if "://" not in address:
        address = "tcp://" + address
    u = urlsplit(address)
    if u.scheme != "tcp" or u.hostname is None or u.port is None:
        return  # other transports (tls, ucx, inproc): left to the client
    try:
        socket.create_connection((u.hostname, u.port), timeout=timeout_s).close()
    except OSError as e:
        raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {e}") from None


def make_runner(workers: int | None = None, dask: str | None = None) -> Runner:
    """The runner for `--workers K` / `--dask ADDRESS` (workers=0: in this process)."""
    if dask:
        return DaskRunner(address=dask)
    if workers == 0:
        return InlineRunner()
    return DaskRunner(workers=workers)
