"""The log's Merkle tree against a naive recursive RFC 9162 §2.1 reference written here.

The stored-node proofs are what the log serves to outside auditors: they must equal the
RFC's definitions exactly, verify, fail on any altered hash or index, and read only
O(log n) stored nodes.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sehat.core import merkle
from sehat.core.merkle import InMemoryNodes, ProofError, ProofRequestError, RootMismatchError

MAX_SIZE = 300
LEAVES = [merkle.leaf_hash(f"entry {i}".encode()) for i in range(MAX_SIZE)]


# --- RFC 9162 §2.1, transcribed literally (over leaf hashes) ---------------------------------
def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)  # the largest power of two smaller than n


def ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = _split(len(d))
    return merkle.node_hash(ref_mth(d[:k]), ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _split(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [ref_mth(d)]
    k = _split(len(d))
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


# --- a reader that checks what the tree code asks the store for ------------------------------
class CountingReader:
    """Reads through to real stored nodes, counting them and refusing incomplete subtrees."""

    def __init__(self, store: InMemoryNodes, size: int) -> None:
        self.store, self.size, self.reads = store, size, 0

    def node(self, level: int, index: int) -> bytes:
        assert (index + 1) << level <= self.size, f"node ({level}, {index}) is not complete"
        self.reads += 1
        return self.store.node(level, index)


@pytest.fixture(scope="module")
def store() -> InMemoryNodes:
    nodes = InMemoryNodes()
    nodes.extend(LEAVES)
    return nodes


def _flip(digest: bytes) -> bytes:
    return bytes([digest[0] ^ 1]) + digest[1:]


def test_hashing_is_rfc9162_domain_separated() -> None:
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert (
        merkle.node_hash(b"L" * 32, b"R" * 32)
        == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    )
    assert merkle.root(0, InMemoryNodes()) == hashlib.sha256(b"").digest()


def test_root_of_every_size_equals_the_rfc_definition(store: InMemoryNodes) -> None:
    for size in range(MAX_SIZE + 1):
        reader = CountingReader(store, size)
        assert merkle.root(size, reader) == ref_mth(LEAVES[:size])
        assert reader.reads == size.bit_count()  # one stored node per set bit: O(log n)
        assert merkle.root_from_leaf_hashes(LEAVES[:size]) == ref_mth(LEAVES[:size])


@settings(deadline=None)
@given(st.data())
def test_inclusion_proof_equals_rfc_and_detects_tampering(
    store: InMemoryNodes, data: st.DataObject
) -> None:
    size = data.draw(st.integers(1, MAX_SIZE), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    reader = CountingReader(store, size)
    proof = merkle.inclusion_proof(index, size, reader)
    assert proof == ref_path(index, LEAVES[:size])
    assert reader.reads <= 2 * size.bit_length()
    root = ref_mth(LEAVES[:size])
    merkle.verify_inclusion(LEAVES[index], index, size, proof, root)

    for position in range(len(proof)):
        altered = [*proof[:position], _flip(proof[position]), *proof[position + 1 :]]
        with pytest.raises(RootMismatchError):
            merkle.verify_inclusion(LEAVES[index], index, size, altered, root)
    with pytest.raises(RootMismatchError):
        merkle.verify_inclusion(_flip(LEAVES[index]), index, size, proof, root)
    with pytest.raises(RootMismatchError):
        merkle.verify_inclusion(LEAVES[index], index, size, proof, _flip(root))
    if size > 1:
        other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="other")
        with pytest.raises(ProofError):
            merkle.verify_inclusion(LEAVES[index], other, size, proof, root)
    with pytest.raises(ProofError, match="wrong number of hashes"):
        merkle.verify_inclusion(LEAVES[index], index, size, [*proof, root], root)


@settings(deadline=None)
@given(st.data())
def test_consistency_proof_equals_rfc_and_detects_tampering(
    store: InMemoryNodes, data: st.DataObject
) -> None:
    size2 = data.draw(st.integers(1, MAX_SIZE), label="size2")
    size1 = data.draw(st.integers(1, size2), label="size1")
    reader = CountingReader(store, size2)
    proof = merkle.consistency_proof(size1, size2, reader)
    assert proof == ref_subproof(size1, LEAVES[:size2], True)
    assert reader.reads <= 2 * size2.bit_length() + 1
    root1, root2 = ref_mth(LEAVES[:size1]), ref_mth(LEAVES[:size2])
    merkle.verify_consistency(size1, size2, proof, root1, root2)

    for position in range(len(proof)):
        altered = [*proof[:position], _flip(proof[position]), *proof[position + 1 :]]
        with pytest.raises(RootMismatchError):
            merkle.verify_consistency(size1, size2, altered, root1, root2)
    with pytest.raises(RootMismatchError):
        merkle.verify_consistency(size1, size2, proof, _flip(root1), root2)
    with pytest.raises(RootMismatchError):
        merkle.verify_consistency(size1, size2, proof, root1, _flip(root2))
    if size1 < size2:
        other = data.draw(st.integers(1, size2).filter(lambda m: m != size1), label="other size1")
        with pytest.raises(ProofError):
            merkle.verify_consistency(other, size2, proof, root1, root2)


@settings(deadline=None)
@given(
    start=st.integers(0, MAX_SIZE - 1),
    chunks=st.lists(st.integers(1, 64), min_size=1, max_size=8),
)
def test_batch_append_equals_one_by_one(start: int, chunks: list[int]) -> None:
    one_by_one, batched = InMemoryNodes(), InMemoryNodes()
    batched.extend(LEAVES[:start])
    for leaf in LEAVES[:start]:
        one_by_one.write(merkle.append_leaf(leaf, one_by_one.size, one_by_one))
    position = start
    for length in chunks:
        chunk = [merkle.leaf_hash(f"batch {position + j}".encode()) for j in range(length)]
        single: list[merkle.Node] = []
        for leaf in chunk:
            nodes = merkle.append_leaf(leaf, one_by_one.size, one_by_one)
            one_by_one.write(nodes)
            single.extend(nodes)
        reader = CountingReader(batched, batched.size)
        batch = merkle.append_leaves(chunk, batched.size, reader)
        assert batch == single
        assert reader.reads == batched.size.bit_count()  # right edge only, never its own nodes
        batched.write(batch)
        position += len(chunk)
    assert batched.size == one_by_one.size
    assert merkle.root(batched.size, batched) == merkle.root(one_by_one.size, one_by_one)


def test_append_returns_the_completed_perfect_subtrees() -> None:
    nodes = InMemoryNodes()
    nodes.extend(LEAVES[:7])
    completed = merkle.append_leaf(LEAVES[7], 7, nodes)
    assert [(level, index) for level, index, _ in completed] == [(0, 7), (1, 3), (2, 1), (3, 0)]
    assert completed[-1][2] == ref_mth(LEAVES[:8])


def test_requests_for_impossible_proofs_name_the_field(store: InMemoryNodes) -> None:
    with pytest.raises(ProofRequestError) as index_error:
        merkle.inclusion_proof(5, 5, store)
    assert index_error.value.field == "index"
    assert index_error.value.problems[0].message_fa
    for first, second in ((0, 5), (6, 5), (-1, 5)):
        with pytest.raises(ProofRequestError) as sizes_error:
            merkle.consistency_proof(first, second, store)
        assert sizes_error.value.field == "first"
    with pytest.raises(ProofRequestError):
        merkle.root(-1, store)
    assert merkle.consistency_proof(5, 5, store) == []


def test_verification_errors_say_expected_and_found(store: InMemoryNodes) -> None:
    root = merkle.root(10, store)
    proof = merkle.inclusion_proof(3, 10, store)
    with pytest.raises(RootMismatchError) as mismatch:
        merkle.verify_inclusion(LEAVES[4], 3, 10, proof, root)
    assert mismatch.value.mismatch is not None
    assert mismatch.value.mismatch.expected == root.hex()
    assert root.hex() in str(mismatch.value) and root.hex() in mismatch.value.message_fa
    with pytest.raises(
        ProofError, match="wrong number of hashes for these sizes: expected 4, found 3"
    ):
        merkle.verify_inclusion(LEAVES[3], 3, 10, proof[:3], root)
    with pytest.raises(ProofError, match="leaf hash is 31 bytes"):
        merkle.verify_inclusion(LEAVES[3][:31], 3, 10, proof, root)
    with pytest.raises(ProofError, match="hash 1 is 33 bytes"):
        merkle.verify_inclusion(LEAVES[3], 3, 10, [proof[0], proof[1] + b"x", *proof[2:]], root)
    with pytest.raises(ProofError, match="from 0 to 10"):
        merkle.verify_consistency(0, 10, [], merkle.EMPTY_ROOT, root)
    with pytest.raises(ProofError, match="from 0 to 0"):
        merkle.verify_consistency(0, 0, [], merkle.EMPTY_ROOT, merkle.EMPTY_ROOT)


def test_leaf_hashes_must_be_32_bytes() -> None:
    nodes = InMemoryNodes()
    with pytest.raises(ProofError, match="leaf hash is 20 bytes"):
        merkle.append_leaf(b"x" * 20, 0, nodes)
    with pytest.raises(ProofError, match="leaf hash 1 is 0 bytes"):
        merkle.append_leaves([LEAVES[0], b""], 0, nodes)
    with pytest.raises(ProofError):
        merkle.root_from_leaf_hashes([b"short"])


def test_in_memory_store_is_append_only() -> None:
    nodes = InMemoryNodes()
    nodes.extend(LEAVES[:3])
    with pytest.raises(ValueError, match="not the next one"):
        nodes.write([(0, 5, LEAVES[5])])
    with pytest.raises(IndexError):
        nodes.node(1, 1)  # leaves 2-3: not complete in a tree of 3
    assert nodes.size == 3
