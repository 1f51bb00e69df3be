"""Bringing the SQLite registry file into memory (store/prewarm.py)."""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sehat.store.prewarm import Prewarm, held_file


def _file(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "sehat.db"
    path.write_bytes(bytes(range(256)) * (size // 256))
    return path


def test_the_whole_file_is_read_and_stays_mapped(tmp_path: Path) -> None:
    path = _file(tmp_path, 20 << 20)  # more than two read steps
    warm = Prewarm(path)
    assert warm.progress() == 0.0
    warm.start()
    assert warm.done.wait(30)
    assert warm.progress() == 1.0
    assert warm.bytes_read == path.stat().st_size
    assert warm.mapped is not None and warm.mapped[:4] == bytes([0, 1, 2, 3])
    warm.close()
    # The mapping is the process's for good: closing it would close a descriptor of the file.
    assert warm.mapped[:4] == bytes([0, 1, 2, 3])


def test_a_file_over_the_memory_share_is_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    warm = Prewarm(_file(tmp_path, 1 << 20), max_fraction=1e-9)
    with caplog.at_level(logging.INFO, logger="sehat.store.prewarm"):
        warm.start()
        assert warm.done.wait(30)
    assert warm.mapped is None and warm.bytes_read == 0
    assert warm.progress() == 1.0  # nothing left to wait for
    assert "not brought into memory" in caplog.text
    warm.close()


def test_a_file_that_cannot_be_read_does_not_stop_the_server(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    warm = Prewarm(tmp_path / "missing.db")
    with caplog.at_level(logging.WARNING, logger="sehat.store.prewarm"):
        warm.start()
        assert warm.done.wait(30)
    assert "could not bring missing.db into memory" in caplog.text
    warm.close()


_TRY_LOCK = """
import fcntl, sys
with open(sys.argv[1], "r+b") as f:
    try:
        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)
    except OSError:
        print("locked")
    else:
        print("free")
"""


def _lock_seen_from_another_process(path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _TRY_LOCK, str(path)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_warming_keeps_the_locks_the_process_holds_on_the_file(tmp_path: Path) -> None:
    """SQLite's locks are POSIX locks: closing any descriptor of the file would drop them,
    and another process would then think the registry unused (and delete its WAL)."""
    path = _file(tmp_path, 1 << 20)
    fd = os.open(path, os.O_RDWR)  # stands for SQLite's own descriptor and its shared lock
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH, 1, 0)
        assert _lock_seen_from_another_process(path) == "locked"
        for _ in range(2):  # a second server app in the same process, as in tests
            warm = Prewarm(path)
            warm.start()
            assert warm.done.wait(30) and warm.bytes_read == path.stat().st_size
            warm.close()
        assert _lock_seen_from_another_process(path) == "locked"
    finally:
        os.close(fd)


def test_one_descriptor_per_file_however_many_warm_it(tmp_path: Path) -> None:
    path = _file(tmp_path, 1 << 20)
    assert held_file(path) is held_file(path)
    replaced = tmp_path / "replaced.db"
    replaced.write_bytes(b"x" * 4096)
    first = held_file(path)
    replaced.replace(path)  # a registry restored at the same path is another file
    second = held_file(path)
    assert second is not first and second.fd != first.fd
    assert os.pread(second.fd, 1, 0) == b"x"
