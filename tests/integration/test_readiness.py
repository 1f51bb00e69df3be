"""``/readyz``: 503 while the SQLite registry is being read into memory, then 200."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from sehat.config import load_settings
from sehat.errors import InfrastructureError
from sehat.store import prewarm
from sehat.store.db import make_engine, upgrade

from .api_helpers import make_client


def _ready_within(client: TestClient, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if client.get("/readyz").status_code == 200:
            return True
        time.sleep(0.05)
    return False


def test_the_service_says_when_it_is_ready(engine: sa.Engine, data_dir: Path) -> None:
    with make_client(engine, data_dir) as client:
        assert _ready_within(client, 30)
        answer = client.get("/readyz").json()
        assert answer["status"] == "ready"


def test_not_ready_while_the_registry_is_read_into_memory(
    engine: sa.Engine, data_dir: Path, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    monkeypatch.setattr(prewarm.Prewarm, "_warm", lambda self: release.wait(30))
    with make_client(engine, data_dir) as client:
        answer = client.get("/readyz")
        if backend == "postgresql":  # it keeps its own buffers: nothing to read in
            assert answer.status_code == 200
            return
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "2"
        error = answer.json()["error"]
        assert error["type"] == "warming"
        assert "into memory" in error["message"] and "حافظه" in error["message_fa"]
        # Verification is served all the while.
        assert client.get("/api/v1/verify/10001052348068574304").status_code == 200
        release.set()
        assert _ready_within(client, 10)


def test_prewarming_can_be_switched_off(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On SQLite whatever the backend under test: only there is anything read in, so only
    # there can switching it off be seen.
    registry = tmp_path / "sehat.db"
    engine = make_engine(f"sqlite:///{registry}")
    try:
        upgrade(engine)
        started: list[Path] = []
        monkeypatch.setattr(prewarm.Prewarm, "start", lambda self: started.append(self.path))
        with make_client(engine, data_dir, prewarm=False) as client:
            assert client.get("/readyz").status_code == 200
        assert started == []
        with make_client(engine, data_dir) as client:
            client.get("/readyz")
        assert started == [registry]
    finally:
        engine.dispose()


def test_only_sqlite_is_read_into_memory(
    engine: sa.Engine, data_dir: Path, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Path] = []
    monkeypatch.setattr(prewarm.Prewarm, "start", lambda self: started.append(self.path))
    with make_client(engine, data_dir) as client:
        client.get("/readyz")
    # PostgreSQL keeps its own buffers: nothing to read.
    assert len(started) == (1 if backend == "sqlite" else 0)


def test_the_setting_is_on_or_off() -> None:
    assert load_settings({"SEHAT_PREWARM": "off"}).prewarm is False
    assert load_settings({}).prewarm is True
    with pytest.raises(InfrastructureError, match="SEHAT_PREWARM='maybe'"):
        load_settings({"SEHAT_PREWARM": "maybe"})


def test_sqlite_reads_the_registry_through_a_memory_map(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sehat.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() > 0
    finally:
        engine.dispose()


def test_sehat_imports_engine_keeps_its_memory_flat_and_its_wal_longer(tmp_path: Path) -> None:
    """`sehat import` (bulk): no memory map (touched pages would count as its memory) and a
    longer WAL between checkpoints; a server's engine keeps SQLite's default."""
    from sehat.cli.server import engine_for
    from sehat.store.db import BULK_CHECKPOINT_PAGES

    url = f"sqlite:///{tmp_path / 'sehat.db'}"
    settings = load_settings({"SEHAT_DATABASE_URL": url, "SEHAT_DATA_DIR": str(tmp_path)})
    for bulk, mmap, pages in ((True, 0, BULK_CHECKPOINT_PAGES), (False, None, 1000)):
        engine = engine_for(settings, bulk=bulk)
        try:
            with engine.connect() as conn:
                size = conn.exec_driver_sql("PRAGMA mmap_size").scalar()
                assert size == mmap if mmap is not None else size > 0
                assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == pages
        finally:
            engine.dispose()


def test_the_worker_health_check_timeout_is_a_number_of_seconds() -> None:
    assert load_settings({}).worker_healthcheck_timeout == 30
    settings = load_settings({"SEHAT_WORKER_HEALTHCHECK_TIMEOUT": "90"})
    assert settings.worker_healthcheck_timeout == 90
    with pytest.raises(InfrastructureError, match="SEHAT_WORKER_HEALTHCHECK_TIMEOUT='0'"):
        load_settings({"SEHAT_WORKER_HEALTHCHECK_TIMEOUT": "0"})
