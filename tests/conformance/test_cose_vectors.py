"""cose-wg/Examples (RFC 9052 Sign1): our decoding, Sig_structure and EdDSA verification.

Every example: ``decode1`` parses it (or, for a broken tag, refuses it) and ``sig_structure``
rebuilds the example's ToBeSign bytes exactly. Where the key is not Ed25519 the signature is
checked here with ``cryptography`` over OUR Sig_structure, which shows the bytes we would sign
and verify are the ones other implementations use. Sehat's own ``verify1`` accepts the Ed25519
example and refuses the rest, and each "fail" mutation, replayed on the Ed25519 example, fails.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from sehat.core.cose import (
    CoseAlgorithmError,
    CoseError,
    CoseStructureError,
    SignatureError,
    decode1,
    sig_structure,
    verify1,
)

FOLDER = "2-cose-base45/cose-wg-examples"
NAMES = (
    "CWT_A_3.json",
    "RFC8152_Appendix_C_2_1.json",
    "ecdsa-examples_ecdsa-sig-01.json",
    "ecdsa-examples_ecdsa-sig-02.json",
    "ecdsa-examples_ecdsa-sig-03.json",
    "ecdsa-examples_ecdsa-sig-04.json",
    "eddsa-examples_eddsa-sig-01.json",
    "eddsa-examples_eddsa-sig-02.json",
    "sign1-tests_sign-fail-01.json",
    "sign1-tests_sign-fail-02.json",
    "sign1-tests_sign-fail-03.json",
    "sign1-tests_sign-fail-04.json",
    "sign1-tests_sign-fail-06.json",
    "sign1-tests_sign-fail-07.json",
    "sign1-tests_sign-pass-01.json",
    "sign1-tests_sign-pass-02.json",
    "sign1-tests_sign-pass-03.json",
)
_LABELS = {"alg": 1, "ctyp": 3}
_CURVES = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}
_HASHES = {-7: hashes.SHA256(), -35: hashes.SHA384(), -36: hashes.SHA512()}


def _load(vectors_dir: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((vectors_dir / FOLDER / name).read_text())
    return data


def _key_bytes(key: dict[str, str], name: str) -> bytes:
    if f"{name}_hex" in key:
        return bytes.fromhex(key[f"{name}_hex"])
    return base64.urlsafe_b64decode(key[name] + "=" * (-len(key[name]) % 4))


def _ecdsa_verifies(key: dict[str, str], alg: object, signature: bytes, signed: bytes) -> bool:
    """RFC 9053 §2.1: ECDSA with the signature as r || s of the curve's size."""
    x, y = (int.from_bytes(_key_bytes(key, name), "big") for name in ("x", "y"))
    public = ec.EllipticCurvePublicNumbers(x, y, _CURVES[key["crv"]]).public_key()
    half = len(signature) // 2
    der = encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )
    if not isinstance(alg, int) or alg not in _HASHES:
        return False
    try:
        public.verify(der, signed, ec.ECDSA(_HASHES[alg]))
    except InvalidSignature:
        return False
    return True


def _ed25519_example(vectors_dir: Path) -> tuple[bytes, Ed25519PrivateKey, bytes]:
    example = _load(vectors_dir, "eddsa-examples_eddsa-sig-01.json")
    key = example["input"]["sign0"]["key"]
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key["d_hex"]))
    assert private.public_key().public_bytes_raw() == bytes.fromhex(key["x_hex"])
    return bytes.fromhex(example["output"]["cbor"]), private, key["kid"].encode()


def test_every_example_is_read(vectors_dir: Path) -> None:
    assert tuple(sorted(p.name for p in (vectors_dir / FOLDER).glob("*.json"))) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_decoding_and_sig_structure_match_the_example(vectors_dir: Path, name: str) -> None:
    example = _load(vectors_dir, name)
    message = bytes.fromhex(example["output"]["cbor"])
    failures = example["input"].get("failures", {})
    if "ChangeCBORTag" in failures:
        with pytest.raises(CoseStructureError) as caught:
            decode1(message)
        assert caught.value.found == f"tag {failures['ChangeCBORTag']}"
        return
    decoded = decode1(message)
    sign0 = example["input"]["sign0"]
    plaintext = example["input"].get("plaintext", "").encode()
    plaintext = bytes.fromhex(example["input"].get("plaintext_hex", "")) or plaintext
    # "ChangeTag" flips a bit of the payload after signing.
    assert (decoded.payload == plaintext) == ("ChangeTag" not in failures)
    assert decoded.tagged == ("RemoveCBORTag" not in failures)
    to_be_signed = decoded.to_be_signed(bytes.fromhex(sign0.get("external", "")))
    expected = bytes.fromhex(example["intermediates"]["ToBeSign_hex"])
    # A "fail" example was changed after signing, so what it now asks to verify differs.
    assert (to_be_signed == expected) == (not example.get("fail", False))
    key = sign0["key"]
    alg = decoded.alg if decoded.alg is not None else decoded.unprotected_header.get(1)
    if key["kty"] == "EC":
        assert _ecdsa_verifies(key, alg, decoded.signature, to_be_signed) == (
            not example.get("fail", False)
        )


