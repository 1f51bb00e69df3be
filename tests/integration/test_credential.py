"""``GET /api/v1/documents/{code}/vc`` (DESIGN §7): a W3C Verifiable Credential 2.0 that is an
Open Badges 3.0 OpenBadgeCredential, with an ``eddsa-jcs-2022`` DataIntegrityProof.

The credentials are verified here by an implementation of the cryptosuite written from the
specification (W3C Data Integrity EdDSA Cryptosuites v1.0 §3.3.2, Controlled Identifiers
v1.0 §2.2.2 for the Multikey), not by the code that signs them; its key comes from the
trust list alone, as an outside verifier would get it. That implementation is first checked
against the W3C test vector.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs
import pytest
import rfc8785
import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient

from sehat.keystore import KeyStore, Purpose
from sehat.services import accounts, trust_list
from sehat.services.principal import Role
from sehat.store import schema as t

from .api_helpers import P, Tokens, make_client, make_tokens
from .registry_helpers import EVIDENCE, new_national_id, record

PUBLIC_URL = "https://sehat.example"
VC_DIR = Path("6-vc-openbadges")


class Refused(Exception):
    """The specification's verification algorithm says the credential does not verify."""


# -- eddsa-jcs-2022 verification, from the specification --------------------------------
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58btc(text: str) -> bytes:
    """Base58 (Bitcoin alphabet), digit by digit into a little-endian byte array."""
    out = bytearray()
    for char in text:
        if char not in _B58:
            raise Refused(f"{char!r} is not base58-btc")
        carry = _B58.index(char)
        for i, byte in enumerate(out):
            carry += byte * 58
            out[i] = carry & 0xFF
            carry >>= 8
        while carry:
            out.append(carry & 0xFF)
            carry >>= 8
    return b"\0" * (len(text) - len(text.lstrip("1"))) + bytes(reversed(out))


def _ed25519_multikey(text: str) -> bytes:
    """The raw key of an Ed25519 ``publicKeyMultibase``: ``z``, base58-btc, 0xed 0x01, 32 bytes."""
    if not text.startswith("z"):
        raise Refused("not base58-btc multibase")
    raw = _base58btc(text[1:])
    if raw[:2] != b"\xed\x01" or len(raw) != 34:
        raise Refused("not an Ed25519 Multikey")
    return raw[2:]


def spec_verify(secured: dict[str, Any], resolve: Callable[[str], bytes]) -> None:
    """Data Integrity EdDSA §3.3.2 for every proof of ``secured``; Refused unless all verify."""
    proofs = secured.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    if not proofs or not all(isinstance(p, dict) for p in proofs):
        raise Refused("no proof")
    unsecured = {k: v for k, v in secured.items() if k != "proof"}
    for proof in proofs:
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        if (options.get("type"), options.get("cryptosuite")) != (
            "DataIntegrityProof",
            "eddsa-jcs-2022",
        ):
            raise Refused("not an eddsa-jcs-2022 DataIntegrityProof")
        if options.get("proofPurpose") != "assertionMethod":
            raise Refused("not an assertion")
        document = dict(unsecured)
        if "@context" in options:
            if document.get("@context", [])[: len(options["@context"])] != options["@context"]:
                raise Refused("@context")
            document["@context"] = options["@context"]
        value = str(proof.get("proofValue", ""))
        if not value.startswith("z"):
            raise Refused("proofValue is not base58-btc")
        signature = _base58btc(value[1:])
        hash_data = (
            hashlib.sha256(rfc8785.dumps(options)).digest()
            + hashlib.sha256(rfc8785.dumps(document)).digest()
        )
        key = Ed25519PublicKey.from_public_bytes(resolve(str(options["verificationMethod"])))
        try:
            key.verify(signature, hash_data)
        except InvalidSignature:
            raise Refused("the signature does not verify") from None


