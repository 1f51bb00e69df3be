"""`sehat serve --workers 4` on a fresh database: every worker starts once, and the very
first requests — sent the moment the port opens — are all answered."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from .server_helpers import KEK, free_port


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_four_workers_on_a_fresh_database_answer_the_first_requests(
    blank_database_url: str, tmp_path: Path
) -> None:
    env = os.environ | {
        "SEHAT_DATA_DIR": str(tmp_path / "data"),  # no keys yet either
        "SEHAT_DATABASE_URL": blank_database_url,
        "SEHAT_KEK": KEK,
        "SEHAT_RATE_LIMIT_PUBLIC": "off",
    }
    migrated = subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sehat.cli.main",
                "serve",
                "--port",
                str(port),
                "--workers",
                "4",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while not _port_open(port):
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the port never opened"
                time.sleep(0.02)
            base = f"http://127.0.0.1:{port}"

            def first(path: str) -> int:
                return httpx.get(base + path, timeout=60).status_code

            paths = ["/api/v1/institutions", "/api/v1/verify/10001052348068574304", "/healthz"]
            with ThreadPoolExecutor(16) as pool:
                codes = list(pool.map(first, paths * 8))
            assert codes == [200] * len(codes), codes
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    printed = log.read_text()
    assert printed.count("Started server process") == 4, printed[-3000:]
    assert "died" not in printed and "Traceback" not in printed, printed[-3000:]
