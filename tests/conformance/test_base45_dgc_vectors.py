"""RFC 9285 base45 vectors, and the EU DCC test data through our container and COSE decoding.

The DCC (HC1:) is the same container as ours: prefix + base45(zlib(COSE_Sign1)). For each
vector we follow its EXPECTEDRESULTS: where a step should succeed we reproduce that step's
bytes (COMPRESSED, COSE, CBOR), where it should fail we fail at that step with that step's
error. Signatures (ECDSA P-256, RSA-PSS) are checked here with ``cryptography`` over our
Sig_structure, taking the key id as RFC 9052 §3 says: protected first, else unprotected.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import cbor2
import pytest
import zxingcpp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from PIL import Image, UnidentifiedImageError

from sehat.core.cose import CoseStructureError, Sign1, decode1
from sehat.core.qr import (
    QrBase45Error,
    QrCompressionError,
    QrPrefixError,
    base45_decode,
    base45_encode,
    open_container,
)

DGC = "1-dgc-testdata"
COUNTRIES = ("common", "AT", "CZ", "DE", "FI", "FR", "SE")
HCERT = -260  # the DCC's CWT claim holding the certificate, {1: DGC}
DGC_PREFIX = "HC1:"


def _dgc_vectors() -> list[str]:
    # Collected where the vectors_dir fixture looks; the fixture fails the run if it is absent.
    default = Path(__file__).resolve().parents[3] / "shared" / "vectors"
    root = Path(os.environ.get("SEHAT_VECTORS_DIR", default)) / DGC
    return sorted(str(p.relative_to(root)) for c in COUNTRIES for p in (root / c).glob("*.json"))


def _load(vectors_dir: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((vectors_dir / DGC / name).read_text())
    return data


def test_base45_vectors_decode_and_encode(vectors_dir: Path) -> None:
    vectors = json.loads((vectors_dir / "2-cose-base45" / "base45_vectors.json").read_text())
    assert len(vectors["valid"]) >= 16 and any(v["rfc9285"] for v in vectors["valid"])
    for vector in vectors["valid"]:
        data = bytes.fromhex(vector["hex"])
        assert base45_decode(vector["base45"]) == data
        assert base45_encode(data) == vector["base45"]
    for text in vectors["invalid"]:
        with pytest.raises(QrBase45Error):
            base45_decode(text)


def test_every_dgc_vector_is_read(vectors_dir: Path) -> None:
    assert len(_dgc_vectors()) == len(list((vectors_dir / DGC).glob("*/*.json"))) == 108


def _dgc_verifies(sign1: Sign1, certificate_b64: str) -> bool:
    der = base64.b64decode(certificate_b64)
    if sign1.kid != hashlib.sha256(der).digest()[:8]:  # the DCC key id: SHA-256(cert)[:8]
        return False
    key = x509.load_der_x509_certificate(der).public_key()
    alg = sign1.alg if sign1.alg is not None else sign1.unprotected_header.get(1)
    signed, signature = sign1.to_be_signed(), sign1.signature
    try:
        if alg == -7 and isinstance(key, ec.EllipticCurvePublicKey):
            r, s = signature[:32], signature[32:]
            der_signature = encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big"))
            key.verify(der_signature, signed, ec.ECDSA(hashes.SHA256()))
        elif alg == -37 and isinstance(key, rsa.RSAPublicKey):
            pss = padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.AUTO)
            key.verify(signature, signed, pss, hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True


@pytest.mark.parametrize("name", _dgc_vectors())
def test_dgc_vector_through_our_container_and_cose_decoding(vectors_dir: Path, name: str) -> None:
    vector = _load(vectors_dir, name)
    expected = vector["EXPECTEDRESULTS"]
    text = vector.get("PREFIX", "")
    checked = 0
    if expected.get("EXPECTEDUNPREFIX") is False:
        with pytest.raises(QrPrefixError):
            open_container(text, DGC_PREFIX)
        return
    if "BASE45" in vector and expected.get("EXPECTEDUNPREFIX"):
        assert text == DGC_PREFIX + vector["BASE45"]
        checked += 1
    if expected.get("EXPECTEDB45DECODE") is False:
        with pytest.raises(QrBase45Error):
            open_container(text, DGC_PREFIX)
        return
    if "BASE45" in vector and "COMPRESSED" in vector and expected.get("EXPECTEDB45DECODE"):
        assert base45_decode(vector["BASE45"]) == bytes.fromhex(vector["COMPRESSED"])
        checked += 1
    if expected.get("EXPECTEDCOMPRESSION") is False:
        with pytest.raises(QrCompressionError):
            open_container(text, DGC_PREFIX)
        return
    if "COSE" in vector:
        message = bytes.fromhex(vector["COSE"])
        if text.startswith(DGC_PREFIX):
            assert open_container(text, DGC_PREFIX) == message
            checked += 1
    elif text.startswith(DGC_PREFIX):
        message = open_container(text, DGC_PREFIX)
    else:
        pytest.fail(f"{name}: no COSE and no HC1: text to test")
    if "EXPECTEDVERIFY" in expected:
        try:
            verified = _dgc_verifies(decode1(message), vector["TESTCTX"]["CERTIFICATE"])
        except CoseStructureError:
            verified = False
        assert verified == expected["EXPECTEDVERIFY"]
        checked += 1
    if expected.get("EXPECTEDDECODE") is False:
        claims = cbor2.loads(decode1(message).payload)
        assert not isinstance(claims[HCERT][1], dict)  # the certificate is not a CBOR map
        checked += 1
    elif "CBOR" in vector and expected.get("EXPECTEDVERIFY", True):
        payload = decode1(message).payload
        # CBOR is, depending on the country, the whole CWT payload or the certificate in it.
        cbor = bytes.fromhex(vector["CBOR"])
        assert payload == cbor or cbor2.loads(payload)[HCERT][1] == cbor2.loads(cbor)
        checked += 1
    if "2DCODE" in vector and "EXPECTEDPICTUREDECODE" in expected:
        try:
            with Image.open(io.BytesIO(base64.b64decode(vector["2DCODE"]))) as image:
                texts = [b.text for b in zxingcpp.read_barcodes(image.convert("L"))]
        except UnidentifiedImageError:  # Q1: not even an image
            texts = []
        assert (texts == [text]) == expected["EXPECTEDPICTUREDECODE"]
        checked += 1
    if not checked:
        pytest.fail(f"{name}: none of its expectations is about decoding: {sorted(expected)}")
