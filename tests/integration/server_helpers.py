"""A real `sehat serve` in its own processes, on a test database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import sqlalchemy as sa

from sehat.reference.loader import load_reference

from .registry_helpers import sync_institutions

KEK = "server-test-key-encryption-key-0123456789abc"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(
    engine: sa.Engine,
    data_dir: Path,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    stderr_to: Path | None = None,
) -> Iterator[str]:
    """Start `sehat serve` on ``engine``'s database; yields its base URL, stops it after.

    Everything the server prints (its logs) goes to ``stderr_to``, by default
    ``server.log`` beside the data directory — never to an unread pipe, which would fill and
    stall the server.
    """
    sync_institutions(engine, load_reference())
    port = free_port()
    full_env = os.environ | {
        "SEHAT_DATA_DIR": str(data_dir),
        "SEHAT_DATABASE_URL": str(engine.url.render_as_string(hide_password=False)),
        "SEHAT_KEK": KEK,
        "SEHAT_RATE_LIMIT_PUBLIC": "off",
        "SEHAT_RATE_LIMIT_ORG": "off",
        **(env or {}),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = stderr_to or data_dir.parent / f"{data_dir.name}-server.log"
    err = open(log_path, "wb")  # noqa: SIM115 - open for the server's whole life
    command = [sys.executable, "-m", "sehat.cli.main", "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    proc = subprocess.Popen(command, env=full_env, stdout=subprocess.DEVNULL, stderr=err)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                printed = log_path.read_text(errors="replace")
                raise AssertionError(f"the server stopped at start: {printed}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the server did not answer within 60 s")
            time.sleep(0.1)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        err.close()
