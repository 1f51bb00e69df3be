"""A holder's services (DESIGN §5): their documents, share links with an expiry and a field
scope, and the access log of every verification of their documents — and CSV bulk
verification for organisations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from sehat.services import accounts
from sehat.services.principal import Role
from sehat.store import schema as t

from .api_helpers import P, Tokens, make_client, make_tokens
from .registry_helpers import new_national_id, record

FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.fixture
def api(engine: sa.Engine, tmp_path: Path) -> tuple[TestClient, Tokens]:
    return make_client(engine, tmp_path), make_tokens(engine)


def _issue(client: TestClient, tok: Tokens, nid: str, kind: int = 2, **extra: object) -> str:
    body = client.post(
        "/api/v1/graduations",
        json=record(P.uni_a, kind, P.field_science, nid, **extra),
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


def test_a_holder_sees_their_own_documents_only(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    mine = {_issue(client, tok, tok.holder_national_id) for _ in range(2)}
    _issue(client, tok, new_national_id())
    listed = client.get("/api/v1/me/documents", headers=tok.holder)
    assert listed.status_code == 200
    documents = listed.json()["documents"]
    assert {d["code"] for d in documents} == mine
    assert all(d["status"] == "VALID" and d["institution"] == P.uni_a for d in documents)
    assert all(d["kind_name_fa"] and d["institution_name_en"] for d in documents)
    stranger = _holder_headers(engine, new_national_id())
    assert client.get("/api/v1/me/documents", headers=stranger).json() == {"documents": []}


def test_a_share_shows_the_chosen_fields_until_revoked(api: tuple[TestClient, Tokens]) -> None:
    client, tok = api
    code = _issue(client, tok, tok.holder_national_id, gpa="18.25")
    made = client.post(
        "/api/v1/me/shares",
        json={"code": code, "expires_in": 7 * 24 * 3600, "fields": ["holder_name", "gpa"]},
        headers=tok.holder,
    )
    assert made.status_code == 201, made.text
    share = made.json()
    assert share["url"].endswith(f"/s/{share['token']}")  # a page; the API answers too
    expires = datetime.fromisoformat(share["expires_at"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)

    opened = client.get(f"/api/v1/shares/{share['token']}")
    assert opened.status_code == 200
    body = opened.json()
    assert body["status"] == "VALID" and body["code"] == code
    assert body["details"]["gpa"] == "18.25" and body["details"]["holder_name_fa"]
    assert "birth_date" not in body["details"] and "field_name" not in body["details"]
    assert body["share"]["fields"] == ["holder_name", "gpa"]

    listed = client.get("/api/v1/me/shares", headers=tok.holder).json()["shares"]
    assert [(s["id"], s["status"]) for s in listed] == [(share["id"], "active")]

    revoked = client.delete(f"/api/v1/me/shares/{share['token']}", headers=tok.holder)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    gone = client.get(f"/api/v1/shares/{share['token']}")
    assert gone.status_code == 410
    assert "revoked" in gone.json()["error"]["message"] and gone.json()["error"]["message_fa"]
    # Revoking again (here by its id) is harmless.
    again = client.delete(f"/api/v1/me/shares/{share['id']}", headers=tok.holder)
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked.json()["revoked_at"]
    assert client.get("/api/v1/shares/shr_made_up").status_code == 404


def test_an_expired_share_is_gone(api: tuple[TestClient, Tokens], engine: sa.Engine) -> None:
    client, tok = api
    code = _issue(client, tok, tok.holder_national_id)
    share = client.post(
        "/api/v1/me/shares",
        json={"code": code, "expires_in": 60, "fields": ["field"]},
        headers=tok.holder,
    ).json()
    assert client.get(f"/api/v1/shares/{share['token']}").status_code == 200
    with engine.begin() as conn:  # a minute passes
        conn.execute(
            t.shares.update()
            .where(t.shares.c.public_id == share["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    gone = client.get(f"/api/v1/shares/{share['token']}")
    assert gone.status_code == 410 and "expired" in gone.json()["error"]["message"]
    listed = client.get("/api/v1/me/shares", headers=tok.holder).json()["shares"]
    assert listed[0]["status"] == "expired"


def test_bad_share_requests_say_what_to_fix(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    code = _issue(client, tok, tok.holder_national_id)
    other = _issue(client, tok, new_national_id())

    def share(body: dict[str, object], headers: dict[str, str] = tok.holder) -> dict[str, object]:
        response = client.post("/api/v1/me/shares", json=body, headers=headers)
        return {"status": response.status_code, **response.json()}

    unknown_field = share({"code": code, "expires_in": 600, "fields": ["gpa", "password"]})
    assert unknown_field["status"] == 422
    problem = unknown_field["error"]["problems"][0]  # type: ignore[index]
    assert problem["field"] == "fields[1]" and "holder_name" in problem["fix"]
    too_short = share({"code": code, "expires_in": 5, "fields": []})
    assert too_short["status"] == 422
    assert too_short["error"]["problems"][0]["field"] == "expires_in"  # type: ignore[index]
    assert share({"code": other, "expires_in": 600, "fields": []})["status"] == 403
    assert share({"code": "10001052348068574304", "expires_in": 600})["status"] == 404
    assert share({"code": code, "expires_in": 600}, tok.verifier)["status"] == 403
    # A share is revocable only by its holder; to anyone else it does not exist.
    made = share({"code": code, "expires_in": 600, "fields": []})
    stranger = _holder_headers(engine, new_national_id())
    response = client.delete(f"/api/v1/me/shares/{made['token']}", headers=stranger)
    assert response.status_code == 404
    assert client.get(f"/api/v1/shares/{made['token']}").status_code == 200


def test_every_verification_reaches_the_holders_access_log(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    nid = tok.holder_national_id
    code = _issue(client, tok, nid)
    assert client.get(f"/api/v1/verify/{code}").json()["status"] == "VALID"
    client.post("/api/v1/verify", json={"code": code, "national_id": nid.translate(FA)})
    client.post("/api/v1/verify", json={"code": code, "national_id": new_national_id()})
    batch = {"items": [{"code": code, "national_id": nid}]}
    assert client.post("/api/v1/verify/batch", json=batch, headers=tok.verifier).status_code == 200
    share = client.post(
        "/api/v1/me/shares",
        json={"code": code, "expires_in": 600, "fields": ["graduation_date"]},
        headers=tok.holder,
    ).json()
    client.get(f"/api/v1/shares/{share['token']}")
    client.get(f"/api/v1/shares/{share['token']}", headers=tok.verifier)
    # Someone else's document is not in this holder's log.
    other = _issue(client, tok, new_national_id())
    client.get(f"/api/v1/verify/{other}")

    response = client.get("/api/v1/me/access-log", headers=tok.holder)
    assert response.status_code == 200
    entries = response.json()["entries"]
    assert {e["code"] for e in entries} == {code}
    seen = sorted((e["channel"], e["who"], e["matched"], tuple(e["fields"])) for e in entries)
    public = ("status", "kind", "institution", "year")
    details = (
        "holder_name",
        "birth_date",
        "field",
        "program_type",
        "graduation_date",
        "gpa",
        "seminary_level",
    )
    assert seen == sorted(
        [
            ("public", "public", None, public),
            ("national_id", "public", True, public + details),
            ("national_id", "public", False, public),
            ("batch", "verifier", True, public + details),
            ("share", "someone holding your share link", None, (*public, "graduation_date")),
            ("share", "verifier", None, (*public, "graduation_date")),
        ]
    )
    assert all(e["who_fa"] and datetime.fromisoformat(e["at"]) for e in entries)
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)

    # The auditor and the operator read any document's log; nobody else.
    for headers in (tok.auditor, tok.operator):
        log = client.get("/api/v1/access-log", params={"code": code}, headers=headers)
        assert log.status_code == 200 and len(log.json()["entries"]) == len(entries)
    for headers in (tok.verifier, tok.registrar_a, tok.holder):
        log = client.get("/api/v1/access-log", params={"code": code}, headers=headers)
        assert log.status_code == 403
    assert client.get("/api/v1/access-log", params={"code": code}).status_code == 401
    # The log itself keeps no national ID or name.
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.access_log)).all()
    assert rows and nid not in str(rows)


def test_csv_bulk_verification_answers_line_by_line(api: tuple[TestClient, Tokens]) -> None:
    client, tok = api
    people = [new_national_id() for _ in range(3)]
    codes = [_issue(client, tok, n) for n in people]
    upload = (
        "ردیف;کد صحت;کد ملی\r\n"
        f"1;{codes[0].translate(FA)};{people[0].translate(FA)}\r\n"
        f"2;{codes[1]};{people[2]}\r\n"
        "\r\n"
        f"3;12345;{people[0]}\r\n"
        f"4;{codes[2]};123\r\n"
    ).encode()
    response = client.post(
        "/api/v1/verify/batch/csv",
        content=upload,
        headers={**tok.verifier, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = [line.split(",") for line in text.strip().split("\r\n")]
    assert lines[0][:4] == ["line", "code", "status", "match"]
    assert [(r[0], r[2], r[3]) for r in lines[1:]] == [
        ("2", "VALID", "yes"),
        ("3", "VALID", "no"),
        ("5", "MALFORMED", "no"),
        ("6", "MALFORMED", "no"),
    ]
    assert lines[1][1] == codes[0] and "national_id" in lines[4][-2]

    windows = f"code,national_id\r\n{codes[0]},{people[0]}\r\n".encode("cp1256")
    ok = client.post(
        "/api/v1/verify/batch/csv",
        content=windows,
        headers={**tok.verifier, "Content-Type": "text/csv"},
    )
    assert ok.status_code == 200 and ",VALID,yes," in ok.content.decode("utf-8-sig")

    no_header = client.post(
        "/api/v1/verify/batch/csv",
        content=f"{codes[0]},{people[0]}\n".encode(),
        headers={**tok.verifier, "Content-Type": "text/csv"},
    )
    assert no_header.status_code == 422
    error = no_header.json()["error"]
    assert "code" in error["message"] and "national_id" in error["problems"][0]["fix"]
    empty = client.post(
        "/api/v1/verify/batch/csv",
        content=b"",
        headers={**tok.verifier, "Content-Type": "text/csv"},
    )
    assert empty.status_code == 422 and "empty" in empty.json()["error"]["message"]


def test_shape_errors_are_explained_in_both_languages(api: tuple[TestClient, Tokens]) -> None:
    client, tok = api
    item = record(P.uni_a, 2, P.field_science)
    del item["first_name"]
    batch = client.post(
        "/api/v1/graduations/batch", json={"items": [item]}, headers=tok.registrar_a
    ).json()
    [reason] = batch["results"][0]["reasons"]
    assert reason["field"] == "items[0].first_name"
    assert reason["problem_fa"] == "الزامی است" and "first_name" in reason["fix"]
    too_long = client.post(
        "/api/v1/me/shares",
        json={"code": "10001052348068574304", "expires_in": 10**9},
        headers=tok.holder,
    ).json()["error"]["problems"][0]
    assert too_long["field"] == "expires_in" and "31622400" in too_long["problem"]
    # The Persian text prints the limit in Persian digits.
    assert "حداکثر ۳۱۶۲۲۴۰۰" in too_long["problem_fa"] and "۳۱۶۲۲۴۰۰" in too_long["fix_fa"]


def test_a_public_check_with_a_token_names_the_organisation(
    api: tuple[TestClient, Tokens],
) -> None:
    client, tok = api
    code = _issue(client, tok, tok.holder_national_id)
    fast = client.get(f"/api/v1/verify/{code}")  # tokenless: answered before the framework
    named = client.get(f"/api/v1/verify/{code}", headers=tok.verifier)  # through the route
    assert fast.json() == named.json() and fast.json()["status"] == "VALID"
    assert fast.headers["content-type"] == named.headers["content-type"] == "application/json"
    entries = client.get("/api/v1/me/access-log", headers=tok.holder).json()["entries"]
    assert sorted(e["who"] for e in entries) == ["public", "verifier"]
    assert client.get(f"/api/v1/verify/{code}/extra").status_code == 404
    assert client.get("/api/v1/verify/").status_code in (404, 405)  # the framework decides


def test_the_holders_page_opens_at_once_right_after_a_public_check(
    api: tuple[TestClient, Tokens],
) -> None:
    """A public check waits in the access-log buffer for up to a second; the holder's page
    writes it out before reading (it used to do so from inside its own SQLite transaction,
    and waited for itself until the 60-second busy timeout ran out)."""
    import time

    client, tok = api
    code = _issue(client, tok, tok.holder_national_id)
    assert client.get(f"/api/v1/verify/{code}").status_code == 200  # queued, not yet written
    client.cookies.set("sehat_session", tok.holder["Authorization"].removeprefix("Bearer "))
    started = time.monotonic()
    page = client.get("/me", params={"lang": "en"})
    assert page.status_code == 200
    assert time.monotonic() - started < 5
    assert "public (code)" in page.text  # and the check just made is in its access log
