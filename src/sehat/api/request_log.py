"""One log line per request — method, route template, status, milliseconds and, for an
error answer, its ``error_id`` — and nothing else: the raw path can carry a share token or a
code, the query a national ID, the body names; none of them may reach a log (DESIGN §5).

The line is formatted and written by a background thread: a write to a slow disk or a full
pipe must never hold up the event loop that serves everyone else. Requests that ask to be
summarised (``scope["sehat.summarise"]``: the tokenless public verification, thousands a
second) are counted instead, and one line every ten seconds gives their number, statuses
and p50/p99 — a line per request there cost a third of the throughput (bench/RESULTS.md).
"""

from __future__ import annotations

import collections
import logging
import threading
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sehat.api.errors import ERROR_ID, route_of
from sehat.background import Background

log = logging.getLogger("sehat.requests")
INTERVAL = 0.1  # seconds between writes of the queued lines
SUMMARY_EVERY = 10.0  # seconds between summary lines
SUMMARISE = "sehat.summarise"  # scope key: count this request instead of logging it


class RequestLines:
    """Lines queued by the event loop, logged by a thread (:attr:`worker`) ten times a second
    (a wake-up per request would hand the interpreter lock back and forth on every request).

    The app's lifespan starts and stops the thread; what is queued when it stops is logged,
    with a last summary. While it does not run (an app served without its lifespan), each
    line is logged in the request.
    """

    def __init__(self, every: float = INTERVAL) -> None:
        self._queue: collections.deque[tuple[str, str, int, float, str]] = collections.deque()
        self._counted: dict[tuple[str, str], tuple[collections.Counter[int], list[float]]] = {}
        self._count_lock = threading.Lock()
        self._drain_lock = threading.Lock()
        self._summarised_at = time.monotonic()
        self.worker = Background("request-log", self.drain, every=every, last=self._last)

    def put(self, item: tuple[str, str, int, float, str]) -> None:
        self._queue.append(item)
        if not self.worker.alive():
            self.drain()

    def count(self, method: str, route: str, status: int, ms: float) -> None:
        with self._count_lock:
            found = self._counted.get((method, route))
            if found is None:
                found = self._counted[(method, route)] = (collections.Counter(), [])
            found[0][status] += 1
            found[1].append(ms)
        if not self.worker.alive():
            self.drain()

    def drain(self) -> None:
        with self._drain_lock:  # one writer at a time: lines keep their order
            while self._queue:
                method, route, status, ms, error_id = self._queue.popleft()
                if error_id:
                    log.info("%s %s %d %.1fms error_id=%s", method, route, status, ms, error_id)
                else:
                    log.info("%s %s %d %.1fms", method, route, status, ms)
        if time.monotonic() - self._summarised_at >= SUMMARY_EVERY:
            self.summarise()

    def summarise(self) -> None:
        with self._count_lock:
            counted, self._counted = self._counted, {}
            since, self._summarised_at = self._summarised_at, time.monotonic()
        for (method, route), (statuses, times) in counted.items():
            times.sort()
            log.info(
                "%s %s: %d requests in %.0fs (%s) p50 %.1fms p99 %.1fms",
                method,
                route,
                len(times),
                time.monotonic() - since,
                ", ".join(f"{status}×{n}" for status, n in sorted(statuses.items())),
                times[len(times) // 2],
                times[min(len(times) - 1, len(times) * 99 // 100)],
            )

    def _last(self) -> None:
        self.drain()
        self.summarise()


class RequestLog:
    """ASGI middleware writing ``GET /api/v1/shares/{token} 200 1.4ms`` to ``sehat.requests``
    (``… 404 0.9ms error_id=…`` for an error answer)."""

    def __init__(self, app: ASGIApp, lines: RequestLines) -> None:
        self.app = app
        self.lines = lines

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
            if scope.get(SUMMARISE):
                self.lines.count(scope["method"], route_of(scope), status, elapsed)
            else:
                error_id = str(scope.get(ERROR_ID, ""))
                self.lines.put((scope["method"], route_of(scope), status, elapsed, error_id))