def trust_list_resolver(client: TestClient, issuer: str, domain: int) -> Callable[[str], bytes]:
    """Resolve a verification method as an outside verifier would: fetch its URL (the trust
    list), check the root key's signature over it, and take the Multikey it lists under that
    id, if the issuer controls it as an assertion method."""

    def resolve(method: str) -> bytes:
        url, _, kid = method.partition("#")
        if url != issuer or not url.startswith(PUBLIC_URL):
            raise Refused(f"{method} is not a key of the issuer {issuer}")
        listed = client.get(urlsplit(url).path).json()
        body = {k: v for k, v in listed.items() if k != "signature"}
        [root] = [k for k in listed["keys"] if k["kid"] == listed["root_kid"]]
        Ed25519PublicKey.from_public_bytes(
            base64.urlsafe_b64decode(root["public_key"] + "==")
        ).verify(base64.urlsafe_b64decode(listed["signature"] + "=="), rfc8785.dumps(body))
        if listed["id"] != url or method not in listed["assertionMethod"]:
            raise Refused(f"{method} is not an assertion method of {url}")
        [vm] = [m for m in listed["verificationMethod"] if m["id"] == method]
        if vm["type"] != "Multikey" or vm["controller"] != url or "revoked" in vm:
            raise Refused(f"{method} is not a current Multikey of {url}")
        raw = _ed25519_multikey(vm["publicKeyMultibase"])
        # The same key the trust list publishes under that kid, for this document's domain.
        [key] = [k for k in listed["keys"] if k["kid"] == kid]
        if (key["purpose"], key["domain"]) != ("issuing", domain):
            raise Refused(f"{kid} is not an issuing key of domain {domain}")
        if base64.urlsafe_b64decode(key["public_key"] + "==") != raw:
            raise Refused(f"the Multikey of {kid} is not the key listed under that kid")
        return raw

    return resolve


# -- fixtures and helpers ---------------------------------------------------------------
@pytest.fixture
def api(engine: sa.Engine, tmp_path: Path) -> tuple[TestClient, Tokens]:
    return make_client(engine, tmp_path, public_url=PUBLIC_URL + "/"), make_tokens(engine)


@pytest.fixture(scope="module")
def ob3_schema(vectors_dir: Path) -> jsonschema_rs.Draft201909Validator:
    path = vectors_dir / VC_DIR / "openbadges-3.0/ob_v3p0_achievementcredential_schema.json"
    return jsonschema_rs.Draft201909Validator(json.loads(path.read_text()), validate_formats=True)


def _issue(client: TestClient, tok: Tokens, nid: str, **extra: object) -> str:
    body = client.post(
        "/api/v1/graduations",
        json=record(P.uni_a, 2, P.field_science, nid, **extra),
        headers=tok.registrar_a,
    ).json()
    assert body["status"] == "ISSUED", body
    return str(body["code"])


def _holder_headers(engine: sa.Engine, national_id: str) -> dict[str, str]:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        account = accounts.create_account(
            conn, Role.HOLDER, "another holder", now, national_id=national_id
        )
        token, _ = accounts.create_token(conn, account, now)
    return {"Authorization": f"Bearer {token}"}


def _verify(client: TestClient, vc: dict[str, Any]) -> None:
    spec_verify(vc, trust_list_resolver(client, vc["issuer"]["id"], int(vc["id"][-20])))


# -- tests ------------------------------------------------------------------------------
def test_the_verifier_here_accepts_the_w3c_vector_and_refuses_a_change(vectors_dir: Path) -> None:
    folder = vectors_dir / VC_DIR / "w3c-vc-di-eddsa"
    signed = json.loads((folder / "eddsa-jcs-2022/signedJCS.json").read_text())

    def did_key(method: str) -> bytes:  # did:key:<multikey>#<multikey>
        return _ed25519_multikey(method.partition("#")[2])

    public = json.loads((folder / "keyPair.json").read_text())["publicKeyMultibase"]
    assert signed["proof"]["verificationMethod"].endswith("#" + public)
    spec_verify(signed, did_key)
    spec_verify({**signed, "proof": [signed["proof"]]}, did_key)  # a proof set of one
    changed = copy.deepcopy(signed)
    changed["validFrom"] = "2023-01-01T00:00:01Z"
    with pytest.raises(Refused):
        spec_verify(changed, did_key)


