"""A damaged SQLite file is refused, never served: through the real `sehat` command, a
registry copy cut short, a file of garbage in place of either file, and damage inside that
only the full check sees. The refusal names the file and says to restore it from the
backup; `sehat db check` reads every page."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .server_helpers import KEK


def _sehat(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _env(directory: Path) -> dict[str, str]:
    return os.environ | {
        "SEHAT_DATA_DIR": str(directory / "data"),
        "SEHAT_DATABASE_URL": f"sqlite:///{directory / 'sehat.db'}",
        "SEHAT_KEK": KEK,
        "COLUMNS": "200",  # one message per line
    }


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated registry, its files closed (nothing left in a -wal)."""
    directory = tmp_path_factory.mktemp("sound")
    done = _sehat(_env(directory), "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert not (directory / "sehat.db-wal").exists()
    return directory


def _copy(sound: Path, tmp_path: Path) -> Path:
    target = tmp_path / "registry"
    target.mkdir()
    for name in ("sehat.db", "sehat-access.db"):
        shutil.copyfile(sound / name, target / name)
    return target


def _refused(done: subprocess.CompletedProcess[str], path: Path, exit_code: int = 2) -> None:
    printed = done.stdout + done.stderr
    assert done.returncode == exit_code, printed
    message = " ".join(printed.split())
    assert f"{path} is damaged" in message and "restore" in message and "backup" in message
    assert "پشتیبان" in message and "docs/operations.md" in message
    assert "Traceback" not in printed and "error_id" not in printed  # handled, not a crash


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _sehat(env, "serve", "--port", "0")


def test_a_registry_cut_short_is_refused_by_serve_audit_and_check(
    sound: Path, tmp_path: Path
) -> None:
    directory = _copy(sound, tmp_path)
    registry = directory / "sehat.db"
    whole = registry.read_bytes()
    registry.write_bytes(whole[: len(whole) // 2])  # a copy that stopped half-way
    env = _env(directory)
    _refused(_serve(env), registry)
    _refused(_sehat(env, "audit"), registry)
    _refused(_sehat(env, "db", "check"), registry, exit_code=1)
    _refused(_sehat(env, "db", "upgrade"), registry)  # never migrated either
    assert registry.stat().st_size == len(whole) // 2  # and left as it was, for inspection


@pytest.mark.parametrize("name", ["sehat.db", "sehat-access.db"])
def test_a_file_of_garbage_is_refused(sound: Path, tmp_path: Path, name: str) -> None:
    directory = _copy(sound, tmp_path)
    (directory / name).write_bytes(os.urandom(256 * 1024))
    env = _env(directory)
    _refused(_serve(env), directory / name)
    _refused(_sehat(env, "db", "check"), directory / name, exit_code=1)


def test_damage_inside_is_refused_by_the_full_check(sound: Path, tmp_path: Path) -> None:
    # An index's root page, which no start-up read of a table reaches: the registry is small,
    # so serve runs the full check too; `sehat db check` always does.
    directory = _copy(sound, tmp_path)
    registry = directory / "sehat.db"
    conn = sqlite3.connect(registry)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    [(root,)] = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "ORDER BY name LIMIT 1"
    )
    conn.close()
    with registry.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xff" * page_size)
    env = _env(directory)
    done = _sehat(env, "db", "check")
    _refused(done, registry, exit_code=1)
    assert "quick_check" in done.stderr
    _refused(_serve(env), registry)


def test_sound_files_pass_the_check(sound: Path, tmp_path: Path) -> None:
    directory = _copy(sound, tmp_path)
    done = _sehat(_env(directory), "db", "check")
    assert done.returncode == 0, done.stderr
    for name in ("sehat.db", "sehat-access.db"):
        assert f"sound / سالم: {directory / name}" in done.stdout
