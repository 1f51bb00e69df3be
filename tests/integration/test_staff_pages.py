"""The page handlers where no browser is needed: the registrar's, the inspector's and the
administrator's pages refuse the wrong role and a form posted from another site, and explain
bad input next to its field; the holder's demo sign-in by national ID and a one-time code is
single-use, expires, counts wrong tries, is stored hashed, and is closed in production."""

from __future__ import annotations

import html
import logging
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from sehat.services import sign_in_codes
from sehat.store import schema as t

from .api_helpers import P, Tokens
from .registry_helpers import new_national_id, record

EVIL = {"Origin": "http://evil.example"}


def _sign_in(client: TestClient, path: str, header: dict[str, str]) -> None:
    token = header["Authorization"].removeprefix("Bearer ")
    answer = client.post(f"{path}/sign-in", data={"token": token}, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def _issue(client: TestClient, tokens: Tokens, institution: str, header: dict[str, str]) -> str:
    body = client.post(
        "/api/v1/graduations",
        json=record(institution, 2, P.field_science, new_national_id()),
        headers=header,
    ).json()
    assert body["status"] == "ISSUED", body
    return str(body["code"])


def _field_error(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page)
    assert found is not None, element_id
    return html.unescape(found.group(1))


@pytest.mark.parametrize(
    ("path", "wrong", "said"),
    [
        ("/registrar", "holder", "not an institution registrar's token"),
        ("/registrar", "operator", "not an institution registrar's token"),
        ("/audit", "registrar_a", "not the inspector's token"),
        ("/audit", "operator", "not the inspector's token"),
        ("/admin", "verifier", "not an operator's, domain admin's or auditor's token"),
        ("/admin", "registrar_a", "not an operator's, domain admin's or auditor's token"),
    ],
)
def test_each_staff_page_refuses_another_roles_token(
    client: TestClient, tokens: Tokens, path: str, wrong: str, said: str
) -> None:
    token = getattr(tokens, wrong)["Authorization"].removeprefix("Bearer ")
    answer = client.post(f"{path}/sign-in?lang=en", data={"token": token})
    assert answer.status_code == 403
    assert said in html.unescape(answer.text)
    assert "sehat_session" not in answer.cookies
    # Without a session the page is its sign-in form, and its actions change nothing.
    assert 'id="token"' in client.get(path).text
    assert client.post(f"{path}/sign-in", data={"token": "sehat_nonsense"}).status_code == 401


def test_a_staff_session_is_only_good_for_its_own_roles_pages(
    client: TestClient, tokens: Tokens
) -> None:
    _sign_in(client, "/registrar", tokens.registrar_a)
    assert 'id="graduation-form"' in client.get("/registrar").text
    # The same cookie does not open the inspector's or the administrator's page.
    assert 'id="token"' in client.get("/audit").text
    assert 'id="token"' in client.get("/admin").text
    refused = client.post("/audit/run")
    assert refused.status_code == 401 and "report" not in refused.text


def test_forms_posted_from_another_site_are_refused(
    client: TestClient, tokens: Tokens, engine: sa.Engine
) -> None:
    _sign_in(client, "/registrar", tokens.registrar_a)
    values = record(P.uni_a, 2, P.field_science, new_national_id())
    values.pop("institution")
    refused = client.post("/registrar/graduations", data=values, headers=EVIL)
    assert refused.status_code == 403
    assert "این فرم از صفحه‌های خود سامانه فرستاده نشده است" in refused.text
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.submissions)).scalar() == 0
    check = client.post("/registrar/check", data=values, headers=EVIL)
    assert check.status_code == 403
    code = _issue(client, tokens, P.uni_a, tokens.registrar_a)
    revoked = client.post(
        "/registrar/document/revoke", data={"code": code, "reason": "fraud"}, headers=EVIL
    )
    assert revoked.status_code == 403
    assert client.get(f"/api/v1/verify/{code}").json()["status"] == "VALID"

    _sign_in(client, "/admin", tokens.operator)
    before = len(client.get("/api/v1/admin/tokens", headers=tokens.operator).json()["items"])
    account = client.get("/api/v1/admin/accounts", headers=tokens.operator).json()["items"][0]
    made = client.post("/admin/tokens", data={"account_id": account["account_id"]}, headers=EVIL)
    assert made.status_code == 403 and "sehat_" not in made.text.split('id="tokens"')[0]
    after = len(client.get("/api/v1/admin/tokens", headers=tokens.operator).json()["items"])
    assert after == before

    _sign_in(client, "/audit", tokens.auditor)
    assert client.post("/audit/run", headers=EVIL).status_code == 403
    assert (
        client.post("/me/code", data={"national_id": new_national_id()}, headers=EVIL).status_code
        == 403
    )


