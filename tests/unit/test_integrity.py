"""store/integrity.py on real SQLite files: a sound file passes; one of garbage, one cut
short and one damaged inside are refused, naming the file and the backup to restore."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from sehat.errors import DamagedDatabaseError
from sehat.store import integrity
from sehat.store.integrity import check_file, check_files


def _sound(path: Path, rows: int = 5000) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE doc (id INTEGER PRIMARY KEY, code TEXT, body TEXT)")
    conn.execute("CREATE INDEX doc_code ON doc (code)")
    conn.executemany(
        "INSERT INTO doc (code, body) VALUES (?, ?)",
        ((os.urandom(10).hex(), os.urandom(100).hex()) for _ in range(rows)),
    )
    conn.commit()
    conn.close()  # the last connection: everything is in the file, no -wal left
    assert not Path(f"{path}-wal").exists()
    return path


def _overwrite_page(path: Path, page: int) -> None:
    size = sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0]
    with path.open("r+b") as f:
        f.seek((page - 1) * size)
        f.write(b"\xff" * size)


def _index_root(path: Path) -> int:
    conn = sqlite3.connect(path)
    [(root,)] = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'doc_code'")
    conn.close()
    return int(root)


def test_a_sound_file_passes_with_and_without_the_full_check(tmp_path: Path) -> None:
    path = _sound(tmp_path / "sehat.db")
    quick = check_file(path, full=True)
    assert quick.quick_check and quick.tables == 1 and quick.size == path.stat().st_size
    assert not check_file(path, full=False).quick_check
    assert [c.path for c in check_files([path, tmp_path / "missing.db"])] == [path]
    assert not (tmp_path / "missing.db").exists()  # never created by a check


def test_a_file_of_garbage_is_refused_naming_it_and_the_backup(tmp_path: Path) -> None:
    path = tmp_path / "sehat.db"
    path.write_bytes(os.urandom(64 * 1024))
    with pytest.raises(DamagedDatabaseError) as refused:
        check_file(path, full=False)
    assert str(path) in refused.value.message and "backup" in refused.value.message
    assert "not a database" in refused.value.message
    assert str(path) in refused.value.message_fa and "پشتیبان" in refused.value.message_fa


def test_a_file_cut_short_is_refused_even_without_the_full_check(tmp_path: Path) -> None:
    path = _sound(tmp_path / "sehat.db")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DamagedDatabaseError, match="malformed"):
        check_file(path, full=False)


def test_damage_inside_is_found_by_the_full_check_only(tmp_path: Path) -> None:
    # An index's root page: no table read reaches it, so only quick_check sees it.
    path = _sound(tmp_path / "sehat.db")
    _overwrite_page(path, _index_root(path))
    assert not check_file(path, full=False).quick_check
    with pytest.raises(DamagedDatabaseError, match="quick_check"):
        check_file(path, full=True)
    with pytest.raises(DamagedDatabaseError):
        check_file(path)  # a small file gets the full check at every start


def test_a_file_over_the_threshold_gets_the_cheap_checks_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _sound(tmp_path / "sehat.db")
    monkeypatch.setattr(integrity, "QUICK_CHECK_AT_START", path.stat().st_size - 1)
    assert not check_file(path).quick_check
    monkeypatch.setattr(integrity, "QUICK_CHECK_AT_START", path.stat().st_size)
    assert check_file(path).quick_check


def test_a_directory_in_place_of_the_file_is_left_to_the_schema_check(tmp_path: Path) -> None:
    path = tmp_path / "sehat.db"
    path.mkdir()
    assert check_files([path]) == []  # check_schema says it cannot be opened
