"""W3C vc-di-eddsa test vectors for ``eddsa-jcs-2022`` (Data Integrity EdDSA Cryptosuites
v1.0, Appendix A.2): the key pair, every intermediate value and the signed credential.

Signing the spec's unsigned credential with the spec's key at the spec's time must give the
spec's bytes at each step, so a credential we sign verifies in any conforming implementation.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sehat.core.canonical import canonical_json
from sehat.core.data_integrity import (
    ProofSignatureError,
    add_proof,
    base58btc_encode,
    hash_data,
    multikey,
    private_key_from_multikey,
    public_key_from_multikey,
    verify_proof,
)


class Vectors:
    def __init__(self, root: Path) -> None:
        self.root = root

    def text(self, name: str) -> str:
        return (self.root / "eddsa-jcs-2022" / name).read_text(encoding="utf-8").strip()

    def json(self, name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / name).read_text(encoding="utf-8"))
        return data


@pytest.fixture(scope="module")
def v(vectors_dir: Path) -> Vectors:
    return Vectors(vectors_dir / "6-vc-openbadges" / "w3c-vc-di-eddsa")


def _resolver(v: Vectors) -> tuple[str, Ed25519PublicKey]:
    config = v.json("eddsa-jcs-2022/proofConfigJCS.json")
    key = public_key_from_multikey(v.json("keyPair.json")["publicKeyMultibase"])
    return str(config["verificationMethod"]), key


def test_the_key_pair_round_trips_as_multikeys(v: Vectors) -> None:
    pair = v.json("keyPair.json")
    private = private_key_from_multikey(pair["privateKeyMultibase"])
    assert multikey(private.public_key()) == pair["publicKeyMultibase"]
    assert public_key_from_multikey(pair["publicKeyMultibase"]).public_bytes_raw() == (
        private.public_key().public_bytes_raw()
    )


def test_every_intermediate_value_is_the_specs(v: Vectors) -> None:
    unsigned = v.json("unsigned.json")
    config = v.json("eddsa-jcs-2022/proofConfigJCS.json")
    assert canonical_json(unsigned).decode() == v.text("canonDocJCS.txt")
    assert canonical_json(config).decode() == v.text("proofCanonJCS.txt")
    assert hashlib.sha256(canonical_json(unsigned)).hexdigest() == v.text("docHashJCS.txt")
    assert hashlib.sha256(canonical_json(config)).hexdigest() == v.text("proofHashJCS.txt")
    combined = hash_data(unsigned, config)
    assert combined.hex() == v.text("combinedHashJCS.txt")
    private = private_key_from_multikey(v.json("keyPair.json")["privateKeyMultibase"])
    signature = private.sign(combined)
    assert signature.hex() == v.text("sigHexJCS.txt")
    assert "z" + base58btc_encode(signature) == v.text("sigBTC58JCS.txt")


def test_signing_the_unsigned_credential_gives_the_signed_one(v: Vectors) -> None:
    config = v.json("eddsa-jcs-2022/proofConfigJCS.json")
    private = private_key_from_multikey(v.json("keyPair.json")["privateKeyMultibase"])
    signed = add_proof(
        v.json("unsigned.json"),
        private,
        verification_method=config["verificationMethod"],
        created=datetime.fromisoformat(config["created"]),
    )
    assert signed == v.json("eddsa-jcs-2022/signedJCS.json")


def test_the_signed_credential_verifies_and_a_changed_one_does_not(v: Vectors) -> None:
    method, key = _resolver(v)
    signed = v.json("eddsa-jcs-2022/signedJCS.json")
    [proof] = verify_proof(signed, lambda m: key if m == method else None)
    assert proof.verification_method == method and proof.created == "2023-02-24T23:36:38Z"
    changed = dict(signed, credentialSubject={**signed["credentialSubject"], "alumniOf": "X"})
    with pytest.raises(ProofSignatureError):
        verify_proof(changed, lambda m: key if m == method else None)
