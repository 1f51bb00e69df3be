"""The QR text (DESIGN §4): SEHAT1: + base45(zlib(COSE_Sign1)) and the claims inside."""

from __future__ import annotations

import hashlib
import io
import zlib
from dataclasses import replace
from datetime import date

import base45
import cbor2
import pytest
import segno
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import event, given, settings
from hypothesis import strategies as st
from PIL import Image
from pycose.keys import OKPKey
from pycose.messages import Sign1Message
from stdnum.iso7064 import mod_97_10

from sehat.core import cose
from sehat.core.code import AuthCode, build
from sehat.core.qr import (
    PREFIX,
    QrBase45Error,
    QrClaimsError,
    QrCompressionError,
    QrContentError,
    QrDocument,
    QrPrefixError,
    QrSizeError,
    _read_claims,
    _readable,
    base45_decode,
    claims_payload,
    decode_qr,
    decode_qr_unverified,
    document_map,
    encode_qr,
    make_container,
    open_container,
)
from sehat.errors import InputError, VerificationError

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KID = cose.kid_for(KEY.public_key())
KEYS = {KID: KEY.public_key()}
ISSUER = "IR-SAO"
ISSUED_AT = 1_726_000_000
# A typical degree: Persian names of about 20 characters, Latin names, an ISCED-F code.
TYPICAL = QrDocument(
    code=build(1, 1, 3, 2, 4_821_930_576),
    version=1,
    holder_name="فاطمه رضایی اصفهانی",
    holder_name_latin="Fatemeh Rezaei Esfahani",
    birth_date=date(2001, 3, 21),
    kind=2,
    institution="10001",
    field_of_study="مهندسی برق - الکترونیک",
    isced_code="0714",
    graduation_date=date(2024, 9, 10),
)
# As the registry signs it since ADR 0008: key 12, the salted hash of the whole record.
HASHED = replace(TYPICAL, record_hash=hashlib.sha256(b"a typical record").digest()[:28])


def _qr(doc: QrDocument = TYPICAL) -> str:
    return encode_qr(doc, ISSUER, ISSUED_AT, KEY, KID)


def _with_claims(claims: object) -> str:
    """A correctly signed QR around arbitrary claims, as a faulty or hostile issuer could make."""
    return make_container(cose.sign1(cbor2.dumps(claims), KEY, KID))


def test_typical_degree_round_trips() -> None:
    verified = decode_qr(_qr(), KEYS)
    assert verified.document == TYPICAL
    assert (verified.issuer, verified.issued_at, verified.kid) == (ISSUER, ISSUED_AT, KID)


def test_typical_degree_fits_in_480_characters_and_qr_version_13_at_level_m() -> None:
    text = _qr()
    assert text.startswith("SEHAT1:")
    assert len(text) <= 480
    symbol = segno.make(text, error="m", micro=False)
    assert symbol.mode == "alphanumeric"
    assert symbol.version <= 13


def test_with_key_12_a_typical_degree_still_fits_qr_version_13_at_level_m() -> None:
    # 31 more bytes of CBOR that do not compress: about 47 more characters, within DESIGN
    # §9's 480 (ADR 0008 gives the figures).
    for n in range(200):
        record = hashlib.sha256(n.to_bytes(4, "big")).digest()[:28]
        text = _qr(replace(TYPICAL, record_hash=record))
        assert len(text) - len(_qr()) in range(43, 52)
        assert len(text) <= 480
        assert segno.make(text, error="m", micro=False).version <= 13


def test_the_payload_is_the_cwt_claims_of_design_section_4() -> None:
    claims = cbor2.loads(cose.decode1(open_container(_qr())).payload)
    assert set(claims) == {1, 6, "acd"}
    assert claims[1] == ISSUER and claims[6] == ISSUED_AT
    assert claims["acd"] == {
        1: TYPICAL.code,
        2: 1,
        3: "فاطمه رضایی اصفهانی",
        4: "Fatemeh Rezaei Esfahani",
        5: "2001-03-21",
        6: 2,
        7: "10001",
        8: "مهندسی برق - الکترونیک",
        9: "0714",
        10: "2024-09-10",
    }


