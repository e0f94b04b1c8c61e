"""`skyshield feed --format asterix`: a simulated raid's plots as CAT048 radar data over UDP.

The plots are the live feed's (`server.feed.raid_plots`: the scenario's threats flying
their routes, its radars scanning them, same generators and seed as `simulate`); each
batch is encoded as CAT048 by the radar that saw it and sent to ``udp://HOST:PORT`` at
`speed` times real time. ASTERIX carries no credentials and no clock but the time of day,
as real radars do: with `server` (the live server's URL) the feed first signs in as a
sensor and sets the exercise clock to its first scan, as the JSON feed does, so the
plots arrive when the server's clock reaches them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from skyshield.interop.asterix import FeedStats, RadarSites, feed_udp
from skyshield.interop.cot import parse_target
from skyshield.model.scenario import Scenario

__all__ = ["run_asterix_feed"]

STEP_S = 1.0  # scenario time per sent batch [s]


def _clock_setter(server: str, user: str, password: str | None, credentials: Path | None,
                  speed: float) -> Callable[[float], None]:
    """A function that signs in to the live server and sets its exercise clock to t."""
    import httpx

    from skyshield.server.feed import FeedError, password_of, set_clock, sign_in

    pw = password_of(user, password, credentials)
    base = server.rstrip("/")

    def start_clock(t: float) -> None:
        try:
            with httpx.Client(base_url=base, timeout=10.0) as http:
                sign_in(http, user, pw)
                set_clock(http, t - STEP_S, speed)
        except httpx.HTTPError as e:
            raise FeedError(f"cannot reach the server at {base}: {e}") from None

    return start_clock


def run_asterix_feed(source: str, to: str, *, speed: float = 10.0, start_s: float | None = None,
                     minutes: float = 60.0, max_plots: int = 1_000_000,
                     server: str | None = None, user: str = "feed",
                     password: str | None = None, credentials: Path | None = None,
                     load: Callable[[str], Scenario], say: Callable[[str], Any] = print
                     ) -> FeedStats:
    """Play the raid of `source` (run folder or scenario) as CAT048 to ``udp://HOST:PORT``."""
    from skyshield.server.feed import FeedError, load_source, raid_plots

    try:
        tg = parse_target(to)
    except ValueError as e:
        raise FeedError(str(e)) from None
    if tg.scheme != "udp":
        raise FeedError(f"{to!r}: ASTERIX goes over UDP: expected udp://HOST:PORT")
    sc, seed = load_source(source, load)
    sites = RadarSites.from_scenario(sc)
    on_start = (_clock_setter(server, user, password, credentials, speed)
                if server else None)
    batches = raid_plots(sc, seed, start_s, minutes, step_s=STEP_S)
    say(f"feeding {sc.name} (seed {seed}) as ASTERIX CAT048 to {to} at x{speed:g}"
        + (f", exercise clock of {server}" if server else ""))
    return feed_udp(batches, sites, sc.epoch, tg.host, tg.port, speed=speed,
                    max_plots=max_plots, max_wall_s=minutes * 60.0 / speed + 60.0,
                    on_start=on_start)