def test_the_registrar_form_explains_each_field_and_checks_as_typed(
    client: TestClient, tokens: Tokens
) -> None:
    _sign_in(client, "/registrar", tokens.registrar_a)
    bad = {
        "national_id": "۱۲۳",
        "first_name": "Zahra",
        "last_name": "احمدی",
        "birth_date": "1375/13/01",
        "kind": "2",
        "field_code": P.field_science,
        "student_number": "S1",
        "graduation_date": "1398/04/31",
    }
    answer = client.post("/registrar/graduations", data=bad)
    assert answer.status_code == 422
    page = answer.text
    assert "۱۰ رقم" in _field_error(page, "f-national_id-error")
    assert "ماه" in _field_error(page, "f-birth_date-error")
    # The message names the field as its label does, not the API's field name.
    assert "«نام»" in _field_error(page, "f-first_name-error")
    assert "first_name" not in _field_error(page, "f-first_name-error")
    assert _field_error(page, "f-last_name-error") == ""
    assert 'value="احمدی"' in page  # what was typed is kept
    english = client.post("/registrar/graduations?lang=en", data=bad).text
    assert "must have 10" in _field_error(english, "f-national_id-error")
    # As typed: the same validation, field by field, for the page's script.
    typed = client.post("/registrar/check", data={"national_id": "0012345679"}).json()
    assert "national_id" not in typed["problems"] and "first_name" in typed["problems"]
    # A good record issues.
    good = {
        **bad,
        "national_id": new_national_id(),
        "first_name": "زهرا",
        "birth_date": "۱۳۷۵/۰۶/۱۵",
    }
    issued = client.post("/registrar/graduations", data=good)
    assert issued.status_code == 200 and 'id="new-code"' in issued.text


def test_the_registrar_revokes_with_a_reason_code_and_only_its_own_documents(
    client: TestClient, tokens: Tokens
) -> None:
    mine = _issue(client, tokens, P.uni_a, tokens.registrar_a)
    theirs = _issue(client, tokens, P.uni_b, tokens.registrar_b)
    _sign_in(client, "/registrar", tokens.registrar_a)
    other = client.get(f"/registrar/document?code={theirs}")
    assert other.status_code == 403
    assert (
        client.post(
            "/registrar/document/revoke", data={"code": theirs, "reason": "fraud"}
        ).status_code
        == 403
    )
    assert client.get(f"/api/v1/verify/{theirs}").json()["status"] == "VALID"
    missing = client.post("/registrar/document/revoke?lang=en", data={"code": mine, "reason": ""})
    assert missing.status_code == 422
    assert "revocation reason" in _field_error(missing.text, "revoke-reason-error")
    done = client.post("/registrar/document/revoke", data={"code": mine, "reason": "duplicate"})
    assert done.status_code == 200 and "مدرک ابطال شد" in done.text
    public = client.get(f"/api/v1/verify/{mine}").json()
    assert public["status"] == "REVOKED" and public["reason"] == "duplicate"
    again = client.post("/registrar/document/revoke", data={"code": mine, "reason": "fraud"})
    assert again.status_code == 409


