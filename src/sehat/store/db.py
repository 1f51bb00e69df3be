"""Engines and migrations: SQLite (WAL, foreign keys) embedded, PostgreSQL via psycopg 3.

On a SQLite registry file the access log lives in a file of its own beside it
(``sehat.db`` → ``sehat-access.db``), attached to every connection as the schema ``access``.
SQLite finds an unqualified table in ``main`` first, then in attached databases, so every
query names ``access_log`` as before, joins included. Why a file of its own: public-tier
verifications write thousands of access rows a second, and every commit to the registry's
own file cost its readers — on a million-document registry the verification rate fell by a
fifth and its p99 tripled (bench/RESULTS.md, ADR 0004). PostgreSQL keeps it as a table.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from sehat.errors import InfrastructureError
from sehat.store import schema
from sehat.store.files import make_private_dir, make_private_file
from sehat.store.integrity import FileCheck, check_files
from sehat.store.json_text import json_text

MMAP_SIZE = 1 << 40  # as much as the SQLite library allows
ACCESS_SCHEMA = "access"  # the name the access log's own file is attached under (SQLite)


def access_log_path(url: str | sa.URL) -> Path | None:
    """The access log's own file for a SQLite registry file (beside it: ``sehat.db`` →
    ``sehat-access.db``); None for PostgreSQL or an in-memory SQLite database, where the
    access log is a table of the registry like any other."""
    url = sa.make_url(url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    registry = Path(url.database)
    return registry.with_name(f"{registry.stem}-access{registry.suffix or '.db'}")


def sqlite_files(url: str | sa.URL) -> list[Path]:
    """The files of a SQLite registry (the registry's, then its access log's); none for
    PostgreSQL or an in-memory database."""
    url = sa.make_url(url)
    access = access_log_path(url)
    if access is None or url.database is None:
        return []
    return [Path(url.database), access]


def check_files_of(engine: sa.Engine, *, full: bool | None = None) -> list[FileCheck]:
    """Refuse a damaged SQLite file of ``engine``'s (store/integrity.py), saying which and
    that it is to be restored from the backup."""
    return check_files(sqlite_files(engine.url), full=full)


# SQLite, a bulk writer's connections: the WAL may hold this many pages (256 MiB of 4 KiB
# pages) before the committing connection copies it back into the file (SQLite's default is
# 1,000). A backfill's batch dirties pages all over the random-key indexes (code, national ID,
# graduation); with a longer WAL a page written by several batches is copied back once, not
# once a batch. Measured (bench/RESULTS.md): 64 MiB instead of 4 took 4-7% off the writer's
# CPU a row on 200,000 rows; 256 MiB instead of 64 another 8% on 1,000,000 (the rows alone,
# stored through the driver: 97 → 86 µs a row; 1 GiB would give 82). The file is on disk, not
# in memory; docs/operations.md tells operators to leave room for it.
BULK_CHECKPOINT_PAGES = 65_536


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    attach_access: bool = True,
    memory_map: bool = True,
    bulk: bool = False,
) -> sa.Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout and, for a
    registry file, its access log's file attached (``attach_access``).

    ``memory_map=False`` reads a SQLite file through SQLite's own bounded page cache instead
    of a memory map. ``bulk``: for a long bulk writer (``sehat import``): no memory map, as
    its memory must not grow with the file (mapped pages it touched would count in its
    resident memory), and :data:`BULK_CHECKPOINT_PAGES` between checkpoints."""
    if bulk:
        memory_map = False
    if url.startswith("sqlite"):
        # A new registry is its operator's alone (store/files.py): the folder 0700, the files
        # 0600, and SQLite gives their -wal and -shm files the same mode.
        for database in sqlite_files(url)[: 2 if attach_access else 1]:
            make_private_dir(database.parent)
            make_private_file(database)
        access = access_log_path(url) if attach_access else None
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 60},
            pool_size=pool_size,
            json_deserializer=orjson.loads,  # reads JSON columns several times faster
            json_serializer=json_text,
        )

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Python's sqlite3 opens transactions lazily; let SQLAlchemy's BEGIN decide.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if access is not None:
                cur.execute(f"ATTACH DATABASE ? AS {ACCESS_SCHEMA}", (str(access),))
                cur.execute(f"PRAGMA {ACCESS_SCHEMA}.synchronous=NORMAL")
            cur.execute("PRAGMA journal_mode=WAL")  # every attached database too
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=60000")
            if bulk:
                cur.execute(f"PRAGMA wal_autocheckpoint={BULK_CHECKPOINT_PAGES}")
            # Read the file through a memory map instead of read() into SQLite's own page
            # cache: an indexed lookup on a large registry is 2-3x faster (no system call and
            # copy per page, and the cache survives other connections' commits, which reset
            # SQLite's page cache in WAL mode). SQLite caps the size at its build's limit
            # (2 GiB for Python's); pages beyond it are read as before.
            cur.execute(f"PRAGMA mmap_size={MMAP_SIZE if memory_map else 0}")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            # IMMEDIATE takes the write lock up front: no deadlock between two readers
            # that both later want to write (SQLite's classic busy-upgrade failure).
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(
        url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True, json_serializer=json_text
    )


