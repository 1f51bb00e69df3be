"""``/docs`` (Swagger UI), working on a machine with no internet.

FastAPI's own page loads its script and style from a public CDN, so offline it is blank.
Here every file it needs is served by this server: Swagger UI's script and style under
``/docs/assets/``, from the ``fastapi-offline`` package (installed from PyPI like any
dependency, never fetched at run time), and the favicon from our own ``/static/``. The page
carries a Content-Security-Policy that lets it load nothing from another host, so a page
that tried would show it as an error (tests/e2e/test_docs_offline.py).

There is no ``/redoc``: ReDoc always shows a logo from its maker's CDN, whatever its options.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
ASSETS_DIR = Path(str(importlib.resources.files("fastapi_offline") / "static"))
FAVICON = "/static/favicon.svg"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _csp(html: str) -> str:
    """Only this server's files; the page's one inline script by its hash (CSP Level 2
    §4.2.4). Swagger UI sets inline styles, and shows images given as data: URLs."""
    scripts = ["'self'"] + [
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    ]
    return "; ".join(
        (
            "default-src 'none'",
            "script-src " + " ".join(scripts),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


class _Page:
    """A page made once, answered with its Content-Security-Policy."""

    def __init__(self, made: HTMLResponse) -> None:
        self.html = bytes(made.body).decode()
        self.headers = {"Content-Security-Policy": _csp(self.html)}

    def answer(self) -> HTMLResponse:
        return HTMLResponse(self.html, headers=self.headers)


def install(app: FastAPI, openapi_url: str) -> None:
    """Serve ``/docs`` and its files on ``app`` (made with ``docs_url=None`` and
    ``redoc_url=None``)."""
    title = app.title
    swagger = _Page(
        get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} — API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=FAVICON,
            # The default sends the description to validator.swagger.io for a badge.
            swagger_ui_parameters={"validatorUrl": None},
        )
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return swagger.answer()

    app.mount(ASSETS, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
