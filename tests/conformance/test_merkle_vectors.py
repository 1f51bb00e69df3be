"""RFC 9162 Merkle vectors from transparency-dev/merkle: every proof probe and the 8-leaf tree.

Each probe file says whether verification must succeed (``wantErr: false``) or fail; a
verifier that accepts one bad probe would let a log lie to outside auditors.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from sehat.core import merkle
from sehat.core.merkle import InMemoryNodes, ProofError

# Test ids are listed at collection, from where the vectors_dir fixture will look.
_VECTORS = Path(
    os.environ.get("SEHAT_VECTORS_DIR", Path(__file__).resolve().parents[3] / "shared" / "vectors")
)
_PROBES = _VECTORS / "3-merkle-rfc9162" / "transparency-dev-merkle"


def _probe_ids(kind: str) -> list[str]:
    # The vectors_dir fixture then reads the data; test_every_probe_file_is_run fails if
    # this listing missed any file.
    return sorted(str(p.relative_to(_PROBES / kind)) for p in (_PROBES / kind).rglob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _proof(probe: dict[str, Any]) -> list[bytes]:
    return [_b64(h) for h in probe["proof"] or []]  # Go marshals an empty proof as null


@pytest.fixture(scope="module")
def vectors(vectors_dir: Path) -> Path:
    return vectors_dir / "3-merkle-rfc9162"


@pytest.fixture(scope="module")
def reference(vectors: Path) -> dict[str, Any]:
    return _load(vectors / "reference_tree_8.json")


@pytest.fixture(scope="module")
def reference_store(reference: dict[str, Any]) -> InMemoryNodes:
    store = InMemoryNodes()
    store.extend(merkle.leaf_hash(bytes.fromhex(x)) for x in reference["leaf_inputs_hex"])
    return store


def test_every_probe_file_is_run(vectors: Path) -> None:
    for kind in ("inclusion", "consistency"):
        on_disk = sorted(
            str(p.relative_to(vectors / "transparency-dev-merkle" / kind))
            for p in (vectors / "transparency-dev-merkle" / kind).rglob("*.json")
        )
        assert on_disk == _probe_ids(kind)
    total = len(_probe_ids("inclusion")) + len(_probe_ids("consistency"))
    assert total == 196  # SOURCES.md: 196 files copied unchanged


@pytest.mark.parametrize("name", _probe_ids("inclusion"))
def test_inclusion_probe(vectors: Path, name: str) -> None:
    probe = _load(vectors / "transparency-dev-merkle" / "inclusion" / name)
    args = (
        _b64(probe["leafHash"]),
        probe["leafIdx"],
        probe["treeSize"],
        _proof(probe),
        _b64(probe["root"]),
    )
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize("name", _probe_ids("consistency"))
def test_consistency_probe(vectors: Path, name: str) -> None:
    probe = _load(vectors / "transparency-dev-merkle" / "consistency" / name)
    args = (
        probe["size1"],
        probe["size2"],
        _proof(probe),
        _b64(probe["root1"]),
        _b64(probe["root2"]),
    )
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


def test_happy_path_proofs_are_the_ones_the_log_serves(
    vectors: Path, reference: dict[str, Any], reference_store: InMemoryNodes
) -> None:
    """Proofs computed from stored nodes equal the published ones, byte for byte."""
    roots = [bytes.fromhex(h) for h in reference["root_hashes_hex"]]
    compared = 0
    for path in sorted((vectors / "transparency-dev-merkle").rglob("happy-path.json")):
        probe = _load(path)
        if "leafIdx" in probe:
            size = probe["treeSize"]
            assert _b64(probe["root"]) == roots[size]
            served = merkle.inclusion_proof(probe["leafIdx"], size, reference_store)
        else:
            size = probe["size2"]
            assert _b64(probe["root2"]) == roots[size]
            served = merkle.consistency_proof(probe["size1"], size, reference_store)
        assert served == _proof(probe), path
        compared += 1
    assert compared == 10


def test_reference_tree_roots_and_nodes(
    reference: dict[str, Any], reference_store: InMemoryNodes
) -> None:
    leaves = [merkle.leaf_hash(bytes.fromhex(x)) for x in reference["leaf_inputs_hex"]]
    for size, expected in enumerate(reference["root_hashes_hex"]):
        assert merkle.root(size, reference_store).hex() == expected
        assert merkle.root_from_leaf_hashes(leaves[:size]).hex() == expected
    for level, hashes in enumerate(reference["node_hashes_hex"]):
        for index, expected in enumerate(hashes):
            assert reference_store.node(level, index).hex() == expected


def test_reference_tree_every_proof_verifies(reference_store: InMemoryNodes) -> None:
    for size in range(1, 9):
        root = merkle.root(size, reference_store)
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, reference_store)
            merkle.verify_inclusion(reference_store.node(0, index), index, size, proof, root)
        for first in range(1, size + 1):
            proof = merkle.consistency_proof(first, size, reference_store)
            old = merkle.root(first, reference_store)
            merkle.verify_consistency(first, size, proof, old, root)
