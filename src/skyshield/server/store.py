"""The server's database: SQLite in WAL mode (embedded default) or PostgreSQL (psycopg 3).

One `Store` per process, used from one writer at a time (a lock): the audit log is a
sequence, and its appends must be serialised anyway. Every write is one transaction that
is committed before the call returns; SQLite runs with ``synchronous=FULL`` and PostgreSQL
with its default ``synchronous_commit=on``, so what a call returned is on disk (an
acknowledged approval survives a killed server).

Tables:

- ``audit(seq, kind, data, root, sig)``: the log's entries in order; ``data`` the canonical
  JSON of the entry (the Merkle leaf), ``root`` the tree root after it, ``sig`` the Ed25519
  signature of the checkpoint of that size;
- ``decisions(seq, engagement, nation, username, action, t, track, aircraft, detail)``:
  approvals, denials, expiries and withdrawals, the same facts as their audit entries,
  for queries;
- ``users(name, nation, role, hash)``: operator accounts (argon2 hashes, never passwords);
- ``meta(key, value)``: small settings (the log's public key, its origin).

Plot batches are committed without waiting for the disk (``synchronous=NORMAL`` /
``synchronous_commit=off`` for that transaction: they survive a killed server, and reach
the disk with the next durable commit); everything else waits for the disk.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["AuditRow", "Store", "StoreError", "open_store"]

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS audit (seq BIGINT PRIMARY KEY, kind TEXT NOT NULL, "
    "data {blob} NOT NULL, root {blob} NOT NULL, sig {blob} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS decisions (seq BIGINT PRIMARY KEY, engagement BIGINT NOT NULL, "
    "nation TEXT NOT NULL, username TEXT NOT NULL, action TEXT NOT NULL, t DOUBLE PRECISION, "
    "track BIGINT, aircraft BIGINT, detail TEXT)",
    "CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, nation TEXT, role TEXT NOT NULL, "
    "hash TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
]


class StoreError(RuntimeError):
    """The database cannot be opened or written (the message says which and why)."""


@dataclass(frozen=True)
class AuditRow:
    """One stored audit entry."""

    seq: int
    kind: str
    data: bytes
    root: bytes
    sig: bytes


class Store:
    """A database connection with the server's tables; every method is one transaction."""

    url: str
    paramstyle = "?"

    def __init__(self) -> None:
        """Only subclasses are built (`open_store`)."""
        self.lock = threading.RLock()

    # ------------------------------------------------------------- backend hooks
    def _conn(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        return sql if self.paramstyle == "?" else sql.replace("?", "%s")

    @contextmanager
    def transaction(self, durable: bool = True) -> Iterator[Any]:
        """A cursor inside one committed transaction (rolled back on error).

        `durable`: the commit is flushed to disk before it returns (fsync); otherwise it
        survives a killed process but may wait for the next durable commit to reach the
        disk (used for plot batches; approvals and every decision are durable).
        """
        with self.lock:
            conn = self._conn()
            self._sync(conn, durable)
            cur = conn.cursor()
            try:
                yield _Cursor(cur, self._sql)
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                cur.close()

    def _sync(self, conn: Any, durable: bool) -> None:  # pragma: no cover - overridden
        """Set the durability of the next commit."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Rows of a read-only query."""
        with self.transaction() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def close(self) -> None:  # pragma: no cover - overridden
        """Close the connection."""

    # ------------------------------------------------------------- the tables
    def init(self) -> None:
        """Create the tables if they are missing."""
        blob = "BLOB" if self.paramstyle == "?" else "BYTEA"
        with self.transaction() as cur:
            for stmt in SCHEMA:
                cur.execute(stmt.format(blob=blob))

    def append_audit(self, row: AuditRow, extra: Sequence[tuple[str, Sequence[Any]]] = (),
                     durable: bool = True) -> None:
        """Append one audit entry and its side tables in one committed transaction."""
        with self.transaction(durable) as cur:
            cur.execute("INSERT INTO audit (seq, kind, data, root, sig) VALUES (?, ?, ?, ?, ?)",
                        (row.seq, row.kind, row.data, row.root, row.sig))
            for sql, params in extra:
                cur.execute(sql, params)

    def audit_rows(self, start: int = 0, end: int | None = None) -> list[AuditRow]:
        """Audit entries with start <= seq < end, in seq order."""
        if end is None:
            rows = self.query("SELECT seq, kind, data, root, sig FROM audit WHERE seq >= ? "
                              "ORDER BY seq", (start,))
        else:
            rows = self.query("SELECT seq, kind, data, root, sig FROM audit WHERE seq >= ? "
                              "AND seq < ? ORDER BY seq", (start, end))
        return [AuditRow(int(r[0]), r[1], bytes(r[2]), bytes(r[3]), bytes(r[4])) for r in rows]

    def get_meta(self, key: str) -> str | None:
        """A setting, or None."""
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a setting (insert or replace)."""
        with self.transaction() as cur:
            cur.execute("DELETE FROM meta WHERE key = ?", (key,))
            cur.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))

    def put_user(self, name: str, nation: str | None, role: str, hash_: str) -> None:
        """Create or replace an account."""
        with self.transaction() as cur:
            cur.execute("DELETE FROM users WHERE name = ?", (name,))
            cur.execute("INSERT INTO users (name, nation, role, hash) VALUES (?, ?, ?, ?)",
                        (name, nation, role, hash_))

    def get_user(self, name: str) -> tuple[str, str | None, str, str] | None:
        """(name, nation, role, hash) of an account, or None."""
        rows = self.query("SELECT name, nation, role, hash FROM users WHERE name = ?", (name,))
        return tuple(rows[0]) if rows else None  # type: ignore[return-value]

    def decisions(self, nation: str | None = None) -> list[dict[str, Any]]:
        """Recorded approvals, denials, expiries and withdrawals (optionally of one nation),
        in order."""
        sql = ("SELECT seq, engagement, nation, username, action, t, track, aircraft, detail "
               "FROM decisions")
        rows = (self.query(sql + " WHERE nation = ? ORDER BY seq", (nation,)) if nation
                else self.query(sql + " ORDER BY seq"))
        keys = ("seq", "engagement", "nation", "user", "action", "t", "track", "aircraft",
                "detail")
        return [dict(zip(keys, r, strict=True)) for r in rows]


class _Cursor:
    """A DB-API cursor whose SQL uses ? placeholders on every backend."""

    def __init__(self, cur: Any, sql: Any) -> None:
        self._cur, self._sqlf = cur, sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cur.execute(self._sqlf(sql), tuple(params))

    def fetchall(self) -> list[tuple]:
        return self._cur.fetchall()


class SQLiteStore(Store):
    """SQLite file in WAL mode with full fsync on commit."""

    def __init__(self, path: Path) -> None:
        """Open (create) the file."""
        super().__init__()
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA busy_timeout=5000")
        except (sqlite3.Error, OSError) as e:
            raise StoreError(f"cannot open SQLite database {self.path}: {e}") from None

    def _conn(self) -> Any:
        return _SQLiteTx(self.conn)

    def _sync(self, conn: Any, durable: bool) -> None:
        if durable != getattr(self, "_durable", True):
            self.conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        self._durable = durable

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.conn.close()


class _SQLiteTx:
    """The sqlite3 connection in autocommit mode, with explicit BEGIN / COMMIT."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def cursor(self) -> sqlite3.Cursor:
        cur = self.conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        return cur

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")


class PostgresStore(Store):
    """A PostgreSQL database through psycopg 3 (synchronous commit)."""

    paramstyle = "%s"

    def __init__(self, url: str) -> None:
        """Connect."""
        super().__init__()
        import psycopg

        self.url = url
        try:
            self.conn = psycopg.connect(url, connect_timeout=5)
        except psycopg.Error as e:
            raise StoreError(f"cannot connect to PostgreSQL at {_redact(url)}: "
                             f"{str(e).strip()}") from None

    def _conn(self) -> Any:
        return self.conn

    def _sync(self, conn: Any, durable: bool) -> None:
        if not durable:  # this transaction only (SET LOCAL); the default commits are synchronous
            conn.execute("SET LOCAL synchronous_commit = off")

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.conn.close()


def _redact(url: str) -> str:
    """The URL without its password."""
    head, sep, tail = url.partition("@")
    if not sep or "://" not in head:
        return url
    scheme, _, cred = head.partition("://")
    return f"{scheme}://{cred.split(':')[0]}:***@{tail}"


def open_store(url: str | Path) -> Store:
    """A store for a URL: ``postgresql://...``, ``sqlite:///path`` or a plain file path."""
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        store: Store = PostgresStore(text)
    elif text.startswith("sqlite:///"):
        store = SQLiteStore(Path(text[len("sqlite:///"):]))
    elif "://" in text:
        raise StoreError(f"unknown database URL {text!r}: expected postgresql://... or a file")
    else:
        store = SQLiteStore(Path(text))
    store.init()
    return store
