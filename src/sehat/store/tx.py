"""Run a unit of work in one transaction, retrying the rare races a database reports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa

T = TypeVar("T")

# PostgreSQL: serialization failure, deadlock detected, unique violation (a race on a key
# another transaction inserted first). SQLite: "database is locked" under heavy contention.
_RETRY_SQLSTATES = {"40001", "40P01", "23505"}
ATTEMPTS = 5


def _retryable(exc: sa.exc.DBAPIError) -> bool:
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if state in _RETRY_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig)


def in_transaction(engine: sa.Engine, work: Callable[[sa.Connection], T]) -> T:
    """``work(conn)`` inside ``engine.begin()``; the whole unit is retried on a race.

    Nothing half-way is ever kept: a failure rolls the unit back before the retry.
    """
    for attempt in range(ATTEMPTS):
        try:
            with engine.begin() as conn:
                return work(conn)
        except (sa.exc.IntegrityError, sa.exc.OperationalError) as exc:
            if attempt == ATTEMPTS - 1 or not _retryable(exc):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A read-only connection whose every statement sees the same committed state.

    For reads that compare tables with each other while the registry is being written (the
    audit: log against documents against checkpoints). PostgreSQL's default, READ COMMITTED,
    gives each statement its own snapshot, so a document committed between two statements
    would look like a mismatch; REPEATABLE READ holds one. SQLite's transaction is already
    one snapshot of the WAL.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield conn
