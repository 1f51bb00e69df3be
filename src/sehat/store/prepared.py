"""Prepared statements straight through the database driver, for the hottest path: one
SELECT (the public verification) and one INSERT (its access-log rows).

SQLAlchemy's Core ``execute`` costs about a tenth of a millisecond per call in bookkeeping
(statement cache lookup, execution context, result metadata), more than the indexed read
itself on SQLite; and on SQLite every SQLAlchemy transaction here starts with ``BEGIN
IMMEDIATE`` (store/db.py), which takes the write lock even to read. This compiles the
statement once for the engine's dialect and runs it on a pooled driver connection in
autocommit (SQLite: a consistent snapshot per statement, no lock taken), applying each
column's own SQLAlchemy result processor, so values come back exactly as Core returns them.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa


class PreparedRead:
    """``stmt`` (a SELECT with named bind parameters) ready to run on ``engine``.

    With ``own_connection`` it keeps one driver connection of its own instead of borrowing
    from the pool each time: for a caller that never runs two reads at once (the event loop
    reading SQLite inline), which saves the pool's checkout and reset.
    """

    def __init__(self, engine: sa.Engine, stmt: sa.Select[Any], own_connection: bool = False):
        self.engine = engine
        self._own: Any = None
        self._own_connection = own_connection
        compiled = stmt.compile(dialect=engine.dialect)
        self.sql = compiled.string
        self.order: tuple[str, ...] | None = (
            tuple(compiled.positiontup or ()) if compiled.positional else None
        )
        columns = list(stmt.selected_columns)
        self.processors: list[Callable[[Any], Any] | None] = [
            c.type.dialect_impl(engine.dialect).result_processor(engine.dialect, None)
            for c in columns
        ]
        self.row = namedtuple("Row", [c.key for c in columns])  # type: ignore[misc]

    def first(self, **params: Any) -> Any | None:
        """The first row (attributes by column key), or None."""
        args: Any = tuple(params[k] for k in self.order) if self.order is not None else params
        if self._own_connection:
            if self._own is None:
                fairy = self.engine.raw_connection()
                driver = fairy.driver_connection
                fairy.detach()  # ours for good: never handed back to the pool
                self._own = (fairy, driver)
            cursor = self._own[1].cursor()
            try:
                cursor.execute(self.sql, args)
                found = cursor.fetchone()
            finally:
                cursor.close()
            return self._make(found)
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(self.sql, args)
                found = cursor.fetchone()
            finally:
                cursor.close()
            if self.engine.dialect.name != "sqlite":
                raw.rollback()  # end the read transaction the driver opened
        finally:
            raw.close()
        return self._make(found)

    def _make(self, found: Any) -> Any | None:
        if found is None:
            return None
        return self.row(
            *(
                v if p is None or v is None else p(v)
                for p, v in zip(self.processors, found, strict=True)
            )
        )


class PreparedInsert:
    """An INSERT of ``columns`` into ``table``: rows are made ready (each column's own
    SQLAlchemy bind processor applied) when they are queued, and written by the driver's
    executemany, so a flush holds the interpreter lock for the driver's loop only."""

    def __init__(self, engine: sa.Engine, table: sa.Table, columns: tuple[str, ...]) -> None:
        self.engine = engine
        self.columns = columns
        stmt = table.insert().values({name: sa.bindparam(name) for name in columns})
        compiled = stmt.compile(dialect=engine.dialect)
        self.sql = compiled.string
        self.order: tuple[str, ...] | None = (
            tuple(compiled.positiontup or ()) if compiled.positional else None
        )
        self.processors: dict[str, Callable[[Any], Any] | None] = {
            name: table.c[name].type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
            for name in columns
        }

    def prepare(self, values: dict[str, Any]) -> Any:
        """``values`` (one row, by column name) as the driver takes it."""
        ready = {
            name: (v if (p := self.processors[name]) is None or v is None else p(v))
            for name, v in values.items()
        }
        return tuple(ready[k] for k in self.order) if self.order is not None else ready

    def write(self, rows: list[Any]) -> None:
        """Insert prepared ``rows`` in one transaction."""
        with driver_transaction(self.engine) as cursor:
            cursor.executemany(self.sql, rows)


@contextmanager
def driver_transaction(engine: sa.Engine) -> Iterator[Any]:
    """A driver cursor on a pooled connection, inside one write transaction: committed when
    the block ends, rolled back if it raises."""
    sqlite = engine.dialect.name == "sqlite"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            if sqlite:  # the driver is in autocommit (store/db.py): say where it begins
                cursor.execute("BEGIN IMMEDIATE")
            yield cursor
            if sqlite:
                cursor.execute("COMMIT")
        finally:
            cursor.close()
        if not sqlite:
            raw.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()