def test_the_auditor_runs_the_audit_and_the_administrator_page_is_read_only_for_it(
    client: TestClient, tokens: Tokens
) -> None:
    _issue(client, tokens, P.uni_a, tokens.registrar_a)
    _sign_in(client, "/audit", tokens.auditor)
    page = client.get("/audit?start=abc")
    assert page.status_code == 200 and 'id="entries"' in page.text
    report = client.post("/audit/run?lang=en")
    assert report.status_code == 200 and "Everything checks out" in report.text
    _sign_in(client, "/admin", tokens.auditor)
    assert 'id="account-form"' not in client.get("/admin").text
    refused = client.post("/admin/accounts?lang=en", data={"role": "verifier", "name": "x"})
    assert refused.status_code == 403 and "changes nothing" in refused.text


def test_the_administrator_is_told_what_is_wrong_with_an_account_or_a_token(
    client: TestClient, tokens: Tokens
) -> None:
    _sign_in(client, "/admin", tokens.admin_d1)
    # A domain admin manages registrars of its own domain only.
    other = client.post(
        "/admin/accounts", data={"role": "registrar", "name": "r", "institution": P.medical}
    )
    assert other.status_code == 403
    unknown = client.post(
        "/admin/accounts?lang=en", data={"role": "registrar", "name": "r", "institution": "19999"}
    )
    assert unknown.status_code == 422
    assert "not a known institution" in _field_error(unknown.text, "account-institution-error")
    made = client.post(
        "/admin/accounts", data={"role": "registrar", "name": "r", "institution": P.uni_a}
    )
    assert made.status_code == 200 and "حساب ساخته شد" in made.text
    account = next(
        a
        for a in client.get("/api/v1/admin/accounts", headers=tokens.admin_d1).json()["items"]
        if a["name"] == "r"
    )
    days = client.post("/admin/tokens", data={"account_id": account["account_id"], "days": "هفت"})
    assert days.status_code == 422 and "روز" in _field_error(days.text, "token-days-error")
    token = client.post("/admin/tokens", data={"account_id": account["account_id"], "days": "۷"})
    assert token.status_code == 200
    secret = re.search(r'id="new-token"[^>]*>(sehat_[^<]+)<', token.text)
    assert secret is not None
    listed = client.get("/api/v1/admin/tokens", headers=tokens.admin_d1).json()["items"]
    assert any(i["account_id"] == account["account_id"] and i["expires_at"] for i in listed)


# -- the holder's demo sign-in -----------------------------------------------------------------


def _ask(client: TestClient, caplog: pytest.LogCaptureFixture, national_id: str) -> tuple[str, str]:
    """Ask for a code; (the challenge on the page, the code printed to the log)."""
    with caplog.at_level(logging.WARNING, logger="sehat.web.signin"):
        page = client.post("/me/code", data={"national_id": national_id})
    assert page.status_code == 200, page.text
    challenge = re.search(r'name="challenge" value="([^"]+)"', page.text)
    reference = re.search(r'id="otp-reference">([^<]+)<', page.text)
    assert challenge is not None and reference is not None
    line = next(r.getMessage() for r in caplog.records if reference.group(1) in r.getMessage())
    assert national_id not in line  # the log names no person
    code = re.search(r"one-time code (\d{6})", line)
    assert code is not None
    return challenge.group(1), code.group(1)


def test_a_holder_signs_in_with_a_national_id_and_a_one_time_code(
    client: TestClient, tokens: Tokens, engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    nid = tokens.holder_national_id
    challenge, code = _ask(client, caplog, nid.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.sign_in_codes)).one()
    assert row.code_hash != code and code not in str(tuple(row))  # kept hashed only
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    tried = client.post("/me/code/confirm", data={"challenge": challenge, "code": wrong})
    assert tried.status_code == 422 and "۴ بار" in tried.text
    signed = client.post(
        "/me/code/confirm", data={"challenge": challenge, "code": code}, follow_redirects=False
    )
    assert signed.status_code == 303
    assert "sehat_session" in signed.cookies
    assert 'id="token"' not in client.get("/me").text  # signed in: the holder's page
    client.cookies.clear()
    used = client.post("/me/code/confirm", data={"challenge": challenge, "code": code})
    assert used.status_code == 410  # single use


