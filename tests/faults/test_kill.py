"""kill -9 in the middle of batch submissions — of one worker, and of the whole server — at
random moments: the client sends the same batch again and gets the same codes; in the end
every graduation is stored once, no code twice, and `sehat audit` passes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from sehat.reference.loader import load_reference
from sehat.store import schema as t
from tests.integration.api_helpers import P, make_tokens
from tests.integration.registry_helpers import new_national_id, record, sync_institutions
from tests.integration.server_helpers import server_env
from tests.servers import Server

WORKER_KILLS = 6
SERVER_KILLS = 4
BATCH = 40


def _kill_a_worker(server: Server, after: float, rng: random.Random) -> None:
    time.sleep(after)
    os.kill(rng.choice(server.worker_pids()), signal.SIGKILL)


def _kill_and_start_again(server: Server, after: float, rng: random.Random) -> None:
    """kill -9 of the whole server; the operator starts it again while the client retries."""
    time.sleep(after)
    server.kill_all()
    server.start()


def _send(base: str, headers: dict[str, str], batch: list[dict[str, Any]]) -> list[Any]:
    """Send the batch until it is answered; the same batch every time."""
    deadline = time.monotonic() + 120
    while True:
        try:
            answer = httpx.post(
                f"{base}/api/v1/graduations/batch",
                json={"items": batch},
                headers=headers,
                timeout=30,
            )
            assert answer.status_code < 500, answer.text[:300]
            if answer.status_code == 200:
                return [(r["status"], r["code"]) for r in answer.json()["results"]]
        except httpx.TransportError:
            pass  # killed mid-request: send it again
        assert time.monotonic() < deadline, "the batch was never answered"
        time.sleep(0.2)


def test_kill_9_during_batch_submissions_loses_and_duplicates_nothing(
    engine: sa.Engine, tmp_path: Path
) -> None:
    sync_institutions(engine, load_reference())
    tokens = make_tokens(engine)
    env = server_env(engine, tmp_path / "data")
    server = Server(env, tmp_path / "server.log", workers=2)
    engine.dispose()
    rng = random.Random(42)
    batches = [
        [record(P.uni_a, 2, P.field_science, new_national_id()) for _ in range(BATCH)]
        for _ in range(WORKER_KILLS + SERVER_KILLS)
    ]
    first: dict[int, list[Any]] = {}
    try:
        server.start()  # inside: a start that never gets ready is stopped too
        with ThreadPoolExecutor(1) as killer:
            for trial, batch in enumerate(batches):
                kill = _kill_a_worker if trial < WORKER_KILLS else _kill_and_start_again
                killed = killer.submit(kill, server, rng.uniform(0.02, 0.6), rng)
                try:
                    first[trial] = _send(server.base, tokens.registrar_a, batch)
                finally:
                    killed.result()  # the kill happened (and a killed server is back)
                # Sent once more: the same answers, never a second code.
                assert _send(server.base, tokens.registrar_a, batch) == first[trial], trial
    finally:
        server.stop()
    printed = server.printed()
    assert printed.count("Started parent process") == 1 + SERVER_KILLS  # the server came back
    assert "died" in printed  # and the supervisor replaced killed workers
    issued = [code for answers in first.values() for _, code in answers]
    assert all(status == "ISSUED" for answers in first.values() for status, _ in answers)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(t.documents.c.code)).scalars().all()
        submissions = conn.execute(sa.select(sa.func.count()).select_from(t.submissions)).scalar()
    assert sorted(stored) == sorted(issued) and len(set(stored)) == len(stored)
    assert submissions == len(batches) * BATCH
    audit = subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", "audit"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert audit.returncode == 0, audit.stdout[-2000:]
