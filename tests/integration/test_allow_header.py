"""A 405 answer names, in its ``Allow`` header, every method its path accepts (RFC 9110
§15.5.6), on every path of the application: the API, the pages, their files and /docs.

Which methods a path accepts is found by trying each one: any answer but 405 means the
method is taken (a 401, 404 or 422 is the route speaking). Before the fix a path served by
two routes (``GET`` and ``POST /api/v1/me/shares``) named only one, and the static files
none at all. HEAD is answered wherever GET is (RFC 9110 §9.1), so it is in every such list."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# What the description does not hold: the pages, their files, /docs and the service probes.
OTHER_PATHS = (
    "/",
    "/me",
    "/org",
    "/s/{token}",
    "/me/documents/{code}/qr.png",
    "/me/documents/{code}/credential.json",
    "/me/documents/{code}/certificate.pdf",
    "/static/style.css",
    "/docs",
    "/docs/assets/swagger-ui.css",
    "/openapi.json",
)


def _paths(client: TestClient) -> list[str]:
    described = list(client.get("/openapi.json").json()["paths"])
    return [re.sub(r"\{[^}]+\}", "1", path) for path in (*described, *OTHER_PATHS)]


def test_every_405_lists_every_method_its_path_accepts(client: TestClient) -> None:
    refused = 0
    for path in _paths(client):
        answers = {method: client.request(method, path) for method in METHODS}
        accepted = {m for m, answer in answers.items() if answer.status_code != 405}
        assert accepted, path
        if "GET" in accepted:
            assert "HEAD" in accepted, path
            assert answers["HEAD"].status_code == answers["GET"].status_code, path
            assert answers["HEAD"].content == b"", path
        for method, answer in answers.items():
            if answer.status_code != 405:
                continue
            refused += 1
            allow = {m.strip() for m in answer.headers["allow"].split(",")}
            assert allow == accepted, (method, path, answer.headers["allow"])
            if method != "HEAD":
                error = answer.json()["error"]
                assert error["message_fa"]
                assert all(m in error["message"] for m in accepted), error["message"]
    assert refused > 100  # the paths were really tried


def test_a_path_with_a_read_and_a_write_lists_both(client: TestClient) -> None:
    answer = client.put("/api/v1/me/shares")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD, POST"
    answer = client.post("/static/style.css")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD"


def test_head_answers_as_get_without_the_body(client: TestClient) -> None:
    get, head = client.get("/api/v1/kinds"), client.head("/api/v1/kinds")
    assert get.status_code == head.status_code == 200
    assert head.content == b"" and get.content
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]
    # The public verification's fast path too, and a path with no GET still refuses HEAD.
    assert client.head("/api/v1/verify/12345678901234567890").status_code == 200
    refused = client.head("/api/v1/verify")
    assert refused.status_code == 405 and refused.headers["allow"] == "POST"
