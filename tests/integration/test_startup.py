"""`sehat serve --workers 4` on a fresh database: every worker starts once, and the very
first requests — sent the moment the port opens — are all answered."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.servers import start_server

from .server_helpers import KEK


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
    log = tmp_path / "server.log"
    # Ready as soon as the port accepts connections: the first requests are sent then.
    with start_server(env, log, workers=4, ready=None) as server:

        def first(path: str) -> int:
            return httpx.get(server.base + path, timeout=60).status_code

        paths = ["/api/v1/institutions", "/api/v1/verify/10001052348068574304", "/healthz"]
        with ThreadPoolExecutor(16) as pool:
            codes = list(pool.map(first, paths * 8))
        assert codes == [200] * len(codes), codes
    printed = server.printed()
    assert printed.count("Started server process") == 4, printed[-3000:]
    assert "died" not in printed and "Traceback" not in printed, printed[-3000:]
