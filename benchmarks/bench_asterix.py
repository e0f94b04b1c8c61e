"""ASTERIX CAT048 throughput: libasterix encode and decode (+ georeferencing) per plot, against
an independent decoder (pyasteryx) reading the same bytes, and against the load the live
server must carry (2,000 tracks from 4 radars at a 10 s scan: 800 plots per second).

CPU time (`time.process_time`), A/B runs interleaved, best of and spread over the rounds.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np

EPOCH = datetime(2025, 11, 20, 19, 0, tzinfo=UTC)
N = 2_000  # plots per round (one scan of 2,000 tracks)
ROUNDS = 5
SERVER_LOAD = 2_000 * 4 / 10.0  # plots per second the live server must ingest [1/s]


def plots(sites, n: int):
    from skyshield.geo.frame import THEATRE
    from skyshield.interop.asterix import Plots

    rng = np.random.default_rng(0)
    sensor = rng.integers(0, len(sites), n)
    t = np.sort(rng.uniform(0, 3600, n))
    _, _, _, sx = sites.antenna_lla(t, sensor)
    az, r = rng.uniform(0, 2 * np.pi, n), rng.uniform(5e3, 400e3, n)
    z = sx + np.c_[r * np.sin(az), r * np.cos(az), np.zeros(n)]
    z[:, 2] = rng.uniform(0, 12_000, n)
    del THEATRE
    return Plots.from_arrays(t, sensor, z, np.broadcast_to(np.eye(3), (n, 3, 3)))


def cpu(f) -> float:
    t = time.process_time()
    f()
    return time.process_time() - t


def main() -> None:
    import pyasteryx

    from skyshield.interop.asterix import RadarSites, _lib, decode, encode_cat048
    from skyshield.model.loader import load_scenario

    t_import = cpu(_lib)
    sites = RadarSites.from_scenario(load_scenario("western-night"))
    p = plots(sites, N)
    dgs = encode_cat048(p, sites, EPOCH).datagrams
    ref = pyasteryx.Decoder()
    enc, dec, peer = [], [], []
    for _ in range(ROUNDS):  # interleaved A/B/C
        enc.append(cpu(lambda: encode_cat048(p, sites, EPOCH)))
        dec.append(cpu(lambda: decode(dgs, sites, EPOCH, 1800.0)))
        peer.append(cpu(lambda: [ref.decode(d) for d in dgs]))

    def line(name: str, ts: list[float]) -> str:
        b = min(ts)
        return (f"{name:<38} {b / N * 1e6:7.1f} us/plot  {N / b:8,.0f} plots/s  "
                f"spread {(max(ts) - b) / b:5.1%}  x{N / b / SERVER_LOAD:5.1f} the server load")

    print(f"libasterix import: {t_import:.2f} s CPU (once, lazily)")
    print(f"{N} CAT048 plots in {len(dgs)} datagrams, {ROUNDS} interleaved rounds, CPU time")
    print(line("encode (libasterix + geometry)", enc))
    print(line("decode (libasterix + georeference)", dec))
    print(line("decode, peer (pyasteryx, no geometry)", peer))
    print(f"decode / peer: {min(dec) / min(peer):.1f}x the time")


if __name__ == "__main__":
    main()
