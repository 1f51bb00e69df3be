"""The registry over HTTP: what a registrar's system and a verifier see, including bad input."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from sehat.api.app import create_app
from sehat.config import Settings
from sehat.errors import InfrastructureError
from sehat.store import schema as t
from sehat.store.db import head_revision, make_engine

from .api_helpers import KEK, P, Tokens, make_client, make_tokens
from .registry_helpers import new_national_id, record


@pytest.fixture
def api(engine: sa.Engine, tmp_path: Path) -> tuple[TestClient, Tokens]:
    client = make_client(engine, tmp_path)
    return client, make_tokens(engine)


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_submit_then_verify_then_revoke(api: tuple[TestClient, Tokens]) -> None:
    client, tok = api
    response = client.post(
        "/api/v1/graduations", json=record(P.uni_a, 2, P.field_science), headers=tok.registrar_a
    )
    assert response.status_code == 201
    body = response.json()
    assert (
        set(body) == {"submission_id", "status", "code", "reasons"} and body["status"] == "ISSUED"
    )
    again = client.get(f"/api/v1/graduations/{body['submission_id']}", headers=tok.registrar_a)
    assert again.json() == body
    public = client.get(f"/api/v1/verify/{body['code']}").json()
    assert public["status"] == "VALID" and public["institution"] == P.uni_a
    assert not {"national_id", "first_name", "last_name", "birth_date"} & set(public)
    revoked = client.post(
        f"/api/v1/documents/{body['code']}/revoke",
        json={"reason": "court_order"},
        headers=tok.registrar_a,
    )
    assert revoked.status_code == 200
    assert client.get(f"/api/v1/verify/{body['code']}").json()["status"] == "REVOKED"
    final = client.post(
        f"/api/v1/documents/{body['code']}/revoke",
        json={"reason": "fraud"},
        headers=tok.registrar_a,
    )
    assert final.status_code == 409


def test_the_idempotency_key_header_returns_the_first_result(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    headers = tok.registrar_a | {"Idempotency-Key": "sis-2026-0001"}
    first = client.post(
        "/api/v1/graduations", json=record(P.uni_a, 2, P.field_science), headers=headers
    )
    second = client.post(
        "/api/v1/graduations", json=record(P.uni_a, 2, P.field_science), headers=headers
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert _count(engine, t.documents) == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ('{"first_name": ', 400, "body"),
        ("[1, 2]", 422, ""),
        ('{"national_id": "0012345679", "colour": "blue"}', 422, "colour"),
        ('{"national_id": "0012345679"}', 422, "first_name"),
        (
            '{"national_id": "0012345679", "first_name": ["x"], "last_name": "y",'
            ' "birth_date": "1370/01/01",'
            ' "institution": "10001", "kind": 2, "field_code": "1101", "student_number": "1",'
            ' "graduation_date": "1399/01/01"}',
            422,
            "first_name",
        ),
    ],
)
def test_malformed_requests_get_a_4xx_naming_the_field_and_store_nothing(
    api: tuple[TestClient, Tokens], engine: sa.Engine, body: str, status: int, field: str
) -> None:
    client, tok = api
    response = client.post(
        "/api/v1/graduations",
        content=body,
        headers=tok.registrar_a | {"content-type": "application/json"},
    )
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["message"] and error["message_fa"]
    assert any(field in p["field"] for p in error["problems"])
    assert all(p["fix"] for p in error["problems"])
    assert _count(engine, t.submissions) == 0


def test_invalid_values_are_stored_as_rejected_with_every_reason(
    api: tuple[TestClient, Tokens],
) -> None:
    client, tok = api
    rec = record(P.uni_a, 2, P.field_science, national_id="1234567890", birth_date="1402/12/30")
    body = client.post("/api/v1/graduations", json=rec, headers=tok.registrar_a).json()
    assert body["status"] == "REJECTED" and body["code"] is None
    assert {r["field"] for r in body["reasons"]} >= {"national_id", "birth_date"}


def test_persian_digits_anywhere(api: tuple[TestClient, Tokens]) -> None:
    client, tok = api
    fa = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    rec = {
        k: (v.translate(fa) if isinstance(v, str) else v)
        for k, v in record(P.uni_a, 2, P.field_science).items()
    }
    rec["kind"] = "۲"
    body = client.post("/api/v1/graduations", json=rec, headers=tok.registrar_a).json()
    assert body["status"] == "ISSUED", body
    persian_code = body["code"].translate(fa)
    assert client.get(f"/api/v1/verify/{persian_code}").json()["status"] == "VALID"


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("1234", 5),
        ("1000-1052-3480-6857-430X", 24),
        ("10001052348068574305", 19),
        ("00001052348068574304", 1),
    ],
)
def test_verify_explains_a_malformed_code(
    api: tuple[TestClient, Tokens], text: str, position: int
) -> None:
    client, _ = api
    body = client.get(f"/api/v1/verify/{text}").json()
    assert body["status"] == "MALFORMED"
    assert body["problems"][0]["position"] == position
    assert body["message_fa"]


def test_an_unknown_well_formed_code_is_unknown(api: tuple[TestClient, Tokens]) -> None:
    client, _ = api
    assert client.get("/api/v1/verify/10001052348068574304").json()["status"] == "UNKNOWN"


def test_a_batch_of_a_thousand_keeps_order_and_one_bad_record_never_sinks_the_others(
    api: tuple[TestClient, Tokens],
) -> None:
    client, tok = api
    items: list[object] = [record(P.uni_a, 2, P.field_science) for _ in range(1000)]
    items[10] = {"national_id": "1"}  # structurally incomplete
    items[20] = "not an object"
    items[30] = record(P.uni_a, 2, P.field_science, gpa="25")  # stored, rejected
    response = client.post(
        "/api/v1/graduations/batch", json={"items": items}, headers=tok.registrar_a
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 1000
    assert results[10]["status"] == "REJECTED" and results[10]["submission_id"] is None
    assert results[20]["status"] == "REJECTED"
    assert results[30]["status"] == "REJECTED" and results[30]["submission_id"]
    issued = [r for i, r in enumerate(results) if i not in (10, 20, 30)]
    assert all(r["status"] == "ISSUED" for r in issued)
    assert len({r["code"] for r in issued}) == 997


def test_an_oversize_batch_is_refused_whole(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    items = [record(P.uni_a, 2, P.field_science) for _ in range(5001)]
    response = client.post(
        "/api/v1/graduations/batch", json={"items": items}, headers=tok.registrar_a
    )
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["field"] == "items"
    assert _count(engine, t.submissions) == 0


def test_tokens_are_shown_once_and_stored_hashed(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    made = client.post(
        "/api/v1/admin/accounts", json={"role": "verifier", "name": "Acme HR"}, headers=tok.operator
    ).json()
    token = client.post(
        "/api/v1/admin/tokens", json={"account_id": made["account_id"]}, headers=tok.operator
    ).json()
    assert token["token"].startswith("sehat_")
    with engine.connect() as conn:
        stored = conn.execute(sa.select(t.tokens)).all()
    assert all(token["token"] not in " ".join(map(str, row)) for row in stored)
    listed = client.get("/api/v1/admin/tokens", headers=tok.operator).json()["items"]
    assert all("token" not in item for item in listed)
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/v1/admin/accounts", headers=headers).status_code == 403  # verifier
    assert (
        client.delete(f"/api/v1/admin/tokens/{token['token_id']}", headers=tok.operator).status_code
        == 204
    )
    assert client.get("/api/v1/registrar/pending", headers=headers).status_code == 401


def test_a_bad_token_is_401_with_a_bilingual_message(api: tuple[TestClient, Tokens]) -> None:
    client, _ = api
    for headers in ({"Authorization": "Bearer sehat_nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/registrar/pending", headers=headers)
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"]["message_fa"]


def test_the_server_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    settings = Settings(data_dir=tmp_path, database_url=str(empty.url), kek=KEK)
    with pytest.raises(InfrastructureError, match="sehat db upgrade"):
        create_app(settings, engine=empty)


def test_the_server_refuses_a_newer_database(engine: sa.Engine, tmp_path: Path) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    try:
        settings = Settings(data_dir=tmp_path, database_url=str(engine.url), kek=KEK)
        with pytest.raises(InfrastructureError, match="newer"):
            create_app(settings, engine=engine)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{head_revision()}'")


def test_no_national_id_or_name_reaches_the_logs(
    api: tuple[TestClient, Tokens], caplog: pytest.LogCaptureFixture
) -> None:
    client, tok = api
    caplog.set_level(logging.DEBUG)
    nid = new_national_id()
    rec = record(P.uni_a, 2, P.field_science, nid, first_name="شهرزاد", last_name="قاسمی‌پور")
    client.post("/api/v1/graduations", json=rec, headers=tok.registrar_a)
    client.post("/api/v1/graduations", json=dict(rec, gpa="x"), headers=tok.registrar_a)
    client.post("/api/v1/graduations", content=b"{", headers=tok.registrar_a)
    text = caplog.text
    assert nid not in text and "شهرزاد" not in text and "قاسمی" not in text
