"""The app's lifespan owns its background threads (api/runtime.py): it starts each of them,
and at its end none is left running, within a bound, an import in flight included."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sehat.api.runtime import Runtime
from sehat.core.record import Assurance
from sehat.services import imports
from sehat.services.id_checks import IdCheckCaller

from .api_helpers import UNLIMITED_ID_CHECKS, make_client

FRAMEWORK = ("AnyIO worker thread", "asyncio-portal")  # the test client's own threads


def _ours(threads: set[threading.Thread]) -> set[threading.Thread]:
    return {t for t in threads if t.is_alive() and not t.name.startswith(FRAMEWORK)}


def test_the_lifespan_starts_the_background_threads_and_stops_every_one(
    engine: sa.Engine, data_dir: Path, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sehat.requests")
    before = set(threading.enumerate())
    client = make_client(engine, data_dir)
    with client:
        running: Runtime = client.app.runtime  # type: ignore[attr-defined]
        workers = running.workers()
        names = ["request-log", "access-log", "signing-keys", "access-compaction"]
        assert [w.name for w in workers] == names + (["prewarm"] if backend == "sqlite" else [])
        assert all(w.alive() for w in workers if w.name != "prewarm")  # prewarm may be done
        assert client.get("/healthz").status_code == 200
        started = _ours(set(threading.enumerate()) - before)
        # Every thread the app started is one of its workers.
        assert {t.name for t in started} <= {w.name for w in workers}
    assert not any(w.alive() for w in workers)
    assert _ours(started) == set()
    # The request log's thread wrote the line before it ended.
    assert any("GET /healthz 200" in r.getMessage() for r in caplog.records)


def test_an_import_in_flight_stops_with_the_server(
    engine: sa.Engine,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    batches = threading.Semaphore(0)

    def endless(*args: Any, on_progress: Any, **kwargs: Any) -> None:
        rows = 0
        while True:  # a file that never ends: a batch committed every 10 ms
            rows += 100
            on_progress(rows)
            batches.release()
            time.sleep(0.01)

    monkeypatch.setattr(imports, "run_import", endless)
    monkeypatch.setattr(imports, "_count_rows", lambda upload: 10**9)
    client = make_client(engine, data_dir)
    with client:
        running: Runtime = client.app.runtime  # type: ignore[attr-defined]
        caller = IdCheckCaller(UNLIMITED_ID_CHECKS, ())
        worker = running.imports.start(
            imports.ImportJob(
                engine=running.engine,
                reference=running.reference,
                evidence=running.evidence,
                upload=data_dir / "upload.csv",
                results=data_dir / "results.csv",
                public_id=imports.new_id(),
                institution="10001",
                assurance=Assurance.BORN_DIGITAL,
                caller=caller,
            )
        )
        assert batches.acquire(timeout=10) and batches.acquire(timeout=10)
        assert worker in running.workers()
        caplog.set_level(logging.INFO, logger="sehat.services.imports")
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 5
    assert not worker.alive()
    assert "stopped with the server after" in caplog.text
