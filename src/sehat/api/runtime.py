"""What a running app holds: :class:`Runtime`, made once by the app factory (api/app.py) and
read by every route and page through :func:`runtime`; its background threads are started
and stopped by the app's lifespan, in the order :meth:`Runtime.workers` gives."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from fastapi import Request

from sehat.api.request_log import RequestLines
from sehat.background import Background, stop_all
from sehat.config import Settings
from sehat.keystore import KeyStore
from sehat.reference.models import Reference
from sehat.services.access_log import AccessBuffer
from sehat.services.access_retention import DailyCompaction
from sehat.services.evidence import Evidence
from sehat.services.imports import ImportThreads
from sehat.store.prepared import PreparedRead
from sehat.store.prewarm import Prewarm

log = logging.getLogger(__name__)

# Seconds the lifespan's end may take for every thread together: the access log's last
# write and the request log's last lines, an import's batch in flight, a compaction batch.
STOP_SECONDS = 8.0


@dataclass(frozen=True)
class Runtime:
    """The app's settings, database, reference data, keys and background work."""

    settings: Settings
    engine: sa.Engine
    reference: Reference
    keystore: KeyStore
    evidence: Evidence
    # The public verification's prepared lookup, and whether it runs on the event loop
    # (SQLite: a local read of microseconds) rather than in the thread pool.
    public_read: PreparedRead
    inline_reads: bool
    access_buffer: AccessBuffer  # public-tier accesses, written once a second
    compaction: DailyCompaction  # the access log's daily folding
    prewarm: Prewarm | None  # SQLite's registry file read into memory at start-up
    key_refresher: Background  # signing keys re-read off the request path
    request_lines: RequestLines  # the request log's writer
    imports: ImportThreads  # imports uploaded to this process

    def workers(self) -> list[Background]:
        """Every background thread, in the order they start (and the reverse of the order
        they are waited for at the end): the two log writers first, the imports (started by
        requests) last."""
        threads = [
            self.request_lines.worker,
            self.access_buffer.worker,
            self.key_refresher,
            self.compaction.worker,
        ]
        if self.prewarm is not None:
            threads.append(self.prewarm.worker)
        return threads + self.imports.workers()

    def start(self) -> None:
        """Start the background threads (the lifespan's start)."""
        self.evidence.refresh()  # the first requests already find the keys read
        self.request_lines.worker.start()
        self.access_buffer.start()
        self.key_refresher.start()
        self.compaction.start()
        if self.prewarm is not None:
            self.prewarm.start()

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Stop them within ``timeout`` seconds for all together (the lifespan's end): each
        is told at once, then waited for, the imports first and the writers last. What the
        access log holds is written before its writer ends."""
        started = time.monotonic()
        busy = stop_all(list(reversed(self.workers())), timeout)
        left = max(0.0, timeout - (time.monotonic() - started))
        self.access_buffer.close(left)  # says what was left unwritten; frees its engine
        if busy:
            log.warning(
                "stopped with %s still busy after %.1f s", ", ".join(w.name for w in busy), timeout
            )


class HoldsRuntime(Protocol):
    """An app that holds its :class:`Runtime` (api/app.py ``SehatApp``)."""

    runtime: Runtime


def runtime(request: Request) -> Runtime:
    """The running app's :class:`Runtime`."""
    found: Runtime = request.app.runtime
    return found