def test_a_holders_credential_verifies_with_the_trust_list_alone(
    api: tuple[TestClient, Tokens], ob3_schema: jsonschema_rs.Draft201909Validator
) -> None:
    client, tok = api
    code = _issue(client, tok, tok.holder_national_id, gpa="19.50")
    response = client.get(f"/api/v1/documents/{code}/vc", headers=tok.holder)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vc"
    assert response.headers["cache-control"] == "private, no-store"
    vc = response.json()
    _verify(client, vc)
    assert [e.message for e in ob3_schema.iter_errors(vc)] == []

    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert vc["id"] == f"{PUBLIC_URL}/api/v1/verify/{code}"
    assert vc["issuer"]["id"] == f"{PUBLIC_URL}/api/v1/trust-list"
    [proof] = vc["proof"]
    active = EVIDENCE.keystore.active(Purpose.ISSUING, 1)[-1]
    assert proof["verificationMethod"] == f"{PUBLIC_URL}/api/v1/trust-list#{active.kid}"
    # Every id is a URL of this registry that answers (the credential's own to anyone).
    assert client.get(urlsplit(vc["id"]).path).json()["status"] == "VALID"
    achievement = vc["credentialSubject"]["achievement"]
    for url in (vc["issuer"]["id"], achievement["id"], achievement["creator"]["id"]):
        assert url.startswith(PUBLIC_URL + "/api/v1/")
        assert client.get(urlsplit(url).path).status_code == 200
    listed = client.get("/api/v1/institutions").json()["items"]
    assert achievement["creator"]["id"].partition("#")[2] in {i["code"] for i in listed}

    # What the document shows — name, degree, field, institution, dates — and nothing more.
    names = [i["identityHash"] for i in vc["credentialSubject"]["identifier"]]
    assert names == ["زهرا احمدی", "Zahra Ahmadi"]
    assert achievement["achievementType"] == "BachelorDegree"
    assert vc["credentialSubject"]["activityEndDate"].startswith("2019-07-22")
    text = json.dumps(vc, ensure_ascii=False)
    for private in (tok.holder_national_id, "1996-09-05", "1375/06/15", "19.50", "علی", "female"):
        assert private not in text, private


def test_a_changed_credential_fails_verification(api: tuple[TestClient, Tokens]) -> None:
    client, tok = api
    code = _issue(client, tok, tok.holder_national_id)
    vc = client.get(f"/api/v1/documents/{code}/vc", headers=tok.registrar_a).json()
    _verify(client, vc)
    other_domain = EVIDENCE.keystore.active(Purpose.ISSUING, 2)[-1].kid

    def name(d: dict[str, Any]) -> None:
        d["credentialSubject"]["identifier"][0]["identityHash"] = "مریم احمدی"

    def degree(d: dict[str, Any]) -> None:
        d["credentialSubject"]["achievement"]["achievementType"] = "MasterDegree"

    def graduation(d: dict[str, Any]) -> None:
        d["credentialSubject"]["activityEndDate"] = "2018-07-22T00:00:00Z"

    def valid_from(d: dict[str, Any]) -> None:
        d["validFrom"] = "2020-01-01T00:00:00Z"

    def created(d: dict[str, Any]) -> None:
        d["proof"][0]["created"] = "2020-01-01T00:00:00Z"

    def another_key(d: dict[str, Any]) -> None:
        d["proof"][0]["verificationMethod"] = f"{PUBLIC_URL}/api/v1/trust-list#{other_domain}"

    def another_issuer(d: dict[str, Any]) -> None:
        d["issuer"]["id"] = "https://forger.example/api/v1/trust-list"

    for change in (name, degree, graduation, valid_from, created, another_key, another_issuer):
        forged = copy.deepcopy(vc)
        change(forged)
        with pytest.raises(Refused):
            _verify(client, forged)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("holder", 200),
        ("registrar_a", 200),
        ("operator", 200),
        ("auditor", 200),
        ("stranger_holder", 403),
        ("registrar_b", 403),
        ("admin_d1", 403),
        ("verifier", 403),
        ("nobody", 401),
    ],
)
def test_who_may_take_a_credential(
    api: tuple[TestClient, Tokens], engine: sa.Engine, who: str, status: int
) -> None:
    # The same readers as the QR (DESIGN §7): it carries personal data.
    client, tok = api
    code = _issue(client, tok, tok.holder_national_id)
    if who == "stranger_holder":
        headers = _holder_headers(engine, new_national_id())
    else:
        headers = {} if who == "nobody" else getattr(tok, who)
    response = client.get(f"/api/v1/documents/{code}/vc", headers=headers)
    assert response.status_code == status, response.text
    qr = client.get(f"/api/v1/documents/{code}/qr", headers=headers)
    assert qr.status_code == status
    if status != 200:
        error = response.json()["error"]
        assert error["message"] and error["message_fa"]


