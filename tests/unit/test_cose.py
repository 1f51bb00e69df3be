"""COSE_Sign1 with EdDSA (RFC 9052 §4.2, §4.4): what we sign, what we accept, what we refuse."""

from __future__ import annotations

import hashlib

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from pycose import headers
from pycose.keys import OKPKey
from pycose.messages import Sign1Message

from sehat.core.cose import (
    CoseAlgorithmError,
    CoseError,
    CoseStructureError,
    SignatureError,
    UnknownKeyError,
    decode1,
    kid_for,
    sig_structure,
    sign1,
    verify1,
)

# RFC 8032 §7.1 test 1.
SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
KEY = Ed25519PrivateKey.from_private_bytes(SEED)
KID = kid_for(KEY.public_key())
KEYS = {KID: KEY.public_key()}
PAYLOAD = b"\xa2\x01fIR-SAO\x06\x1af\xe0\xab\x80"


def _rebuild(message: bytes, **changes: object) -> bytes:
    """The same COSE_Sign1 with some of its four parts replaced."""
    parts = cbor2.loads(message).value
    names = ["protected", "unprotected", "payload", "signature"]
    for name, value in changes.items():
        parts[names.index(name)] = value
    return cbor2.dumps(cbor2.CBORTag(18, parts))


def _signed(protected: dict[int, object], unprotected: dict[int, object] | None = None) -> bytes:
    """A COSE_Sign1 with the given headers, correctly signed by KEY."""
    encoded = cbor2.dumps(protected, canonical=True) if protected else b""
    signature = KEY.sign(sig_structure(encoded, PAYLOAD))
    return cbor2.dumps(cbor2.CBORTag(18, [encoded, unprotected or {}, PAYLOAD, signature]))


def test_kid_is_the_first_8_bytes_of_sha256_of_the_raw_public_key() -> None:
    assert KEY.public_key().public_bytes_raw() == PUBLIC
    assert kid_for(KEY.public_key()) == hashlib.sha256(PUBLIC).digest()[:8]


def test_sign1_is_tagged_with_the_exact_protected_header_and_no_unprotected_one() -> None:
    message = sign1(PAYLOAD, KEY, KID)
    item = cbor2.loads(message)
    assert item.tag == 18
    protected, unprotected, payload, signature = item.value
    # {1: -8, 4: h'<kid>'} in deterministic CBOR: a2 01 27 04 48 <8 bytes>.
    assert protected == bytes.fromhex("a2012704") + b"\x48" + KID
    assert unprotected == {}
    assert payload == PAYLOAD
    assert len(signature) == 64
    # Ed25519 is deterministic (RFC 8032 §5.1.6), so the same input gives the same bytes.
    assert sign1(PAYLOAD, KEY, KID) == message


def test_sig_structure_is_rfc_9052_signature1_array() -> None:
    expected = cbor2.dumps(["Signature1", b"\xa1\x01\x27", b"", b"x" * 300])
    assert sig_structure(b"\xa1\x01\x27", b"x" * 300) == expected
    assert sig_structure(b"", b"", b"aad") == cbor2.dumps(["Signature1", b"", b"aad", b""])


def test_round_trip_returns_the_payload_and_kid() -> None:
    verified = verify1(sign1(PAYLOAD, KEY, KID), KEYS)
    assert verified.payload == PAYLOAD
    assert verified.kid == KID
    assert verified.alg == -8
    assert verified.tagged


def test_pycose_alone_verifies_our_message_with_the_public_key() -> None:
    message = Sign1Message.decode(sign1(PAYLOAD, KEY, KID))
    message.key = OKPKey(crv="Ed25519", x=PUBLIC)
    assert message.verify_signature()
    assert message.phdr[headers.KID] == KID
    assert message.payload == PAYLOAD


def test_we_verify_a_message_pycose_signed() -> None:
    message = Sign1Message(phdr={headers.Algorithm: -8, headers.KID: KID}, payload=PAYLOAD)
    message.key = OKPKey(crv="Ed25519", x=PUBLIC, d=SEED)
    assert verify1(message.encode(), KEYS).payload == PAYLOAD


def test_untagged_message_is_accepted() -> None:
    untagged = cbor2.dumps(cbor2.loads(sign1(PAYLOAD, KEY, KID)).value)
    assert not verify1(untagged, KEYS).tagged


@pytest.mark.parametrize("part", ["payload", "signature"])
def test_changing_any_byte_of_payload_or_signature_fails(part: str) -> None:
    message = sign1(PAYLOAD, KEY, KID)
    original = getattr(decode1(message), part)
    for i in range(len(original)):
        changed = bytearray(original)
        changed[i] ^= 0x01
        with pytest.raises(SignatureError) as caught:
            verify1(_rebuild(message, **{part: bytes(changed)}), KEYS)
        assert caught.value.found == "invalid"


def test_changing_any_byte_of_the_whole_message_never_verifies() -> None:
    message = sign1(PAYLOAD, KEY, KID)
    for i in range(len(message)):
        changed = bytearray(message)
        changed[i] ^= 0x40
        with pytest.raises(CoseError):
            verify1(bytes(changed), KEYS)


