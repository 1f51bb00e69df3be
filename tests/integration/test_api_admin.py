"""Reference and administration endpoints over HTTP, and the error shape every answer shares.

Runs on SQLite and PostgreSQL (see conftest). Roles as in DESIGN §1: operator everything;
domain admin its own domain; auditor reads; registrar, holder, verifier: 403; no token: 401.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from sehat.api.app import MAX_BODY
from sehat.api.errors import field_path

from .api_helpers import REF, P, Tokens, make_client

ADMIN = "/api/v1/admin"
INSTITUTION_KEYS = {
    "code",
    "domain",
    "number",
    "name_fa",
    "name_en",
    "city_fa",
    "city_en",
    "category",
    "active",
}


def _headers(tokens: Tokens, role: str) -> dict[str, str]:
    return {} if role == "public" else getattr(tokens, role)  # type: ignore[no-any-return]


def _new_registrar(client: TestClient, tokens: Tokens, institution: str) -> str:
    made = client.post(
        f"{ADMIN}/accounts",
        json={"role": "registrar", "name": "SIS of " + institution, "institution": institution},
        headers=tokens.operator,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["account_id"])


def _new_token(client: TestClient, tokens: Tokens, account_id: str) -> dict[str, str]:
    made = client.post(f"{ADMIN}/tokens", json={"account_id": account_id}, headers=tokens.operator)
    assert made.status_code == 201, made.text
    return dict(made.json())


#  list inst, create inst, patch inst, list acc, create acc, list tok, create tok, revoke tok
EXPECTED = {
    "operator": (200, 201, 200, 200, 201, 200, 201, 204),
    "admin_d1": (200, 201, 200, 200, 201, 200, 201, 204),
    "admin_d2": (200, 403, 403, 200, 403, 200, 403, 403),
    "auditor": (200, 403, 403, 200, 403, 200, 403, 403),
    "registrar_a": (403,) * 8,
    "registrar_med": (403,) * 8,
    "holder": (403,) * 8,
    "verifier": (403,) * 8,
    "public": (401,) * 8,
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_on_each_admin_endpoint(client: TestClient, tokens: Tokens, role: str) -> None:
    account = _new_registrar(client, tokens, P.uni_a)  # domain 1
    victim = _new_token(client, tokens, account)["token_id"]
    h = _headers(tokens, role)
    calls: list[Callable[[], Response]] = [
        lambda: client.get(f"{ADMIN}/institutions", headers=h),
        lambda: client.post(
            f"{ADMIN}/institutions",
            json={"domain": 1, "number": 9001, "name_fa": "دانشگاه نو", "name_en": "New U"},
            headers=h,
        ),
        lambda: client.patch(f"{ADMIN}/institutions/{P.uni_b}", json={"city_en": "X"}, headers=h),
        lambda: client.get(f"{ADMIN}/accounts", headers=h),
        lambda: client.post(
            f"{ADMIN}/accounts",
            json={"role": "registrar", "name": "second desk", "institution": P.uni_a},
            headers=h,
        ),
        lambda: client.get(f"{ADMIN}/tokens", headers=h),
        lambda: client.post(f"{ADMIN}/tokens", json={"account_id": account}, headers=h),
        lambda: client.delete(f"{ADMIN}/tokens/{victim}", headers=h),
    ]
    got = tuple(call() for call in calls)
    assert tuple(r.status_code for r in got) == EXPECTED[role], [r.text[:120] for r in got]
    for response in got:
        if response.status_code >= 400:
            error = response.json()["error"]
            assert error["message"] and error["message_fa"] != error["message"]
        if response.status_code == 401:
            assert response.headers["www-authenticate"] == "Bearer"


def test_a_domain_admin_sees_and_manages_only_its_own_domain(
    client: TestClient, tokens: Tokens
) -> None:
    h = tokens.admin_d1
    codes = [i["code"] for i in client.get(f"{ADMIN}/institutions", headers=h).json()["items"]]
    domain_1 = [i.code for i in REF.institutions.values() if i.domain == 1]
    assert sorted(codes) == sorted(domain_1)
    names = {a["name"] for a in client.get(f"{ADMIN}/accounts", headers=h).json()["items"]}
    assert names == {"registrar_a", "registrar_b"}
    listed = client.get(f"{ADMIN}/tokens", headers=h).json()["items"]
    assert {(t["role"], t["institution"]) for t in listed} == {
        ("registrar", P.uni_a),
        ("registrar", P.uni_b),
    }
    for role, scope in [
        ("operator", {}),
        ("auditor", {}),
        ("verifier", {}),
        ("domain_admin", {"domain": 1}),
        ("holder", {"national_id": tokens.holder_national_id}),
        ("registrar", {"institution": P.medical}),
    ]:
        response = client.post(
            f"{ADMIN}/accounts", json={"role": role, "name": "x", **scope}, headers=h
        )
        assert response.status_code == 403, (role, response.text)
    closed = client.patch(f"{ADMIN}/institutions/{P.uni_b}", json={"active": False}, headers=h)
    assert closed.status_code == 200 and closed.json()["active"] is False
    other = client.patch(f"{ADMIN}/institutions/{P.medical}", json={"active": False}, headers=h)
    assert other.status_code == 403


def test_the_auditor_reads_every_account_and_token(client: TestClient, tokens: Tokens) -> None:
    accounts = client.get(f"{ADMIN}/accounts", headers=tokens.auditor).json()["items"]
    assert len(accounts) == 9 and "national_id" not in accounts[0]
    roles = {
        t["role"] for t in client.get(f"{ADMIN}/tokens", headers=tokens.auditor).json()["items"]
    }
    assert roles == {"operator", "domain_admin", "registrar", "holder", "verifier", "auditor"}


def test_institutions_in_the_database_are_the_truth_at_runtime(
    client: TestClient, tokens: Tokens, engine: sa.Engine, tmp_path: Path
) -> None:
    body = {"domain": 3, "number": 9001, "name_fa": "واحد نمونه", "name_en": "Sample Branch"}
    made = client.post(f"{ADMIN}/institutions", json=body, headers=tokens.operator)
    assert made.status_code == 201
    assert made.json()["code"] == "39001" and made.json()["number"] == "9001"
    assert made.json()["active"] is True
    again = client.post(f"{ADMIN}/institutions", json=body, headers=tokens.operator)
    assert again.status_code == 409 and again.json()["error"]["message_fa"]
    public = client.get("/api/v1/institutions", params={"domain": 3}).json()["items"]
    assert "39001" in {i["code"] for i in public}
    # A registrar of the new institution can work at once.
    token = _new_token(client, tokens, _new_registrar(client, tokens, "39001"))["token"]
    pending = client.get("/api/v1/registrar/pending", headers={"Authorization": f"Bearer {token}"})
    assert pending.status_code == 200
    # Deactivated stays deactivated when the server starts again from the reference files.
    client.patch(f"{ADMIN}/institutions/{P.uni_a}", json={"active": False}, headers=tokens.operator)
    restarted = make_client(engine, tmp_path)
    items = {i["code"]: i for i in restarted.get("/api/v1/institutions").json()["items"]}
    assert items[P.uni_a]["active"] is False and items["39001"]["active"] is True
    reserved = client.post(
        f"{ADMIN}/institutions", json=body | {"domain": 7}, headers=tokens.operator
    )
    assert reserved.status_code == 422
    assert reserved.json()["error"]["problems"][0]["field"] == "domain"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "registrar", "name": "x"}, "institution"),
        ({"role": "registrar", "name": "x", "institution": "19999"}, "institution"),
        ({"role": "registrar", "name": "x", "institution": "1234"}, "institution"),
        ({"role": "domain_admin", "name": "x"}, "domain"),
        ({"role": "domain_admin", "name": "x", "domain": 7}, "domain"),
        ({"role": "holder", "name": "x"}, "national_id"),
        ({"role": "holder", "name": "x", "national_id": "1234567890"}, "national_id"),
        ({"role": "verifier", "name": "x", "institution": "10001"}, "institution"),
        ({"role": "auditor", "name": "x", "domain": 1}, "domain"),
        ({"role": "king", "name": "x"}, "role"),
        ({"role": "verifier"}, "name"),
        ({"role": "verifier", "name": "x", "colour": "blue"}, "colour"),
    ],
)
def test_an_account_whose_scope_does_not_fit_its_role_is_422_naming_the_field(
    client: TestClient, tokens: Tokens, body: dict[str, object], field: str
) -> None:
    response = client.post(f"{ADMIN}/accounts", json=body, headers=tokens.operator)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_input" and error["message_fa"]
    assert [p["field"] for p in error["problems"]] == [field]
    assert all(p["fix"] and p["fix_fa"] and p["problem_fa"] for p in error["problems"])


def test_reference_endpoints_are_public_and_every_item_has_a_code(client: TestClient) -> None:
    institutions = client.get("/api/v1/institutions").json()["items"]
    assert {i["code"] for i in institutions} == set(REF.institutions)
    assert all(set(i) == INSTITUTION_KEYS for i in institutions)
    medical = client.get("/api/v1/institutions", params={"domain": 2}).json()["items"]
    assert medical and all(i["domain"] == 2 and i["code"][0] == "2" for i in medical)
    fields = client.get("/api/v1/fields").json()
    assert fields["version"] == REF.version and len(fields["items"]) == len(REF.fields)
    assert all(
        {"code", "name_fa", "name_en", "isced_f", "domains"} <= set(f) for f in fields["items"]
    )
    seminary = client.get("/api/v1/fields", params={"domain": 4}).json()["items"]
    assert seminary and all(4 in f["domains"] for f in seminary)
    assert [k["code"] for k in client.get("/api/v1/kinds").json()["items"]] == list(range(1, 10))
    assert [d["code"] for d in client.get("/api/v1/domains").json()["items"]] == [1, 2, 3, 4, 5]
    for bad in ("0", "abc"):
        response = client.get("/api/v1/institutions", params={"domain": bad})
        assert response.status_code == 422
        assert response.json()["error"]["problems"][0]["field"] == "domain"


def test_openapi_describes_both_directions_and_never_a_stored_secret(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/institutions", "/api/v1/fields", "/api/v1/admin/tokens"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert "token" in schemas["TokenCreated"]["properties"]
    assert "token" not in schemas["TokenPublic"]["properties"]
    assert schemas["AccountCreate"]["additionalProperties"] is False


def test_malformed_json_is_400_naming_the_position(client: TestClient, tokens: Tokens) -> None:
    text = '{"role": "verifier", "name": }'
    with pytest.raises(json.JSONDecodeError) as decoded:
        json.loads(text)
    response = client.post(
        f"{ADMIN}/accounts",
        content=text,
        headers=tokens.operator | {"content-type": "application/json"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "malformed_json" and error["message_fa"]
    assert error["problems"][0]["position"] == decoded.value.pos + 1
    assert f"character {decoded.value.pos + 1}" in error["problems"][0]["problem"]


def test_a_wrong_type_is_422_naming_the_field(client: TestClient, tokens: Tokens) -> None:
    response = client.post(
        f"{ADMIN}/tokens",
        json={"account_id": "x", "expires_in": "soon"},
        headers=tokens.operator,
    )
    assert response.status_code == 422
    assert [p["field"] for p in response.json()["error"]["problems"]] == ["expires_in"]
    assert field_path(("body", "items", 3, "code")) == "items[3].code"


def test_unknown_paths_and_methods_answer_in_the_same_shape(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["message_fa"]
    wrong = client.delete("/api/v1/institutions")
    assert wrong.status_code == 405 and wrong.json()["error"]["message_fa"]


def test_a_body_over_the_limit_is_413_declared_or_streamed(
    client: TestClient, tokens: Tokens
) -> None:
    big = b"[" + b" " * MAX_BODY + b"]"
    url = "/api/v1/graduations/batch"
    headers = tokens.registrar_a | {"content-type": "application/json"}
    declared = client.post(url, content=big, headers=headers)
    step = 1 << 20
    chunks = (big[i : i + step] for i in range(0, len(big), step))
    streamed = client.post(url, content=chunks, headers=headers)
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["error"]["message_fa"]


def test_an_unexpected_failure_is_a_bare_500_and_logs_no_personal_data(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(national_id: str) -> None:
        raise RuntimeError(f"lookup failed for {national_id} (شهرزاد قاسمی)")

    app.add_api_route("/api/v1/test-broken/{national_id}", broken)
    caplog.set_level(logging.DEBUG)
    # raise_server_exceptions=True: an exception escaping the app would fail this test.
    response = TestClient(app).get("/api/v1/test-broken/0012345679")
    assert response.status_code == 500
    assert response.json()["error"]["type"] == "internal"
    assert response.json()["error"]["message_fa"]
    assert "0012345679" not in response.text and "RuntimeError" not in response.text
    # Everything logged on the server's side (the test client logs its own requests).
    server_log = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if not r.name.startswith("httpx")
    )
    assert "RuntimeError" in server_log and "/api/v1/test-broken/{national_id}" in server_log
    assert "0012345679" not in server_log and "شهرزاد" not in server_log
    assert not any(r.exc_info for r in caplog.records)  # no traceback anywhere
