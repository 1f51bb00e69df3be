"""``INSERT … ON CONFLICT DO NOTHING`` for both backends (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(conn: sa.Connection, table: sa.Table) -> sa.Insert:
    """An insert that skips rows clashing with a unique constraint (the winner's row stays)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()
