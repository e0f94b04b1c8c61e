"""Benchmark the theatre frame: worst distance error vs the WGS84 geodesic, and transform speed.

Run: ``python benchmarks/bench_frame.py``. Draws 100k random point pairs in the box 43-57 N,
13-42 E that are up to 1,500 km apart, compares the straight-line distance in the frame with
the geodesic (pyproj.Geod = GeographicLib) and prints the worst relative error; then times
1e6-point forward/inverse transforms against the geodesic inverse on the same points.
"""

from __future__ import annotations

import time

import numpy as np

from skyshield.geo import geodesy
from skyshield.geo.frame import THEATRE, minimax_parallels

PAIRS = 100_000


def random_pairs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """n random pairs inside the box whose geodesic distance is at most 1,500 km."""
    have = 0
    chunks = []
    while have < n:
        la1, la2 = rng.uniform(43, 57, (2, 2 * n))
        lo1, lo2 = rng.uniform(13, 42, (2, 2 * n))
        d = geodesy.distance(la1, lo1, la2, lo2)
        keep = (d <= 1.5e6) & (d > 1.0)
        chunks.append(np.stack([la1[keep], lo1[keep], la2[keep], lo2[keep], d[keep]]))
        have += int(keep.sum())
    return tuple(np.concatenate(chunks, axis=1)[:, :n])


def main() -> None:
    """Print the worst and typical error, and transform timings."""
    rng = np.random.default_rng(0)
    la1, lo1, la2, lo2, d = random_pairs(PAIRS, rng)
    plane = np.linalg.norm(THEATRE.to_xy(la2, lo2) - THEATRE.to_xy(la1, lo1), axis=-1)
    rel = plane / d - 1.0
    i = int(np.argmax(np.abs(rel)))
    _, _, k_err = minimax_parallels(43.0, 57.0)
    print(f"frame: {THEATRE.proj4}")
    print(f"point scale error bound over the box: {k_err * 100:.3f} %")
    print(
        f"{PAIRS:,} pairs <= 1,500 km: max |error| {abs(rel[i]) * 100:.3f} % "
        f"(pair {la1[i]:.2f},{lo1[i]:.2f} -> {la2[i]:.2f},{lo2[i]:.2f}, {d[i] / 1e3:.0f} km), "
        f"mean |error| {np.abs(rel).mean() * 100:.3f} %, ratio to the 0.5 % budget "
        f"{abs(rel[i]) / 0.005:.2f}"
    )
    lat, lon = rng.uniform(43, 57, 1_000_000), rng.uniform(13, 42, 1_000_000)
    t0 = time.perf_counter()
    xyz = THEATRE.to_xyz(lat, lon, 1000.0)
    t1 = time.perf_counter()
    THEATRE.to_lla(xyz)
    t2 = time.perf_counter()
    geodesy.inverse(lat, lon, lat[::-1], lon[::-1])
    t3 = time.perf_counter()
    print(
        f"1e6 points: to_xyz {(t1 - t0) * 1e3:.0f} ms, to_lla {(t2 - t1) * 1e3:.0f} ms; "
        f"geodesic inverse on the same points {(t3 - t2) * 1e3:.0f} ms "
        f"(to_xyz is x{(t3 - t2) / (t1 - t0):.1f} faster)"
    )


if __name__ == "__main__":
    main()
