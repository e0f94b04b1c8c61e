"""Benchmark country_of on 1e6 points vs plain shapely.contains_xy over every country polygon.

Run: ``python benchmarks/bench_country_of.py``. Prints times and the speedup; both methods are
measured in this process on the same points, and their answers are checked to be identical.
"""

from __future__ import annotations

import time

import numpy as np
import shapely

from skyshield.geo.borders import borders

N = 1_000_000


def reference(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Plain shapely: test every (prepared) country polygon, first hit wins."""
    b = borders()
    out = np.full(lat.shape, "", dtype="<U3")
    for iso, geom in b.geometry.items():
        out[shapely.contains_xy(geom, lon, lat) & (out == "")] = iso
    return out


def best_of(fn, *args, repeat: int = 3) -> tuple[float, np.ndarray]:  # noqa: ANN001
    """Fastest wall time of `repeat` calls and the last result."""
    times, res = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = fn(*args)
        times.append(time.perf_counter() - t0)
    return min(times), res


def main() -> None:
    """Time both methods on the theatre box and on the wider map."""
    b = borders()
    t0 = time.perf_counter()
    b.country_of(50.0, 24.0)  # builds the lookup grid once
    print(f"grid build: {time.perf_counter() - t0:.3f} s, shape {b._grid.code.shape}")
    rng = np.random.default_rng(0)
    for label, (la0, la1, lo0, lo1) in {
        "theatre box 43-57N 13-42E": (43, 57, 13, 42),
        "near the western border 47-52N 21-26E": (47, 52, 21, 26),
    }.items():
        lat, lon = rng.uniform(la0, la1, N), rng.uniform(lo0, lo1, N)
        t_fast, fast = best_of(b.country_of, lat, lon)
        t_ref, ref = best_of(reference, lat, lon, repeat=1)
        assert np.array_equal(fast, ref), "country_of differs from shapely"
        print(
            f"{label}: country_of {t_fast * 1e3:.1f} ms for {N:,} points, "
            f"shapely.contains_xy {t_ref * 1e3:.1f} ms, speedup x{t_ref / t_fast:.1f} (identical)"
        )


if __name__ == "__main__":
    main()
