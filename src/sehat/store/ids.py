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

import os
import time

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


def time_ordered_uuid(unix_ms: int | None = None, random_bits: bytes | None = None) -> str:
    """A UUID version 7 (RFC 9562 §5.7) as text: 48 bits of Unix milliseconds, then 74
    random bits (``random_bits``: 10 bytes, of which the first 74 bits are used; fresh
    ones by default).

    For the public id of a row written by the thousand (a submission): ids made one after
    the other sort together, so each goes into its unique index at the right edge, where
    its page is in memory, instead of at a random page of an index that outgrows the cache
    (bench/RESULTS.md). The id says when it was made to the millisecond, which its row's
    ``created_at`` says anyway to whoever may see the row.
    """
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    if not 0 <= ms < 1 << 48:
        raise ValueError("a UUIDv7 time is 48 bits of Unix milliseconds")
    if random_bits is None:
        random_bits = os.urandom(10)
    elif len(random_bits) != 10:
        raise ValueError("a UUIDv7 takes 10 random bytes (74 bits used)")
    rand = int.from_bytes(random_bits, "big")
    rand_a = rand >> 68  # 12 bits
    rand_b = (rand >> 6) & ((1 << 62) - 1)  # the next 62
    value = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    # The text form (RFC 9562 §4) written out: through uuid.UUID it took half as long again,
    # for every submission of a large import.
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
