"""Signed notes and checkpoints as an outside verifier meets them (C2SP signed-note, checkpoint)."""

from __future__ import annotations

import base64
import contextlib
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from sehat.core.checkpoint import (
    Checkpoint,
    MalformedCheckpointError,
    OriginMismatchError,
    open_checkpoint,
    sign_checkpoint,
)
from sehat.core.note import (
    InvalidSignatureError,
    KeyFormatError,
    MalformedNoteError,
    NoteError,
    NoteSigner,
    NoteTextError,
    NoteVerifier,
    UnverifiedNoteError,
    key_id,
    open_note,
    sign_note,
)

ORIGIN = "sehat.example/log"
TEXT = "line one\n\nline three after a blank line\n"


def _seeded(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


LOG_KEY = NoteSigner(ORIGIN, _seeded(1))
WITNESS_KEY = NoteSigner("witness.example", _seeded(2))


def _signature_line(note: str) -> str:
    return note[note.rindex("\n\n") + 2 :]


def test_key_id_is_the_spec_formula() -> None:
    public = LOG_KEY.verifier.public_key
    expected = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + public).digest()[:4]
    assert key_id(ORIGIN, public) == expected == LOG_KEY.verifier.key_id
    assert LOG_KEY.verifier.vkey.split("+")[:2] == [ORIGIN, expected.hex()]


def test_key_texts_round_trip() -> None:
    assert NoteVerifier.from_vkey(LOG_KEY.verifier.vkey) == LOG_KEY.verifier
    restored = NoteSigner.from_skey(LOG_KEY.skey)
    assert restored.verifier == LOG_KEY.verifier
    assert LOG_KEY.skey.startswith(f"PRIVATE+KEY+{ORIGIN}+")


@pytest.mark.parametrize(
    ("vkey", "says"),
    [
        ("no-plus-signs", "8 hex digits"),
        (LOG_KEY.verifier.vkey.replace("+", "+0", 1), "8 hex digits"),
        (f"{ORIGIN}+00000000+" + LOG_KEY.verifier.vkey.split("+", 2)[2], "does not match"),
        (f"{ORIGIN}+00000000+" + base64.b64encode(b"\x02" + b"k" * 32).decode(), "only Ed25519"),
        (f"{ORIGIN}+00000000+" + base64.b64encode(b"\x01" + b"k" * 31).decode(), "32 bytes"),
        ("bad name+00000000+" + base64.b64encode(b"\x01" + b"k" * 32).decode(), "has a space"),
    ],
)
def test_bad_verifier_keys_are_refused_with_the_reason(vkey: str, says: str) -> None:
    with pytest.raises(KeyFormatError, match=says) as error:
        NoteVerifier.from_vkey(vkey)
    assert error.value.field == "verifier_key"
    assert error.value.message_fa != error.value.message


def test_signer_key_with_a_wrong_key_id_is_refused() -> None:
    parts = LOG_KEY.skey.split("+")
    parts[3] = "00000000"
    with pytest.raises(KeyFormatError, match="does not match the key"):
        NoteSigner.from_skey("+".join(parts))
    with pytest.raises(KeyFormatError):
        NoteSigner.from_skey("PUBLIC+KEY+" + "+".join(parts[2:]))


def test_sign_then_open_gives_back_the_text_and_signer() -> None:
    note = sign_note(TEXT, LOG_KEY.name, LOG_KEY.private_key)
    assert note.startswith(TEXT + "\n\u2014 " + ORIGIN + " ")
    text, signatures = open_note(note, [LOG_KEY.verifier])
    assert text == TEXT
    assert [(s.name, s.key_id) for s in signatures] == [(ORIGIN, LOG_KEY.verifier.key_id)]
    assert open_note(note.encode(), [LOG_KEY.verifier])[0] == TEXT


def test_unknown_keys_are_ignored_but_a_bad_trusted_signature_rejects_the_note() -> None:
    note = sign_note(TEXT, LOG_KEY.name, LOG_KEY.private_key)
    cosigned = note + _signature_line(sign_note(TEXT, WITNESS_KEY.name, WITNESS_KEY.private_key))
    assert [s.name for s in open_note(cosigned, [LOG_KEY.verifier])[1]] == [ORIGIN]
    both = open_note(cosigned, [LOG_KEY.verifier, WITNESS_KEY.verifier])[1]
    assert [s.name for s in both] == [ORIGIN, "witness.example"]

    # Same name, other key: an unknown key (other key ID), so not trusted.
    impostor = NoteSigner(ORIGIN, _seeded(3))
    forged = sign_note(TEXT, impostor.name, impostor.private_key)
    with pytest.raises(UnverifiedNoteError, match=ORIGIN):
        open_note(forged, [LOG_KEY.verifier])

    # A trusted key's signature over other text: the whole note is rejected.
    wrong = sign_note("other text\n", WITNESS_KEY.name, WITNESS_KEY.private_key)
    with pytest.raises(InvalidSignatureError) as error:
        open_note(note + _signature_line(wrong), [LOG_KEY.verifier, WITNESS_KEY.verifier])
    assert error.value.name == "witness.example"


