"""PostgreSQL out of reach while the server serves: requests that need it answer a clear
503 (with an error id and Retry-After, nothing stored), public answers never a 500; once
PostgreSQL is reachable again the pool recovers without restarting the server.

The database server here is shared with the rest of the suite, so "down" is a TCP proxy
in front of it that this test closes (every connection cut, nothing listening) and opens
again on the same port — what a restart looks like from the registry's side."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa

from sehat.reference.loader import load_reference
from sehat.store.db import make_engine, upgrade
from tests.integration.api_helpers import P, make_tokens
from tests.integration.conftest import postgres_admin_url
from tests.integration.registry_helpers import record, sync_institutions
from tests.integration.server_helpers import server_env
from tests.servers import free_port, start_server


class Proxy:
    """A TCP proxy to ``upstream`` on ``port`` that can be cut and restored."""

    def __init__(self, port: int, upstream: tuple[str, int]) -> None:
        self.port, self.upstream = port, upstream
        self.listener: socket.socket | None = None
        self.open_sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open_sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        for s in (source, target):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        assert self.listener is not None
        # shutdown wakes the accepting thread (close alone leaves it listening on Linux).
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        with self.lock:
            for s in self.open_sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self.open_sockets.clear()


@pytest.fixture
def pg_engine() -> Iterator[sa.Engine]:
    """A fresh, migrated PostgreSQL database of its own (this test is about PostgreSQL)."""
    admin_url = postgres_admin_url()
    name = f"sehat_faults_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(admin_url.rsplit("/", 1)[0] + "/" + name)
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_postgresql_away_is_a_503_and_the_server_recovers_by_itself(
    pg_engine: sa.Engine, tmp_path: Path
) -> None:
    engine = pg_engine
    sync_institutions(engine, load_reference())
    tokens = make_tokens(engine)
    real = urlsplit(engine.url.render_as_string(hide_password=False).replace("+psycopg", ""))
    proxy = Proxy(free_port(), (real.hostname or "127.0.0.1", real.port or 5432))
    proxy.start()
    url = engine.url.set(port=proxy.port).render_as_string(hide_password=False)
    env = server_env(engine, tmp_path / "data") | {"SEHAT_DATABASE_URL": url}
    log = tmp_path / "server.log"
    try:
        with start_server(env, log) as server:
            base = server.base

            def graduate() -> httpx.Response:
                return httpx.post(
                    f"{base}/api/v1/graduations",
                    json=record(P.uni_a, 2, P.field_science),
                    headers=tokens.registrar_a,
                    timeout=60,
                )

            assert graduate().status_code == 201
            proxy.cut()
            down = [graduate() for _ in range(3)]
            down.append(httpx.get(f"{base}/api/v1/verify/10001052348068574304", timeout=60))
            for answer in down:
                assert answer.status_code == 503, (answer.status_code, answer.text[:300])
                error = answer.json()["error"]
                assert error["type"] == "unavailable" and error["error_id"]
                assert answer.headers["retry-after"] == "5"
            assert httpx.get(f"{base}/healthz").status_code == 200  # the process itself is fine
            proxy.start()  # PostgreSQL is back
            deadline = time.monotonic() + 30
            while graduate().status_code != 201:
                assert time.monotonic() < deadline, "the pool did not recover"
                time.sleep(0.5)
            assert graduate().status_code == 201
    finally:
        with contextlib.suppress(AssertionError, OSError):
            proxy.cut()
    printed = log.read_text(errors="replace")
    assert " 503 " in printed and "Traceback" not in printed
