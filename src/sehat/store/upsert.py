"""``INSERT … ON CONFLICT DO NOTHING`` for both backends (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(conn: sa.Connection | str, table: sa.Table) -> sa.Insert:
    """An insert that skips rows clashing with a unique constraint (the winner's row stays),
    for ``conn``'s database (or a dialect named ``postgresql`` or ``sqlite``)."""
    name = conn if isinstance(conn, str) else conn.dialect.name
    if name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()
