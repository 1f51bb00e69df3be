"""README's table of pages names every page a person opens (not the forms' targets nor the
files they download), so it stays true as pages come and go."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute

from sehat.web import admin, audit, holder, org, pages, registrar

README = Path(__file__).resolve().parents[2] / "README.md"


def _served() -> set[str]:
    out: set[str] = set()
    for module in (pages, holder, org, registrar, audit, admin):
        for route in module.router.routes:
            if not isinstance(route, APIRoute) or "GET" not in route.methods:
                continue
            if route.path.count("/") == 1 or route.path == "/s/{token}":
                out.add(route.path)
    return out


def test_every_page_is_listed_in_the_readme_with_its_role() -> None:
    table = README.read_text(encoding="utf-8").split("## Pages", 1)[1].split("\n## ", 1)[0]
    listed = {line.split("`")[1] for line in table.splitlines() if line.startswith("| `")}
    assert (
        _served() == listed == {"/", "/s/{token}", "/me", "/org", "/registrar", "/audit", "/admin"}
    )
