"""The Merkle tree against the published RFC 6962 test vectors, and proofs by brute force.

Vectors, reproduced unchanged (Apache-2.0, Google LLC):

- `LEAF_INPUTS`, `ROOTS`, `NODE_HASHES`: transparency-dev/merkle `testonly/constants.go`
  (the same vectors Trillian's `merkle/testonly` published before the move);
- `HASHER`: transparency-dev/merkle `rfc6962/rfc6962_test.go`;
- `data/rfc6962_vectors.json`: every probe of transparency-dev/merkle `testdata/inclusion`
  and `testdata/consistency` (98 + 98 files, good and bad proofs; the commit is in the file).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyshield.server.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    ProofError,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

LEAF_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
               "606162636465666768696a6b6c6d6e6f"]
ROOTS = [  # root of the tree of the first n LEAF_INPUTS, n = 0..8
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
NODE_HASHES = [  # level 0 (leaves) .. 3 of the 8-leaf tree
    ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
     "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
     "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
     "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
     "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
     "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
     "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"],
    ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
     "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"],
    ["d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
HASHER = [  # (what, got-by, want)
    ("empty root", lambda: EMPTY_ROOT,
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("empty leaf", lambda: leaf_hash(b""),
     "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    ("leaf L123456", lambda: leaf_hash(b"L123456"),
     "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"),
    ("node N123 N456", lambda: node_hash(b"N123", b"N456"),
     "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"),
]
VECTORS = json.loads((Path(__file__).parent / "data" / "rfc6962_vectors.json").read_text())


def _tree(n: int) -> MerkleTree:
    t = MerkleTree()
    for h in LEAF_INPUTS[:n]:
        t.append(bytes.fromhex(h))
    return t


def _b64(v: list[str] | str | None):  # noqa: ANN202
    if v is None:
        return []
    if isinstance(v, list):
        return [base64.b64decode(x) for x in v]
    return base64.b64decode(v)


@pytest.mark.parametrize("what,got,want", HASHER, ids=[h[0] for h in HASHER])
def test_hasher_vectors(what, got, want) -> None:
    assert got().hex() == want


@pytest.mark.parametrize("n", range(9))
def test_roots_of_every_prefix(n: int) -> None:
    assert _tree(n).root().hex() == ROOTS[n]
    assert _tree(8).root(n).hex() == ROOTS[n]  # the big tree answers for its prefixes


def test_complete_subtree_hashes() -> None:
    t = _tree(8)
    for k, level in enumerate(NODE_HASHES):
        assert [h.hex() for h in t.levels[k]] == level


@pytest.mark.parametrize("p", VECTORS["inclusion"], ids=[p["file"] for p in VECTORS["inclusion"]])
def test_inclusion_probes(p: dict) -> None:
    args = (p["leafIdx"], p["treeSize"], _b64(p["leafHash"]), _b64(p["proof"]), _b64(p["root"]))
    if p["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)
        # and our tree produces that very proof when it holds the vector's leaves
        if p["treeSize"] <= 8 and _b64(p["root"]) == _tree(p["treeSize"]).root():
            assert _tree(8).inclusion_proof(p["leafIdx"], p["treeSize"]) == _b64(p["proof"])


@pytest.mark.parametrize("p", VECTORS["consistency"],
                         ids=[p["file"] for p in VECTORS["consistency"]])
def test_consistency_probes(p: dict) -> None:
    args = (p["size1"], p["size2"], _b64(p["root1"]), _b64(p["root2"]), _b64(p["proof"]))
    if p["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)
        if p["size2"] <= 8 and _b64(p["root2"]) == _tree(p["size2"]).root():
            assert _tree(8).consistency_proof(p["size1"], p["size2"]) == _b64(p["proof"])


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1 MTH, written from the definition (the brute-force oracle)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_proofs_verify_and_match_the_definition(leaves: list[bytes], data) -> None:
    t = MerkleTree()
    for x in leaves:
        t.append(x)
    n = len(leaves)
    size = data.draw(st.integers(1, n))
    assert t.root(size) == _mth(leaves[:size])
    i = data.draw(st.integers(0, size - 1))
    verify_inclusion(i, size, leaf_hash(leaves[i]), t.inclusion_proof(i, size), t.root(size))
    m = data.draw(st.integers(1, size))
    verify_consistency(m, size, t.root(m), t.root(size), t.consistency_proof(m, size))
    if m < size:  # a changed leaf in the old part breaks consistency
        forged = list(leaves[:size])
        forged[data.draw(st.integers(0, m - 1))] += b"x"
        with pytest.raises(ProofError):
            verify_consistency(m, size, _mth(forged[:m]), t.root(size),
                               t.consistency_proof(m, size))
