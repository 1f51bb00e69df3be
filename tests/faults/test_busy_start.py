"""`sehat serve --workers 3` started on a busy machine: no worker is killed at start and the
first requests, sent the moment the port opens, are all answered; a worker that really hangs
is still replaced.

The load is made here: CPU-bound processes pinned, with the server, to one CPU, so the
workers get a small share of it whatever the machine (uvicorn's own 5-s health check killed
workers at start under such a share). Each is stopped when its test ends.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from sehat.reference.loader import load_reference
from tests.integration.registry_helpers import sync_institutions
from tests.servers import KEK, free_port

BURNERS = 8
WORKERS = 3


def _one_cpu() -> set[int]:
    return {max(os.sched_getaffinity(0))}


@contextmanager
def _burners(cpus: set[int]) -> Iterator[None]:
    """CPU-bound processes on ``cpus`` while the block runs."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(BURNERS)]
    try:
        for proc in procs:
            os.sched_setaffinity(proc.pid, cpus)
        yield
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def _serve(
    engine: sa.Engine, data_dir: Path, log: Path, env: dict[str, str], cpus: set[int]
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    sync_institutions(engine, load_reference())
    port = free_port()
    full_env = os.environ | {
        "SEHAT_DATA_DIR": str(data_dir),
        "SEHAT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "SEHAT_KEK": KEK,
        "SEHAT_RATE_LIMIT_PUBLIC": "off",
        **env,
    }
    command = [sys.executable, "-m", "sehat.cli.main", "serve", "--port", str(port)]
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*command, "--workers", str(WORKERS)],
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            # Its workers inherit it: they are spawned only after it has built the app once.
            os.sched_setaffinity(server.pid, cpus)
            deadline = time.monotonic() + 60
            while not _port_open(port):
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the port never opened"
                time.sleep(0.02)
            yield port, server
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def test_no_worker_is_killed_while_starting_on_a_busy_machine(
    engine: sa.Engine, data_dir: Path, tmp_path: Path
) -> None:
    cpus = _one_cpu()
    log = tmp_path / "server.log"
    # Already running when the server starts: load that starts only as the workers are
    # spawned did not slow them enough to matter.
    with _burners(cpus), _serve(engine, data_dir, log, {}, cpus) as (port, _server):
        # The workers are being spawned now, on the CPU the burners load.
        base = f"http://127.0.0.1:{port}"

        def first(path: str) -> int | str:
            try:
                return httpx.get(base + path, timeout=90).status_code
            except httpx.TransportError as exc:  # an empty reply: the worker was killed
                return type(exc).__name__

        paths = ["/api/v1/institutions", "/api/v1/verify/10001052348068574304", "/healthz"]
        with ThreadPoolExecutor(12) as pool:
            codes = list(pool.map(first, paths * 4))
    printed = log.read_text()
    assert codes == [200] * len(codes), (codes, printed[-3000:])
    assert "died" not in printed, printed[-3000:]
    assert printed.count("Started server process") == WORKERS, printed[-3000:]
    assert "Traceback" not in printed, printed[-3000:]


def test_a_worker_that_hangs_is_still_replaced(
    engine: sa.Engine, data_dir: Path, tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    env = {"SEHAT_WORKER_HEALTHCHECK_TIMEOUT": "3"}
    with _serve(engine, data_dir, log, env, os.sched_getaffinity(0)) as (port, _server):
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while log.read_text().count("Application startup complete") < WORKERS:
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        started = re.findall(r"Started server process \[(\d+)\]", log.read_text())
        hung = int(started[0])
        os.kill(hung, signal.SIGSTOP)  # it answers nothing now, as a hung worker would
        deadline = time.monotonic() + 30
        while f"Child process [{hung}] died" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        deadline = time.monotonic() + 60
        while log.read_text().count("Application startup complete") < WORKERS + 1:
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        codes = [httpx.get(base + "/healthz", timeout=10).status_code for _ in range(12)]
    assert codes == [200] * len(codes)
    with pytest.raises(ProcessLookupError):
        os.kill(hung, 0)