def test_unknown_kid_names_the_kid() -> None:
    other = Ed25519PrivateKey.generate()
    with pytest.raises(UnknownKeyError) as caught:
        verify1(sign1(PAYLOAD, other, kid_for(other.public_key())), KEYS)
    assert caught.value.found == kid_for(other.public_key()).hex()
    assert "trust list" in caught.value.message


def test_missing_kid_is_refused() -> None:
    with pytest.raises(UnknownKeyError) as caught:
        verify1(_signed({1: -8}), KEYS)
    assert caught.value.found == "none"


def test_right_kid_but_another_key_fails_the_signature() -> None:
    other = Ed25519PrivateKey.generate()
    with pytest.raises(SignatureError):
        verify1(sign1(PAYLOAD, other, KID), KEYS)


@pytest.mark.parametrize(
    ("protected", "unprotected", "found"),
    [
        ({1: -7, 4: KID}, {}, "-7"),
        ({1: "EdDSA", 4: KID}, {}, "'EdDSA'"),
        ({4: KID}, {1: -8}, "none in the protected header"),
    ],
)
def test_algorithm_other_than_protected_eddsa_is_refused(
    protected: dict[int, object], unprotected: dict[int, object], found: str
) -> None:
    with pytest.raises(CoseAlgorithmError) as caught:
        verify1(_signed(protected, unprotected), KEYS)
    assert (caught.value.expected, caught.value.found) == ("-8", found)


def test_label_in_both_buckets_is_refused() -> None:
    with pytest.raises(CoseStructureError, match="in both"):
        verify1(_signed({1: -8, 4: KID}, {4: KID}), KEYS)


def test_unknown_critical_header_is_refused() -> None:
    with pytest.raises(CoseStructureError, match="crit"):
        verify1(_signed({1: -8, 2: [99], 4: KID, 99: 1}), KEYS)
    assert verify1(_signed({1: -8, 2: [4], 4: KID}), KEYS).kid == KID


def test_short_signature_reports_lengths() -> None:
    message = _rebuild(sign1(PAYLOAD, KEY, KID), signature=b"\x00" * 63)
    with pytest.raises(SignatureError) as caught:
        verify1(message, KEYS)
    assert (caught.value.expected, caught.value.found) == ("64", "63")


@pytest.mark.parametrize(
    ("message", "what"),
    [
        (b"", "message"),
        (b"\x1c", "message"),
        (b"\x5a\xff\xff\xff\xff", "message"),
        (cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"", b""])), "tag"),
        (cbor2.dumps([b"", {}, b""]), "shape"),
        (cbor2.dumps({"a": 1}), "shape"),
        (cbor2.dumps([{}, {}, b"", b""]), "protected header"),
        (cbor2.dumps([b"\x80", {}, b"", b""]), "protected header"),
        (cbor2.dumps([b"", [], b"", b""]), "unprotected header"),
        (cbor2.dumps([b"", {}, None, b""]), "payload"),
        (cbor2.dumps([b"", {}, b"", "sig"]), "signature"),
        (cbor2.dumps([b"", {}, b"", b""]) + b"\x00", "message"),
    ],
)
def test_malformed_messages_say_which_part_is_wrong(message: bytes, what: str) -> None:
    with pytest.raises(CoseStructureError) as caught:
        decode1(message)
    assert caught.value.mismatch.what == what


def test_cwt_tag_61_around_the_message_is_accepted() -> None:
    wrapped = cbor2.dumps(cbor2.CBORTag(61, cbor2.loads(sign1(PAYLOAD, KEY, KID))))
    assert verify1(wrapped, KEYS).payload == PAYLOAD


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_raise_a_structure_error(data: bytes) -> None:
    try:
        decoded = decode1(data)
    except CoseStructureError:
        return
    assert isinstance(decoded.payload, bytes)


@settings(max_examples=50)
@given(st.binary(max_size=1000))
def test_any_payload_round_trips(payload: bytes) -> None:
    assert verify1(sign1(payload, KEY, KID), KEYS).payload == payload


def _sign1_through_cbor2(payload: bytes, kid: bytes) -> bytes:
    """sign1 as it was written with cbor2's deterministic encoder, for comparison."""
    protected = cbor2.dumps({1: -8, 4: kid}, canonical=True)
    signature = KEY.sign(sig_structure(protected, payload))
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]), canonical=True)


@settings(max_examples=200)
@given(
    st.binary(max_size=70_000)
    | st.integers(0, 70_000).map(lambda n: b"p" * n)
    | st.sampled_from([b"", b"x" * 23, b"x" * 24, b"x" * 255, b"x" * 256, b"x" * 65_535]),
    st.binary(max_size=300) | st.just(KID),
)
def test_sign1_writes_the_bytes_cbor2_would(payload: bytes, kid: bytes) -> None:
    assert sign1(payload, KEY, kid) == _sign1_through_cbor2(payload, kid)


def test_sign1_of_a_payload_past_64_kib_writes_the_bytes_cbor2_would() -> None:
    payload = b"z" * 65_536
    assert sign1(payload, KEY, KID) == _sign1_through_cbor2(payload, KID)
