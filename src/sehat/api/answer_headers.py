"""Headers of the application's answers: never cached, never sniffed, never redirected by
the request's ``Host``.

- ``Cache-Control: no-store`` on every answer that does not say otherwise (the QR image and
  the credential say ``private, no-store``; the pages set their own): documents, share
  links, a holder's lists, queues and verification details carry personal data, and a
  shared or browser cache must keep none of them. Static files (``/static/``, and the API
  pages' scripts and styles under ``/docs/assets/``) may be cached.
- ``X-Content-Type-Options: nosniff`` on every answer, so a browser never runs JSON or
  text as a script or a page.
- A ``Location`` is relative: Starlette builds its trailing-slash redirect
  (``/api/v1/institutions/`` → ``/api/v1/institutions``) from the request's ``Host``
  header, which the caller chooses; an absolute URL is cut to its path and query, and a path
  that a browser would read as another site (``//host``, ``/\\host``) to one slash.

Outside FastAPI's stack (api/app.py), so its own 500s are covered too; the tokenless public
verification (api/fastpath.py) answers before it, with no personal data.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC = ("/static/", "/docs/assets/")


def relative_location(location: str) -> str:
    """``location`` without scheme and host, and never beginning with two slashes."""
    parts = urlsplit(location)
    path = parts.path
    if not (parts.scheme or parts.netloc or path.startswith(("//", "/\\", "\\"))):
        return location
    path = "/" + path.lstrip("/\\")
    return urlunsplit(("", "", path, parts.query, parts.fragment))


class AnswerHeaders:
    """ASGI middleware adding the headers of this module's docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith(STATIC)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = []
                names: set[bytes] = set()
                for name, value in message.get("headers", []):
                    lowered = name.lower()
                    names.add(lowered)
                    if lowered == b"location":
                        value = relative_location(value.decode("latin-1")).encode("latin-1")
                    headers.append((name, value))
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                if b"cache-control" not in names and not cacheable:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
