"""One log line per request — method, route template, status, milliseconds — and nothing
else: the raw path can carry a share token or a code, the query a national ID, the body
names; none of them may reach a log (DESIGN §5)."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sehat.api.errors import route_of

log = logging.getLogger("sehat.requests")


class RequestLog:
    """ASGI middleware writing ``GET /api/v1/shares/{token} 200 1.4ms`` to ``sehat.requests``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            log.info(
                "%s %s %d %.1fms",
                scope["method"],
                route_of(scope),
                status,
                (time.perf_counter() - started) * 1000,
            )
