"""The tamper-evident audit log: entries as RFC 6962 Merkle leaves, signed checkpoints.

Every entry (plot batch, proposal, approval, denial, expiry, withdrawal, order) is
canonical JSON that names its own sequence number; it is appended as the next leaf of a
`MerkleTree`, and the checkpoint of the new size (origin, size, root) is signed with the
server's Ed25519 key and stored with the entry, in the same committed transaction. So
each entry carries the signed root of the log up to and including itself: `verify_log`
recomputes the tree from the stored entries and names the first entry that was changed,
removed, inserted or moved; a checkpoint kept outside the database (by a nation's client,
or the ``.checkpoint`` file the server writes beside its key) also catches a truncated log
and a forged checkpoint.

Checkpoint text (signed, UTF-8)::

    skyshield audit log <origin>
    <size>
    <base64 root>
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from skyshield.server.merkle import (
    MerkleTree,
    ProofError,
    leaf_hash,
    verify_consistency,
)
from skyshield.server.store import AuditRow, Store

__all__ = [
    "KINDS",
    "AuditLog",
    "Checkpoint",
    "Finding",
    "canonical",
    "load_or_create_key",
    "verify_checkpoint_consistency",
    "verify_log",
]

KINDS = ("start", "plots", "proposal", "approval", "denial", "expiry", "withdrawal", "order",
         "note")


def canonical(obj: Any) -> bytes:
    """Canonical JSON bytes (sorted keys, no spaces, no NaN): the leaf of an entry."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False,
                      ensure_ascii=False).encode()


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _unb64(s: str) -> bytes:
    return base64.b64decode(s.encode(), validate=True)


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the log's size and root."""

    origin: str
    size: int
    root: bytes
    sig: bytes

    @staticmethod
    def text(origin: str, size: int, root: bytes) -> bytes:
        """The signed bytes."""
        return f"skyshield audit log {origin}\n{size}\n{_b64(root)}\n".encode()

    def verify(self, key: Ed25519PublicKey) -> bool:
        """True when the signature is the key's over this checkpoint."""
        try:
            key.verify(self.sig, self.text(self.origin, self.size, self.root))
            return True
        except InvalidSignature:
            return False

    def to_json(self) -> dict[str, Any]:
        """JSON form (base64 root and signature)."""
        return {"origin": self.origin, "size": self.size, "root": _b64(self.root),
                "sig": _b64(self.sig)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Checkpoint:
        """From the JSON form; raises ValueError on a malformed one."""
        try:
            return cls(str(d["origin"]), int(d["size"]), _unb64(d["root"]), _unb64(d["sig"]))
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"malformed checkpoint: {e}") from None


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The server's signing key from a PEM file, created (mode 0600) if missing."""
    path = Path(path)
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path}: not an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return key


def public_pem(key: Ed25519PublicKey) -> str:
    """PEM text of a public key."""
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id(key: Ed25519PublicKey) -> str:
    """Short id of a public key (first 8 bytes of the SHA-256 of its raw bytes, hex)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass
class AuditLog:
    """The append-only log of one server: a Merkle tree mirrored in the store."""

    store: Store
    key: Ed25519PrivateKey
    origin: str
    checkpoint_file: Path | None = None  # latest checkpoint, written outside the database
    tree: MerkleTree = field(default_factory=MerkleTree)
    lock: threading.Lock = field(default_factory=threading.Lock)
    last: Checkpoint | None = None
    _written: int = -1  # size of the checkpoint last written to checkpoint_file

    @classmethod
    def open(cls, store: Store, key: Ed25519PrivateKey, origin: str,
             checkpoint_file: Path | None = None) -> AuditLog:
        """Load the stored log (checking it first: a server never appends to a broken log)."""
        log = cls(store, key, origin, checkpoint_file)
        pub = key.public_key()
        stored_pub = store.get_meta("audit_public_key")
        if stored_pub is None:
            store.set_meta("audit_public_key", public_pem(pub))
            store.set_meta("audit_origin", origin)
        elif stored_pub != public_pem(pub):
            raise ValueError("the database's audit log was signed with another key")
        else:
            log.origin = store.get_meta("audit_origin") or origin
        rows = store.audit_rows()
        findings = verify_log(rows, pub, log.origin)
        if findings:
            raise ValueError(f"audit log does not verify: {findings[0]}")
        for r in rows:
            log.tree.append(r.data)
        if rows:
            log.last = Checkpoint(log.origin, len(rows), rows[-1].root, rows[-1].sig)
        return log

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The key clients pin."""
        return self.key.public_key()

    def __len__(self) -> int:
        """Entries in the log."""
        return len(self.tree)

    def append(self, kind: str, payload: dict[str, Any],
               extra: Callable[[int], Sequence[tuple[str, Sequence[Any]]]] | None = None,
               durable: bool = True) -> tuple[int, Checkpoint]:
        """Append an entry, committed with `extra(seq)` side-table rows; (seq, checkpoint).

        Returns once the entry is committed (and, if `durable`, on disk)."""
        if kind not in KINDS:
            raise ValueError(f"unknown audit kind {kind!r}")
        with self.lock:
            seq = len(self.tree)
            entry = {"seq": seq, "kind": kind, "utc": round(time.time(), 3), **payload}
            data = canonical(entry)
            self.tree.append(data)
            root = self.tree.root()
            sig = self.key.sign(Checkpoint.text(self.origin, seq + 1, root))
            try:
                self.store.append_audit(AuditRow(seq, kind, data, root, sig),
                                        extra(seq) if extra else (), durable)
            except BaseException:
                self.tree.truncate(seq)
                raise
            self.last = Checkpoint(self.origin, seq + 1, root, sig)
            return seq, self.last

    def checkpoint(self) -> Checkpoint:
        """The latest signed checkpoint (an empty log: size 0, signed now)."""
        if self.last is None:
            root = self.tree.root(0)
            return Checkpoint(self.origin, 0, root,
                              self.key.sign(Checkpoint.text(self.origin, 0, root)))
        return self.last

    def write_checkpoint_file(self) -> None:
        """Write the latest checkpoint beside the key (atomically), if it changed."""
        cp = self.last
        if self.checkpoint_file is None or cp is None or cp.size == self._written:
            return
        tmp = self.checkpoint_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(cp.to_json()))
        os.replace(tmp, self.checkpoint_file)
        self._written = cp.size

    def entries(self, start: int, end: int) -> list[dict[str, Any]]:
        """Entries [start, end) as stored (base64 data, so clients can hash them)."""
        return [{"seq": r.seq, "kind": r.kind, "data": _b64(r.data)}
                for r in self.store.audit_rows(start, end)]


