"""Large writes (store/bulk.py): what goes in through the driver's executemany, or COPY on
PostgreSQL, reads back exactly as an ordinary INSERT would have stored it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

import psycopg
import pytest
import sqlalchemy as sa

from sehat.store import bulk
from sehat.store import schema as t
from sehat.store.bulk import insert_many
from sehat.store.json_text import JsonText, json_text


def _rows(count: int, start: int = 0) -> list[dict[str, object]]:
    now = datetime(2026, 12, 5, 10, 30, 15, 123456, tzinfo=UTC)
    return [
        {
            "idx": start + i,
            "leaf_input": bytes([i % 256]) * 40 + b"\x00\\\n\t",  # bytes COPY must escape
            "event": "issue",
            "code": None if i % 3 == 0 else f"{i:020d}",
            "version": 1,
            "created_at": now,
        }
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [3, bulk.COPY_FROM + 7])  # statements, and COPY on PG
def test_rows_read_back_as_written(engine: sa.Engine, count: int) -> None:
    rows = _rows(count)
    with engine.begin() as conn:
        assert insert_many(conn, t.log_entries, rows) == count
    with engine.connect() as conn:
        stored = conn.execute(sa.select(t.log_entries).order_by(t.log_entries.c.idx)).all()
    # (SQLite gives timestamps back without their zone; they are stored in UTC.)
    assert [
        {**dict(r._mapping), "created_at": r.created_at.replace(tzinfo=UTC)} for r in stored
    ] == rows


@pytest.mark.parametrize("count", [2, bulk.COPY_FROM + 1])
def test_json_given_as_a_value_or_as_text_reads_back_the_same(
    engine: sa.Engine, count: int
) -> None:
    now = datetime.now(UTC)
    content = {"code": "1" * 20, "name": "زهرا «نیک‌نام»\n\\ \t", "courses": [{"grade": "19.5"}]}
    with engine.begin() as conn:
        # Versions need a document: the foreign keys are set aside for this transaction,
        # which is rolled back (what is checked is the JSON column alone).
        rows = [
            {
                "id": i + 1,
                "document_id": i + 1,
                "version": 1,
                "content": JsonText(json_text(content)) if i % 2 else content,
                "reason": "issued",
                "created_at": now,
                "created_by": "test",
            }
            for i in range(count)
        ]
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            insert_many(conn, t.document_versions, rows)
            read = conn.execute(sa.select(t.document_versions.c.content)).scalars().all()
            conn.rollback()
        else:
            conn.exec_driver_sql("SET session_replication_role = replica")  # no FK triggers
            insert_many(conn, t.document_versions, rows)
            read = conn.execute(sa.select(t.document_versions.c.content)).scalars().all()
            conn.exec_driver_sql("SET session_replication_role = DEFAULT")
            conn.rollback()
    assert read == [content] * count


@pytest.mark.parametrize("count", [2, bulk.COPY_FROM + 1])
def test_a_clash_fails_the_whole_write(engine: sa.Engine, count: int) -> None:
    with engine.begin() as conn:
        insert_many(conn, t.log_entries, _rows(1, start=count - 1))
    # SQLAlchemy's error, as from any statement (store/tx.py retries a race by it), with the
    # driver's own as its cause.
    with pytest.raises(sa.exc.IntegrityError) as raised, engine.begin() as conn:
        insert_many(conn, t.log_entries, _rows(count))
    assert isinstance(raised.value.orig, (sqlite3.IntegrityError, psycopg.IntegrityError))
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.log_entries)).scalar() == 1


def _people(count: int, start: int = 0) -> list[dict[str, object]]:
    return [
        {
            "national_id": f"{start + i:010d}",
            "foreign_id": None,
            "first_name": "زهرا",
            "last_name": f"نیک‌نام {start + i}",
            "birth_date": date(1990, 1, 1 + i % 28),
            "created_at": datetime(2026, 12, 6, 4, 0, tzinfo=UTC),
        }
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [3, bulk.COPY_FROM + 5])  # statements, and arrays on PG
def test_rows_clashing_are_skipped_and_the_first_stays(engine: sa.Engine, count: int) -> None:
    with engine.begin() as conn:
        assert insert_many(conn, t.persons, _people(2), ignore_conflicts=True) == 2
    again = _people(count)
    again[0]["last_name"] = "another name for a stored national ID"
    with engine.begin() as conn:
        assert insert_many(conn, t.persons, again, ignore_conflicts=True) == count - 2
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(t.persons.c.national_id, t.persons.c.last_name, t.persons.c.birth_date)
        ).all()
    assert sorted(stored) == sorted(
        (p["national_id"], p["last_name"], p["birth_date"]) for p in _people(count)
    )


@pytest.mark.parametrize("count", [3, bulk.COPY_FROM + 5])
def test_a_value_too_long_is_never_cut_short(engine: sa.Engine, count: int) -> None:
    people = _people(count)
    people[-1]["national_id"] = "0" * 11  # the column holds 10 characters
    if engine.dialect.name == "postgresql":  # refused, and nothing of the write kept
        with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
            insert_many(conn, t.persons, people, ignore_conflicts=True)
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(t.persons)).scalar() == 0
        return
    with engine.begin() as conn:  # SQLite keeps text whole whatever the declared length
        insert_many(conn, t.persons, people, ignore_conflicts=True)
    with engine.connect() as conn:
        assert "0" * 11 in conn.execute(sa.select(t.persons.c.national_id)).scalars().all()
