"""`sehat serve --workers 3` started on a busy machine: no worker is killed at start and the
first requests, sent the moment the port opens, are all answered; a worker that really hangs
is still replaced.

The load is made here: CPU-bound processes pinned, with the server's workers, to one CPU, so
the workers get a small share of it whatever the machine (uvicorn's own 5-s health check
killed workers at start under such a share). Each is stopped when its test ends.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
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
from tests.integration.server_helpers import server_env
from tests.servers import Server

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


def _children(pid: int) -> dict[int, str]:
    """The processes ``pid`` has started: pid → command line."""
    found: dict[int, str] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            for child in map(int, (task / "children").read_text().split()):
                with contextlib.suppress(OSError):
                    found[child] = (Path(f"/proc/{child}/cmdline").read_bytes()).decode()
    return found


def _start_pinning_workers(server: Server, cpus: set[int]) -> set[int]:
    """Start the server; move it, and each process it spawns, to ``cpus`` as they appear.

    The server builds the app once before it spawns its workers: that ran on a free CPU
    here, for on the loaded one it took most of the test's time and is not what it is
    about. The workers are moved within milliseconds of their spawn, so all of their start
    runs on ``cpus``; any worker spawned later inherits them from the server. Returns the
    pids of the workers moved.
    """
    proc = server.spawn()
    pinned: set[int] = set()
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < WORKERS:
        assert proc.poll() is None, server.printed()[-3000:]
        assert time.monotonic() < deadline, "the workers were never spawned"
        children = _children(proc.pid)
        if children and not pinned:
            os.sched_setaffinity(proc.pid, cpus)
        for child in children.keys() - pinned:
            with contextlib.suppress(ProcessLookupError):
                os.sched_setaffinity(child, cpus)
        pinned |= children.keys()
        # A child's command line is the server's until it has exec'd its own.
        workers = {pid for pid, line in children.items() if "multiprocessing.spawn" in line}
        time.sleep(0.005)
    return workers


@contextmanager
def _serve(engine: sa.Engine, data_dir: Path, log: Path, env: dict[str, str]) -> Iterator[Server]:
    sync_institutions(engine, load_reference())
    server = Server(server_env(engine, data_dir) | env, log, workers=WORKERS, ready=None)
    try:
        yield server
    finally:
        server.stop(timeout=60)


def test_no_worker_is_killed_while_starting_on_a_busy_machine(
    engine: sa.Engine, data_dir: Path, tmp_path: Path
) -> None:
    cpus = _one_cpu()
    # The burners are already running when the workers start (load that starts only as the
    # workers are spawned did not slow them enough to matter), and are stopped before the
    # server is: how fast it stops is not what this is about.
    with _serve(engine, data_dir, tmp_path / "server.log", {}) as server, _burners(cpus):
        workers = _start_pinning_workers(server, cpus)
        # The workers are starting now, on the CPU the burners load.
        server.wait_ready()  # the port is open: the first worker listens

        def first(path: str) -> int | str:
            try:
                return httpx.get(server.base + path, timeout=90).status_code
            except httpx.TransportError as exc:  # an empty reply: the worker was killed
                return type(exc).__name__

        paths = ["/api/v1/institutions", "/api/v1/verify/10001052348068574304", "/healthz"]
        with ThreadPoolExecutor(12) as pool:
            codes = list(pool.map(first, paths * 4))
    printed = server.printed()
    started = {int(pid) for pid in re.findall(r"Started server process \[(\d+)\]", printed)}
    assert codes == [200] * len(codes), (codes, printed[-3000:])
    assert "died" not in printed, printed[-3000:]
    assert printed.count("Started server process") == WORKERS, printed[-3000:]
    assert started == workers, (started, workers)  # each started on the loaded CPU
    assert "Traceback" not in printed, printed[-3000:]


def test_a_worker_that_hangs_is_still_replaced(
    engine: sa.Engine, data_dir: Path, tmp_path: Path
) -> None:
    env = {"SEHAT_WORKER_HEALTHCHECK_TIMEOUT": "3"}
    with _serve(engine, data_dir, tmp_path / "server.log", env) as server:
        server.start()
        deadline = time.monotonic() + 60
        while server.printed().count("Application startup complete") < WORKERS:
            assert time.monotonic() < deadline, server.printed()[-3000:]
            time.sleep(0.1)
        started = re.findall(r"Started server process \[(\d+)\]", server.printed())
        hung = int(started[0])
        os.kill(hung, signal.SIGSTOP)  # it answers nothing now, as a hung worker would
        deadline = time.monotonic() + 30
        while f"Child process [{hung}] died" not in server.printed():
            assert time.monotonic() < deadline, server.printed()[-3000:]
            time.sleep(0.2)
        deadline = time.monotonic() + 60
        while server.printed().count("Application startup complete") < WORKERS + 1:
            assert time.monotonic() < deadline, server.printed()[-3000:]
            time.sleep(0.1)
        codes = [httpx.get(server.base + "/healthz", timeout=10).status_code for _ in range(12)]
    assert codes == [200] * len(codes)
    with pytest.raises(ProcessLookupError):
        os.kill(hung, 0)
