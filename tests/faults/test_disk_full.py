"""The data directory's disk full under a real `sehat serve` on SQLite (a tmpfs of a few MB):
writes answer 507 with an error id and store nothing, public verification goes on, and once
space is freed the same server stores again — no restart; nothing half-written, `sehat
audit` passes and both files are sound.

Mounting needs root (or CAP_SYS_ADMIN), as `make test` has in CI; without it this test fails
saying so, it never skips."""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from sehat.reference.loader import load_reference
from sehat.store import schema as t
from sehat.store.db import make_engine, sqlite_files, upgrade
from tests.integration.api_helpers import P, make_tokens
from tests.integration.registry_helpers import new_national_id, record, sync_institutions
from tests.integration.server_helpers import running_server
from tests.servers import KEK

BATCH = 25


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 6 MB file system of its own, unmounted after the test."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"cannot mount a small tmpfs for the disk-full test ({done.stderr.strip()}); run "
            "the suite as root or with CAP_SYS_ADMIN, as `make test` does in CI"
        )
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> Path:
    """Write a file until the file system refuses another byte."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
        with pytest.raises(OSError) as refused:
            os.write(fd, b"\0")
        assert refused.value.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def _send(base: str, headers: dict[str, str], batch: list[dict[str, Any]]) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/graduations/batch", json={"items": batch}, headers=headers, timeout=60
    )


def _submissions(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(t.submissions)).scalar())


def test_a_full_disk_is_a_507_stores_nothing_and_the_server_resumes_when_space_returns(
    small_disk: Path, tmp_path: Path
) -> None:
    data = small_disk / "data"
    engine = make_engine(f"sqlite:///{data / 'sehat.db'}")
    upgrade(engine)
    sync_institutions(engine, load_reference())
    tokens = make_tokens(engine)
    batches = [[record(P.uni_a, 2, P.field_science, new_national_id()) for _ in range(BATCH)]]
    codes: dict[int, list[str]] = {}
    env = {"SEHAT_KEK": KEK}
    with running_server(engine, data, env=env, log=tmp_path / "server.log") as base:
        first = _send(base, tokens.registrar_a, batches[0])
        assert first.status_code == 200, first.text[:300]
        codes[0] = [r["code"] for r in first.json()["results"]]
        filler = _fill(small_disk)

        # Writes go on into space SQLite already holds (its WAL) until they need more; from
        # then on each is refused whole.
        refused: list[int] = []
        for i in range(1, 200):
            batches.append(
                [record(P.uni_a, 2, P.field_science, new_national_id()) for _ in range(BATCH)]
            )
            before = _submissions(engine)
            answer = _send(base, tokens.registrar_a, batches[i])
            if answer.status_code == 200:
                codes[i] = [r["code"] for r in answer.json()["results"]]
                continue
            assert answer.status_code == 507, (answer.status_code, answer.text[:300])
            error = answer.json()["error"]
            assert error["type"] == "insufficient_storage" and error["error_id"]
            assert _submissions(engine) == before  # nothing of the batch is stored
            refused.append(i)
            if len(refused) == 3:
                break
        assert len(refused) == 3, "the disk never filled up"
        # Reading needs no space: public verification answers.
        verified = httpx.get(f"{base}/api/v1/verify/{codes[0][0]}", timeout=30)
        assert verified.status_code == 200 and verified.json()["status"] == "VALID"
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200

        filler.unlink()  # space returns; the same server goes on
        deadline = time.monotonic() + 60
        for i in refused:
            while (answer := _send(base, tokens.registrar_a, batches[i])).status_code != 200:
                assert answer.status_code == 507, (answer.status_code, answer.text[:300])
                assert time.monotonic() < deadline, "the server did not resume"
                time.sleep(0.5)
            codes[i] = [r["code"] for r in answer.json()["results"]]
        for i in codes:  # every batch answered again with the codes it was given
            again = _send(base, tokens.registrar_a, batches[i])
            assert [r["code"] for r in again.json()["results"]] == codes[i]
        for code in (codes[0][0], codes[refused[-1]][-1]):
            assert httpx.get(f"{base}/api/v1/verify/{code}").json()["status"] == "VALID"

    stored = [c for i in sorted(codes) for c in codes[i]]
    assert len(stored) == len(set(stored)) == BATCH * len(codes)
    assert _submissions(engine) == len(stored)
    engine.dispose()
    audit = subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", "audit"],
        env=os.environ
        | {"SEHAT_DATA_DIR": str(data), "SEHAT_KEK": KEK, "SEHAT_DATABASE_URL": str(engine.url)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    for path in sqlite_files(engine.url):
        with contextlib.closing(sqlite3.connect(path)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", path
    assert "Traceback" not in (tmp_path / "server.log").read_text(errors="replace")
