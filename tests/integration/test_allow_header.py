"""A 405 answer names, in its ``Allow`` header, every method its path accepts (RFC 9110
§15.5.6), on every path of the application: the API, the pages, their files and /docs.

Which methods a path accepts is found by trying each one: any answer but 405 means the
method is taken (a 401, 404 or 422 is the route speaking). Before the fix a path served by
two routes (``GET`` and ``POST /api/v1/me/shares``) named only one, and the static files
none at all."""

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
    assert answer.headers["allow"] == "GET, POST"
    answer = client.post("/static/style.css")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD"
