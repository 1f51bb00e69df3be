"""An online backup of a SQLite registry: both files, while the server serves and writes.

A plain file copy of a live SQLite file can catch pages from before and after a commit, and
misses what is still in its ``-wal``: the copy may be damaged. SQLite's backup API copies
the database as one read transaction sees it, WAL included, with writers going on beside it.

The access log is copied first, then the registry: every access row in the backup then names
a document the registry's copy (taken after) has too. The other way round, rows of documents
issued in between would name ids the restored registry hands out again.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from sehat.errors import InfrastructureError
from sehat.store.integrity import FileCheck, check_file, damaged, is_damage

PARTIAL = ".partial"  # a copy in progress; renamed when whole and checked


def backup_files(files: list[Path], directory: Path) -> list[FileCheck]:
    """Copy ``files`` (registry, then access log) into ``directory`` under their own names,
    access log first; each copy is read whole (quick_check) before it takes its name.

    Raises InfrastructureError when a file is missing or a copy exists already (a backup is
    never overwritten), DamagedDatabaseError when a copy is not sound.
    """
    for source in files:
        if not source.is_file():
            raise InfrastructureError(
                f"{source} does not exist; check SEHAT_DATABASE_URL",
                f"پرونده {source} وجود ندارد؛ SEHAT_DATABASE_URL را بررسی کنید",
            )
    targets = [directory / source.name for source in files]
    for target in targets:
        if target.exists():
            raise InfrastructureError(
                f"{target} exists already; give a new directory (a backup is never overwritten)",
                f"{target} از پیش وجود دارد؛ پوشه تازه‌ای بدهید (نسخه پشتیبان بازنویسی نمی‌شود)",
            )
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    checks = []
    for source, target in reversed(list(zip(files, targets, strict=True))):
        partial = target.with_name(target.name + PARTIAL)
        partial.unlink(missing_ok=True)
        _copy(source, partial)
        check = check_file(partial, full=True)
        os.replace(partial, target)
        checks.append(FileCheck(target, check.size, check.tables, True, check.seconds))
    _sync_directory(directory)
    return checks[::-1]


def _copy(source: Path, target: Path) -> None:
    # Created private before SQLite opens it: it holds what the registry holds.
    target.touch(mode=0o600)
    os.chmod(target, 0o600)
    # mode=rw: the source is only read, but a WAL file is opened read-write as every reader
    # of it does; never created if missing. One step (pages=-1) is one read transaction: a
    # writer's commit during the copy does not restart it and is not in it.
    with (
        closing(sqlite3.connect(f"file:{quote(str(source))}?mode=rw", uri=True, timeout=60)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        try:
            src.backup(dst, pages=-1)
        except sqlite3.Error as exc:
            if is_damage(exc):
                raise damaged(source, str(exc)) from None
            raise InfrastructureError(
                f"the backup of {source} failed: {exc}",
                f"پشتیبان‌گیری از {source} انجام نشد",
            ) from None


def _sync_directory(directory: Path) -> None:
    # The new names are on disk too, not only the files' contents.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
