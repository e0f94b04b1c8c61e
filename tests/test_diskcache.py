"""The on-disk set-up cache: computes once, reloads the same value, survives bad entries."""

from __future__ import annotations

import numpy as np

from skyshield import diskcache


def _io():  # noqa: ANN202 - (dump, load) of float arrays
    return (lambda a: np.asarray(a, np.float64).tobytes(),
            lambda b: np.frombuffer(b, np.float64).copy())


def test_computed_once_then_loaded(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SKYSHIELD_CACHE_DIR", str(tmp_path))
    calls = []

    def compute() -> np.ndarray:
        calls.append(1)
        return np.array([1.5, np.pi, -0.0])

    a = diskcache.cached("t", "k", compute, *_io())
    b = diskcache.cached("t", "k", compute, *_io())
    assert calls == [1] and a.tobytes() == b.tobytes()  # the same bits, computed once
    c = diskcache.cached("t", "other key", compute, *_io())
    assert calls == [1, 1] and np.array_equal(a, c)


def test_bad_entry_or_folder_falls_back_to_computing(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SKYSHIELD_CACHE_DIR", str(tmp_path))
    diskcache.cached("t", "k", lambda: np.array([2.0]), *_io())
    for f in tmp_path.iterdir():
        f.write_bytes(b"garbage")  # a damaged entry (wrong size for the loader below)

    def load(b: bytes) -> np.ndarray:
        if len(b) != 8:
            raise ValueError("damaged")
        return np.frombuffer(b, np.float64)

    assert diskcache.cached("t", "k", lambda: np.array([3.0]), _io()[0], load)[0] == 3.0
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("SKYSHIELD_CACHE_DIR", str(blocked / "sub"))
    assert diskcache.cached("t", "k", lambda: np.array([4.0]), *_io())[0] == 4.0
