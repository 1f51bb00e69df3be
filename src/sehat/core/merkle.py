"""The transparency log's Merkle tree, hashed exactly as RFC 9162 §2.1 (DESIGN §4).

Pure and ``hashlib`` only. The log keeps the hash of every *perfect* subtree (``level``,
``index``: the subtree over leaves ``[index·2^level, (index+1)·2^level)``); those never
change once complete, so an append writes the few nodes it completes and a root or proof
reads O(log n) of them. A right-edge subtree that is not yet complete is folded from at most
log n perfect nodes. Storage sits behind :class:`NodeReader`; :class:`InMemoryNodes` serves
tests and benchmarks, the database adapter serves production.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

from sehat.errors import InputError, Mismatch, Problem, VerificationError

HASH_SIZE = 32
MAX_TREE_SIZE = 2**64 - 1  # tree sizes and indices are uint64 (RFC 9162 §4.11)
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 §2.1.1: MTH({}) = HASH()

Node = tuple[int, int, bytes]
"""A perfect-subtree node to store: (level, index, hash)."""


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 §2.1.1 leaf hash: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class ProofError(VerificationError):
    """A Merkle proof or tree hash that does not check out; ``mismatch`` says expected vs found."""

    def __init__(self, message: str, message_fa: str, mismatch: Mismatch | None = None) -> None:
        super().__init__(message, message_fa)
        self.mismatch = mismatch


class RootMismatchError(ProofError):
    """A well-formed proof that leads to another root hash than the one expected."""


class ProofRequestError(InputError):
    """A tree size, index or pair of sizes for which no proof exists."""


class NodeReader(Protocol):
    """Where the log's perfect-subtree hashes are kept."""

    def node(self, level: int, index: int) -> bytes:
        """The hash of the perfect subtree over leaves [index·2^level, (index+1)·2^level)."""
        ...


def _request_error(field: str, en: str, fa: str, fix: str, fix_fa: str) -> ProofRequestError:
    return ProofRequestError(Problem(field, en, fa, fix, fix_fa))


