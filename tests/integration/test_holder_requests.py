"""A graduate's own request for a code for an old document (DESIGN §3, §7): the holder asks,
the institution's registrar confirms it from the archive or declines it, the holder follows."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from sehat.store import schema as t

from .api_helpers import P, Tokens, make_client, make_tokens
from .registry_helpers import new_national_id, record


@pytest.fixture
def api(engine: sa.Engine, tmp_path: Path) -> tuple[TestClient, Tokens]:
    return make_client(engine, tmp_path), make_tokens(engine)


def _ask(
    client: TestClient, tok: Tokens, student_number: str, **extra: object
) -> dict[str, object]:
    body = {
        "institution": P.uni_a,
        "kind": 2,
        "field": P.field_science,
        "student_number": student_number,
        "graduation_year": "۱۳۸۵",
        **extra,
    }
    return client.post("/api/v1/me/backfill-requests", json=body, headers=tok.holder).json()


def test_asked_confirmed_from_the_archive_and_issued(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    asked = client.post(
        "/api/v1/me/backfill-requests",
        json={
            "institution": P.uni_a,
            "kind": "2",
            "field": P.field_science,
            "student_number": "۸۱۲۳۴",
            "graduation_year": 1385,
        },
        headers=tok.holder,
    )
    assert asked.status_code == 201
    request = asked.json()
    assert request["status"] == "OPEN" and request["student_number"] == "81234"
    # Asking again does not file it twice.
    again = _ask(client, tok, "81234")
    assert again["request_id"] == request["request_id"]
    # It is in the institution's queue, with whom it is for; not in another's.
    queue = client.get("/api/v1/registrar/holder-requests", headers=tok.registrar_a).json()
    [item] = queue["items"]
    assert item["request_id"] == request["request_id"]
    assert item["holder"] == {"national_id": tok.holder_national_id}
    other = client.get("/api/v1/registrar/holder-requests", headers=tok.registrar_b).json()
    assert other["items"] == []
    rid = request["request_id"]
    archive = record(
        P.uni_a,
        2,
        P.field_science,
        tok.holder_national_id,
        student_number="81234",
        entry_date="1381/07/01",
        graduation_date="1385/04/31",
    )
    # Another institution's registrar cannot answer it; a record of someone else is refused.
    assert (
        client.post(
            f"/api/v1/registrar/holder-requests/{rid}/confirm",
            json=archive,
            headers=tok.registrar_b,
        ).status_code
        == 403
    )
    wrong = client.post(
        f"/api/v1/registrar/holder-requests/{rid}/confirm",
        json={**archive, "national_id": new_national_id()},
        headers=tok.registrar_a,
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["problems"][0]["field"] == "national_id"
    confirmed = client.post(
        f"/api/v1/registrar/holder-requests/{rid}/confirm", json=archive, headers=tok.registrar_a
    )
    assert confirmed.status_code == 200, confirmed.text
    submission = confirmed.json()["submission"]
    assert submission["status"] == "ISSUED" and submission["code"]
    mine = client.get("/api/v1/me/backfill-requests", headers=tok.holder).json()["items"]
    assert mine[0]["status"] == "CONFIRMED" and mine[0]["submission_status"] == "ISSUED"
    assert mine[0]["code"] == submission["code"]
    documents = client.get("/api/v1/me/documents", headers=tok.holder).json()["documents"]
    assert submission["code"] in {d["code"] for d in documents}
    with engine.connect() as conn:
        assurance = conn.execute(
            sa.select(t.documents.c.assurance).where(t.documents.c.code == submission["code"])
        ).scalar()
    assert assurance == "attested"
    # Answered once.
    assert (
        client.post(
            f"/api/v1/registrar/holder-requests/{rid}/confirm",
            json=archive,
            headers=tok.registrar_a,
        ).status_code
        == 409
    )


def test_declined_with_a_reason_the_holder_reads(api: tuple[TestClient, Tokens]) -> None:
    client, tok = api
    rid = _ask(client, tok, "X-77")["request_id"]
    url = f"/api/v1/registrar/holder-requests/{rid}/decline"
    blank = client.post(url, json={"reason": "  "}, headers=tok.registrar_a)
    assert blank.status_code == 422 and blank.json()["error"]["problems"][0]["field"] == "reason"
    declined = client.post(
        url,
        json={"reason": "no graduate with this student number in 1385"},
        headers=tok.registrar_a,
    )
    assert declined.status_code == 200 and declined.json()["status"] == "DECLINED"
    [mine] = client.get("/api/v1/me/backfill-requests", headers=tok.holder).json()["items"]
    assert mine["status"] == "DECLINED" and "1385" in mine["reason"]
    assert client.post(url, json={"reason": "again"}, headers=tok.registrar_a).status_code == 409


def test_a_request_that_cannot_be_filed_says_what_to_fix(api: tuple[TestClient, Tokens]) -> None:
    client, tok = api
    bad = client.post(
        "/api/v1/me/backfill-requests",
        json={
            "institution": "99999",
            "kind": 12,
            "field": "nope",
            "student_number": "",
            "graduation_year": 2006,
        },
        headers=tok.holder,
    )
    assert bad.status_code == 422
    fields = [p["field"] for p in bad.json()["error"]["problems"]]
    assert fields == ["institution", "kind", "field", "student_number", "graduation_year"]
    assert "1385 rather than 2006" in bad.text
    # Only a holder asks for their own document; nobody without a token.
    body = {
        "institution": P.uni_a,
        "kind": 2,
        "field": P.field_science,
        "student_number": "1",
        "graduation_year": 1385,
    }
    assert (
        client.post("/api/v1/me/backfill-requests", json=body, headers=tok.verifier).status_code
        == 403
    )
    assert client.post("/api/v1/me/backfill-requests", json=body).status_code == 401
    assert client.get("/api/v1/me/backfill-requests", headers=tok.registrar_a).status_code == 403
