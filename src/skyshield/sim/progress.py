"""The one progress display of a study, owned by the driver (workers never print).

On a terminal: a rich bar with runs done of total, failed runs, runs per minute and the
time left. Elsewhere (a log, CI, a pipe): a plain line every `every_s` seconds and at the
end, e.g. ``study coalition-options: 40/140 runs, 1 failed, 12.3 runs/min, ~8 min left``.
"""

from __future__ import annotations

import sys
import time
from typing import IO


class StudyProgress:
    """Counts finished runs and shows them; `advance(ok)` after each run, `close()` at the end."""

    def __init__(self, name: str, total: int, done: int = 0, stream: IO[str] | None = None,
                 every_s: float = 10.0, tty: bool | None = None) -> None:
        self.name, self.total, self.done, self.failed = name, total, done, 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every_s = every_s
        self.t0 = self._last = time.monotonic()
        self.new = 0  # runs finished in this session (the rate ignores resumed ones)
        self._bar = None
        if self.tty:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(TextColumn("[bold]study {task.fields[name]}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                                 console=Console(file=self.stream), transient=False)
            self._task = self._bar.add_task("", total=total, completed=done, name=name,
                                            info=self._info())
            self._bar.start()

    def _info(self) -> str:
        el = time.monotonic() - self.t0
        rate = self.new / el * 60 if el > 0 and self.new else 0.0
        left = (self.total - self.done) / rate if rate > 0 else None
        when = "time left unknown" if left is None else f"~{_minutes(left)} left"
        return f"{self.failed} failed · {rate:.1f} runs/min · {when}"

    def line(self) -> str:
        """The status as one plain line."""
        return f"study {self.name}: {self.done}/{self.total} runs, {self._info()}".replace(
            " · ", ", ")

    def advance(self, ok: bool) -> None:
        """One more run finished (`ok` False: it failed)."""
        self.done += 1
        self.new += 1
        self.failed += not ok
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, info=self._info())
        elif time.monotonic() - self._last >= self.every_s:
            self._last = time.monotonic()
            print(self.line(), file=self.stream, flush=True)

    def close(self) -> None:
        """Stop the bar (or print the final line)."""
        if self._bar is not None:
            self._bar.update(self._task, info=self._info())
            self._bar.stop()
        else:
            print(self.line(), file=self.stream, flush=True)


def _minutes(m: float) -> str:
    if m < 1:
        return f"{m * 60:.0f} s"
    return f"{m:.0f} min" if m < 120 else f"{m / 60:.1f} h"
