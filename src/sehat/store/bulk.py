"""Many rows through one statement with the driver's ``executemany``, with each value's own
SQLAlchemy bind processing — for the batches of issuing, where SQLAlchemy's per-row
bookkeeping (a parameter dictionary built and processed per row, per statement) had
become a fifth of a backfill's time in the writing process.

A statement is compiled once per dialect; values go through the same bind processors Core
would apply (JSON, timestamps, …), processed once per distinct value where values repeat
across a batch (its timestamp, its actor, a status). Rows are written on the caller's
connection, inside its transaction; the driver's errors come out as SQLAlchemy's, as from
any statement (a unique violation an :class:`sqlalchemy.exc.IntegrityError`, which
store/tx.py retries as a race).

On PostgreSQL a large insert is one stream (``COPY``), or, when clashing rows are to be
skipped, one ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`` over arrays of the
columns' values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler

from sehat.store.json_text import JsonText
from sehat.store.upsert import insert_ignore

Processor = Callable[[Any], Any] | None


@functools.lru_cache(maxsize=256)
def _compiled(
    dialect: sa.Dialect, stmt: sa.ClauseElement, names: tuple[str, ...]
) -> tuple[str, tuple[str, ...], tuple[Processor, ...], frozenset[str]]:
    """The SQL of ``stmt``, its parameters in the driver's order, their processors, and the
    names of those bound to JSON columns (which may be given as :class:`JsonText`)."""
    compiled = cast(SQLCompiler, stmt.compile(dialect=dialect, column_keys=list(names)))
    order = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
    missing = set(order) - set(names)
    if missing:  # pragma: no cover - a programming error
        raise KeyError(f"no value given for {sorted(missing)}")
    processors = tuple(
        compiled.binds[name].type._cached_bind_processor(dialect)  # what Core itself applies
        for name in order
    )
    json_names = frozenset(name for name in order if isinstance(compiled.binds[name].type, sa.JSON))
    return str(compiled), order, processors, json_names


@functools.lru_cache(maxsize=256)
def _insert(table: sa.Table, ignore_conflicts: bool, dialect_name: str) -> sa.Insert:
    if not ignore_conflicts:
        return table.insert()
    return insert_ignore(dialect_name, table)


def execute_many(
    conn: sa.Connection, stmt: sa.ClauseElement, rows: Sequence[Mapping[str, Any]]
) -> int:
    """Run ``stmt`` (its bind parameters named by the keys of ``rows``) once per row in the
    caller's transaction; returns the number of rows the driver says it changed."""
    if not rows:
        return 0
    if not conn.in_transaction():  # pragma: no cover - a programming error
        raise RuntimeError("execute_many writes inside the caller's transaction only")
    sql, order, processors, json_names = _compiled(conn.dialect, stmt, tuple(rows[0]))
    params: list[Any] = _values(rows, order, processors, json_names)
    if not conn.dialect.positional:
        params = [dict(zip(order, row, strict=True)) for row in params]
    with _driver_cursor(conn, sql) as cursor:
        cursor.executemany(sql, params)
        return int(cursor.rowcount)


@contextmanager
def _driver_cursor(conn: sa.Connection, sql: str) -> Iterator[Any]:
    """A cursor of ``conn``'s driver connection for running ``sql``, closed after; the
    driver's error raised as the SQLAlchemy error Core would raise for it (its parameters,
    personal data, left out of the message)."""
    base = conn.dialect.loaded_dbapi.Error
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    except base as exc:
        raise sa.exc.DBAPIError.instance(
            sql, None, exc, base, hide_parameters=True, dialect=conn.dialect
        ) from exc
    finally:
        cursor.close()


def _values(
    rows: Sequence[Mapping[str, Any]],
    order: Sequence[str],
    processors: Sequence[Processor],
    json_names: frozenset[str],
) -> list[tuple[Any, ...]]:
    """Each row's values in ``order``, through their bind processors, as tuples."""
    return list(zip(*_columns(rows, order, processors, json_names), strict=True))


def _columns(
    rows: Sequence[Mapping[str, Any]],
    order: Sequence[str],
    processors: Sequence[Processor],
    json_names: frozenset[str],
) -> list[list[Any]]:
    """Each column's values in ``order``, through their bind processors, as lists."""
    columns: list[list[Any]] = []
    for name, process in zip(order, processors, strict=True):
        values = [row[name] for row in rows]
        if process is not None:
            if name in json_names:
                values = [v if type(v) is JsonText else process(v) for v in values]
            elif isinstance(values[0], _REPEATING):
                seen: dict[Any, Any] = {}
                values = [seen[v] if v in seen else seen.setdefault(v, process(v)) for v in values]
            else:
                values = [process(v) for v in values]
        columns.append(values)
    return columns


