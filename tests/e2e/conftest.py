"""End-to-end fixtures: a demo registry served by a real `sehat serve`, and Debian's Chromium
driven by Playwright (never a downloaded browser). These tests never skip: without Chromium
they fail saying how to install it (`make test` installs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from sehat.config import default_database_url
from sehat.store import schema as t
from sehat.store.db import make_engine
from tests.servers import start_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SEHAT_TEST_OUTPUT", ROOT / "test-output")) / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class Demo:
    """A served demo registry: its URL, data directory and environment, and a document."""

    base: str
    data: Path
    env: dict[str, str]
    code: str
    national_id: str
    holder_name: str


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "Debian's chromium is not installed: `apt-get install chromium` (make test does it)"
        )
    return found


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data = tmp_path_factory.mktemp("e2e") / "data"
    env = os.environ | {
        "SEHAT_DATA_DIR": str(data),
        "SEHAT_KEK": "",
        "SEHAT_RATE_LIMIT_PUBLIC": "off",
    }
    env.pop("SEHAT_DATABASE_URL", None)
    seeded = subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", "demo", "--no-serve", "--rows", "200"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr
    engine = make_engine(default_database_url(data))
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                t.documents.c.code,
                t.persons.c.national_id,
                t.persons.c.first_name,
                t.persons.c.last_name,
            )
            .join(t.persons, t.persons.c.id == t.documents.c.person_id)
            .where(t.documents.c.status == "VALID", t.persons.c.national_id.is_not(None))
            .order_by(t.documents.c.id)
            .limit(1)
        ).one()
    engine.dispose()
    with start_server(env, data.parent / "server.log", ready="/readyz") as server:
        yield Demo(
            server.base, data, env, row.code, row.national_id, f"{row.first_name} {row.last_name}"
        )


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh page; any console error or page error fails the test."""
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    problems: list[str] = []
    # A page answered with a 4xx on purpose (a gone share link, a refused form) makes the
    # browser print "Failed to load resource" for the page itself: that one is expected.
    page_statuses: set[int] = set()

    def on_response(response: object) -> None:
        if response.request.resource_type == "document":  # type: ignore[attr-defined]
            page_statuses.add(response.status)  # type: ignore[attr-defined]
        elif response.status >= 400:  # type: ignore[attr-defined]
            problems.append(f"{response.url} answered {response.status}")  # type: ignore[attr-defined]

    def on_console(message: object) -> None:
        text = message.text  # type: ignore[attr-defined]
        if message.type != "error":  # type: ignore[attr-defined]
            return
        if any(f"status of {status}" in text for status in page_statuses):
            return
        problems.append(text)

    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda e: problems.append(str(e)))
    yield page
    context.close()
    assert not problems, problems


def token(demo: Demo, *role: str) -> str:
    """A token made as an operator makes one: `sehat token create --role …`."""
    made = subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", "token", "create", "--role", *role],
        env=demo.env,
        capture_output=True,
        text=True,
        check=True,
    )
    return next(w for w in made.stdout.split() if w.startswith("sehat_"))


def server_log(demo: Demo) -> str:
    """What the served registry has printed so far."""
    return (demo.data.parent / "server.log").read_text(encoding="utf-8", errors="replace")


def shot(page: object, name: str) -> None:
    """Keep a screenshot of the page under the tests' output."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
