"""``eddsa-jcs-2022`` Data Integrity proofs: what we sign, what we accept, what we refuse
(the W3C vectors are in tests/conformance/test_eddsa_jcs_vectors.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from sehat.core.data_integrity import (
    ProofSignatureError,
    ProofStructureError,
    UnknownMethodError,
    add_proof,
    base58btc_decode,
    base58btc_encode,
    datetime_stamp,
    multikey,
    public_key_from_multikey,
    verify_proof,
)

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
METHOD = "https://sehat.example/api/v1/trust-list#0011223344556677"
WHEN = datetime(2026, 1, 31, 8, 0, 0, 123456, tzinfo=UTC)
DOC: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "issuer": "https://sehat.example/api/v1/trust-list",
    "credentialSubject": {"name": "زهرا احمدی"},
}


def _resolve(method: str) -> Any:
    return KEY.public_key() if method == METHOD else None


def _signed() -> dict[str, Any]:
    return add_proof(DOC, KEY, verification_method=METHOD, created=WHEN)


@given(st.binary(max_size=80))
def test_base58btc_round_trips_and_keeps_leading_zeros(data: bytes) -> None:
    text = base58btc_encode(data)
    assert base58btc_decode(text) == data
    assert len(text) - len(text.lstrip("1")) == len(data) - len(data.lstrip(b"\0"))


def test_base58btc_refuses_characters_outside_the_alphabet() -> None:
    assert base58btc_encode(b"\0\0\x01") == "112"
    for bad in ("0", "O", "I", "l", "+"):
        with pytest.raises(ValueError, match="base58"):
            base58btc_decode("2" + bad)


def test_a_multikey_is_z6mk_and_only_ed25519_keys_open() -> None:
    text = multikey(KEY.public_key())
    assert text.startswith("z6Mk")
    assert public_key_from_multikey(text).public_bytes_raw() == KEY.public_key().public_bytes_raw()
    raw = base58btc_decode(text[1:])
    for bad in (
        text[1:],  # no multibase header
        "z" + base58btc_encode(b"\xec\x01" + raw[2:]),  # another multicodec (x25519)
        "z" + base58btc_encode(raw[:-1]),  # 31 bytes
    ):
        with pytest.raises(ValueError):
            public_key_from_multikey(bad)


def test_created_is_utc_to_the_second_and_needs_a_time_zone() -> None:
    tehran = timezone(timedelta(hours=3, minutes=30))
    assert datetime_stamp(datetime(2026, 1, 31, 11, 30, 5, tzinfo=tehran)) == (
        "2026-01-31T08:00:05Z"
    )
    with pytest.raises(ValueError, match="time zone"):
        datetime_stamp(datetime(2026, 1, 31))


def test_a_proof_carries_the_documents_context_and_verifies() -> None:
    signed = _signed()
    proof = signed["proof"]
    assert {k: v for k, v in signed.items() if k != "proof"} == DOC
    assert proof["@context"] == DOC["@context"]
    assert proof["created"] == "2026-01-31T08:00:00Z"
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof",
        "eddsa-jcs-2022",
        "assertionMethod",
    )
    [verified] = verify_proof(signed, _resolve)
    assert verified.verification_method == METHOD
    # The order of keys is not signed: JCS sorts them.
    assert verify_proof(dict(reversed(list(signed.items()))), _resolve) == (verified,)


def test_a_proof_set_of_one_has_the_same_signature_and_every_proof_must_verify() -> None:
    single = _signed()
    as_set = add_proof(DOC, KEY, verification_method=METHOD, created=WHEN, as_set=True)
    assert as_set["proof"] == [single["proof"]]
    assert verify_proof(as_set, _resolve) == verify_proof(single, _resolve)
    other = Ed25519PrivateKey.from_private_bytes(bytes(32))
    by_other = add_proof(DOC, other, verification_method=METHOD + "0", created=WHEN)
    both = {**DOC, "proof": [single["proof"], by_other["proof"]]}
    keys = {METHOD: KEY.public_key(), METHOD + "0": other.public_key()}
    assert len(verify_proof(both, keys.get)) == 2
    with pytest.raises(UnknownMethodError):
        verify_proof(both, _resolve)  # one of the two keys is not trusted: the set fails


def test_a_document_with_a_proof_is_not_signed_again() -> None:
    with pytest.raises(ValueError, match="already"):
        add_proof(_signed(), KEY, verification_method=METHOD, created=WHEN)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["credentialSubject"].update(name="زهرا احمدي"),  # Arabic yeh
        lambda d: d.update(validUntil="2030-01-01T00:00:00Z"),
        lambda d: d["proof"].update(created="2026-01-31T08:00:01Z"),
        lambda d: d["proof"].update(verificationMethod=METHOD + "#x"),
    ],
)
def test_any_change_to_the_document_or_its_proof_fails(change: Any) -> None:
    signed = _signed()
    signed["credentialSubject"] = dict(signed["credentialSubject"])
    signed["proof"] = dict(signed["proof"])
    change(signed)
    with pytest.raises((ProofSignatureError, UnknownMethodError)):
        verify_proof(signed, lambda m: KEY.public_key())


@pytest.mark.parametrize(
    ("proof", "why"),
    [
        (None, "no proof"),
        ([], "no proof"),
        (["z…"], "not a JSON object"),
        ({"previousProof": "urn:uuid:1"}, "chains"),
        ({"type": "Ed25519Signature2020"}, "type"),
        ({"cryptosuite": "eddsa-rdfc-2022"}, "cryptosuite"),
        ({"created": "2026-01-31T08:00:00"}, "created"),
        ({"proofValue": "uAAAA"}, "proofValue"),
        ({"proofValue": "z" + base58btc_encode(b"\1" * 63)}, "proofValue"),
        ({"proofValue": "z" + "2" * 10_000}, "proofValue"),
        ({"proofPurpose": "authentication"}, "purpose"),
        ({"@context": ["https://www.w3.org/ns/credentials/v1"]}, "@context"),
    ],
)
def test_a_proof_that_is_not_eddsa_jcs_2022_as_specified_is_refused(proof: Any, why: str) -> None:
    signed = _signed()
    signed["proof"] = proof if not isinstance(proof, dict) else {**signed["proof"], **proof}
    with pytest.raises(ProofStructureError, match=why) as raised:
        verify_proof(signed, _resolve)
    assert raised.value.mismatch.expected and raised.value.message_fa


def test_an_unknown_verification_method_fails_closed() -> None:
    with pytest.raises(UnknownMethodError) as raised:
        verify_proof(_signed(), lambda method: None)
    assert raised.value.mismatch.found == METHOD
