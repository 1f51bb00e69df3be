"""Evidence end to end: signed QR, trust list, transparency log and the audit finding tampering."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cbor2
import pytest
import rfc8785
import sqlalchemy as sa
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient
from PIL import Image
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

from sehat.core import merkle, qr
from sehat.core.checkpoint import open_checkpoint
from sehat.core.note import NoteVerifier
from sehat.core.record_hash import record_hash
from sehat.keystore import Purpose
from sehat.reference.loader import load_reference
from sehat.services.audit import run_audit
from sehat.store import schema as t

from .api_helpers import P, Tokens, make_client, make_tokens
from .registry_helpers import EVIDENCE, record

ORIGIN = "sehat.example/log"


@pytest.fixture
def api(engine: sa.Engine, tmp_path: Path) -> tuple[TestClient, Tokens]:
    return make_client(engine, tmp_path), make_tokens(engine)


def _issue(client: TestClient, tok: Tokens, **extra: Any) -> str:
    body = client.post(
        "/api/v1/graduations",
        json=record(P.uni_a, 2, P.field_science, **extra),
        headers=tok.registrar_a,
    ).json()
    assert body["status"] == "ISSUED", body
    return str(body["code"])


def _trust(client: TestClient) -> dict[str, Any]:
    listed = client.get("/api/v1/trust-list").json()
    body = {k: v for k, v in listed.items() if k != "signature"}
    root = next(k for k in listed["keys"] if k["kid"] == listed["root_kid"])
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(root["public_key"] + "=="))
    public.verify(base64.urlsafe_b64decode(listed["signature"] + "=="), rfc8785.dumps(body))
    return listed


def _audit(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        report = run_audit(conn, EVIDENCE.keystore, load_reference(), ORIGIN)
    return [f"{m.subject}: {m.what}" for m in report.mismatches]


def test_the_qr_verifies_with_pycose_and_reads_back_from_the_png(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    code = _issue(client, tok, national_id=tok.holder_national_id)
    text = client.get(f"/api/v1/documents/{code}/qr", headers=tok.holder).text
    assert text.startswith("SEHAT1:") and len(text) <= 480
    listed = _trust(client)
    cose = qr.open_container(text)
    message = Sign1Message.decode(cose)
    kid = (
        message.phdr[4]
        if 4 in message.phdr
        else next(v for k, v in message.phdr.items() if "KID" in str(k))
    )
    key = next(k for k in listed["keys"] if k["kid"] == kid.hex())
    assert key["purpose"] == "issuing" and key["domain"] == 1
    message.key = OKPKey(crv=Ed25519, x=base64.urlsafe_b64decode(key["public_key"] + "=="))
    assert message.verify_signature()
    # The signed payload commits to the whole stored record: "acd" key 12 (ADR 0008).
    with engine.connect() as conn:
        salt, content = conn.execute(
            sa.select(t.documents.c.salt, t.document_versions.c.content)
            .join(t.document_versions)
            .where(t.documents.c.code == code)
        ).one()
    acd = cbor2.loads(message.payload)["acd"]
    assert acd[1] == code and acd[12] == record_hash(bytes(salt), content)
    png = client.get(f"/api/v1/documents/{code}/qr.png", headers=tok.registrar_a)
    assert png.headers["content-type"] == "image/png"
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert found.text == text


def test_the_qr_is_for_the_holder_the_registrar_the_operator_and_the_auditor_only(
    api: tuple[TestClient, Tokens],
) -> None:
    client, tok = api
    code = _issue(client, tok, national_id=tok.holder_national_id)
    for headers in (tok.holder, tok.registrar_a, tok.operator, tok.auditor):
        assert client.get(f"/api/v1/documents/{code}/qr", headers=headers).status_code == 200
    for headers in (tok.admin_d1, tok.verifier, tok.registrar_b):
        assert client.get(f"/api/v1/documents/{code}/qr.png", headers=headers).status_code == 403
    assert client.get(f"/api/v1/documents/{code}/qr").status_code == 401


def test_the_log_is_public_verifiable_and_carries_no_personal_data(
    api: tuple[TestClient, Tokens],
) -> None:
    client, tok = api
    nid = "0084575948"
    code = _issue(client, tok, national_id=nid, first_name="پرستو")
    first = client.get("/api/v1/log/checkpoint").text
    for _ in range(3):
        _issue(client, tok)
    second = client.get("/api/v1/log/checkpoint").text
    verifiers = [NoteVerifier.from_vkey(v) for v in _trust(client)["log_vkeys"]]
    cp1, _ = open_checkpoint(first, verifiers, origin=ORIGIN)
    cp2, _ = open_checkpoint(second, verifiers, origin=ORIGIN)
    entries = client.get("/api/v1/log/entries", params={"start": 0, "end": cp2.size}).json()[
        "entries"
    ]
    leaves = [base64.b64decode(e["leaf_input"]) for e in entries]
    assert merkle.root_from_leaf_hashes(merkle.leaf_hash(x) for x in leaves) == cp2.root_hash
    assert not any(nid.encode() in leaf or "پرستو".encode() in leaf for leaf in leaves)
    [index] = [i for i, leaf in enumerate(leaves) if json.loads(leaf).get("code") == code]
    proof = client.get(
        "/api/v1/log/proof/inclusion", params={"index": index, "tree_size": cp2.size}
    ).json()
    merkle.verify_inclusion(
        merkle.leaf_hash(leaves[index]),
        index,
        cp2.size,
        [base64.b64decode(h) for h in proof["hashes"]],
        cp2.root_hash,
    )
    cons = client.get(
        "/api/v1/log/proof/consistency", params={"first": cp1.size, "second": cp2.size}
    ).json()
    merkle.verify_consistency(
        cp1.size,
        cp2.size,
        [base64.b64decode(h) for h in cons["hashes"]],
        cp1.root_hash,
        cp2.root_hash,
    )
    bad = client.get("/api/v1/log/proof/inclusion", params={"index": 5, "tree_size": cp2.size + 10})
    assert bad.status_code == 422 and bad.json()["error"]["problems"][0]["field"] == "tree_size"


def test_a_clean_registry_audits_clean(api: tuple[TestClient, Tokens], engine: sa.Engine) -> None:
    client, tok = api
    code = _issue(client, tok)
    client.post(
        f"/api/v1/documents/{code}/corrections",
        json={"changes": {"gpa": "18"}, "reason": "r"},
        headers=tok.registrar_a,
    )
    client.post(
        f"/api/v1/documents/{_issue(client, tok)}/revoke",
        json={"reason": "fraud"},
        headers=tok.registrar_a,
    )
    client.get("/api/v1/log/checkpoint")
    assert _audit(engine) == []
    assert client.get("/api/v1/audit", headers=tok.auditor).json()["ok"] is True
    assert client.get("/api/v1/audit", headers=tok.operator).status_code == 403


def _tamper(engine: sa.Engine, sql: str, **params: Any) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def test_a_changed_field_shows_in_verify_and_in_the_audit(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    code = _issue(client, tok)
    with engine.begin() as conn:
        version = conn.execute(
            sa.select(t.document_versions.c.id, t.document_versions.c.content)
            .join(t.documents)
            .where(t.documents.c.code == code)
        ).one()
        forged = dict(version.content, gpa="20.00")
        conn.execute(
            t.document_versions.update()
            .where(t.document_versions.c.id == version.id)
            .values(content=forged)
        )
    assert client.get(f"/api/v1/verify/{code}").json()["status"] == "TAMPERED"
    assert any(line.startswith(code) and "changed field" in line for line in _audit(engine))


def test_a_deleted_version_and_an_inserted_document_are_named(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    code = _issue(client, tok)
    client.post(
        f"/api/v1/documents/{code}/corrections",
        json={"changes": {"gpa": "18"}, "reason": "r"},
        headers=tok.registrar_a,
    )
    with engine.begin() as conn:
        doc_id = conn.execute(
            sa.select(t.documents.c.id).where(t.documents.c.code == code)
        ).scalar()
        version_id = conn.execute(
            sa.select(t.document_versions.c.id).where(
                t.document_versions.c.document_id == doc_id, t.document_versions.c.version == 2
            )
        ).scalar()
        conn.execute(
            t.version_evidence.delete().where(t.version_evidence.c.version_id == version_id)
        )
        conn.execute(t.document_versions.delete().where(t.document_versions.c.id == version_id))
        conn.execute(t.documents.update().where(t.documents.c.id == doc_id).values(version=1))
    # An "inserted" document: a row copied in with a new code, never signed or logged.
    other = _issue(client, tok)
    fake = other[:8] + "0000000000"
    from sehat.core.code import check_digits

    fake += check_digits(fake)
    with engine.begin() as conn:
        row = (
            conn.execute(sa.select(t.documents).where(t.documents.c.code == other)).one()._asdict()
        )
        version = (
            conn.execute(
                sa.select(t.document_versions).where(t.document_versions.c.document_id == row["id"])
            )
            .one()
            ._asdict()
        )
        row.pop("id")
        sub = conn.execute(
            sa.select(t.submissions.c.id).order_by(t.submissions.c.id.desc())
        ).scalar()
        new_id = conn.execute(
            t.documents.insert()
            .values(**(row | {"code": fake, "submission_id": (sub or 0) + 1000}))
            .returning(t.documents.c.id)
        ).scalar()
        version.pop("id")
        conn.execute(
            t.document_versions.insert().values(
                **(
                    version
                    | {"document_id": new_id, "content": dict(version["content"], code=fake)}
                )
            )
        )
    found = _audit(engine)
    assert any(line.startswith(code) and "deleted" in line for line in found), found
    assert any(line.startswith(fake) and "inserted" in line for line in found), found
    assert client.get(f"/api/v1/verify/{fake}").json()["status"] == "TAMPERED"


def test_a_back_dated_version_and_a_deleted_leaf_are_named(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    code = _issue(client, tok)
    second = _issue(client, tok)
    with engine.begin() as conn:
        doc_id = conn.execute(
            sa.select(t.documents.c.id).where(t.documents.c.code == code)
        ).scalar()
        conn.execute(
            t.document_versions.update()
            .where(t.document_versions.c.document_id == doc_id)
            .values(created_at=datetime(2019, 3, 1, tzinfo=UTC))
        )
        leaf = conn.execute(
            sa.select(t.log_entries.c.idx).where(t.log_entries.c.code == second)
        ).scalar()
        conn.execute(t.log_entries.delete().where(t.log_entries.c.idx == leaf))
    found = _audit(engine)
    assert any(line.startswith(code) and "back-dated" in line for line in found), found
    assert any("missing (deleted)" in line or "tree size" in line for line in found), found
    assert any(line.startswith(second) and "no leaf" in line for line in found), found


def test_a_forged_checkpoint_and_a_rewritten_leaf_are_named(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    code = _issue(client, tok)
    client.get("/api/v1/log/checkpoint")
    with engine.begin() as conn:
        note = conn.execute(sa.select(t.checkpoints.c.note)).scalar_one()
        lines = note.split("\n")
        lines[1] = str(int(lines[1]) + 1)
        conn.execute(t.checkpoints.update().values(note="\n".join(lines)))
    assert any("checkpoint" in line and "does not verify" in line for line in _audit(engine))
    with engine.begin() as conn:
        conn.execute(t.checkpoints.update().values(note=note))
        leaf = conn.execute(sa.select(t.log_entries).where(t.log_entries.c.code == code)).one()
        data = json.loads(leaf.leaf_input)
        data["time"] = "2020-01-01T00:00:00Z"
        conn.execute(
            t.log_entries.update()
            .where(t.log_entries.c.idx == leaf.idx)
            .values(leaf_input=rfc8785.dumps(data))
        )
    found = _audit(engine)
    assert any("differs from the leaves" in line or "rewritten" in line for line in found), found


def test_after_rotation_earlier_documents_still_verify(api: tuple[TestClient, Tokens]) -> None:
    client, tok = api
    before = _issue(client, tok)
    old = EVIDENCE.keystore.signing_key(Purpose.ISSUING, 1)[0]
    EVIDENCE.keystore.create(Purpose.ISSUING, 1, datetime.now(UTC))
    EVIDENCE._keys.clear()
    after = _issue(client, tok)
    assert client.get(f"/api/v1/verify/{before}").json()["status"] == "VALID"
    assert client.get(f"/api/v1/verify/{after}").json()["status"] == "VALID"
    listed = {k["kid"]: k["status"] for k in _trust(client)["keys"]}
    assert listed[old.kid] == "retired"


def test_the_seal_skips_the_signature_checks_but_never_hides_a_change(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    from unittest import mock

    from sehat.services import evidence

    client, tok = api
    code = _issue(client, tok)
    v, e = t.document_versions.c, t.version_evidence.c
    with engine.connect() as conn:
        version_id = conn.execute(
            sa.select(v.id).join(t.documents).where(t.documents.c.code == code)
        ).scalar_one()

    def verify() -> tuple[str, int]:
        with mock.patch.object(evidence, "check_version", wraps=evidence.check_version) as slow:
            status = client.get(f"/api/v1/verify/{code}").json()["status"]
        return status, slow.call_count

    assert verify() == ("VALID", 0)  # sealed: no Ed25519 check at all
    with engine.begin() as conn:  # no seal (a row from before 0005): the signatures decide
        conn.execute(
            t.version_evidence.update().where(e.version_id == version_id).values(seal=None)
        )
    assert verify() == ("VALID", 1)
    with engine.begin() as conn:  # a changed field under a made-up seal
        content = conn.execute(sa.select(v.content).where(v.id == version_id)).scalar_one()
        conn.execute(
            t.document_versions.update()
            .where(v.id == version_id)
            .values(content=dict(content, gpa="20.00"))
        )
        conn.execute(
            t.version_evidence.update().where(e.version_id == version_id).values(seal=b"\0" * 32)
        )
    assert verify() == ("TAMPERED", 1)


def test_a_version_copied_onto_another_document_is_tampered(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    first, second = _issue(client, tok), _issue(client, tok)
    v, e = t.document_versions.c, t.version_evidence.c
    with engine.begin() as conn:
        rows = {
            r.code: r
            for r in conn.execute(
                sa.select(t.documents.c.code, v.id, v.content, e.cose, e.content_signature, e.seal)
                .join(t.document_versions, v.document_id == t.documents.c.id)
                .join(t.version_evidence, e.version_id == v.id)
                .where(t.documents.c.code.in_([first, second]))
            )
        }
        source, target = rows[first], rows[second]
        conn.execute(
            t.document_versions.update().where(v.id == target.id).values(content=source.content)
        )
        conn.execute(
            t.version_evidence.update()
            .where(e.version_id == target.id)
            .values(cose=source.cose, content_signature=source.content_signature, seal=source.seal)
        )
    assert client.get(f"/api/v1/verify/{first}").json()["status"] == "VALID"
    assert client.get(f"/api/v1/verify/{second}").json()["status"] == "TAMPERED"


def test_documents_of_a_revoked_key_no_longer_verify(engine: sa.Engine, tmp_path: Path) -> None:
    from sehat.api.app import create_app
    from sehat.config import Settings
    from sehat.keystore import KeyStore

    from .api_helpers import KEK

    keystore = KeyStore(tmp_path / "keys", KEK)
    keystore.ensure(datetime.now(UTC))
    settings = Settings(
        data_dir=tmp_path, database_url=str(engine.url), kek=KEK, rate_limit_public="off"
    )
    client = TestClient(create_app(settings, engine=engine, keystore=keystore))
    tok = make_tokens(engine)
    code = _issue(client, tok)
    assert client.get(f"/api/v1/verify/{code}").json()["status"] == "VALID"
    key = keystore.signing_key(Purpose.ISSUING, 1)[0]
    keystore.revoke(key.kid, "compromised", datetime.now(UTC))
    client.app.runtime.evidence.forget_keys()  # type: ignore[attr-defined]
    answer = client.get(f"/api/v1/verify/{code}").json()
    assert answer["status"] == "TAMPERED"


def test_edited_document_columns_are_tampered(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    from sehat.core import code as authcode

    client, tok = api
    renamed, rekinded = _issue(client, tok), _issue(client, tok)
    parsed = authcode.parse(renamed)
    made_up = str(authcode.generate(parsed.domain, parsed.institution, parsed.year, parsed.kind))
    d = t.documents.c
    with engine.begin() as conn:  # a row given another (valid, never issued) code
        conn.execute(t.documents.update().where(d.code == renamed).values(code=made_up))
        # and a row whose kind column says master's while its code says bachelor's
        conn.execute(t.documents.update().where(d.code == rekinded).values(kind=3))
    assert client.get(f"/api/v1/verify/{made_up}").json()["status"] == "TAMPERED"
    assert client.get(f"/api/v1/verify/{rekinded}").json()["status"] == "TAMPERED"
