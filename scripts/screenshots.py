"""Make README's screenshots: a fresh demo registry, served, photographed in Debian's Chromium.

    .venv/bin/python scripts/screenshots.py [--out docs/images]

Writes ``verify-fa.png`` (the public page ``/`` in Persian, a demo code typed and answered
VALID) and ``me-fa.png`` (the holder's ``/me`` after signing in with a holder token). The demo
is seeded into a temporary directory and served on a free local port, as the browser tests
do (tests/e2e/conftest.py); nothing outside that directory is touched. Chromium is Debian's
(``apt-get install chromium``), driven by Playwright; no browser is downloaded. The images are
palette PNGs, optimised by Pillow, so they stay small enough to keep in the repository.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from PIL import Image

from sehat.config import default_database_url
from sehat.core.persian import to_persian_digits
from sehat.store import schema as t
from sehat.store.db import make_engine

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 1200
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LIMIT = 200 * 1024  # bytes: an image above this is refused rather than committed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"sehat {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def _a_valid_document(data: Path) -> tuple[str, str]:
    """The code and holder's national ID of the demo's first valid document."""
    engine = make_engine(default_database_url(data))
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(t.documents.c.code, t.persons.c.national_id)
            .join(t.persons, t.persons.c.id == t.documents.c.person_id)
            .where(t.documents.c.status == "VALID", t.persons.c.national_id.is_not(None))
            .order_by(t.documents.c.id)
            .limit(1)
        ).one()
    engine.dispose()
    return str(row.code), str(row.national_id)


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("the demo server stopped before it was ready")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    sys.exit("the demo server did not become ready in 60 s")


def _save(png: bytes, path: Path) -> None:
    """Keep the screenshot as an optimised palette PNG (text and flat colours survive it)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path.parent.mkdir(parents=True, exist_ok=True)
    small.save(path, format="PNG", optimize=True)
    size = path.stat().st_size
    if size > LIMIT:
        sys.exit(f"{path} is {size} bytes, above {LIMIT}: make the page or viewport smaller")
    print(
        f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
        f"{image.width}×{image.height}, {size} bytes"
    )


def _photograph(base: str, code: str, holder_token: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("Debian's chromium is not installed: apt-get install chromium")
    grouped = "-".join(code[i : i + 4] for i in range(0, 20, 4))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": WIDTH, "height": 700})
            page = context.new_page()
            # The holder's page first, signed in with a holder token: opened within a second
            # of a public check, /me waits on the access log's write (up to the 60 s busy
            # timeout on SQLite), so it is photographed before any check is made.
            page.goto(base + "/me")
            page.fill("#token", holder_token)
            page.keyboard.press("Enter")
            page.wait_for_selector("h2#doc-" + code)
            page.evaluate("document.activeElement && document.activeElement.blur()")
            _save(page.screenshot(full_page=False), out / "me-fa.png")
            # The public page, as a person uses it: the code typed as printed, Persian digits.
            page.goto(base + "/")
            page.keyboard.type(to_persian_digits(grouped))
            page.keyboard.press("Enter")
            page.wait_for_selector("#answer-title")
            page.mouse.move(0, 0)
            page.evaluate("document.activeElement && document.activeElement.blur()")
            _save(page.screenshot(full_page=True), out / "verify-fa.png")
            context.close()
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sehat-screenshots-") as tmp:
        data = Path(tmp) / "data"
        env = os.environ | {
            "SEHAT_DATA_DIR": str(data),
            "SEHAT_KEK": "",
            "SEHAT_MODE": "demo",
            "SEHAT_RATE_LIMIT_PUBLIC": "off",
        }
        env.pop("SEHAT_DATABASE_URL", None)
        _cli(env, "demo", "--no-serve", "--rows", "200")
        code, national_id = _a_valid_document(data)
        holder_token = next(
            w
            for w in _cli(
                env, "token", "create", "--role", "holder", "--national-id", national_id
            ).split()
            if w.startswith("sehat_")
        )
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        with (Path(tmp) / "server.log").open("wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "sehat.cli.main", "serve", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                _wait_ready(base, server)
                _photograph(base, code, holder_token, args.out.resolve())
            except Exception:
                log.flush()
                tail = (Path(tmp) / "server.log").read_text(errors="replace")[-4000:]
                print(f"the server printed:\n{tail}", file=sys.stderr)
                raise
            finally:
                server.send_signal(signal.SIGINT)
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()


if __name__ == "__main__":
    main()
