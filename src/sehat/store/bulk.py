"""Many rows into one table through the driver's ``executemany``, with each column's own
SQLAlchemy bind processing — for the batches of issuing, where SQLAlchemy's per-row
bookkeeping (a parameter dictionary built and processed per row, per statement) had
become a fifth of a backfill's time in the writing process.

The statement is compiled once per (dialect, table, columns); values go through the same
bind processors Core would apply (JSON, timestamps, …), remembered per distinct value for
the columns whose values repeat across a batch (the batch's timestamp, its actor). The
rows are written on the caller's connection, inside its transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

Processor = Callable[[Any], Any] | None


@functools.lru_cache(maxsize=256)
def _compiled(
    dialect: sa.Dialect, table: sa.Table, names: tuple[str, ...]
) -> tuple[str, tuple[Processor, ...]]:
    compiled = table.insert().compile(dialect=dialect, column_keys=list(names))
    order = tuple(compiled.positiontup or ()) if compiled.positional else names
    if order != names:  # pragma: no cover - Core keeps the table's column order
        raise RuntimeError(f"unexpected parameter order {order} for {names}")
    processors = tuple(
        table.c[name].type._cached_bind_processor(dialect)  # what Core itself applies
        for name in names
    )
    return str(compiled), processors


def insert_many(conn: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each with the same keys) into ``table`` in the caller's transaction;
    no ids come back (take them first: store/ids.py)."""
    if not rows:
        return
    if not conn.in_transaction():  # pragma: no cover - a programming error
        raise RuntimeError("insert_many writes inside the caller's transaction only")
    names = tuple(column.key for column in table.c if column.key in rows[0])
    if len(names) != len(rows[0]):
        raise KeyError(f"{table.name} has no column {sorted(set(rows[0]) - set(names))}")
    sql, processors = _compiled(conn.dialect, table, names)
    columns: list[list[Any]] = []
    for name, process in zip(names, processors, strict=True):
        values = [row[name] for row in rows]
        if process is not None:
            if isinstance(values[0], _REPEATING):
                seen: dict[Any, Any] = {}
                values = [seen[v] if v in seen else seen.setdefault(v, process(v)) for v in values]
            else:
                values = [process(v) for v in values]
        columns.append(values)
    params: list[Any] = list(zip(*columns, strict=True))
    if not conn.dialect.positional:
        params = [dict(zip(names, row, strict=True)) for row in params]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


# Values that repeat across a batch (its timestamp, its actor, a status): processed once.
_REPEATING = (datetime, str)