def test_absent_optional_fields_are_omitted_and_present_ones_kept() -> None:
    bare = replace(TYPICAL, holder_name_latin=None, isced_code=None)
    assert set(document_map(bare)) == {1, 2, 3, 5, 6, 7, 8, 10}
    seminary = replace(bare, kind=7, seminary_level=3, code=build(4, 12, 3, 7, 1))
    assert document_map(seminary)[11] == 3
    assert decode_qr(_qr(seminary), KEYS).document == seminary


def test_the_signed_payload_is_deterministic_cbor() -> None:
    payload = claims_payload(TYPICAL, ISSUER, ISSUED_AT)
    assert payload == cbor2.dumps(cbor2.loads(payload), canonical=True)
    assert _qr() == _qr()


@pytest.mark.parametrize("doc", [TYPICAL, HASHED], ids=["keys 1-11", "with key 12"])
def test_pycose_alone_verifies_the_qr_with_the_public_key(doc: QrDocument) -> None:
    # An outside verifier's steps, with the base45 package, zlib and pycose only.
    compressed = base45.b45decode(_qr(doc)[len("SEHAT1:") :])
    message = Sign1Message.decode(zlib.decompress(compressed))
    message.key = OKPKey(crv="Ed25519", x=KEY.public_key().public_bytes_raw())
    assert message.verify_signature()
    acd = cbor2.loads(message.payload)["acd"]
    assert acd[1] == TYPICAL.code
    assert acd.get(12) == doc.record_hash


def test_key_12_is_the_record_hash_as_28_bytes_and_keys_1_to_11_are_unchanged() -> None:
    claims = cbor2.loads(cose.decode1(open_container(_qr(HASHED))).payload)
    old = cbor2.loads(claims_payload(TYPICAL, ISSUER, ISSUED_AT))
    assert claims["acd"] == {**old["acd"], 12: HASHED.record_hash}
    # 12 (1 byte) + a byte string of 28 (2 bytes of header, 28 of content)
    payload = claims_payload(HASHED, ISSUER, ISSUED_AT)
    assert len(payload) - len(claims_payload(TYPICAL, ISSUER, ISSUED_AT)) == 31
    assert payload == cbor2.dumps(cbor2.loads(payload), canonical=True)
    assert decode_qr(_qr(HASHED), KEYS).document == HASHED


def test_a_qr_without_key_12_reads_as_having_no_record_hash() -> None:
    assert decode_qr(_qr(), KEYS).document.record_hash is None
    assert 12 not in document_map(TYPICAL)


@pytest.mark.parametrize("value", [b"", b"\0" * 27, b"\0" * 29, b"\0" * 32, "9f" * 14, 0, None])
def test_a_key_12_that_is_not_28_bytes_is_refused(value: object) -> None:
    acd = cbor2.loads(claims_payload(TYPICAL, ISSUER, ISSUED_AT))["acd"]
    acd[12] = value
    with pytest.raises(QrClaimsError) as caught:
        decode_qr(_with_claims({1: ISSUER, 6: ISSUED_AT, "acd": acd}), KEYS)
    assert [p.field for p in caught.value.problems] == ["acd.12 (record_hash)"]
    if isinstance(value, bytes):
        with pytest.raises(QrContentError, match=r"acd\.12"):
            claims_payload(replace(TYPICAL, record_hash=value), ISSUER, ISSUED_AT)


def test_the_qr_image_reads_back_to_the_same_text() -> None:
    text = _qr()
    png = io.BytesIO()
    segno.make(text, error="m", micro=False).save(png, kind="png", scale=4, border=4)
    png.seek(0)
    with Image.open(png) as image:
        found = zxingcpp.read_barcodes(image.convert("L"))
    assert [barcode.text for barcode in found] == [text]
    assert decode_qr(found[0].text, KEYS).document == TYPICAL


def test_changing_any_payload_or_signature_byte_fails_verification() -> None:
    message = open_container(_qr())
    parts = cbor2.loads(message).value
    for index in (2, 3):
        for i in range(len(parts[index])):
            changed = list(parts)
            flipped = bytearray(changed[index])
            flipped[i] ^= 0x01
            changed[index] = bytes(flipped)
            text = make_container(cbor2.dumps(cbor2.CBORTag(18, changed)))
            with pytest.raises(cose.SignatureError):
                decode_qr(text, KEYS)


def test_unverified_reading_needs_no_key_and_says_which_key_signed() -> None:
    contents = decode_qr_unverified(_qr())
    assert contents.document == TYPICAL
    assert contents.kid == KID


