"""The public verification, served before the framework is entered.

``GET /api/v1/verify/{code}`` without a token is most of the registry's traffic (every
employer, every QR scan). Through FastAPI it pays for routing over every route, the
request object, dependency resolution and two middleware layers per message; measured,
that framework work was most of each request (bench/RESULTS.md). This ASGI layer answers
exactly that request with the same function the FastAPI route calls
(:func:`sehat.api.routes.verify.public_answer`), so the answer is identical by
construction; anything else — another method or path, a bearer token, a trailing part —
goes on to the application unchanged. It sits inside the request log and the rate
limiter (so this path is logged and limited like every other) and outside FastAPI's own
middleware stack (api/app.py, ``SehatApp``). The route itself stays in
the application (and in /openapi.json) as the documented contract and the path for
callers with a token.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from sehat.api import errors
from sehat.api.request_log import SUMMARISE
from sehat.api.routes.verify import public_answer
from sehat.api.runtime import HoldsRuntime

PREFIX = "/api/v1/verify/"
_HEADERS = [(b"content-type", b"application/json")]


class PublicVerify:
    """ASGI middleware serving tokenless ``GET /api/v1/verify/{code}``."""

    def __init__(self, app: ASGIApp, fastapi: HoldsRuntime) -> None:
        self.app = app
        self.fastapi = fastapi
        # What the request log reads of a matched route: its template.
        self.route: Any = SimpleNamespace(path=PREFIX + "{code}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not path.startswith(PREFIX)
            or len(path) == len(PREFIX)
            or "/" in path[len(PREFIX) :]
            or any(name == b"authorization" for name, _ in scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        scope["route"] = self.route
        scope[SUMMARISE] = True  # counted in a summary line, not a line per request
        try:
            body = await public_answer(self.fastapi.runtime, path[len(PREFIX) :], None)
        except Exception as exc:  # the same answer as errors.HideUnexpected
            await errors.fault_answer(exc, scope)(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*_HEADERS, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