def access_engine(engine: sa.Engine) -> sa.Engine:
    """The engine to write buffered access rows with: on a SQLite registry file, one on the
    access log's own file alone, so its writes take no lock on the registry; otherwise
    ``engine`` itself (the caller disposes of what it did not pass in)."""
    path = access_log_path(engine.url)
    if path is None:
        return engine
    return make_engine(f"sqlite:///{path}", pool_size=2, attach_access=False)


def _alembic_config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    location = resources.files("sehat.store") / "migrations"
    cfg.set_main_option("script_location", str(location))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration this code knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise InfrastructureError("no migrations found in the package")
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: sa.Engine) -> str:
    """Migrate the database to the newest revision; returns it. A damaged SQLite file is
    refused, never migrated."""
    check_files_of(engine)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")
    _separate_access_log(engine)
    return head_revision()


def _tables(conn: sa.Connection, schema: str) -> set[str]:
    rows = conn.exec_driver_sql(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows}


def _separate_access_log(engine: sa.Engine) -> None:
    """SQLite registry file: the access log into its own file, created there if missing.

    The migrations create ``access_log`` (and ``access_counts``) in a registry of the old
    layout; their rows are copied to the access file and committed there before the
    registry's tables are dropped, each in its own transaction (SQLite commits a transaction
    over two WAL files per file, not as a whole), so a crash in between leaves the rows in
    both places and the next run copies none twice.
    The tables' shape comes from the current schema; a later migration that changes them must
    run where they are (``access``, as 0006 and 0011 do).
    """
    path = access_log_path(engine.url)
    if path is None:
        return
    for table in ACCESS_TABLES:
        _move_to_access_file(engine, table, path)


# The tables that live in the access log's own file (SQLite registry file): the log and the
# counts it is folded into (services/access_retention.py), in one file so that a fold and its
# deletion are one transaction.
ACCESS_TABLES = (schema.access_log, schema.access_counts)


