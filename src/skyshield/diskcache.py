"""On-disk cache of deterministic set-up results (zones, distance tables, sample sets).

Some set-up work of a run depends only on the shipped data and its arguments (a zone
grown from a border, a distance table to a set of borders): the same bytes every time,
at a cost of up to a second per process. `cached(name, key, compute, dump, load)` stores
such a result in the user's cache folder (`$SKYSHIELD_CACHE_DIR`, else
`$XDG_CACHE_HOME/skyshield`, else `~/.cache/skyshield`) under a key that also holds the
package version and the size and time of the shipped data files, so a new release or
new data never reads an old entry. Anything that goes wrong with the folder (read-only,
full, a damaged entry) falls back to computing: the cache can only save time, never
change a result.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

__all__ = ["cache_dir", "cached"]

T = TypeVar("T")


def cache_dir() -> Path:
    """The folder holding the cache entries (not necessarily existing yet)."""
    env = os.environ.get("SKYSHIELD_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "skyshield"


@lru_cache(maxsize=1)
def _stamp() -> str:
    """Package version plus size and modification time of every shipped data file."""
    from skyshield import __version__

    data = Path(__file__).parent / "data"
    parts = [__version__]
    for f in sorted(data.glob("*")):
        st = f.stat()
        parts.append(f"{f.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def cached(
    name: str,
    key: str,
    compute: Callable[[], T],
    dump: Callable[[T], bytes],
    load: Callable[[bytes], T],
) -> T:
    """`compute()`, or its earlier result stored under (name, key, data stamp)."""
    if os.environ.get("SKYSHIELD_NO_CACHE"):
        return compute()
    digest = hashlib.sha256(f"{name}|{key}|{_stamp()}".encode()).hexdigest()[:32]
    path = cache_dir() / f"{name}-{digest}.bin"
    try:
        return load(path.read_bytes())
    except Exception:  # noqa: BLE001 - missing or unreadable entry: compute it
        pass
    value = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(dump(value))
        os.replace(tmp, path)  # atomic: concurrent runs never read a half-written entry
    except OSError:
        pass
    return value