@pytest.mark.parametrize("name", [n for n in NAMES if "eddsa-sig-01" not in n])
def test_sehat_verify1_refuses_every_example_not_signed_with_ed25519(
    vectors_dir: Path, name: str
) -> None:
    example = _load(vectors_dir, name)
    message = bytes.fromhex(example["output"]["cbor"])
    kid = example["input"]["sign0"]["key"].get("kid", "").encode()
    some_ed25519_key = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(CoseError):
        verify1(message, {kid: some_ed25519_key})


def test_ed448_example_parses_but_its_signature_is_not_ed25519(vectors_dir: Path) -> None:
    example = _load(vectors_dir, "eddsa-examples_eddsa-sig-02.json")
    message = bytes.fromhex(example["output"]["cbor"])
    assert decode1(message).alg == -8
    with pytest.raises(SignatureError) as caught:
        verify1(message, {b"ed448": Ed25519PrivateKey.generate().public_key()})
    assert (caught.value.expected, caught.value.found) == ("64", "114")


def test_ed25519_example_verifies(vectors_dir: Path) -> None:
    message, private, kid = _ed25519_example(vectors_dir)
    verified = verify1(message, {kid: private.public_key()})
    assert verified.payload == b"This is the content."
    assert verified.protected_header == {1: -8, 3: 0}
    assert verified.kid == b"11"


def _mutate(message: bytes, failure: str, value: Any) -> bytes:
    """Apply a cose-wg "failures" entry to a signed message, as the Examples generator does."""
    item = cbor2.loads(message)
    protected, unprotected, payload, signature = item.value
    header = cbor2.loads(protected)
    if failure == "ChangeCBORTag":
        return cbor2.dumps(cbor2.CBORTag(value, item.value))
    if failure == "ChangeTag":
        payload = payload[:-1] + bytes([payload[-1] ^ 1])
    elif failure in ("ChangeAttr", "AddProtected"):
        header.update({_LABELS[k]: v for k, v in value.items()})
    elif failure == "RemoveProtected":
        for k in value:
            del header[_LABELS[k]]
    parts = [cbor2.dumps(header), unprotected, payload, signature]
    return cbor2.dumps(cbor2.CBORTag(18, parts))


_EXPECTED_ERROR = {
    "ChangeCBORTag": CoseStructureError,
    "ChangeTag": SignatureError,
    "ChangeAttr": CoseAlgorithmError,
    "AddProtected": SignatureError,
    "RemoveProtected": SignatureError,
}


@pytest.mark.parametrize("name", [n for n in NAMES if "fail" in n])
def test_each_failure_replayed_on_an_ed25519_message_is_refused(
    vectors_dir: Path, name: str
) -> None:
    _, private, kid = _ed25519_example(vectors_dir)
    sign0 = _load(vectors_dir, name)["input"]["sign0"]
    # The example's own headers, with EdDSA for its algorithm, correctly signed.
    protected = cbor2.dumps({_LABELS[k]: v for k, v in sign0["protected"].items()} | {1: -8})
    payload = b"This is the content."
    signature = private.sign(sig_structure(protected, payload))
    valid = cbor2.dumps(cbor2.CBORTag(18, [protected, {4: kid}, payload, signature]))
    keys = {kid: private.public_key()}
    assert verify1(valid, keys).payload == payload
    ((failure, value),) = _load(vectors_dir, name)["input"]["failures"].items()
    with pytest.raises(_EXPECTED_ERROR[failure]):
        verify1(_mutate(valid, failure, value), keys)