def _move_to_access_file(engine: sa.Engine, table: sa.Table, path: Path) -> None:
    def in_access_file(ddl: sa.schema.ExecutableDDLElement, name: str, after: str) -> str:
        # SQLAlchemy would rename the indexes for another schema; the names are kept.
        text = str(ddl.compile(dialect=engine.dialect))
        return text.replace(f"EXISTS {name}{after}", f"EXISTS {ACCESS_SCHEMA}.{name}{after}", 1)

    create = [in_access_file(sa.schema.CreateTable(table, if_not_exists=True), table.name, " (")]
    create += [
        in_access_file(sa.schema.CreateIndex(index, if_not_exists=True), str(index.name), " ON")
        for index in table.indexes
    ]
    columns = ", ".join(c.name for c in table.columns)
    with engine.begin() as conn:
        in_registry = table.name in _tables(conn, "main")
        for statement in create:
            conn.exec_driver_sql(statement)
        if in_registry and table is schema.access_log:
            # Rows there that the registry's own log lacks are another registry's (a registry
            # file replaced, its old access log left beside it): they would name this one's
            # documents by the other's ids. A move cut short leaves only rows copied from here.
            strangers = conn.exec_driver_sql(
                f"SELECT count(*) FROM {ACCESS_SCHEMA}.{table.name} WHERE id NOT IN "
                f"(SELECT id FROM main.{table.name})"
            ).scalar_one()
            if strangers:
                raise InfrastructureError(
                    f"{path} holds {strangers} access rows that are not "
                    "this registry's (was the registry file replaced without it?); move that "
                    "file aside, or put back the registry file it belongs to",
                    "پرونده گزارش دسترسی کنار پایگاه داده به پایگاه داده دیگری تعلق دارد؛ "
                    "آن را جابه‌جا کنید یا پرونده پایگاه داده خودش را بازگردانید",
                )
        if in_registry:
            conn.exec_driver_sql(
                f"INSERT OR IGNORE INTO {ACCESS_SCHEMA}.{table.name} ({columns}) "
                f"SELECT {columns} FROM main.{table.name}"
            )
    if in_registry:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE main.{table.name}")


def check_schema(engine: sa.Engine) -> None:
    """Refuse to run against a damaged, unmigrated or newer database, saying what to do."""
    check_files_of(engine)
    try:
        current = current_revision(engine)
    except sa.exc.OperationalError as exc:
        raise InfrastructureError(
            f"cannot open the database: {exc.orig}",
            "پایگاه داده باز نمی‌شود؛ SEHAT_DATABASE_URL را بررسی کنید",
        ) from None
    head = head_revision()
    if current == head:
        _check_access_log(engine)
        return
    script = ScriptDirectory.from_config(_alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if current is None:
        raise InfrastructureError(
            "the database is not migrated; run `sehat db upgrade` first",
            "پایگاه داده مهاجرت داده نشده است؛ ابتدا `sehat db upgrade` را اجرا کنید",
        )
    if current not in known:
        raise InfrastructureError(
            f"the database is at revision {current}, newer than this version of Sehat knows "
            f"(newest known: {head}); upgrade Sehat before serving it",
            "پایگاه داده از این نسخه سامانه جدیدتر است؛ ابتدا نرم‌افزار را به‌روز کنید",
        )
    raise InfrastructureError(
        f"the database is at revision {current}, older than {head}; run `sehat db upgrade`",
        "پایگاه داده قدیمی است؛ `sehat db upgrade` را اجرا کنید",
    )


def _check_access_log(engine: sa.Engine) -> None:
    """A SQLite registry file's access log must be in its own file (see the module doc)."""
    path = access_log_path(engine.url)
    if path is None:
        return
    names = {table.name for table in ACCESS_TABLES}
    with engine.connect() as conn:
        in_registry = bool(names & _tables(conn, "main"))
        in_own_file = names <= _tables(conn, ACCESS_SCHEMA)
    if in_registry:
        raise InfrastructureError(
            "the access log is still inside the registry file; run `sehat db upgrade` "
            f"to move it to {path}",
            "گزارش دسترسی هنوز در پرونده پایگاه داده اصلی است؛ `sehat db upgrade` را اجرا کنید",
        )
    if not in_own_file:
        raise InfrastructureError(
            f"the access log file {path} is missing or empty; restore it from the backup "
            "taken with the registry file, or run `sehat db upgrade` to start an empty one",
            f"پرونده گزارش دسترسی ({path}) یافت نشد یا خالی است؛ آن را از نسخه پشتیبان "
            "بازگردانید یا با `sehat db upgrade` گزارشی خالی بسازید",
        )