def test_only_a_valid_document_as_signed_gets_a_credential(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    code = _issue(client, tok, tok.holder_national_id)

    def vc() -> Any:
        return client.get(f"/api/v1/documents/{code}/vc", headers=tok.holder)

    suspend = client.post(f"/api/v1/documents/{code}/suspend", json={}, headers=tok.registrar_a)
    assert suspend.status_code == 200
    assert vc().status_code == 409 and "SUSPENDED" in vc().json()["error"]["message"]
    client.post(f"/api/v1/documents/{code}/unsuspend", headers=tok.registrar_a)
    assert vc().status_code == 200

    with engine.begin() as conn:  # someone edits the stored record behind the registry
        version = conn.execute(
            sa.select(t.document_versions.c.id, t.document_versions.c.content)
            .join(t.documents)
            .where(t.documents.c.code == code)
        ).one()
        conn.execute(
            t.document_versions.update()
            .where(t.document_versions.c.id == version.id)
            .values(content=dict(version.content, last_name="رضایی"))
        )
    refused = vc()
    assert refused.status_code == 409 and "signature" in refused.json()["error"]["message"]
    with engine.begin() as conn:
        conn.execute(
            t.document_versions.update()
            .where(t.document_versions.c.id == version.id)
            .values(content=version.content)
        )
    assert vc().status_code == 200

    revoke = client.post(
        f"/api/v1/documents/{code}/revoke", json={"reason": "fraud"}, headers=tok.registrar_a
    )
    assert revoke.status_code == 200
    assert vc().status_code == 409
    assert (
        client.get("/api/v1/documents/10001052348068574304/vc", headers=tok.operator).status_code
        == 404
    )
    assert client.get("/api/v1/documents/123/vc", headers=tok.operator).status_code == 422


def test_a_corrected_document_gets_a_credential_of_its_new_version(
    api: tuple[TestClient, Tokens],
) -> None:
    client, tok = api
    code = _issue(client, tok, tok.holder_national_id)
    first = client.get(f"/api/v1/documents/{code}/vc", headers=tok.holder).json()
    corrected = client.post(
        f"/api/v1/documents/{code}/corrections",
        json={"changes": {"last_name": "احمدی‌نژاد"}, "reason": "typo"},
        headers=tok.registrar_a,
    )
    assert corrected.status_code == 200, corrected.text
    second = client.get(f"/api/v1/documents/{code}/vc", headers=tok.holder).json()
    _verify(client, second)
    assert second["credentialSubject"]["identifier"][0]["identityHash"] == "زهرا احمدی‌نژاد"
    # Open Badges: the same id and award date; a later validFrom marks the newer version.
    assert second["id"] == first["id"] and second["awardedDate"] == first["awardedDate"]
    assert second["validFrom"] >= first["validFrom"] >= first["awardedDate"]


def test_a_revoked_issuing_key_resolves_to_no_assertion_method(tmp_path: Path) -> None:
    keystore = KeyStore(tmp_path / "keys", "k" * 40)
    now = datetime.now(UTC)
    keystore.ensure(now)
    [key] = keystore.active(Purpose.ISSUING, 3)
    method = f"{PUBLIC_URL}/api/v1/trust-list#{key.kid}"
    before = trust_list.build(keystore, "sehat.example/log", now, base_url=PUBLIC_URL)
    assert method in before["assertionMethod"]
    issuing = {k.kid for k in keystore.all() if k.purpose is Purpose.ISSUING}
    assert {m["id"].partition("#")[2] for m in before["verificationMethod"]} == issuing
    keystore.revoke(key.kid, "compromised", now)
    after = trust_list.build(keystore, "sehat.example/log", now, base_url=PUBLIC_URL)
    assert method not in after["assertionMethod"]
    [listed] = [m for m in after["verificationMethod"] if m["id"] == method]
    assert listed["revoked"].endswith("Z")