@pytest.mark.parametrize("text", ["HC1:NCF", "sehat1:ABC", "", "SEHAT2:00"])
def test_wrong_prefix_is_a_prefix_error(text: str) -> None:
    with pytest.raises(QrPrefixError) as caught:
        decode_qr(text, KEYS)
    assert caught.value.position == 1
    assert "SEHAT1:" in caught.value.message


def test_character_outside_base45_is_reported_at_its_position() -> None:
    text = _qr()
    bad = text[:20] + "a" + text[21:]
    with pytest.raises(QrBase45Error) as caught:
        decode_qr(bad, KEYS)
    assert caught.value.position == 21
    assert caught.value.problems[0].fix


@pytest.mark.parametrize(
    ("body", "position"),
    [("A", 8), ("ABCD", 11), ("GGW", 8), ("00GGW", 11), ("000GGW", 11), ("٠٠", 8)],
)
def test_impossible_base45_is_a_base45_error(body: str, position: int) -> None:
    with pytest.raises(QrBase45Error) as caught:
        open_container(PREFIX + body)
    assert caught.value.position == position


def test_a_trailing_line_break_from_a_scanner_is_ignored() -> None:
    assert decode_qr(_qr() + "\r\n", KEYS).document == TYPICAL


@pytest.mark.parametrize(
    "data",
    [b"not zlib", zlib.compress(b"x" * 100)[:-3], zlib.compress(b"x" * 100) + b"\x00"],
    ids=["not-zlib", "truncated", "trailing-bytes"],
)
def test_broken_compression_is_a_compression_error(data: bytes) -> None:
    with pytest.raises(QrCompressionError):
        open_container(PREFIX + base45.b45encode(data).decode())


def test_zip_bomb_stops_at_the_size_limit() -> None:
    bomb = zlib.compress(b"\x00" * 10_000_000, 9)
    assert len(bomb) < 10_000
    with pytest.raises(QrSizeError):
        open_container(PREFIX + base45.b45encode(bomb).decode())


def test_size_limit_is_a_parameter() -> None:
    with pytest.raises(QrSizeError):
        decode_qr(_qr(), KEYS, max_size=200)
    with pytest.raises(QrSizeError):
        open_container(PREFIX + "0" * 5000, max_size=2000)


def test_unknown_key_is_reported_with_its_kid() -> None:
    other = Ed25519PrivateKey.generate()
    text = encode_qr(TYPICAL, ISSUER, ISSUED_AT, other, cose.kid_for(other.public_key()))
    with pytest.raises(cose.UnknownKeyError) as caught:
        decode_qr(text, KEYS)
    assert caught.value.found == cose.kid_for(other.public_key()).hex()


def test_signed_claims_that_are_not_a_document_list_every_problem() -> None:
    acd = cbor2.loads(claims_payload(TYPICAL, ISSUER, ISSUED_AT))["acd"]
    acd.update({2: True, 5: "2023-02-30", 6: 0, 7: "01234", 9: "ISCED"})
    del acd[1]
    with pytest.raises(QrClaimsError) as caught:
        decode_qr(_with_claims({1: ISSUER, 6: -1, "acd": acd}), KEYS)
    fields = [p.field for p in caught.value.problems]
    assert fields == [
        "claims.6 (iat)",
        "acd.1 (code)",
        "acd.2 (version)",
        "acd.5 (birth_date)",
        "acd.6 (kind)",
        "acd.7 (institution)",
        "acd.9 (isced_code)",
    ]
    assert "found nothing" in caught.value.problems[1].message
    assert "2023-02-30" in caught.value.problems[3].message


@pytest.mark.parametrize(
    "claims", [[1, 2], {1: ISSUER, 6: ISSUED_AT}, {1: ISSUER, 6: ISSUED_AT, "acd": [1]}]
)
def test_claims_of_the_wrong_shape_are_refused(claims: object) -> None:
    with pytest.raises(QrClaimsError):
        decode_qr(_with_claims(claims), KEYS)


def test_payload_that_is_not_one_cbor_item_is_refused() -> None:
    text = make_container(cose.sign1(b"\xa0\xa0", KEY, KID))
    with pytest.raises(QrClaimsError, match="one CBOR data item"):
        decode_qr(text, KEYS)