@functools.lru_cache(maxsize=256)
def _copy_statement(
    dialect: sa.Dialect, table: sa.Table, names: tuple[str, ...]
) -> tuple[str, tuple[Processor, ...], frozenset[str]]:
    """PostgreSQL's ``COPY table (columns) FROM STDIN`` for ``names``, and each column's
    bind processor (the same values an INSERT would send)."""
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    return (f"COPY {quote(table.name)} ({columns}) FROM STDIN", *_processing(dialect, table, names))


def _processing(
    dialect: sa.Dialect, table: sa.Table, names: tuple[str, ...]
) -> tuple[tuple[Processor, ...], frozenset[str]]:
    """Each of ``table``'s columns ``names``: its bind processor (the values an INSERT would
    send), and which are JSON (their values may come as :class:`JsonText`)."""
    processors = tuple(table.c[name].type._cached_bind_processor(dialect) for name in names)
    json_names = frozenset(name for name in names if isinstance(table.c[name].type, sa.JSON))
    return processors, json_names


def _copy(conn: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert ``rows`` with PostgreSQL's COPY: one stream instead of a statement per row (the
    same constraints hold: a clash fails the whole transaction, as an INSERT's would)."""
    names = tuple(rows[0])
    sql, processors, json_names = _copy_statement(conn.dialect, table, names)
    with _driver_cursor(conn, sql) as cursor, cursor.copy(sql) as copy:
        for row in _values(rows, names, processors, json_names):
            copy.write_row(row)
    return len(rows)


def insert_many(
    conn: sa.Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    ignore_conflicts: bool = False,
) -> int:
    """Insert ``rows`` (each with the same keys, column names) into ``table``; no ids come
    back (take them first: store/ids.py). With ``ignore_conflicts`` a row clashing with a
    unique constraint is skipped. Returns the number of rows inserted."""
    if not rows:
        return 0
    unknown = set(rows[0]) - set(table.c.keys())
    if unknown:
        raise KeyError(f"{table.name} has no column {sorted(unknown)}")
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        if not conn.in_transaction():  # pragma: no cover - a programming error
            raise RuntimeError("insert_many writes inside the caller's transaction only")
        if ignore_conflicts:
            return _insert_unnested(conn, table, rows)
        return _copy(conn, table, rows)
    return execute_many(conn, _insert(table, ignore_conflicts, conn.dialect.name), rows)


@functools.lru_cache(maxsize=256)
def _unnest_statement(
    dialect: sa.Dialect, table: sa.Table, names: tuple[str, ...]
) -> tuple[str, tuple[Processor, ...], frozenset[str]]:
    """PostgreSQL's ``INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING`` for
    ``names``: one array a column, cast to the column's own type."""
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    arrays = ", ".join(f"%s::{_element_type(table.c[name], dialect)}[]" for name in names)
    sql = (
        f"INSERT INTO {quote(table.name)} ({columns}) "
        f"SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING"
    )
    return (sql, *_processing(dialect, table, names))


def _element_type(column: sa.Column[Any], dialect: sa.Dialect) -> str:
    """The type an array of ``column``'s values is cast to: its own, but text for a
    ``VARCHAR(n)`` — a cast to it would cut a longer value short without a word, where the
    insert itself refuses it."""
    if isinstance(column.type, sa.String):
        return "TEXT"
    return str(column.type.compile(dialect))


def _insert_unnested(
    conn: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]
) -> int:
    """Insert ``rows`` skipping those that clash with a unique constraint, on PostgreSQL in
    one statement over arrays of the columns' values: a statement a row (``executemany``)
    cost the server and this process half as much again each (bench/RESULTS.md). COPY
    cannot skip a clash."""
    names = tuple(rows[0])
    sql, processors, json_names = _unnest_statement(conn.dialect, table, names)
    with _driver_cursor(conn, sql) as cursor:
        cursor.execute(sql, _columns(rows, names, processors, json_names))
        return int(cursor.rowcount)


# From this many rows PostgreSQL gets them by COPY, or by arrays when clashes are skipped
# (below it a statement per row costs less than setting up either).
COPY_FROM = 50

# Values that repeat across a batch (its timestamp, its actor, a status): processed once.
_REPEATING = (datetime, str)
