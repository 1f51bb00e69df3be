"""`sehat db backup DIR` while a real `sehat serve` issues, verifies and logs accesses; the
copies restored in place of the registry pass `sehat db check` and `sehat audit`, and hold
every document issued before the backup began (docs/operations.md)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from sehat.store import schema as t
from sehat.store.db import make_engine, upgrade

from .api_helpers import P, make_tokens
from .registry_helpers import record
from .server_helpers import KEK, running_server


def _sehat(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", *args],
        env=env | {"COLUMNS": "200"},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _access_rows(path: Path) -> int:
    """Rows in the live access-log file, read as another process would (SQLite, read-only)."""
    if not path.exists():
        return 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return int(conn.execute("SELECT count(*) FROM access_log").fetchone()[0])
    except sqlite3.OperationalError:  # the table is not there yet
        return 0
    finally:
        conn.close()


def test_a_backup_taken_while_serving_and_writing_restores_and_audits(tmp_path: Path) -> None:
    live = tmp_path / "live" / "sehat.db"
    engine = make_engine(f"sqlite:///{live}")
    upgrade(engine)
    data_dir = tmp_path / "data"
    env = os.environ | {
        "SEHAT_DATA_DIR": str(data_dir),
        "SEHAT_DATABASE_URL": f"sqlite:///{live}",
        "SEHAT_KEK": KEK,
    }
    issued: list[str] = []
    failures: list[str] = []
    stop = threading.Event()
    with running_server(engine, data_dir) as base:
        tokens = make_tokens(engine)
        engine.dispose()  # the server and the commands are the registry's only users

        def load() -> None:
            with httpx.Client(base_url=base, timeout=60) as http:
                while not stop.is_set():
                    made = http.post(
                        "/api/v1/graduations",
                        json=record(P.uni_a, 2, P.field_science),
                        headers=tokens.registrar_a,
                    )
                    code = made.json().get("code") if made.status_code == 201 else None
                    if not code:
                        failures.append(f"{made.status_code} {made.text[:200]}")
                        continue
                    issued.append(code)
                    seen = http.get(f"/api/v1/verify/{code}")  # an access row, in the other file
                    if seen.status_code != 200:
                        failures.append(f"verify {seen.status_code}")

        writers = [threading.Thread(target=load) for _ in range(2)]
        for thread in writers:
            thread.start()
        try:
            deadline = time.monotonic() + 60
            while len(issued) < 20:
                assert time.monotonic() < deadline and not failures, failures[:3]
                time.sleep(0.1)
            # The server writes access rows in batches about once a second: wait until some are
            # in the file, so the ordering check below is not vacuous.
            while not _access_rows(live.with_name("sehat-access.db")):
                assert time.monotonic() < deadline and not failures, failures[:3]
                time.sleep(0.1)
            before = list(issued)
            backup = _sehat(env, "db", "backup", str(tmp_path / "backup"))
            during = len(issued) - len(before)
            check_beside = _sehat(env, "db", "check")
            time.sleep(1)  # and the server goes on writing
        finally:
            stop.set()
            for thread in writers:
                thread.join(timeout=120)
    assert not failures, failures[:3]
    assert backup.returncode == 0, backup.stdout + backup.stderr
    assert during > 0, "nothing was written while the backup ran"
    assert check_beside.returncode == 0, check_beside.stdout + check_beside.stderr
    copies = sorted(p.name for p in (tmp_path / "backup").iterdir())
    assert copies == ["sehat-access.db", "sehat.db"]

    # Restore: the copies in place of the registry's files (here, in a new directory).
    restored = tmp_path / "restored"
    restored.mkdir()
    for name in copies:
        shutil.copyfile(tmp_path / "backup" / name, restored / name)
    restored_env = env | {"SEHAT_DATABASE_URL": f"sqlite:///{restored / 'sehat.db'}"}
    check = _sehat(restored_env, "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    audit = _sehat(restored_env, "audit")
    assert audit.returncode == 0, audit.stdout[-1000:] + audit.stderr[-1000:]

    after = make_engine(f"sqlite:///{restored / 'sehat.db'}")
    try:
        with after.connect() as conn:
            documents = dict(conn.execute(sa.select(t.documents.c.code, t.documents.c.id)).all())
            accessed = set(conn.execute(sa.select(t.access_log.c.document_id)).scalars())
    finally:
        after.dispose()
    assert set(before) <= set(documents), "a document issued before the backup is missing"
    # The access log was copied first: none of its rows names a document the copy lacks.
    assert accessed and accessed <= set(documents.values())


def test_a_backup_is_never_overwritten_and_postgresql_is_pointed_to_its_tools(
    tmp_path: Path,
) -> None:
    live = tmp_path / "live" / "sehat.db"
    engine = make_engine(f"sqlite:///{live}")
    upgrade(engine)
    engine.dispose()
    env = os.environ | {
        "SEHAT_DATA_DIR": str(tmp_path / "data"),
        "SEHAT_DATABASE_URL": f"sqlite:///{live}",
    }
    target = tmp_path / "backup"
    assert _sehat(env, "db", "backup", str(target)).returncode == 0
    written = (target / "sehat.db").read_bytes()
    again = _sehat(env, "db", "backup", str(target))
    assert again.returncode == 2 and "never overwritten" in again.stderr
    assert (target / "sehat.db").read_bytes() == written
    postgres = env | {"SEHAT_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/x"}
    refused = _sehat(postgres, "db", "backup", str(tmp_path / "pg"))
    assert refused.returncode == 2 and "pg_dump" in refused.stderr
    assert not (tmp_path / "pg").exists()
