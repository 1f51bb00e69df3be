"""Answers with personal data are never kept by a cache and never sniffed, and a redirect
never leads to the host a caller wrote in its `Host` header."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from httpx import Response

from sehat.api.answer_headers import relative_location

from .api_helpers import P, Tokens
from .registry_helpers import record, submit


def _private(response: Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in response.headers["cache-control"]


def test_every_answer_with_personal_data_says_no_store_and_nosniff(
    client: TestClient, tokens: Tokens, engine: sa.Engine
) -> None:
    nid = tokens.holder_national_id
    [doc] = submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science, nid))
    code = doc.code or ""
    share = client.post(
        "/api/v1/me/shares",
        json={"code": code, "expires_in": 600, "fields": ["holder_name"]},
        headers=tokens.holder,
    )
    assert share.status_code == 201
    _private(share)
    pair = {"code": code, "national_id": nid}
    calls = {
        "share link": client.get(f"/api/v1/shares/{share.json()['token']}"),
        "my documents": client.get("/api/v1/me/documents", headers=tokens.holder),
        "my shares": client.get("/api/v1/me/shares", headers=tokens.holder),
        "my access log": client.get("/api/v1/me/access-log", headers=tokens.holder),
        "holder tier": client.post("/api/v1/verify", json=pair),
        "bulk": client.post(
            "/api/v1/verify/batch", json={"items": [pair]}, headers=tokens.verifier
        ),
        "bulk csv": client.post(
            "/api/v1/verify/batch/csv",
            content=f"code,national_id\n{code},{nid}\n".encode(),
            headers={**tokens.verifier, "Content-Type": "text/csv"},
        ),
        "document": client.get(f"/api/v1/documents/{code}", headers=tokens.registrar_a),
        "qr": client.get(f"/api/v1/documents/{code}/qr", headers=tokens.holder),
        "qr.png": client.get(f"/api/v1/documents/{code}/qr.png", headers=tokens.holder),
        "vc": client.get(f"/api/v1/documents/{code}/vc", headers=tokens.holder),
        "pending": client.get(
            "/api/v1/registrar/pending",
            params={"institution": P.uni_a},
            headers=tokens.registrar_a,
        ),
        "backfill requests": client.get(
            "/api/v1/registrar/backfill-requests",
            params={"institution": P.uni_a},
            headers=tokens.registrar_a,
        ),
        "access log": client.get(
            "/api/v1/access-log", params={"code": code}, headers=tokens.auditor
        ),
    }
    assert calls["holder tier"].json()["details"]  # the personal tier was reached
    for name, response in calls.items():
        assert response.status_code == 200, (name, response.text)
        _private(response)
    # Errors too: their body may quote what was sent.
    _private(client.post("/api/v1/verify", json={"code": code, "national_id": "12"}))
    _private(client.get("/api/v1/me/documents"))


def test_static_files_may_be_cached_but_are_never_sniffed(client: TestClient) -> None:
    style = client.get("/static/style.css")
    assert style.status_code == 200
    assert style.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in style.headers.get("cache-control", "")


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/api/v1/institutions/", "/api/v1/institutions"),
        ("/api/v1/institutions/?domain=2", "/api/v1/institutions?domain=2"),
        ("/api/v1/log/checkpoint/", "/api/v1/log/checkpoint"),
    ],
)
def test_a_trailing_slash_redirect_never_names_the_callers_host(
    client: TestClient, path: str, target: str
) -> None:
    response = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code in (301, 302, 307, 308)
    assert response.headers["location"] == target
    assert "evil.example" not in response.text
    followed = client.get(path)  # the relative redirect still leads there
    assert followed.status_code == 200 and str(followed.url).endswith(target)


@pytest.mark.parametrize(
    ("location", "relative"),
    [
        ("http://evil.example/api/v1/institutions?domain=2", "/api/v1/institutions?domain=2"),
        ("https://sehat.example/me#shares", "/me#shares"),
        ("//evil.example/x", "/x"),
        ("/\\evil.example/x", "/evil.example/x"),
        ("/me?lang=en", "/me?lang=en"),
    ],
)
def test_a_location_is_relative_and_stays_on_this_site(location: str, relative: str) -> None:
    assert relative_location(location) == relative
