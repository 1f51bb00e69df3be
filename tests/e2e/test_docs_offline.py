"""The API page on a machine with no internet: every request to another host is cut, and
/docs still shows every operation, with no failed request and no console error."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from .conftest import Demo, shot


def _cut_the_network(page: Any, base: str) -> list[str]:
    """Abort every request that leaves ``base``'s host; the list fills with their URLs."""
    local = urlsplit(base).netloc

    def route(route: Any, request: Any) -> None:
        if urlsplit(request.url).netloc == local or request.url.startswith("data:"):
            route.continue_()
        else:
            cut.append(request.url)
            route.abort("internetdisconnected")

    cut: list[str] = []
    page.route("**/*", route)
    return cut


@pytest.mark.browser
def test_swagger_ui_lists_every_operation_with_the_network_cut(demo: Demo, page: Any) -> None:
    cut = _cut_the_network(page, demo.base)
    spec = httpx.get(demo.base + "/openapi.json").json()
    methods = ("get", "post", "put", "patch", "delete")
    operations = sum(1 for item in spec["paths"].values() for method in item if method in methods)
    page.goto(demo.base + "/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    page.wait_for_load_state("networkidle")
    assert page.locator(".opblock").count() == operations
    assert "/api/v1/verify/{code}" in page.locator("#swagger-ui").inner_text()
    shot(page, "api-docs")
    assert cut == []
