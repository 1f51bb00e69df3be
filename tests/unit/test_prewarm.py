"""Bringing the SQLite registry file into memory (store/prewarm.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from sehat.store.prewarm import Prewarm


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
    assert warm._map is not None and warm._map[:4] == bytes([0, 1, 2, 3])
    warm.close()
    assert warm._map is None


def test_a_file_over_the_memory_share_is_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    warm = Prewarm(_file(tmp_path, 1 << 20), max_fraction=1e-9)
    with caplog.at_level(logging.INFO, logger="sehat.store.prewarm"):
        warm.start()
        assert warm.done.wait(30)
    assert warm._map is None and warm.bytes_read == 0
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
