"""The audit log catches every tampering of the database, and names the first entry hit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from skyshield.server.audit import (
    AuditLog,
    Checkpoint,
    canonical,
    load_or_create_key,
    verify_checkpoint_consistency,
    verify_log,
)
from skyshield.server.merkle import ProofError, leaf_hash, verify_inclusion
from skyshield.server.store import open_store

N = 12


@pytest.fixture()
def log(tmp_path: Path) -> AuditLog:
    store = open_store(tmp_path / "a.db")
    key = load_or_create_key(tmp_path / "a.key")
    lg = AuditLog.open(store, key, "test", tmp_path / "a.checkpoint")
    for i in range(N):
        kind = ("plots", "proposal", "approval", "order")[i % 4]
        lg.append(kind, {"i": i, "nation": "POL"})
    lg.write_checkpoint_file()
    return lg


def _verify(log: AuditLog, *cps: Checkpoint):  # noqa: ANN202
    return verify_log(log.store.audit_rows(), log.public_key, log.origin, cps)


def _sql(log: AuditLog, sql: str, params=()) -> None:  # noqa: ANN001
    with log.store.transaction() as cur:
        cur.execute(sql, params)


def test_an_untouched_log_verifies_and_reopens(log: AuditLog, tmp_path: Path) -> None:
    assert _verify(log, log.checkpoint()) == []
    again = AuditLog.open(log.store, load_or_create_key(tmp_path / "a.key"), "test")
    assert len(again) == N and again.tree.root() == log.tree.root()
    saved = Checkpoint.from_json(json.loads((tmp_path / "a.checkpoint").read_text()))
    assert saved == log.checkpoint()


def test_inclusion_proofs_of_stored_entries(log: AuditLog) -> None:
    cp = log.checkpoint()
    for r in log.store.audit_rows():
        verify_inclusion(r.seq, cp.size, leaf_hash(r.data), log.tree.inclusion_proof(r.seq),
                         cp.root)


def test_modified_entry_is_named(log: AuditLog) -> None:
    row = log.store.audit_rows(5, 6)[0]
    forged = json.loads(row.data)
    forged["nation"] = "ROU"
    _sql(log, "UPDATE audit SET data = ? WHERE seq = 5", (canonical(forged),))
    (f,) = _verify(log)
    assert (f.kind, f.seq) == ("changed", 5)


def test_modified_entry_with_recomputed_root_is_named(log: AuditLog) -> None:
    """The forger recomputes the root, but cannot sign it."""
    from skyshield.server.merkle import MerkleTree

    rows = log.store.audit_rows()
    forged = json.loads(rows[7].data)
    forged["i"] = 99
    data = [r.data for r in rows]
    data[7] = canonical(forged)
    t = MerkleTree()
    for d in data:
        t.append(d)
    for s in range(7, N):
        _sql(log, "UPDATE audit SET data = ?, root = ? WHERE seq = ?",
             (data[s], t.root(s + 1), s))
    (f,) = _verify(log)
    assert (f.kind, f.seq) == ("changed", 7)


def test_removed_entry_is_named(log: AuditLog) -> None:
    _sql(log, "DELETE FROM audit WHERE seq = 4")
    (f,) = _verify(log)
    assert (f.kind, f.seq) == ("removed", 4)


def test_removed_and_renumbered_is_named(log: AuditLog) -> None:
    _sql(log, "DELETE FROM audit WHERE seq = 4")
    for s in range(5, N):
        _sql(log, "UPDATE audit SET seq = ? WHERE seq = ?", (s - 1, s))
    (f,) = _verify(log)
    assert (f.kind, f.seq) == ("removed", 4)


def test_inserted_entry_is_named(log: AuditLog) -> None:
    for s in range(N - 1, 2, -1):
        _sql(log, "UPDATE audit SET seq = ? WHERE seq = ?", (s + 1, s))
    fake = canonical({"seq": 3, "kind": "approval", "utc": 0, "nation": "POL", "i": -1})
    row = log.store.audit_rows(2, 3)[0]
    _sql(log, "INSERT INTO audit (seq, kind, data, root, sig) VALUES (3, 'approval', ?, ?, ?)",
         (fake, row.root, row.sig))
    (f,) = _verify(log)
    assert (f.kind, f.seq) == ("inserted", 3)


def test_reordered_entries_are_named(log: AuditLog) -> None:
    a, b = log.store.audit_rows(6, 8)
    _sql(log, "UPDATE audit SET data = ?, root = ?, sig = ? WHERE seq = 6", (b.data, b.root, b.sig))
    _sql(log, "UPDATE audit SET data = ?, root = ?, sig = ? WHERE seq = 7", (a.data, a.root, a.sig))
    (f,) = _verify(log)
    assert (f.kind, f.seq) == ("reordered", 6)


def test_truncated_log_is_caught_by_a_kept_checkpoint(log: AuditLog) -> None:
    kept = log.checkpoint()  # what a nation's client holds
    _sql(log, "DELETE FROM audit WHERE seq >= 9")
    assert _verify(log) == []  # the database alone is self-consistent ...
    (f,) = _verify(log, kept)  # ... but not with what was published
    assert (f.kind, f.seq) == ("truncated", 9)


def test_forged_checkpoint_is_refused(log: AuditLog) -> None:
    cp = log.checkpoint()
    other = Ed25519PrivateKey.generate()
    forged = Checkpoint(cp.origin, cp.size, cp.root,
                        other.sign(Checkpoint.text(cp.origin, cp.size, cp.root)))
    (f,) = _verify(log, forged)
    assert f.kind == "forged_checkpoint"
    bumped = Checkpoint(cp.origin, cp.size + 5, cp.root, cp.sig)  # altered size, old signature
    assert _verify(log, bumped)[0].kind == "forged_checkpoint"
    with pytest.raises(ProofError):
        verify_checkpoint_consistency(forged, cp, [], log.public_key)


def test_client_checks_consistency_on_reconnect(log: AuditLog) -> None:
    old = log.checkpoint()
    for i in range(5):
        log.append("plots", {"i": 100 + i})
    new = log.checkpoint()
    proof = log.tree.consistency_proof(old.size, new.size)
    verify_checkpoint_consistency(old, new, proof, log.public_key)
    # a server that rewrote history cannot prove consistency with what the client kept
    fake_old = Checkpoint(old.origin, old.size, b"\x00" * 32,
                          log.key.sign(Checkpoint.text(old.origin, old.size, b"\x00" * 32)))
    with pytest.raises(ProofError):
        verify_checkpoint_consistency(fake_old, new, proof, log.public_key)


def test_a_broken_log_is_never_appended_to(log: AuditLog, tmp_path: Path) -> None:
    _sql(log, "DELETE FROM audit WHERE seq = 2")
    with pytest.raises(ValueError, match="entry 2 removed"):
        AuditLog.open(log.store, load_or_create_key(tmp_path / "a.key"), "test")


def test_another_key_is_refused(log: AuditLog, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="another key"):
        AuditLog.open(log.store, load_or_create_key(tmp_path / "b.key"), "test")