# ---------------------------------------------------------------------------- verify
@dataclass(frozen=True)
class Finding:
    """One problem in a log: what, and the first entry concerned (None: the log as a whole)."""

    kind: str  # changed | removed | inserted | reordered | truncated | forged_checkpoint | bad
    seq: int | None
    message: str

    def __str__(self) -> str:
        return self.message


def _entry_seq(data: bytes) -> int | None:
    try:
        v = json.loads(data)
        return int(v["seq"]) if isinstance(v, dict) else None
    except (ValueError, KeyError, TypeError):
        return None


def verify_log(rows: Sequence[AuditRow], key: Ed25519PublicKey, origin: str,
               checkpoints: Sequence[Checkpoint] = ()) -> list[Finding]:
    """Check a whole log; the first problem found (empty list: the log verifies).

    Rows are taken in stored order. For each position p the entry must name seq p, the
    stored seq column must be p, the recomputed root must equal the stored one and the
    stored signature must be the key's over the checkpoint of size p + 1. At the first
    position that fails, the pattern of entry sequence numbers around it tells a changed
    entry from a removed, an inserted or a moved one. Then every outside `checkpoints`
    (a client's, the checkpoint file) must carry a valid signature and match the log's
    root at its size, and no checkpoint may be larger than the log (truncation).
    """
    tree = MerkleTree()
    named = [_entry_seq(r.data) for r in rows]
    for p, r in enumerate(rows):
        tree.append_hash(leaf_hash(r.data))
        root = tree.root()
        cp = Checkpoint(origin, p + 1, r.root, r.sig)
        if named[p] == p and r.seq == p and root == r.root and cp.verify(key):
            continue
        return [_classify(p, rows, named)]
    n = len(rows)
    for cp in checkpoints:
        if not cp.verify(key) or cp.origin != origin:
            return [Finding("forged_checkpoint", None,
                            f"checkpoint of size {cp.size} is not signed by the log's key "
                            f"(forged or altered)")]
        if cp.size > n:
            return [Finding("truncated", n,
                            f"log truncated: {n} entries, but a signed checkpoint covers "
                            f"{cp.size}; entry {n} is the first missing")]
        if tree.root(cp.size) != cp.root:
            return [Finding("changed", None,
                            f"checkpoint of size {cp.size} does not match the log's root at "
                            f"that size: the log was rewritten")]
    return []


def _classify(p: int, rows: Sequence[AuditRow], named: list[int | None]) -> Finding:
    """Name what happened at the first bad position p."""
    d = named[p]
    later = named[p + 1:]
    if d is None:
        return Finding("changed", p, f"entry {p} changed: not a readable entry")
    if d > p:
        if p in later:
            return Finding("reordered", p, f"entry {p} moved: position {p} holds entry {d}, "
                           f"entry {p} is at position {p + 1 + later.index(p)}")
        return Finding("removed", p, f"entry {p} removed: position {p} holds entry {d}")
    if d < p:
        if d in named[:p]:
            return Finding("inserted", p, f"an entry was inserted at position {p} "
                           f"(it repeats number {d})")
        return Finding("reordered", d, f"entry {d} moved to position {p}")
    if later and later[0] == p:  # the original entry p follows: this one was slipped in
        return Finding("inserted", p, f"an entry was inserted at position {p}")
    if rows[p].seq != p:
        return Finding("reordered", p, f"entry {p} stored under number {rows[p].seq}")
    return Finding("changed", p, f"entry {p} changed (kind {rows[p].kind!r}): its content "
                   "no longer matches the signed root")


def verify_checkpoint_consistency(old: Checkpoint, new: Checkpoint, proof: list[bytes],
                                  key: Ed25519PublicKey) -> None:
    """What a nation's client does on reconnect: both signed, and new extends old."""
    if not old.verify(key):
        raise ProofError("the stored checkpoint's signature is invalid")
    if not new.verify(key):
        raise ProofError("the server's checkpoint is not signed by the pinned key")
    if old.size == 0:
        return
    verify_consistency(old.size, new.size, old.root, new.root, proof)
