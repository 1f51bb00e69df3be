"""Verification by a person (code + national ID) and by an organisation in bulk (DESIGN §5)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from .api_helpers import P, Tokens, make_client, make_tokens
from .registry_helpers import new_national_id, record


@pytest.fixture
def api(engine: sa.Engine, tmp_path: Path) -> tuple[TestClient, Tokens]:
    return make_client(engine, tmp_path), make_tokens(engine)


def _issue(client: TestClient, tok: Tokens, nid: str) -> str:
    body = client.post(
        "/api/v1/graduations",
        json=record(P.uni_a, 2, P.field_science, nid),
        headers=tok.registrar_a,
    ).json()
    assert body["status"] == "ISSUED"
    return str(body["code"])


def test_the_holders_national_id_unlocks_the_details(api: tuple[TestClient, Tokens]) -> None:
    client, tok = api
    nid = new_national_id()
    code = _issue(client, tok, nid)
    fa = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    match = client.post(
        "/api/v1/verify", json={"code": code, "national_id": nid.translate(fa)}
    ).json()
    assert match["status"] == "VALID" and match["match"] is True
    assert match["details"]["holder_name_fa"] == "زهرا احمدی"
    assert match["details"]["birth_date"] == "1996-09-05"
    other = client.post(
        "/api/v1/verify", json={"code": code, "national_id": new_national_id()}
    ).json()
    assert other["status"] == "VALID" and other["match"] is False
    assert "details" not in other and "زهرا" not in str(other)
    unknown = client.post(
        "/api/v1/verify", json={"code": "10001052348068574304", "national_id": nid}
    )
    assert unknown.json()["status"] == "UNKNOWN" and unknown.json()["match"] is False
    bad = client.post("/api/v1/verify", json={"code": code, "national_id": "123"})
    assert bad.status_code == 422 and bad.json()["error"]["problems"][0]["field"] == "national_id"


def test_bulk_verification_keeps_order_and_isolates_bad_items(
    api: tuple[TestClient, Tokens],
) -> None:
    client, tok = api
    people = [new_national_id() for _ in range(7)]
    codes = [_issue(client, tok, nid) for nid in people]
    items = [{"code": c, "national_id": n} for c, n in zip(codes[:5], people, strict=False)]
    items.insert(2, {"code": "1234", "national_id": people[0]})
    items.insert(4, {"code": codes[5], "national_id": "1111111111"})
    items.append({"code": codes[6], "national_id": people[2]})  # somebody else's ID
    response = client.post("/api/v1/verify/batch", json={"items": items}, headers=tok.verifier)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "VALID",
        "VALID",
        "MALFORMED",
        "VALID",
        "MALFORMED",
        "VALID",
        "VALID",
        "VALID",
    ]
    assert [r["match"] for r in results] == [True, True, False, True, False, True, True, False]
    assert results[4]["problems"][0]["field"] == "items[4].national_id"
    assert client.post("/api/v1/verify/batch", json={"items": items}).status_code == 401
    assert (
        client.post(
            "/api/v1/verify/batch", json={"items": items}, headers=tok.registrar_a
        ).status_code
        == 403
    )
    too_many = {"items": [{"code": codes[0], "national_id": people[0]}] * 10_001}
    assert (
        client.post("/api/v1/verify/batch", json=too_many, headers=tok.verifier).status_code == 422
    )


def test_a_wrong_national_id_costs_the_same_work_as_the_right_one(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    """No timing oracle: matching and not matching run the same statements and the same
    signature checks, so the time taken tells nothing about who the holder is beyond what
    the answer says (a wrong ID is also counted against the document: DESIGN §5)."""
    from unittest import mock

    from sehat.services.evidence import Evidence

    client, tok = api
    nid = new_national_id()
    code = _issue(client, tok, nid)
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "id_check_guards" not in statement:
            statements.append(statement.split()[0])

    def work(national_id: str) -> tuple[list[str], int, bool]:
        statements.clear()
        with mock.patch.object(
            Evidence, "check", autospec=True, side_effect=Evidence.check
        ) as check:
            sa.event.listen(engine, "before_cursor_execute", count)
            try:
                answer = client.post(
                    "/api/v1/verify", json={"code": code, "national_id": national_id}
                )
            finally:
                sa.event.remove(engine, "before_cursor_execute", count)
        return list(statements), check.call_count, answer.json()["match"]

    right, right_checks, matched = work(nid)
    wrong, wrong_checks, not_matched = work(new_national_id())
    assert matched is True and not_matched is False
    assert right == wrong and right_checks == wrong_checks == 1


def test_the_prepared_public_read_answers_exactly_as_core_does(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    from sehat.services.verification import look_up, look_up_with, reader

    from .api_helpers import REF as REFERENCE
    from .registry_helpers import EVIDENCE

    client, tok = api
    valid, revoked, suspended = (_issue(client, tok, new_national_id()) for _ in range(3))
    assert client.post(
        f"/api/v1/documents/{revoked}/revoke", json={"reason": "fraud"}, headers=tok.registrar_a
    ).is_success
    assert client.post(
        f"/api/v1/documents/{suspended}/suspend", json={}, headers=tok.registrar_a
    ).is_success
    texts = [valid, revoked, suspended, "10001052348068574304", "1000105234806857430", "x"]
    prepared = reader(engine)
    with engine.connect() as conn:
        for text in texts:
            fast = look_up_with(prepared, REFERENCE, EVIDENCE, text)
            assert fast == look_up(conn, REFERENCE, EVIDENCE, text), text
    statuses = [look_up_with(prepared, REFERENCE, EVIDENCE, x).answer["status"] for x in texts]
    assert statuses == ["VALID", "REVOKED", "SUSPENDED", "UNKNOWN", "MALFORMED", "MALFORMED"]


def test_the_csv_answer_names_the_files_line_in_both_languages(
    api: tuple[TestClient, Tokens],
) -> None:
    client, tok = api
    nid = new_national_id()
    code, other = _issue(client, tok, nid), _issue(client, tok, new_national_id())
    # Line 1 the header, line 2 a good row, line 3 a short code, line 4 a bad national ID.
    upload = f"code,national_id\r\n{code},{nid}\r\n12345,{nid}\r\n{other},123\r\n"
    response = client.post(
        "/api/v1/verify/batch/csv",
        content=upload.encode(),
        headers={**tok.verifier, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["line"] for r in rows] == ["2", "3", "4"]
    short = rows[1]
    assert short["problem"] == "line 3, code: the code has 5 digits; it must have exactly 20"
    assert short["problem_fa"] == "سطر ۳، کد صحت: کد ۵ رقم دارد؛ باید دقیقاً ۲۰ رقم باشد"
    assert "items[" not in response.content.decode("utf-8-sig")
    assert rows[2]["problem"].startswith("line 4, national_id: ")
    assert rows[2]["problem_fa"].startswith("سطر ۴، کد ملی: ")

    # The same code twice: the whole file is refused, naming both lines in each language.
    twice = f"code,national_id\n{code},{nid}\n{code},{new_national_id()}\n"
    refused = client.post(
        "/api/v1/verify/batch/csv",
        content=twice.encode(),
        headers={**tok.verifier, "Content-Type": "text/csv"},
    )
    assert refused.status_code == 422
    [problem] = refused.json()["error"]["problems"]
    assert problem["field"] == "line 3"
    assert problem["problem"].startswith(f"line 2 and line 3 name the same code {code}")
    assert problem["problem_fa"].startswith("سطر ۲ و سطر ۳ هر دو کد ")
    assert problem["fix_fa"] == "هر مدرک را یک بار استعلام کنید: سطر ۳ (یا سطر ۲) را حذف کنید"

    # JSON names items, as JSON does.
    batch = client.post(
        "/api/v1/verify/batch",
        json={"items": [{"code": code, "national_id": nid}, {"code": "12345", "national_id": nid}]},
        headers=tok.verifier,
    ).json()["results"]
    assert batch[1]["problems"][0]["field"] == "items[1].code"
