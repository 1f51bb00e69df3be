"""Redis down with `SEHAT_REDIS_URL` set (decided, docs/operations.md): rate limits fail
open — every request is served, unlimited, and a warning is logged — so verification keeps
answering; when Redis is back, the limits hold again without restarting the server."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from tests.integration.server_helpers import running_server
from tests.servers import free_port


def _redis(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while (
        subprocess.run(
            ["redis-cli", "-p", str(port), "ping"], capture_output=True, check=False
        ).stdout.strip()
        != b"PONG"
    ):
        assert time.monotonic() < deadline, "redis did not start"
        time.sleep(0.05)
    return proc


def test_rate_limits_fail_open_while_redis_is_down_and_hold_again_after(
    engine: sa.Engine, tmp_path: Path
) -> None:
    port = free_port()
    redis = _redis(port)
    limit = 5
    env = {
        "SEHAT_REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "SEHAT_RATE_LIMIT_PUBLIC": f"{limit}/minute",
        "SEHAT_RATE_LIMIT_NAMESPACE": f"faults-{port}",
    }
    log = tmp_path / "server.log"
    try:
        with running_server(engine, tmp_path / "data", workers=2, env=env, log=log) as base:
            url = f"{base}/api/v1/verify/10001052348068574304"
            statuses = [httpx.get(url).status_code for _ in range(limit + 1)]
            assert statuses == [200] * limit + [429]  # Redis up: the limit holds
            redis.kill()
            redis.wait()
            down = [httpx.get(url).status_code for _ in range(3 * limit)]
            assert down == [200] * (3 * limit)  # Redis down: served, unlimited
            redis = _redis(port)  # back, empty: counting starts again
            back = [httpx.get(url).status_code for _ in range(limit + 1)]
            assert back == [200] * limit + [429]
    finally:
        redis.kill()
        redis.wait()
    printed = log.read_text(errors="replace")
    assert "rate limit" in printed.lower() and "Traceback" not in printed