def _check_hash(value: bytes, what: str, what_fa: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(
            f"{what} is {len(value)} bytes; a SHA-256 hash is {HASH_SIZE}",
            f"{what_fa} {len(value)} بایت است؛ چکیده SHA-256 باید {HASH_SIZE} بایت باشد",
            Mismatch(what, "hash length", str(HASH_SIZE), str(len(value))),
        )


def _mismatch(what: str, what_fa: str, expected: bytes, found: bytes) -> RootMismatchError:
    return RootMismatchError(
        f"{what} does not match: expected {expected.hex()}, the proof gives {found.hex()}; "
        "the log did not prove what it was asked to",
        f"{what_fa} نمی‌خواند: انتظار {expected.hex()}، اثبات {found.hex()} را می‌دهد؛ "
        "لاگ آنچه را خواسته شد اثبات نکرد",
        Mismatch(what, "root hash", expected.hex(), found.hex()),
    )


def _tiles(start: int, end: int) -> list[tuple[int, int]]:
    """(level, index) of the perfect subtrees tiling [start, end), largest first.

    ``start`` must be a multiple of the largest tile, as it is for a whole tree (start 0) and
    for the right-edge subtree of RFC 9162's recursive split.
    """
    tiles: list[tuple[int, int]] = []
    position, count = start, end - start
    for level in range(count.bit_length() - 1, -1, -1):
        if count >> level & 1:
            tiles.append((level, position >> level))
            position += 1 << level
    return tiles


def _fold_right(hashes: list[bytes]) -> bytes:
    # RFC 9162 §2.1.1: MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])) with k the largest
    # power of two below n, so a range's hash is its perfect tiles folded from the right.
    digest = hashes[-1]
    for left in reversed(hashes[:-1]):
        digest = node_hash(left, digest)
    return digest


def _range_hash(start: int, end: int, reader: NodeReader) -> bytes:
    return _fold_right([reader.node(level, index) for level, index in _tiles(start, end)])


def _check_size(size: int, field: str) -> None:
    if not 0 <= size <= MAX_TREE_SIZE:
        raise _request_error(
            field,
            f"{size} is not a tree size (0 to 2^64-1)",
            f"{size} اندازه درخت نیست (۰ تا ۲^۶۴−۱)",
            "give a whole number of leaves, not negative",
            "تعداد برگ‌ها را عددی صحیح و نامنفی بدهید",
        )


def root(size: int, reader: NodeReader) -> bytes:
    """The RFC 9162 §2.1.1 root hash of the first ``size`` leaves, from stored nodes.

    Raises:
        ProofRequestError: a negative or too large size.
    """
    _check_size(size, "tree_size")
    return EMPTY_ROOT if size == 0 else _range_hash(0, size, reader)


def root_from_leaf_hashes(leaf_hashes: Iterable[bytes]) -> bytes:
    """The RFC 9162 §2.1.1 root hash over leaf hashes, in one pass with O(log n) memory."""
    stack: list[bytes] = []
    for count, leaf in enumerate(leaf_hashes):
        _check_hash(leaf, "leaf hash", "چکیده برگ")
        digest, index = leaf, count
        while index & 1:
            digest = node_hash(stack.pop(), digest)
            index >>= 1
        stack.append(digest)
    return _fold_right(stack) if stack else EMPTY_ROOT


def append_leaf(leaf_hash: bytes, size: int, reader: NodeReader) -> list[Node]:
    """The nodes completed by appending one leaf to a tree of ``size`` leaves.

    The leaf itself is the first node (level 0, index ``size``); store them all in the
    transaction that stores the entry.

    Raises:
        ProofError: the leaf hash is not 32 bytes.
    """
    _check_hash(leaf_hash, "leaf hash", "چکیده برگ")
    _check_size(size, "tree_size")
    nodes: list[Node] = [(0, size, leaf_hash)]
    digest, index, level = leaf_hash, size, 0
    while index & 1:  # a right child completes its parent
        digest = node_hash(reader.node(level, index - 1), digest)
        index >>= 1
        level += 1
        nodes.append((level, index, digest))
    return nodes


def append_leaves(leaf_hashes: Iterable[bytes], size: int, reader: NodeReader) -> list[Node]:
    """The nodes completed by appending leaves to a tree of ``size`` leaves, in order.

    Reads only the right-edge perfect subtrees of the current tree (one per set bit of
    ``size``); every later sibling is one this call computed.

    Raises:
        ProofError: a leaf hash is not 32 bytes.
    """
    _check_size(size, "tree_size")
    stack = [reader.node(level, index) for level, index in _tiles(0, size)]
    nodes: list[Node] = []
    # The hot loop of bulk issuance: node_hash inlined, methods bound once.
    add, push, pop, sha256 = nodes.append, stack.append, stack.pop, hashlib.sha256
    for count, digest in enumerate(leaf_hashes, start=size):
        if len(digest) != HASH_SIZE:
            _check_hash(digest, f"leaf hash {count}", f"چکیده برگ {count}")
        add((0, count, digest))
        index, level = count, 0
        while index & 1:
            digest = sha256(b"\x01" + pop() + digest).digest()
            index >>= 1
            level += 1
            add((level, index, digest))
        push(digest)
    return nodes


def _path(index: int, from_level: int, size: int, reader: NodeReader) -> list[bytes]:
    """Sibling hashes from node (from_level, index >> from_level) up to the root of ``size``."""
    # Below level ``inner`` the paths to ``index`` and to the last leaf differ; above it the
    # path runs along the right edge, where only left siblings exist (RFC 9162 §2.1.3.1).
    inner = (index ^ (size - 1)).bit_length()
    hashes: list[bytes] = []
    for level in range(from_level, inner):
        sibling = (index >> level) ^ 1
        start = sibling << level
        if start + (1 << level) <= size:
            hashes.append(reader.node(level, sibling))
        else:  # the right-edge subtree is not complete yet: fold it from its perfect tiles
            hashes.append(_range_hash(start, size, reader))
    for level in range(inner, size.bit_length()):
        if index >> level & 1:
            hashes.append(reader.node(level, (index >> level) - 1))
    return hashes


def inclusion_proof(index: int, size: int, reader: NodeReader) -> list[bytes]:
    """RFC 9162 §2.1.3.1 inclusion proof of leaf ``index`` in the tree of ``size`` leaves.

    Raises:
        ProofRequestError: the index is not inside the tree.
    """
    _check_size(size, "tree_size")
    if not 0 <= index < size:
        raise _request_error(
            "index",
            f"leaf index {index} is not inside a tree of {size} leaves",
            f"شماره برگ {index} در درختی با {size} برگ نیست",
            "ask for an index from 0 to tree_size - 1",
            "شماره‌ای از ۰ تا tree_size منهای یک بخواهید",
        )
    return _path(index, 0, size, reader)


def consistency_proof(m: int, n: int, reader: NodeReader) -> list[bytes]:
    """RFC 9162 §2.1.4.1 consistency proof from the tree of ``m`` leaves to that of ``n``.

    Raises:
        ProofRequestError: unless 0 < m <= n (a proof from the empty tree proves nothing).
    """
    _check_size(n, "second")
    if not 0 < m <= n:
        raise _request_error(
            "first",
            f"no consistency proof exists from {m} to {n} leaves; it needs 0 < first <= second",
            f"اثبات سازگاری از {m} به {n} برگ وجود ندارد؛ باید ۰ < first ≤ second باشد",
            "ask for first between 1 and second",
            "first را میان ۱ و second بخواهید",
        )
    if m == n:
        return []
    # The old tree's last perfect subtree is (shift, (m-1) >> shift); the proof is that node
    # (left out when it is the whole old tree) and its inclusion path in the new tree.
    shift = (m & -m).bit_length() - 1
    first = [] if m == 1 << shift else [reader.node(shift, (m - 1) >> shift)]
    return first + _path(m - 1, shift, n, reader)


def _check_proof_hashes(proof: Sequence[bytes], expected: int, what: str, what_fa: str) -> None:
    if len(proof) != expected:
        raise ProofError(
            f"the {what} has the wrong number of hashes for these sizes: expected {expected}, "
            f"found {len(proof)}",
            f"تعداد چکیده‌های {what_fa} برای این اندازه‌ها نادرست است: انتظار {expected}، "
            f"یافت‌شده {len(proof)}",
            Mismatch(what, "number of hashes", str(expected), str(len(proof))),
        )
    for position, digest in enumerate(proof):
        _check_hash(digest, f"{what} hash {position}", f"چکیده {position} {what_fa}")


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an inclusion proof (RFC 9162 §2.1.3.2); return nothing or raise.

    Raises:
        ProofError: the index is outside the tree, or a hash or the proof length is wrong.
        RootMismatchError: the proof leads to another root.
    """
    if not 0 <= index < size <= MAX_TREE_SIZE:
        raise ProofError(
            f"leaf index {index} is not inside a tree of {size} leaves",
            f"شماره برگ {index} در درختی با {size} برگ نیست",
            Mismatch("inclusion proof", "index", f"0 to {size - 1}", str(index)),
        )
    _check_hash(leaf_hash, "leaf hash", "چکیده برگ")
    inner = (index ^ (size - 1)).bit_length()
    expected = inner + (index >> inner).bit_count()
    _check_proof_hashes(proof, expected, "inclusion proof", "اثبات شمول")
    fn, sn, r = index, size - 1, leaf_hash
    # RFC 9162 §2.1.3.2 step 4; the length check above already ensures sn reaches 0 exactly.
    for p in proof:
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if r != root:
        raise _mismatch("tree root", "ریشه درخت", root, r)


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check a consistency proof (RFC 9162 §2.1.4.2); return nothing or raise.

    As transparency-dev/merkle does, a proof from the empty tree is an error (it proves
    nothing), and equal sizes need an empty proof and equal roots.

    Raises:
        ProofError: sizes out of order or zero, or a hash or the proof length is wrong.
        RootMismatchError: the proof does not lead to ``root1`` and ``root2``.
    """
    if not 0 < size1 <= size2 <= MAX_TREE_SIZE:
        raise ProofError(
            f"no consistency proof exists from {size1} to {size2} leaves; it needs "
            "0 < first size <= second size",
            f"اثبات سازگاری از {size1} به {size2} برگ وجود ندارد؛ باید ۰ < اندازه اول ≤ اندازه دوم",
            Mismatch("consistency proof", "sizes", "0 < size1 <= size2", f"{size1}, {size2}"),
        )
    if size1 == size2:
        _check_proof_hashes(proof, 0, "consistency proof", "اثبات سازگاری")
        if root1 != root2:
            raise _mismatch("second root", "ریشه دوم", root2, root1)
        return
    shift = (size1 & -size1).bit_length() - 1
    inner = ((size1 - 1) ^ (size2 - 1)).bit_length()
    expected = inner - shift + ((size1 - 1) >> inner).bit_count()
    power_of_two = size1 == 1 << shift
    _check_proof_hashes(
        proof, expected + (0 if power_of_two else 1), "consistency proof", "اثبات سازگاری"
    )
    # RFC 9162 §2.1.4.2 steps 2-7.
    path = [root1, *proof] if power_of_two else list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:  # the length check above ensures sn reaches 0 exactly
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if fr != root1:
        raise _mismatch("first root", "ریشه اول", root1, fr)
    if sr != root2:
        raise _mismatch("second root", "ریشه دوم", root2, sr)


class InMemoryNodes:
    """Perfect-subtree hashes in memory: one ``bytearray`` per level, 32 bytes a node."""

    def __init__(self) -> None:
        self._levels: list[bytearray] = []

    @property
    def size(self) -> int:
        """The number of leaves stored."""
        return len(self._levels[0]) // HASH_SIZE if self._levels else 0

    def node(self, level: int, index: int) -> bytes:
        """The stored hash of node (level, index); ``IndexError`` when it is not stored."""
        start = index * HASH_SIZE
        if not (0 <= level < len(self._levels) and 0 <= start < len(self._levels[level])):
            raise IndexError(f"no node ({level}, {index}) in a tree of {self.size} leaves")
        return bytes(self._levels[level][start : start + HASH_SIZE])

    def write(self, nodes: Iterable[Node]) -> None:
        """Store nodes from :func:`append_leaf` / :func:`append_leaves`, in their order.

        Nodes of a level must come in index order with no gap (the log is append-only).
        """
        levels = self._levels
        for level, index, digest in nodes:
            while len(levels) <= level:
                levels.append(bytearray())
            data = levels[level]
            if len(data) != index * HASH_SIZE or len(digest) != HASH_SIZE:
                raise ValueError(f"node ({level}, {index}) is not the next one of its level")
            data += digest

    def extend(self, leaf_hashes: Iterable[bytes]) -> int:
        """Append leaf hashes; return the new tree size."""
        self.write(append_leaves(leaf_hashes, self.size, self))
        return self.size
