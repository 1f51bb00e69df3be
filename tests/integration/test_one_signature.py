"""One signature per version (ADR 0008): the QR's "acd" key 12 commits to the whole record,
so any edit of a stored field, of the salt, or a COSE_Sign1 moved to another document is
TAMPERED on verification and named by the audit; versions signed before (two signatures)
still verify."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cbor2
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from sehat.core import cose, qr
from sehat.core.record_hash import record_hash
from sehat.reference.loader import load_reference
from sehat.services import evidence, signing
from sehat.services.audit import run_audit
from sehat.services.evidence import Evidence, VersionToSign
from sehat.store import schema as t

from .api_helpers import Tokens, issue_bachelor, make_client, make_tokens
from .registry_helpers import EVIDENCE

ORIGIN = "sehat.example/log"
d, v, e = t.documents.c, t.document_versions.c, t.version_evidence.c


@pytest.fixture
def api(engine: sa.Engine, tmp_path: Path) -> tuple[TestClient, Tokens]:
    return make_client(engine, tmp_path), make_tokens(engine)


def _status(client: TestClient, code: str) -> str:
    return str(client.get(f"/api/v1/verify/{code}").json()["status"])


def _row(engine: sa.Engine, code: str, version: int = 1) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(
                d.id.label("document_id"),
                d.salt,
                v.id,
                v.content,
                e.cose,
                e.content_signature,
                e.seal,
                e.commitment,
            )
            .join(t.document_versions, v.document_id == d.id)
            .join(t.version_evidence, e.version_id == v.id)
            .where(d.code == code, v.version == version)
        ).one()


def _acd(signed: bytes) -> dict[int, Any]:
    acd: dict[int, Any] = cbor2.loads(cose.decode1(bytes(signed)).payload)[qr.CLAIM_DOCUMENT]
    return acd


def _audit(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        report = run_audit(conn, EVIDENCE.keystore, load_reference(), ORIGIN)
    return [f"{m.subject}: {m.what}" for m in report.mismatches]


def _sign_all_before_0008(
    self: Evidence, versions: Sequence[VersionToSign], issued_at: int
) -> list[signing.SignedVersion]:
    """How versions were signed before ADR 0008 (the demo data and existing registries):
    the QR claims without key 12, and a second signature over the record."""
    out = []
    for v in versions:
        key, private = self._key(int(v.code[0]))
        document = signing.qr_document(v.content, v.version, self.reference)
        payload = qr.claims_payload(document, self.issuer, issued_at)
        signed = cose.sign1(payload, private, bytes.fromhex(key.kid))
        content_signature = private.sign(signing.content_bytes(v.content))
        sealed = signing.seal(
            self.keystore.seal_key,
            v.code,
            v.version,
            key.kid,
            signed,
            content_signature,
            v.content,
            v.salt,
        )
        commitment = signing.commitment(v.salt, signed, content_signature)
        out.append(signing.SignedVersion(key.kid, signed, content_signature, commitment, sealed))
    return out


def _edited(value: Any) -> Any:
    """Another JSON value of a stored field."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "0"
    if isinstance(value, list):
        return [*value, "x"] if not value else value[:-1]
    if isinstance(value, dict):
        return {**value, "x": 1}
    return "x"  # null


