"""One prepared SELECT straight through the database driver, for the hottest read path.

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
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa


class PreparedRead:
    """``stmt`` (a SELECT with named bind parameters) ready to run on ``engine``."""

    def __init__(self, engine: sa.Engine, stmt: sa.Select[Any]) -> None:
        self.engine = engine
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
        if found is None:
            return None
        return self.row(
            *(
                v if p is None or v is None else p(v)
                for p, v in zip(self.processors, found, strict=True)
            )
        )
