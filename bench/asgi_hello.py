"""The ceiling: a raw ASGI app answering a fixed JSON body, no framework, no database."""

from __future__ import annotations

from typing import Any

BODY = b'{"status":"VALID"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