def test_a_new_version_has_one_signature_whose_key_12_is_the_salted_record_hash(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    code = issue_bachelor(client, tok)
    row = _row(engine, code)
    assert bytes(row.content_signature) == b""
    assert _acd(row.cose)[12] == record_hash(bytes(row.salt), row.content)
    assert bytes(row.commitment) == signing.commitment(bytes(row.salt), bytes(row.cose), b"")
    assert _status(client, code) == "VALID"
    with engine.begin() as conn:  # the signature path, not the seal, decides
        conn.execute(t.version_evidence.update().where(e.version_id == row.id).values(seal=None))
    assert _status(client, code) == "VALID"
    assert _audit(engine) == []


def test_a_version_signed_before_with_two_signatures_still_verifies(
    api: tuple[TestClient, Tokens], engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, tok = api
    with monkeypatch.context() as patched:
        patched.setattr(Evidence, "sign_all", _sign_all_before_0008)
        old, edited = issue_bachelor(client, tok), issue_bachelor(client, tok)
    row = _row(engine, old)
    assert 12 not in _acd(row.cose) and len(bytes(row.content_signature)) == 64
    assert _status(client, old) == "VALID"
    with engine.begin() as conn:
        conn.execute(t.version_evidence.update().where(e.version_id == row.id).values(seal=None))
    assert _status(client, old) == "VALID"  # by its content signature
    # A correction adds a version signed the new way; both versions audit clean.
    corrected = client.post(
        f"/api/v1/documents/{old}/corrections",
        json={"changes": {"gpa": "18"}, "reason": "r"},
        headers=tok.registrar_a,
    )
    assert corrected.status_code == 200, corrected.text
    assert bytes(_row(engine, old, 2).content_signature) == b""
    assert _status(client, old) == "VALID"
    assert _audit(engine) == []
    # An edited field of an old version is still caught by its content signature.
    target = _row(engine, edited)
    with engine.begin() as conn:
        conn.execute(
            t.document_versions.update()
            .where(v.id == target.id)
            .values(content=dict(target.content, national_id="0084575948"))
        )
    assert _status(client, edited) == "TAMPERED"
    found = _audit(engine)
    assert any(line.startswith(edited) and "changed field" in line for line in found), found


def test_an_edit_of_any_stored_field_of_a_new_version_is_tampered(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    code = issue_bachelor(client, tok)
    row = _row(engine, code)
    content = dict(row.content)
    edits = [dict(content, **{name: _edited(value)}) for name, value in content.items()]
    edits += [{k: x for k, x in content.items() if k != name} for name in content]
    edits.append(dict(content, note="added"))
    for forged in edits:  # under the seal the version was given (the KEK stays secret)
        with engine.begin() as conn:
            conn.execute(t.document_versions.update().where(v.id == row.id).values(content=forged))
        assert _status(client, code) == "TAMPERED", forged
    assert any(line.startswith(code) and "changed field" in line for line in _audit(engine))
    with engine.begin() as conn:
        conn.execute(t.document_versions.update().where(v.id == row.id).values(content=content))
    assert _status(client, code) == "VALID"


@pytest.mark.parametrize(
    ("salt", "named"),
    [
        (secrets.token_bytes(16), "record hash, key 12"),
        (b"", "salt has 0 bytes, not 16"),
        (secrets.token_bytes(32), "salt has 32 bytes, not 16"),
    ],
    ids=["another", "empty", "longer"],
)
def test_an_edited_salt_is_tampered_and_named_by_the_audit(
    api: tuple[TestClient, Tokens], engine: sa.Engine, salt: bytes, named: str
) -> None:
    client, tok = api
    code = issue_bachelor(client, tok)
    row = _row(engine, code)
    with engine.begin() as conn:
        conn.execute(t.documents.update().where(d.id == row.document_id).values(salt=salt))
    assert _status(client, code) == "TAMPERED"  # the seal covers the salt
    with engine.begin() as conn:
        conn.execute(t.version_evidence.update().where(e.version_id == row.id).values(seal=None))
    assert _status(client, code) == "TAMPERED"  # and so does key 12
    found = [line for line in _audit(engine) if line.startswith(code)]
    assert any(named in line for line in found), found
    assert any("commitment does not match" in line for line in found), found


def test_a_cose_swapped_between_documents_is_tampered_and_named_by_the_audit(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    first, second = issue_bachelor(client, tok), issue_bachelor(client, tok)
    a, b = _row(engine, first), _row(engine, second)
    with engine.begin() as conn:
        for row, other in ((a, b), (b, a)):
            conn.execute(
                t.version_evidence.update()
                .where(e.version_id == row.id)
                .values(cose=other.cose, seal=other.seal)
            )
    assert _status(client, first) == _status(client, second) == "TAMPERED"
    found = _audit(engine)
    for code in (first, second):
        assert any(line.startswith(code) and "changed field" in line for line in found), found
    # The same with the salt moved along: the stored content is still the other document's.
    with engine.begin() as conn:
        conn.execute(t.documents.update().where(d.id == a.document_id).values(salt=b.salt))
    assert _status(client, first) == "TAMPERED"


def test_a_registry_upgraded_in_place_verifies_both_kinds(
    engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Versions signed before and after, then `sehat db reseal --everything`: none refused.
    client, tok = make_client(engine, tmp_path), make_tokens(engine)
    with monkeypatch.context() as patched:
        patched.setattr(Evidence, "sign_all", _sign_all_before_0008)
        old = issue_bachelor(client, tok)
    new = issue_bachelor(client, tok)
    with engine.begin() as conn:
        report = evidence.reseal(conn, client.app.runtime.evidence, everything=True)  # type: ignore[attr-defined]
    assert (report.refused, report.sealed) == ([], 2)
    assert _status(client, old) == _status(client, new) == "VALID"


def test_the_verification_page_reads_a_qr_with_key_12_from_a_photo(
    api: tuple[TestClient, Tokens],
) -> None:
    client, tok = api
    code = issue_bachelor(client, tok)
    png = client.get(f"/api/v1/documents/{code}/qr.png", headers=tok.registrar_a).content
    page = client.post("/qr", files={"image": ("qr.png", png, "image/png")})
    assert page.status_code == 200
    assert "امضای کد QR معتبر است" in page.text and code in page.text
