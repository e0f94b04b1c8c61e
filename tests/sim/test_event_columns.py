"""The event log's columns: the short-cut of `_column` against `np.broadcast_to`."""

from __future__ import annotations

import numpy as np
import pytest

from skyshield.sim.events import _column


@pytest.mark.parametrize("v", [1.5, 7, "scramble", None, np.nan, np.int8(3), np.array(2.0),
                               np.arange(4), np.array(["a", "bb", "c", "d"]), np.ones(1),
                               np.zeros(4, bool), np.array([None] * 4, dtype=object)])
def test_column_equals_broadcast(v: object) -> None:
    """Every kind of value a record passes: the same dtype and values as broadcast_to."""
    n = 4
    ref = np.broadcast_to(np.asarray(v), (n,))
    got = _column(v, n)
    assert got.shape == ref.shape and got.dtype == ref.dtype
    assert [repr(x) for x in got.tolist()] == [repr(x) for x in ref.tolist()]