def test_dates_must_be_written_yyyy_mm_dd() -> None:
    acd = cbor2.loads(claims_payload(TYPICAL, ISSUER, ISSUED_AT))["acd"]
    acd[10] = "20240910"  # date.fromisoformat would take this
    with pytest.raises(QrClaimsError, match="graduation_date"):
        decode_qr(_with_claims({1: ISSUER, 6: ISSUED_AT, "acd": acd}), KEYS)


def test_a_document_a_verifier_would_refuse_is_never_signed() -> None:
    with pytest.raises(QrContentError) as caught:
        _qr(replace(TYPICAL, code=AuthCode("10001032482193057600"), holder_name=" "))
    assert [p.field for p in caught.value.problems] == ["acd.1 (code)", "acd.3 (holder_name)"]
    with pytest.raises(QrContentError, match="iss"):
        encode_qr(TYPICAL, "", ISSUED_AT, KEY, KID)


@settings(max_examples=200)
@given(st.text(alphabet="0123456789", min_size=20, max_size=20))
def test_check_digit_rule_agrees_with_stdnum(code: str) -> None:
    doc = replace(TYPICAL, code=AuthCode(code))
    if mod_97_10.is_valid(code):
        assert claims_payload(doc, ISSUER, ISSUED_AT)
    else:
        with pytest.raises(QrContentError, match=r"acd\.1"):
            claims_payload(doc, ISSUER, ISSUED_AT)


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_base45_decoding_inverts_the_base45_package(data: bytes) -> None:
    assert base45_decode(base45.b45encode(data).decode()) == data
    assert open_container(make_container(data)) == data


@settings(max_examples=300)
@given(st.text(alphabet=base45.BASE45_CHARSET + "ab", max_size=30))
def test_base45_decoding_refuses_what_the_base45_package_refuses(text: str) -> None:
    try:
        expected = base45.b45decode(text)
    except ValueError:
        with pytest.raises(QrBase45Error):
            base45_decode(text)
    else:
        assert base45_decode(text) == expected


_PERSIAN = st.text(alphabet="ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی \u200c", min_size=1, max_size=40)


@st.composite
def documents(draw: st.DrawFn) -> QrDocument:
    kind = draw(st.integers(1, 9))
    domain = draw(st.integers(1, 5))
    institution = draw(st.integers(0, 9999))
    code = build(
        domain, institution, draw(st.integers(0, 99)), kind, draw(st.integers(0, 10**10 - 1))
    )
    return QrDocument(
        code=code,
        version=draw(st.integers(1, 2**32)),
        holder_name=draw(_PERSIAN.filter(str.strip)),
        holder_name_latin=draw(st.none() | st.text(min_size=1, max_size=40).filter(str.strip)),
        birth_date=draw(st.dates()),
        kind=kind,
        institution=code[:5],
        field_of_study=draw(_PERSIAN.filter(str.strip)),
        isced_code=draw(st.none() | st.from_regex(r"\A[0-9]{2,4}\Z")),
        graduation_date=draw(st.dates()),
        seminary_level=draw(st.none() | st.integers(1, 4)),
        record_hash=draw(st.none() | st.binary(min_size=28, max_size=28)),
    )


@settings(max_examples=100, deadline=None)
@given(documents(), st.integers(0, 2**40))
def test_random_documents_round_trip(doc: QrDocument, issued_at: int) -> None:
    text = encode_qr(doc, ISSUER, issued_at, KEY, KID)
    verified = decode_qr(text, KEYS)
    assert verified.document == doc
    assert verified.issued_at == issued_at


@settings(max_examples=200)
@given(st.binary(max_size=64).filter(lambda b: len(b) != 28))
def test_a_byte_string_of_any_other_length_is_never_a_record_hash(value: bytes) -> None:
    acd = cbor2.loads(claims_payload(TYPICAL, ISSUER, ISSUED_AT))["acd"]
    with pytest.raises(QrClaimsError, match=r"acd\.12"):
        decode_qr(_with_claims({1: ISSUER, 6: ISSUED_AT, "acd": {**acd, 12: value}}), KEYS)


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=60), st.binary(max_size=200).map(make_container)))
def test_any_text_is_read_or_refused_with_a_sehat_error(text: str) -> None:
    # Never a crash (and so never a 500 in the api): every refusal is one of our errors.
    with pytest.raises((InputError, VerificationError)):
        decode_qr(PREFIX + text if not text.startswith(PREFIX) else text, KEYS)


