"""One log line per request — method, route template, status, milliseconds — and nothing
else: the raw path can carry a share token or a code, the query a national ID, the body
names; none of them may reach a log (DESIGN §5).

The line is formatted and written by a background thread: a write to a slow disk or a full
pipe must never hold up the event loop that serves everyone else.
"""

from __future__ import annotations

import atexit
import collections
import logging
import threading
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sehat.api.errors import route_of

log = logging.getLogger("sehat.requests")


class _Writer:
    """Lines queued by the event loop, logged by a daemon thread."""

    def __init__(self) -> None:
        self._queue: collections.deque[tuple[str, str, int, float]] = collections.deque()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def put(self, item: tuple[str, str, int, float]) -> None:
        self._queue.append(item)
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="request-log", daemon=True
                    )
                    self._thread.start()
                    atexit.register(self.drain)
        self._wake.set()

    def drain(self) -> None:
        while self._queue:
            method, route, status, ms = self._queue.popleft()
            log.info("%s %s %d %.1fms", method, route, status, ms)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            self.drain()


_writer = _Writer()


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
            elapsed = (time.perf_counter() - started) * 1000
            _writer.put((scope["method"], route_of(scope), status, elapsed))