def test_changed_text_fails_verification() -> None:
    note = sign_note(TEXT, LOG_KEY.name, LOG_KEY.private_key)
    with pytest.raises(InvalidSignatureError):
        open_note(note.replace("line one", "line 1"), [LOG_KEY.verifier])


def test_signature_limit() -> None:
    note = sign_note(TEXT, LOG_KEY.name, LOG_KEY.private_key)
    line = _signature_line(note)
    sixteen = note + line * 15
    assert len(open_note(sixteen, [LOG_KEY.verifier])[1]) == 1  # repeats count once
    with pytest.raises(MalformedNoteError, match="17 signatures; at most 16"):
        open_note(sixteen + line, [LOG_KEY.verifier], max_signatures=16)


@pytest.mark.parametrize(
    "damage",
    [
        lambda note: note.replace("\u2014 ", "- "),  # ASCII hyphen, not the em dash
        lambda note: note.replace(f"\u2014 {ORIGIN} ", "\u2014 bad name "),
        lambda note: note.replace(f"\u2014 {ORIGIN} ", "\u2014 a+b "),
        lambda note: note.replace(f"\u2014 {ORIGIN} ", "\u2014 "),
        lambda note: note[:-2] + "\n",  # base64 without its padding
        lambda note: note.rsplit(" ", 1)[0] + " AAAA\n",  # too short for key ID + signature
        lambda note: note.replace("line one", "line\tone"),
        lambda note: note.replace("line one", "line\rone"),
        lambda note: note[:-1],
        lambda note: note.replace("\n\n\u2014", "\n\u2014"),
    ],
)
def test_malformed_notes_are_rejected(damage: object) -> None:
    note = sign_note(TEXT, LOG_KEY.name, LOG_KEY.private_key)
    assert callable(damage)
    with pytest.raises(MalformedNoteError):
        open_note(damage(note), [LOG_KEY.verifier])


def test_invalid_utf8_is_malformed() -> None:
    note = sign_note(TEXT, LOG_KEY.name, LOG_KEY.private_key).encode()
    with pytest.raises(MalformedNoteError, match="byte 0 is not UTF-8"):
        open_note(b"\xff" + note, [LOG_KEY.verifier])


@pytest.mark.parametrize("text", ["", "no final newline", "tab\there\n", "nul\x00\n"])
def test_text_that_cannot_be_signed(text: str) -> None:
    with pytest.raises(NoteTextError) as error:
        sign_note(text, LOG_KEY.name, LOG_KEY.private_key)
    assert error.value.field == "text"


def test_key_name_must_be_valid_to_sign() -> None:
    with pytest.raises(KeyFormatError):
        sign_note(TEXT, "two words", LOG_KEY.private_key)


@settings(deadline=None, max_examples=50)
@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40), min_size=1
    ).map(lambda lines: "\n".join(lines) + "\n")
)
def test_any_text_round_trips(text: str) -> None:
    note = sign_note(text, LOG_KEY.name, LOG_KEY.private_key)
    assert open_note(note, [LOG_KEY.verifier])[0] == text


# --- checkpoints -----------------------------------------------------------------------------
ROOT = hashlib.sha256(b"root").digest()


def test_checkpoint_format_is_the_c2sp_body() -> None:
    checkpoint = Checkpoint(ORIGIN, 20852163, ROOT)
    assert checkpoint.format() == f"{ORIGIN}\n20852163\n{base64.b64encode(ROOT).decode()}\n"
    assert Checkpoint.parse(checkpoint.format()) == checkpoint


@settings(deadline=None, max_examples=50)
@given(
    size=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(st.from_regex(r"[a-z0-9 /.=+-]{1,20}", fullmatch=True), max_size=3),
)
def test_checkpoint_round_trips(size: int, root: bytes, extensions: list[str]) -> None:
    checkpoint = Checkpoint(ORIGIN, size, root, tuple(extensions))
    assert Checkpoint.parse(checkpoint.format()) == checkpoint


