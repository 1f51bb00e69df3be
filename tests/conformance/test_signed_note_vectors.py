"""C2SP signed-note and tlog-checkpoint vectors (golang.org/x/mod sumdb/note, transparency-dev).

A verifier holding only the published key text must accept exactly the notes those
implementations accept, so a checkpoint we sign opens anywhere and a forged one nowhere.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from sehat.core.checkpoint import (
    Checkpoint,
    MalformedCheckpointError,
    OriginMismatchError,
    open_checkpoint,
)
from sehat.core.note import (
    InvalidSignatureError,
    MalformedNoteError,
    NoteError,
    NoteSigner,
    NoteVerifier,
    UnverifiedNoteError,
    open_note,
    sign_note,
)

_ERRORS: dict[str, type[NoteError]] = {
    "invalid signature": InvalidSignatureError,
    "unverified note": UnverifiedNoteError,
    "malformed note": MalformedNoteError,
}


@pytest.fixture(scope="module")
def vectors(vectors_dir: Path) -> dict[str, Any]:
    path = vectors_dir / "3-merkle-rfc9162" / "signed_note_and_checkpoint_vectors.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def verifiers(vectors: dict[str, Any]) -> dict[str, NoteVerifier]:
    return {name: NoteVerifier.from_vkey(vkey) for name, vkey in vectors["verifier_keys"].items()}


def test_verifier_keys_round_trip(
    vectors: dict[str, Any], verifiers: dict[str, NoteVerifier]
) -> None:
    for name, vkey in vectors["verifier_keys"].items():
        assert verifiers[name].name == name
        assert verifiers[name].vkey == vkey


def test_signer_key_round_trips_and_matches_its_verifier(
    vectors: dict[str, Any], verifiers: dict[str, NoteVerifier]
) -> None:
    signer = NoteSigner.from_skey(vectors["private_key_PeterNeumann"])
    assert signer.skey == vectors["private_key_PeterNeumann"]
    assert signer.verifier == verifiers["PeterNeumann"]


def test_signing_reproduces_the_published_note(vectors: dict[str, Any]) -> None:
    signer = NoteSigner.from_skey(vectors["private_key_PeterNeumann"])
    published = vectors["notes"][0]["note"]
    text = published[: published.rindex("\n\n") + 1]
    assert sign_note(text, signer.name, signer.private_key) == published  # Ed25519 is deterministic


def test_every_note_vector(vectors: dict[str, Any], verifiers: dict[str, NoteVerifier]) -> None:
    assert len(vectors["notes"]) == 12
    for case in vectors["notes"]:
        trusted = [verifiers[name] for name in case["trusted"]]
        if case["want_error"] is None:
            text, signatures = open_note(case["note"], trusted)
            assert case["note"].startswith(text + "\n\u2014 "), case["desc"]
            assert [s.name for s in signatures] == case["want_verified"], case["desc"]
        else:
            with pytest.raises(_ERRORS[case["want_error"]]):
                open_note(case["note"], trusted)


def test_every_checkpoint_body_vector(vectors: dict[str, Any]) -> None:
    """Valid bodies parse to the published fields; invalid ones are rejected.

    The generic format allows any root hash length (``hash_size=None``); our log's strict
    default requires 32 bytes. One body transparency-dev/formats accepts ends in empty
    lines, which C2SP tlog-checkpoint forbids ("extension lines, if any, MUST be
    non-empty"); we follow the spec and reject it.
    """
    cases = vectors["checkpoint_bodies"]
    assert len(cases) == 12
    for case in cases:
        body = case["body"]
        if case["want_error"]:
            with pytest.raises(MalformedCheckpointError):
                Checkpoint.parse(body, hash_size=None)
            continue
        if case["rest"] and not all(case["rest"].split("\n")[:-1]):
            with pytest.raises(
                MalformedCheckpointError, match="line 4: the extension line is empty"
            ):
                Checkpoint.parse(body, hash_size=None)
            continue
        parsed = Checkpoint.parse(body, hash_size=None)
        assert parsed.origin == case["origin"]
        assert parsed.size == case["size"]
        assert parsed.root_hash == base64.b64decode(case["hash_b64"])
        assert "".join(line + "\n" for line in parsed.extensions) == case["rest"]
        assert parsed.format() == body
        with pytest.raises(MalformedCheckpointError, match="expected 32"):
            Checkpoint.parse(body)


def test_signed_checkpoint_vectors(vectors: dict[str, Any]) -> None:
    cases = vectors["signed_checkpoints"]
    assert len(cases) == 2
    for case in cases:
        verifier = NoteVerifier.from_vkey(case["verifier_key"])
        if case["want_error"]:
            with pytest.raises(OriginMismatchError):
                open_checkpoint(case["note"], [verifier], origin=case["expected_origin"])
            continue
        checkpoint, signatures = open_checkpoint(case["note"], [verifier], origin=case["origin"])
        assert checkpoint.size == case["size"]
        assert checkpoint.root_hash == base64.b64decode(case["root_hash_b64"])
        assert [s.name for s in signatures] == ["sum.golang.org"]
