"""RFC 6962 / RFC 9162 Merkle tree: leaf and node hashes, roots, inclusion and consistency
proofs, and their verification (the construction Certificate Transparency uses).

`MerkleTree` is append-only and keeps every complete subtree hash (level k holds the
hashes of the aligned subtrees of 2**k leaves), so appending is O(log n) amortised and
any range hash, root, or proof is O(log n) node look-ups. The verifiers follow the
algorithms of RFC 9162 section 2.1.3.2 and 2.1.4.2 and take nothing from the tree.
"""

from __future__ import annotations

import hashlib

__all__ = [
    "EMPTY_ROOT",
    "MerkleTree",
    "ProofError",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion",
    "verify_consistency",
    "verify_inclusion",
]

EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = SHA-256 of the empty string


class ProofError(ValueError):
    """A proof does not verify (with the reason)."""


def leaf_hash(data: bytes) -> bytes:
    """MTH of one entry: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """An append-only RFC 6962 tree over leaf hashes, with all complete subtree hashes kept."""

    def __init__(self) -> None:
        """An empty tree."""
        self.levels: list[list[bytes]] = [[]]  # levels[k][i]: hash of leaves [i 2^k, (i+1) 2^k)

    def __len__(self) -> int:
        """Number of leaves."""
        return len(self.levels[0])

    def append_hash(self, h: bytes) -> int:
        """Append a leaf hash; return its index."""
        index = len(self.levels[0])
        self.levels[0].append(h)
        k, i = 0, index
        while i % 2 == 1:  # completed a pair: the parent subtree is complete too
            if len(self.levels) == k + 1:
                self.levels.append([])
            self.levels[k + 1].append(node_hash(self.levels[k][i - 1], self.levels[k][i]))
            k, i = k + 1, i // 2
        return index

    def append(self, data: bytes) -> int:
        """Append an entry (hashed as a leaf); return its index."""
        return self.append_hash(leaf_hash(data))

    def truncate(self, size: int) -> None:
        """Drop every leaf from `size` on (used to roll back a failed append)."""
        for k, level in enumerate(self.levels):
            del level[size >> k:]

    def _range(self, lo: int, hi: int) -> bytes:
        """MTH of leaves [lo, hi), hi > lo, as RFC 6962 splits it."""
        n = hi - lo
        if n & (n - 1) == 0 and lo % n == 0:  # an aligned complete subtree: stored
            return self.levels[n.bit_length() - 1][lo // n]
        k = _split(n)
        return node_hash(self._range(lo, lo + k), self._range(lo + k, hi))

    def root(self, size: int | None = None) -> bytes:
        """Root hash of the first `size` leaves (default: all)."""
        size = len(self) if size is None else size
        if not 0 <= size <= len(self):
            raise ValueError(f"tree size {size} outside 0..{len(self)}")
        return EMPTY_ROOT if size == 0 else self._range(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Audit path of leaf `index` in the tree of `size` leaves (RFC 6962 PATH)."""
        size = len(self) if size is None else size
        if not 0 <= index < size <= len(self):
            raise ValueError(f"no leaf {index} in a tree of {size} (log has {len(self)})")
        out: list[bytes] = []

        def path(m: int, lo: int, hi: int) -> None:
            n = hi - lo
            if n == 1:
                return
            k = _split(n)
            if m < k:
                path(m, lo, lo + k)
                out.append(self._range(lo + k, hi))
            else:
                path(m - k, lo + k, hi)
                out.append(self._range(lo, lo + k))

        path(index, 0, size)
        return out

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """Proof that the tree of `first` leaves is a prefix of the one of `second` (PROOF)."""
        second = len(self) if second is None else second
        if not 0 <= first <= second <= len(self):
            raise ValueError(f"sizes {first}, {second} invalid (log has {len(self)})")
        if first == 0 or first == second:
            return []
        out: list[bytes] = []

        def subproof(m: int, lo: int, hi: int, complete: bool) -> None:
            n = hi - lo
            if m == n:
                if not complete:
                    out.append(self._range(lo, hi))
                return
            k = _split(n)
            if m <= k:
                subproof(m, lo, lo + k, complete)
                out.append(self._range(lo + k, hi))
            else:
                subproof(m - k, lo + k, hi, False)
                out.append(self._range(lo, lo + k))

        subproof(first, 0, second, True)
        return out


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """The root an inclusion proof implies (RFC 9162 2.1.3.2); raises ProofError."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} not in a tree of {size}")
    if len(leaf) != 32:
        raise ProofError("leaf hash is not 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if len(p) != 32:
            raise ProofError("proof node is not 32 bytes")
        if sn == 0:
            raise ProofError("proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("proof too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes
                     ) -> None:
    """Check that `leaf` is leaf `index` of the tree of `size` with `root`; raise ProofError."""
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes,
                       proof: list[bytes]) -> None:
    """Check that tree (size1, root1) is a prefix of (size2, root2) (RFC 9162 2.1.4.2)."""
    if size1 < 0 or size2 < size1:
        raise ProofError(f"size {size1} cannot precede size {size2}")
    if size1 == 0:  # as transparency-dev: meaningless; callers accept an empty first tree
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if root1 != root2:
            raise ProofError("equal sizes but different roots")
        return
    if not proof:
        raise ProofError("empty proof")
    if any(len(p) != 32 for p in proof):
        raise ProofError("proof node is not 32 bytes")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 a power of two: its root starts the path
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("proof too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("proof too short")
    if fr != root1:
        raise ProofError("consistency proof does not lead to the first root")
    if sr != root2:
        raise ProofError("consistency proof does not lead to the second root")