@pytest.mark.parametrize(
    ("body", "line", "says"),
    [
        (f"{ORIGIN}\n0123\n{{h}}\n", 2, "leading zeros"),
        (f"{ORIGIN}\n+5\n{{h}}\n", 2, "leading zeros"),
        (f"{ORIGIN}\n 5\n{{h}}\n", 2, "leading zeros"),
        (f"{ORIGIN}\n\u0661\u0662\n{{h}}\n", 2, "leading zeros"),  # Arabic-Indic digits
        (f"{ORIGIN}\n{2**64}\n{{h}}\n", 2, "2\\^64-1"),
        (f"{ORIGIN}\n5\n{{h}}", 3, "ending in a newline"),
        (f"{ORIGIN}\n5\n", 3, "at least three lines"),
        ("\n5\n{h}\n", 1, "origin is empty"),
        (f"{ORIGIN}\n5\n{{h}}\n\n", 4, "extension line is empty"),
        (f"{ORIGIN}\n5\n{{h}}\next\x01\n", 4, "control character"),
        (f"{ORIGIN}\n5\nAAAA\n", 3, "3 bytes; expected 32"),
        (f"{ORIGIN}\n5\n{{h}}=\n", 3, "not standard base64"),
    ],
)
def test_malformed_checkpoints_name_the_line(body: str, line: int, says: str) -> None:
    with pytest.raises(MalformedCheckpointError, match=says) as error:
        Checkpoint.parse(body.replace("{h}", base64.b64encode(ROOT).decode()))
    assert error.value.line == line


def test_non_canonical_base64_root_is_rejected() -> None:
    almost = base64.b64encode(ROOT).decode()
    tweaked = almost[:-2] + chr(ord(almost[-2]) + 1) + "="  # same bytes, other padding bits
    assert base64.b64decode(tweaked) == ROOT
    with pytest.raises(MalformedCheckpointError, match="line 3"):
        Checkpoint.parse(f"{ORIGIN}\n1\n{tweaked}\n")


@pytest.mark.parametrize(
    ("origin", "size", "root", "extensions"),
    [
        (ORIGIN, -1, ROOT, ()),
        (ORIGIN, True, ROOT, ()),
        ("", 1, ROOT, ()),
        ("two\nlines", 1, ROOT, ()),
        (ORIGIN, 1, b"", ()),
        (ORIGIN, 1, ROOT, ("ok", "")),
    ],
)
def test_checkpoint_fields_are_validated(
    origin: str, size: int, root: bytes, extensions: tuple[str, ...]
) -> None:
    with pytest.raises(MalformedCheckpointError):
        Checkpoint(origin, size, root, extensions)


def test_signed_checkpoint_opens_for_its_origin_only() -> None:
    checkpoint = Checkpoint(ORIGIN, 42, ROOT)
    note = sign_checkpoint(checkpoint, LOG_KEY.name, LOG_KEY.private_key)
    opened, signatures = open_checkpoint(note, [LOG_KEY.verifier], origin=ORIGIN)
    assert opened == checkpoint and signatures[0].name == ORIGIN
    with pytest.raises(OriginMismatchError) as error:
        open_checkpoint(note, [LOG_KEY.verifier], origin="other.example/log")
    assert error.value.mismatch.expected == "other.example/log"
    assert error.value.mismatch.found == ORIGIN
    with pytest.raises(UnverifiedNoteError):
        open_checkpoint(note, [WITNESS_KEY.verifier], origin=ORIGIN)
    unsigned_body = sign_note("not\na checkpoint\n", LOG_KEY.name, LOG_KEY.private_key)
    with pytest.raises(MalformedCheckpointError):
        open_checkpoint(unsigned_body, [LOG_KEY.verifier], origin="not")


_WIRE_CHARS = st.sampled_from("\u2014 \n+=/aA0\u0661\x00\udc80\u00e9") | st.characters()


@settings(deadline=None, max_examples=300)
@given(garbage=st.text(_WIRE_CHARS, max_size=80))
def test_any_input_is_opened_or_refused_with_a_domain_error(garbage: str) -> None:
    """Whatever arrives on the wire, readers answer with a domain error, never a crash."""
    note = sign_note(TEXT, LOG_KEY.name, LOG_KEY.private_key)
    for candidate in (garbage, note + garbage, garbage + note, TEXT + "\n" + garbage):
        with contextlib.suppress(NoteError):
            assert open_note(candidate, [LOG_KEY.verifier])[0].endswith("\n")
        with contextlib.suppress(MalformedCheckpointError):
            assert Checkpoint.parse(candidate).format() == candidate
        with contextlib.suppress(KeyFormatError):
            assert NoteVerifier.from_vkey(candidate).vkey.lower() == candidate.lower()
