"""Row ids taken before the rows are written, so a batch is inserted with one plain
``executemany`` (no ``RETURNING``) and rows of the same batch can point at each other.

Why: SQLite returns the rows of a multi-row ``INSERT … RETURNING`` in no promised order, so
SQLAlchemy inserts one row per statement when the ids must come back in order — two round
trips per issued document, the largest single cost of a backfill after the pool took the
signing. Taking the ids first costs one query per batch:

- PostgreSQL: ``nextval`` of the column's own sequence, as many times as needed (values
  never handed out twice, gaps harmless);
- SQLite: the ids after the table's largest — only ever inside a write transaction, which
  ``BEGIN IMMEDIATE`` (store/db.py) makes the only writer until it commits.
"""

from __future__ import annotations

import sqlalchemy as sa


def take_ids(conn: sa.Connection, table: sa.Table, count: int) -> list[int]:
    """``count`` new ids for ``table``'s integer primary key ``id``, in ascending order."""
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            sa.text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                "FROM generate_series(1, :count) ORDER BY 1"
            ),
            {"table": table.name, "count": count},
        )
        return [int(r[0]) for r in rows]
    if not conn.in_transaction():  # pragma: no cover - a programming error
        raise RuntimeError("SQLite ids are taken inside the write transaction only")
    last = conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()
    return list(range(int(last) + 1, int(last) + 1 + count))
