"""What an operator runs beside a serving registry must not harm it.

A real `sehat serve` (one worker, and two) takes graduations, verifications and revocations
while other processes run `sehat token create`, `sehat keys list`, `sehat audit` and
`sehat db current` on the same registry, again and again. Afterwards, from the files alone:
every document the server said it issued is there, the last checkpoint the server published
is a prefix of the log on disk, the audit passes and SQLite's integrity check is ``ok`` on
both files.

(On SQLite this once failed: the server's start-up read of the registry file closed a
descriptor of it, which drops every POSIX lock the process holds on the file, SQLite's
included; the next command-line run to close its connection then thought itself the last
user and deleted the write-ahead log under the running server.)
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from sehat.core.checkpoint import Checkpoint
from sehat.core.merkle import leaf_hash, root_from_leaf_hashes
from sehat.store import schema as t
from sehat.store.db import access_log_path, make_engine

from .api_helpers import P, make_tokens
from .registry_helpers import record
from .server_helpers import KEK, running_server

TOKEN = re.compile(r"sehat_[A-Za-z0-9_-]{20,}")
CLI_COMMANDS = (
    ["token", "create", "--role", "verifier", "--name", "beside the server"],
    ["keys", "list"],
    ["audit"],
    ["db", "current"],
)


def _cli_loop(
    env: dict[str, str],
    base: str,
    issued: list[tuple[str, str]],
    stop: threading.Event,
    failures: list[str],
    runs: list[int],
) -> None:
    """Run the commands again and again; a token just made must work on the server at once."""
    while not stop.is_set():
        for args in CLI_COMMANDS:
            done = subprocess.run(
                [sys.executable, "-m", "sehat.cli.main", *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            runs.append(done.returncode)
            if done.returncode != 0:
                failures.append(
                    f"sehat {' '.join(args)} → {done.returncode}: "
                    f"{done.stdout[-600:]} {done.stderr[-400:]}"
                )
                continue
            if args[0] == "token" and issued:
                token = TOKEN.search(done.stdout)
                assert token is not None, done.stdout
                code, national_id = issued[-1]
                answer = httpx.post(
                    f"{base}/api/v1/verify",
                    json={"code": code, "national_id": national_id},
                    headers={"Authorization": f"Bearer {token.group(0)}"},
                    timeout=60,
                )
                if answer.status_code != 200:
                    failures.append(
                        f"a new token on the server → {answer.status_code}: {answer.text[:200]}"
                    )


def _body_of(note: str) -> str:
    """The checkpoint text of a signed note (the lines before the blank line)."""
    return note.split("\n\n", 1)[0] + "\n"


@pytest.mark.parametrize("workers", [1, 2])
def test_commands_beside_a_serving_registry_lose_nothing(
    engine: sa.Engine, backend: str, tmp_path: Path, workers: int
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    data_dir = tmp_path / "data"
    cli_env = os.environ | {
        "SEHAT_DATA_DIR": str(data_dir),
        "SEHAT_DATABASE_URL": url,
        "SEHAT_KEK": KEK,
    }
    issued: list[tuple[str, str]] = []
    revoked: list[str] = []
    statuses: list[int] = []
    server_errors: list[str] = []
    cli_failures: list[str] = []
    cli_runs: list[int] = []
    last_checkpoint = ""
    issued_after = 0  # documents issued before the commands had all run
    with running_server(engine, data_dir, workers=workers) as base:
        tokens = make_tokens(engine)
        # This process keeps no connection of its own open: the server and the commands are
        # the registry's only users, as on an operator's machine.
        engine.dispose()
        with httpx.Client(base_url=base, timeout=60) as http:
            deadline = time.monotonic() + 60
            while http.get("/readyz").status_code != 200:  # the start-up read has finished
                assert time.monotonic() < deadline, "the server never became ready"
                time.sleep(0.1)
        stop = threading.Event()

        def load() -> None:
            nonlocal last_checkpoint
            with httpx.Client(base_url=base, timeout=60) as http:
                n = 0
                while not stop.is_set():
                    n += 1
                    graduation = record(P.uni_a, 2, P.field_science)
                    response = http.post(
                        "/api/v1/graduations", json=graduation, headers=tokens.registrar_a
                    )
                    answers = [response]
                    if response.status_code == 201 and response.json().get("code"):
                        code = response.json()["code"]
                        issued.append((code, graduation["national_id"]))
                        answers.append(http.get(f"/api/v1/verify/{code}"))
                        if n % 5 == 0:
                            revoke = http.post(
                                f"/api/v1/documents/{code}/revoke",
                                json={"reason": "issued_in_error"},
                                headers=tokens.registrar_a,
                            )
                            answers.append(revoke)
                            if revoke.status_code == 200:
                                revoked.append(code)
                    checkpoint = http.get("/api/v1/log/checkpoint")
                    answers.append(checkpoint)
                    if checkpoint.status_code == 200:
                        last_checkpoint = checkpoint.text
                    for answer in answers:
                        statuses.append(answer.status_code)
                        if answer.status_code >= 500:
                            server_errors.append(
                                f"{answer.request.method} {answer.request.url.path} → "
                                f"{answer.status_code}: {answer.text[:200]}"
                            )

        workers = [threading.Thread(target=load) for _ in range(2)]
        commands = [
            threading.Thread(
                target=_cli_loop,
                args=(cli_env, base, issued, stop, cli_failures, cli_runs),
            )
            for _ in range(2)
        ]
        for thread in workers + commands:
            thread.start()
        try:
            # Every command run at least twice (each loop once through them), then more
            # graduations on top: what a command's exit could harm is written after it.
            # A failure ends the run at once (the assertions below say what it was).
            deadline = time.monotonic() + 120
            while not (server_errors or cli_failures) and (
                len(cli_runs) < 2 * len(CLI_COMMANDS) or len(issued) < issued_after + 10
            ):
                assert time.monotonic() < deadline, (len(cli_runs), len(issued))
                if len(cli_runs) < 2 * len(CLI_COMMANDS):
                    issued_after = len(issued)
                time.sleep(0.05)
        finally:
            stop.set()
        for thread in workers + commands:
            thread.join(timeout=300)
    assert not server_errors, server_errors[:3]
    assert not cli_failures, cli_failures[:3]
    assert len(cli_runs) >= 2 * len(CLI_COMMANDS), "the commands hardly ran"
    assert issued and revoked and last_checkpoint
    assert set(statuses) <= {200, 201}, sorted(set(statuses))

    # The server has stopped: read what is in the files, with a fresh engine.
    after = make_engine(url)
    try:
        with after.connect() as conn:
            stored = dict(conn.execute(sa.select(t.documents.c.code, t.documents.c.status)).all())
            leaves = (
                conn.execute(sa.select(t.log_entries.c.leaf_input).order_by(t.log_entries.c.idx))
                .scalars()
                .all()
            )
        missing = [code for code, _ in issued if code not in stored]
        assert not missing, f"{len(missing)} of {len(issued)} issued documents are not on disk"
        assert all(stored[code] == "REVOKED" for code in revoked)
        published = Checkpoint.parse(_body_of(last_checkpoint))
        assert published.size <= len(leaves), "the server published leaves the files lack"
        on_disk = root_from_leaf_hashes(leaf_hash(bytes(leaf)) for leaf in leaves[: published.size])
        assert on_disk == published.root_hash, (
            "the log on disk contradicts the last published checkpoint: "
            f"{base64.b64encode(on_disk).decode()} ≠ "
            f"{base64.b64encode(published.root_hash).decode()}"
        )
        if backend == "sqlite":
            for path in (Path(str(after.url.database)), access_log_path(after.url)):
                assert path is not None
                check = subprocess.run(
                    [sys.executable, "-c", _INTEGRITY, str(path)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                assert check.stdout.strip() == "ok", (path.name, check.stdout, check.stderr)
    finally:
        after.dispose()
    audit = subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", "audit"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert audit.returncode == 0, audit.stdout[-1000:] + audit.stderr[-1000:]


_INTEGRITY = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
    "print(c.execute('PRAGMA integrity_check').fetchone()[0]); c.close()"
)
