"""``sehat db check`` (is every page of the SQLite files sound?) and ``sehat db backup DIR``
(an online copy of both); docs/operations.md."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import typer
from rich.console import Console

from sehat.config import load_settings
from sehat.errors import DamagedDatabaseError, InfrastructureError, SehatError
from sehat.store.backup import backup_files
from sehat.store.db import check_files_of, check_schema, make_engine, sqlite_files

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _fail(exc: SehatError, code: int) -> typer.Exit:
    err.print(exc.diagnostics(), style="red", markup=False)
    return typer.Exit(code)


def db_check() -> None:
    """Check every page of the SQLite files and the schema's revision.

    Runs PRAGMA quick_check on both files (a start does that only for files up to 256 MiB;
    larger ones get the header, schema and each table's root). Exit 0 when sound, 1 when a
    file is damaged (restore it from the backup), 2 when the database cannot be checked.
    Safe beside a running server.
    """
    try:
        settings = load_settings()
        url = settings.database_url
        if not sqlite_files(url):
            console.print(
                "PostgreSQL: no file to check here; PostgreSQL's pg_amcheck checks its storage "
                "/ برای PostgreSQL از pg_amcheck استفاده کنید",
                markup=False,
            )
        engine = make_engine(url)
        try:
            checks = check_files_of(engine, full=True)
            check_schema(engine)
        finally:
            engine.dispose()
    except DamagedDatabaseError as exc:
        raise _fail(exc, 1) from None
    except SehatError as exc:
        raise _fail(exc, 2) from None
    except sa.exc.ArgumentError as exc:
        raise _fail(
            InfrastructureError(
                f"SEHAT_DATABASE_URL is not a database URL ({exc})",
                "SEHAT_DATABASE_URL نشانی پایگاه داده معتبری نیست",
            ),
            2,
        ) from None
    for check in checks:
        console.print(
            f"sound / سالم: {check.path} ({check.tables} tables, {check.size / 2**20:.1f} MiB, "
            f"every page read in {check.seconds:.1f} s)",
            markup=False,
            soft_wrap=True,
        )
    console.print("the schema is current / ساختار پایگاه داده به‌روز است")


def db_backup(
    directory: Path = typer.Argument(..., help="a new or empty directory for the copies"),
) -> None:
    """Copy both SQLite files (registry and access log) into DIR while the server serves,
    with SQLite's backup API; each copy is read whole before it is named. Exit 0 when both
    are written, 1 when a copy is not sound, 2 when no backup can be taken (PostgreSQL:
    pg_dump or pg_basebackup)."""
    try:
        files = sqlite_files(load_settings().database_url)
        if not files:
            raise InfrastructureError(
                "SEHAT_DATABASE_URL is a PostgreSQL database: back it up with pg_dump or "
                "pg_basebackup (docs/operations.md)",
                "برای PostgreSQL از pg_dump یا pg_basebackup استفاده کنید (docs/operations.md)",
            )
        checks = backup_files(files, directory)
    except DamagedDatabaseError as exc:
        raise _fail(exc, 1) from None
    except SehatError as exc:
        raise _fail(exc, 2) from None
    for check in checks:
        console.print(
            f"written / نوشته شد: {check.path} ({check.size / 2**20:.1f} MiB, sound)",
            markup=False,
            soft_wrap=True,
        )
