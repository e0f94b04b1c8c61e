"""Short-cuts of the loop and of raid generation against the plain computations they skip."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshield.world import routes
from skyshield.world.aircraft import keep_outside


def _loop(xyz: np.ndarray, circles: np.ndarray) -> np.ndarray:
    """Push each point out of each circle in turn, radially (the definition)."""
    out = xyz.copy()
    for cx, cy, r in circles:
        for i in range(len(out)):
            dx, dy = out[i, 0] - cx, out[i, 1] - cy
            d = float(np.hypot(dx, dy))
            if d < r:
                f = r / max(d, 1e-6)
                out[i, 0], out[i, 1] = cx + dx * f, cy + dy * f
    return out


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 12), st.integers(0, 5),
       st.floats(0.0, 1.0))
def test_keep_outside_matches_the_loop(seed: int, n: int, k: int, spread: float) -> None:
    rng = np.random.default_rng(seed)
    xyz = rng.uniform(-1.0, 1.0, (n, 3)) * [50e3, 50e3, 5e3]
    circles = np.c_[rng.uniform(-1.0, 1.0, (k, 2)) * 50e3 * spread,
                    rng.uniform(1e3, 30e3, k)]
    got = keep_outside(xyz, circles)
    assert got.tobytes() == _loop(xyz, circles).tobytes()  # the same bits, pushed or not
    d = np.hypot(got[:, 0, None] - circles[:, 0], got[:, 1, None] - circles[:, 1])
    if k == 1:  # one circle: nobody left inside it
        assert (d >= circles[:, 2] * (1 - 1e-12)).all()


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 8))
def test_nearest_ring_is_the_min_over_rings(seed: int, k: int) -> None:
    """The ring pruned by its box is the one `min` picks projecting on every ring (ties
    included: rings repeated, points on a ring's own vertices)."""
    rng = np.random.default_rng(seed)
    rings = []
    for _ in range(k):
        c = rng.uniform(-1.0, 1.0, 2) * 3e5
        ang = np.sort(rng.uniform(0.0, 2 * np.pi, rng.integers(3, 40)))
        xy = c + np.c_[np.cos(ang), np.sin(ang)] * rng.uniform(1e3, 5e4)
        xy = np.vstack([xy, xy[:1]])
        rings.append((xy, routes._arc(xy)))
    if k > 2:
        rings[2] = rings[0]  # an exact tie: the first of equals wins
    rings_t = tuple(rings)
    boxes = np.array([[*c.min(axis=0), *c.max(axis=0)] for c, _ in rings_t])
    for _ in range(5):
        p, q = rng.uniform(-1.0, 1.0, (2, 2)) * 4e5
        if rng.random() < 0.3:
            p = rings_t[-1][0][0].copy()  # on a vertex
        want = min(rings_t, key=lambda r: routes._project(*r, p)[1] + routes._project(*r, q)[1])
        assert routes._nearest_ring(rings_t, boxes, p, q) is want
