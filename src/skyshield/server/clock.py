"""The exercise clock: scenario time on the server, from its own monotonic clock.

``t = t0 + rate * (monotonic() - wall0)``. A live deployment runs at rate 1; an exercise
played faster (a recorded raid at x10) sets the rate, and exercise staff may set the time.
Every picture and decision is stamped with this clock, never with a time a client sends.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

__all__ = ["ExerciseClock"]

MAX_RATE = 100.0  # fastest exercise clock [-]


@dataclass
class ExerciseClock:
    """Scenario seconds as a linear function of the server's monotonic clock."""

    t0: float = 0.0  # scenario time at wall0 [s]
    rate: float = 1.0  # scenario seconds per real second [-]
    wall0: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now(self) -> float:
        """Current scenario time [s]."""
        with self.lock:
            return self.t0 + self.rate * (time.monotonic() - self.wall0)

    def set(self, t: float | None = None, rate: float | None = None) -> None:
        """Jump to scenario time `t` and/or change the rate (keeps continuity otherwise)."""
        if rate is not None and not 0.0 < rate <= MAX_RATE:
            raise ValueError(f"clock rate {rate}: expected 0 < rate <= {MAX_RATE:g}")
        now = time.monotonic()
        with self.lock:
            cur = self.t0 + self.rate * (now - self.wall0)
            self.t0 = cur if t is None else float(t)
            self.rate = self.rate if rate is None else float(rate)
            self.wall0 = now

    def to_json(self) -> dict[str, float]:
        """{t, rate} now."""
        return {"t": self.now(), "rate": self.rate}