def _claims_payload_checked_in_full(doc: QrDocument, issuer: str, issued_at: int) -> bytes:
    """claims_payload as written before its typed fast check: the verifier's reading of the
    claims, then cbor2's deterministic encoding."""
    claims = {1: issuer, 6: issued_at, "acd": document_map(doc)}
    problems = _read_claims(claims)[1]
    if problems:
        raise QrContentError(problems)
    return cbor2.dumps(claims, canonical=True)


def _valid_code(digits: str) -> str:
    return digits + mod_97_10.calc_check_digits(digits + "00")


_persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_codes = st.text("0123456789", min_size=18, max_size=18).map(_valid_code)
_shown = st.text(min_size=1, max_size=8).filter(str.strip)
_names = st.text(max_size=8) | st.sampled_from(["", " ", "\u200c", "\n", "زهرا", " a "])
_dates = st.dates() | st.datetimes()
_small = st.integers(-2, 12) | st.booleans()
# Each field as a verifier reads it ...
_VALID = {
    "code": _codes,
    "version": st.integers(1, 2**70),
    "holder_name": _shown,
    "holder_name_latin": st.none() | _shown,
    "birth_date": st.dates(),
    "kind": st.integers(1, 9),
    "institution": st.from_regex("[1-9][0-9]{4}", fullmatch=True),
    "field_of_study": _shown,
    "isced_code": st.none() | st.from_regex("[0-9]{2,4}", fullmatch=True),
    "graduation_date": st.dates(),
    "seminary_level": st.none() | st.integers(1, 4),
    "record_hash": st.none() | st.binary(min_size=28, max_size=28),
}
# ... and as anything a caller could put there, near the edges of what it accepts.
_ANY = {
    "code": _codes.map(lambda c: c.translate(_persian))
    | _codes.map(lambda c: c + "\n")
    | st.text("0123456789", min_size=19, max_size=21),
    "version": st.integers(-2, 2) | st.booleans(),
    "holder_name": _names,
    "holder_name_latin": _names,
    "birth_date": _dates,
    "kind": _small,
    "institution": st.sampled_from(["04000", "4000", "400030", "۴۰۰۰۳", "10001\n", ""]),
    "field_of_study": _names,
    "isced_code": st.sampled_from(["0", "07141", "٠٧", "", "07\n"]),
    "graduation_date": _dates,
    "seminary_level": _small,
    "record_hash": st.binary(min_size=26, max_size=30),
}


@st.composite
def _documents(draw: st.DrawFn) -> QrDocument:
    """A document a verifier reads, with none, one or two fields replaced by anything."""
    doc = draw(st.builds(QrDocument, **_VALID))
    for name in draw(st.lists(st.sampled_from(sorted(_ANY)), max_size=2)):
        doc = replace(doc, **{name: draw(_ANY[name])})
    return doc


@settings(max_examples=1000)
@given(
    _documents(),
    st.just(ISSUER) | st.sampled_from(["", " ", "\n"]) | st.text(max_size=4),
    st.integers(0, 2**70) | st.integers(-2, 2**70) | st.booleans(),
)
def test_claims_payload_signs_and_refuses_as_the_full_check_does(
    doc: QrDocument, issuer: str, issued_at: int
) -> None:
    """The typed fast check before signing never lets through what a verifier refuses, and
    the bytes signed are the same as with the verifier's full reading."""
    event(f"fast check passes: {_readable(doc, issuer, issued_at)}")
    try:
        expected = _claims_payload_checked_in_full(doc, issuer, issued_at)
    except QrContentError as exc:
        with pytest.raises(QrContentError) as raised:
            claims_payload(doc, issuer, issued_at)
        assert raised.value.problems == exc.problems
        return
    assert claims_payload(doc, issuer, issued_at) == expected
    payload = claims_payload(doc, issuer, issued_at)
    assert _read_claims(cbor2.loads(payload))[1] == []


@settings(max_examples=300)
@given(_documents(), st.sampled_from([ISSUER, " ", ""]), st.integers(-1, 2**40))
def test_what_the_fast_check_passes_a_verifier_reads(
    doc: QrDocument, issuer: str, issued_at: int
) -> None:
    if _readable(doc, issuer, issued_at):
        claims = {1: issuer, 6: issued_at, "acd": document_map(doc)}
        assert _read_claims(claims) == (doc, [])
