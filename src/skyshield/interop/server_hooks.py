"""Start-up hooks that plug ASTERIX in and Cursor-on-Target out into the live server.

The server (`server.app.ServerConfig.on_start`) calls each hook with its running `Server`
inside its event loop; a hook starts its part and returns the function that stops it.
They use only the server's two seams: `srv.mission.ingest(plots, source=...)` for plots
and `srv.mission.on_message(hook)` for what the mission publishes.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

from skyshield.model.scenario import Scenario

__all__ = ["asterix_listener", "cot_sender"]


def asterix_listener(scenario: Scenario, host: str, port: int
                     ) -> Callable[[Any], Callable[[], None]]:
    """Hook: an ASTERIX CAT048/CAT062 UDP ingest on (host, port) feeding the mission.

    The socket is bound here, before the server starts, so a port in use is an `OSError`
    the caller reports (no traceback from inside the web server's start-up); the ingest's
    counters are at ``srv.asterix.stats``.
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise OSError(f"ASTERIX port udp://{host}:{port}: {e.strerror or e}") from None

    def start(srv: Any) -> Callable[[], None]:
        from skyshield.interop.asterix import AsterixIngest, RadarSites, _lib

        _lib()  # import libasterix now, not on the first datagram
        proto = AsterixIngest(RadarSites.from_scenario(scenario), scenario.epoch,
                              srv.clock.now,
                              lambda plots, src: srv.mission.ingest(plots, source=src))
        loop = asyncio.get_running_loop()
        loop.create_task(loop.create_datagram_endpoint(lambda: proto, sock=sock))
        srv.asterix = proto

        def stop() -> None:
            proto.close()
            sock.close()

        return stop

    return start


def cot_sender(scenario: Scenario, to: str) -> Callable[[Any], Callable[[], None]]:
    """Hook: the mission's picture and pending engagements as CoT to `to` (udp:// or tcp://)."""

    def start(srv: Any) -> Callable[[], None]:
        from skyshield.interop.cot_live import CotPublisher

        pub = CotPublisher(to, scenario.epoch, prefix=f"skyshield.{scenario.name}")
        srv.mission.on_message(pub)
        return pub.close

    return start
