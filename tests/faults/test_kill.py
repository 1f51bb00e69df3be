"""kill -9 in the middle of batch submissions — of one worker, and of the whole server — at
random moments: the client sends the same batch again and gets the same codes; in the end
every graduation is stored once, no code twice, and `sehat audit` passes."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from sehat.reference.loader import load_reference
from sehat.store import schema as t
from tests.integration.api_helpers import P, make_tokens
from tests.integration.registry_helpers import new_national_id, record, sync_institutions
from tests.servers import KEK, free_port

WORKER_KILLS = 6
SERVER_KILLS = 4
BATCH = 40


def _env(engine: sa.Engine, data: Path) -> dict[str, str]:
    return os.environ | {
        "SEHAT_DATA_DIR": str(data),
        "SEHAT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "SEHAT_KEK": KEK,
        "SEHAT_RATE_LIMIT_PUBLIC": "off",
        "SEHAT_RATE_LIMIT_ORG": "off",
    }


class Server:
    """`sehat serve --workers 2` that can be killed and started again on the same port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.port = env, log, free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "sehat.cli.main",
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    "2",
                ],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not come back"
            time.sleep(0.1)

    def workers(self) -> list[int]:
        assert self.proc is not None
        found = subprocess.run(
            ["pgrep", "-f", "multiprocessing.spawn", "-P", str(self.proc.pid)],
            capture_output=True,
            text=True,
            check=False,
        )
        return [int(p) for p in found.stdout.split()]

    def kill_all(self) -> None:
        assert self.proc is not None
        for pid in [*self.workers(), self.proc.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill_all()


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
    data = tmp_path / "data"
    env = _env(engine, data)
    server = Server(env, tmp_path / "server.log")
    server.start()
    engine.dispose()
    rng = random.Random(42)
    batches = [
        [record(P.uni_a, 2, P.field_science, new_national_id()) for _ in range(BATCH)]
        for _ in range(WORKER_KILLS + SERVER_KILLS)
    ]
    first: dict[int, list[Any]] = {}
    try:
        for trial, batch in enumerate(batches):
            killer = threading.Timer(
                rng.uniform(0.02, 0.6),
                (lambda: os.kill(rng.choice(server.workers()), signal.SIGKILL))
                if trial < WORKER_KILLS
                else server.kill_all,
            )
            killer.start()
            try:
                first[trial] = _send(server.base, tokens.registrar_a, batch)
            except AssertionError:
                killer.join()
                raise
            killer.join()
            if trial >= WORKER_KILLS:
                server.start()  # after the whole server was killed, the operator starts it
                first[trial] = _send(server.base, tokens.registrar_a, batch)
            # Sent once more: the same answers, never a second code.
            assert _send(server.base, tokens.registrar_a, batch) == first[trial], trial
    finally:
        server.stop()
    printed = (tmp_path / "server.log").read_text(errors="replace")
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
