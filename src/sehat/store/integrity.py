"""Is a SQLite file a sound database? Checked before it is served, never after.

A registry file that was overwritten, cut short by a full disk or a copy that stopped
half-way, or damaged inside, must be refused with a message saying which file and what to
do (restore it from the backup) — a damaged registry would answer UNKNOWN for documents
that exist, or fail at random requests.

At every start (:func:`check_files`, from ``check_schema``): SQLite reads the header (not a
database → refused), compares the page count the header records with the file's length
(cut short → refused), reads the schema, and reads every table's root page down to its
first row. That costs a few page reads whatever the size. The full ``PRAGMA quick_check``
reads every page of the file: at start only for a file up to :data:`QUICK_CHECK_AT_START`
bytes (a fraction of a second), and for any size with ``sehat db check`` (seconds to
minutes for a file of several GB; docs/operations.md).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sehat.errors import DamagedDatabaseError, InfrastructureError

QUICK_CHECK_AT_START = 256 * 1024 * 1024  # bytes; larger files: `sehat db check`
_DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
_SHOWN = 3  # lines of quick_check's report repeated in the message


@dataclass(frozen=True)
class FileCheck:
    """What was checked of one file."""

    path: Path
    size: int
    tables: int
    quick_check: bool
    seconds: float


def damaged(path: Path, reason: str) -> DamagedDatabaseError:
    """The refusal of a damaged file: which, why, and to restore it from the backup."""
    return DamagedDatabaseError(
        f"{path} is damaged ({reason}) and will not be served: stop every sehat process "
        "using it, move the registry's files aside (with their -wal and -shm files) and "
        "restore both, registry and access log, from the last backup (docs/operations.md); "
        "then `sehat db check`",
        f"پرونده {path} آسیب دیده است و ارائه نمی‌شود: همه فرایندهای sehat را که از آن "
        "استفاده می‌کنند متوقف کنید، پرونده‌های پایگاه داده را (با پرونده‌های -wal و -shm) "
        "کنار بگذارید و هر دو، دفتر مدارک و گزارش دسترسی، را از آخرین نسخه پشتیبان "
        "بازگردانید (docs/operations.md)؛ سپس `sehat db check` را اجرا کنید",
    )


def check_files(paths: Iterable[Path], *, full: bool | None = None) -> list[FileCheck]:
    """Check each existing file; DamagedDatabaseError for the first that is damaged,
    InfrastructureError for one that cannot be opened.

    ``full``: run ``PRAGMA quick_check`` too (True), never (False), or for files up to
    QUICK_CHECK_AT_START bytes (None, what every start does). A missing file is left to
    the schema checks, which say what to do about it.
    """
    return [check_file(path, full=full) for path in paths if path.is_file()]


def check_file(path: Path, *, full: bool | None = None) -> FileCheck:
    """One file: see :func:`check_files`."""
    started = time.monotonic()
    size = path.stat().st_size
    quick = size <= QUICK_CHECK_AT_START if full is None else full
    try:
        # mode=rw: never create a file that is not there; 60 s, as the engines wait for a
        # writer beside us (a command run while the server serves).
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, timeout=60)
    except sqlite3.Error as exc:
        raise _unusable(path, exc) from None
    try:
        conn.execute("PRAGMA schema_version").fetchone()  # the header and the page count
        tables = [
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for name in tables:
            quoted = name.replace('"', '""')
            # NOT INDEXED: the table's own tree, not a smaller covering index.
            conn.execute(f'SELECT 1 FROM "{quoted}" NOT INDEXED LIMIT 1').fetchall()
        if quick:
            report = [str(line) for (line,) in conn.execute("PRAGMA quick_check")]
            if report != ["ok"]:
                more = f" (and {len(report) - _SHOWN} more)" if len(report) > _SHOWN else ""
                reason = "quick_check: " + "; ".join(report[:_SHOWN]) + more
                raise damaged(path, reason)
    except sqlite3.Error as exc:
        if is_damage(exc):
            raise damaged(path, str(exc)) from None
        raise _unusable(path, exc) from None
    finally:
        conn.close()
    return FileCheck(path, size, len(tables), quick, time.monotonic() - started)


def is_damage(exc: sqlite3.Error) -> bool:
    """Whether SQLite's error says the file is damaged or not a database at all."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _DAMAGED


def _unusable(path: Path, exc: sqlite3.Error) -> InfrastructureError:
    # Not damage: a lock held too long, a directory in its place, a file we may not read.
    return InfrastructureError(
        f"cannot open the database file {path}: {exc}",
        f"پرونده پایگاه داده {path} باز نمی‌شود؛ SEHAT_DATABASE_URL و دسترسی به آن را بررسی کنید",
    )