def test_a_code_expires_and_dies_after_too_many_wrong_tries(
    client: TestClient, engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    nid = new_national_id()
    challenge, code = _ask(client, caplog, nid)
    with engine.begin() as conn:
        conn.execute(
            t.sign_in_codes.update().values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert (
        client.post("/me/code/confirm", data={"challenge": challenge, "code": code}).status_code
        == 410
    )
    challenge, code = _ask(client, caplog, nid)
    for _ in range(sign_in_codes.MAX_ATTEMPTS - 1):
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        assert (
            client.post(
                "/me/code/confirm", data={"challenge": challenge, "code": wrong}
            ).status_code
            == 422
        )
    last = client.post(
        "/me/code/confirm",
        data={"challenge": challenge, "code": "000000" if code != "000000" else "111111"},
    )
    assert last.status_code == 410
    assert (
        client.post("/me/code/confirm", data={"challenge": challenge, "code": code}).status_code
        == 410
    )
    # Codes for one person are limited; a national ID that cannot be one is explained.
    _ask(client, caplog, nid)
    flooded = client.post("/me/code", data={"national_id": nid})
    assert flooded.status_code == 429
    bad = client.post("/me/code?lang=en", data={"national_id": "12345"})
    assert bad.status_code == 422 and 'id="nid-error"' in bad.text


def test_the_national_id_door_is_closed_in_production(
    client: TestClient, app: object, engine: sa.Engine
) -> None:
    running = app.runtime  # type: ignore[attr-defined]
    app.runtime = replace(running, settings=replace(running.settings, production=True))  # type: ignore[attr-defined]
    page = client.get("/me")
    assert 'id="nid-closed"' in page.text and 'id="nid"' not in page.text
    refused = client.post("/me/code", data={"national_id": new_national_id()})
    assert refused.status_code == 403 and "SEHAT_MODE=production" in refused.text
    assert client.post("/me/code/confirm", data={"challenge": "x", "code": "1"}).status_code == 403
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.sign_in_codes)).scalar() == 0


def test_the_registrar_answers_graduates_requests_from_its_page(
    client: TestClient, tokens: Tokens
) -> None:
    asked = []
    for number in ("OLD-1", "OLD-2"):
        made = client.post(
            "/api/v1/me/backfill-requests",
            json={
                "institution": P.uni_a,
                "kind": 2,
                "field": P.field_science,
                "student_number": number,
                "graduation_year": 1385,
            },
            headers=tokens.holder,
        )
        assert made.status_code == 201, made.text
        asked.append(made.json()["request_id"])
    _sign_in(client, "/registrar", tokens.registrar_a)
    desk = client.get("/registrar").text
    assert all(f"/registrar?request={r}" in desk for r in asked)
    # Declining needs a reason the graduate reads, said next to that request's field.
    empty = client.post("/registrar/holder-requests/decline", data={"request_id": asked[1]})
    assert empty.status_code == 422
    assert "دلیل" in _field_error(empty.text, f"reason-{asked[1]}-error")
    declined = client.post(
        "/registrar/holder-requests/decline",
        data={"request_id": asked[1], "reason": "چنین شماره دانشجویی در بایگانی نیست"},
    )
    assert declined.status_code == 200 and "درخواست رد شد" in declined.text
    # Confirming: the form comes filled with what the request says; the rest from the archive.
    form = client.get(f"/registrar?request={asked[0]}").text
    assert f'name="request_id" value="{asked[0]}"' in form
    assert 'value="OLD-1"' in form and f'value="{tokens.holder_national_id}"' in form
    full = record(P.uni_a, 2, P.field_science, tokens.holder_national_id, student_number="OLD-1")
    full.pop("institution")
    full["graduation_date"] = "1385/04/31"
    full["entry_date"] = "1381/07/01"
    full["birth_date"] = "1362/06/15"
    confirmed = client.post("/registrar/graduations", data={**full, "request_id": asked[0]})
    assert confirmed.status_code == 200, confirmed.text
    assert 'id="new-code"' in confirmed.text
    mine = client.get("/api/v1/me/backfill-requests", headers=tokens.holder).json()["items"]
    states = {r["request_id"]: r["status"] for r in mine}
    assert states == {asked[0]: "CONFIRMED", asked[1]: "DECLINED"}
