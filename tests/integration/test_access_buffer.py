"""The public tier's access-log rows, written in batches (services/access_log.py), read back
exactly as the rows written in a request: same times to the microsecond, same order."""

from __future__ import annotations

import logging
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from sehat.api import app as app_module
from sehat.services.access_log import PUBLIC_FIELDS, Access, AccessBuffer, Channel, record
from sehat.store import schema as t

from .api_helpers import make_client


def _stored(engine: sa.Engine) -> list[tuple[object, ...]]:
    a = t.access_log.c
    query = sa.select(
        a.document_id, a.person_id, a.at, a.channel, a.account, a.share_id, a.matched, a.fields
    ).order_by(a.at, a.id)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def test_batched_rows_read_back_as_rows_written_in_a_request(engine: sa.Engine) -> None:
    base = datetime(2026, 11, 29, 3, 4, 5, tzinfo=UTC)
    accesses = [
        Access(1, 10, base, Channel.PUBLIC, None, PUBLIC_FIELDS),
        Access(2, 20, base + timedelta(microseconds=999_999), Channel.PUBLIC, "acc-1", ("kind",)),
        Access(3, 30, base + timedelta(microseconds=1), Channel.SHARE, None, ("gpa",), None, 7),
        Access(4, 40, base + timedelta(days=400), Channel.BATCH, "acc-2", ("status",), True),
        Access(5, 50, base - timedelta(hours=5), Channel.NATIONAL_ID, "acc-3", (), False),
    ]
    buffer = AccessBuffer(engine)
    for access in accesses:
        buffer.add(access)
    assert buffer.flush() == len(accesses)
    batched = _stored(engine)

    with engine.begin() as conn:
        conn.execute(t.access_log.delete())
        record(conn, accesses)
    assert batched == _stored(engine)
    # Times come back aware and exact, in time order.
    assert [row[2] for row in batched] == sorted(a.at for a in accesses)
    assert batched[0][7] == [] and batched[-1][7] == ["status"]


def test_batched_and_request_rows_interleave_in_time_order(engine: sa.Engine) -> None:
    """The holder's log is ordered by time: rows from both writers must compare correctly."""
    base = datetime(2026, 1, 1, 23, 59, 59, 999_990, tzinfo=UTC)
    times = [base + timedelta(microseconds=7 * i) for i in range(6)]
    buffer = AccessBuffer(engine)
    with engine.begin() as conn:
        for i, at in enumerate(times):
            access = Access(i + 1, 1, at, Channel.PUBLIC, None, PUBLIC_FIELDS)
            if i % 2:
                record(conn, [access])
            else:
                buffer.add(access)
    buffer.flush()
    assert [row[0] for row in _stored(engine)] == [1, 2, 3, 4, 5, 6]


def test_a_failed_write_keeps_the_rows_for_the_next_round(engine: sa.Engine) -> None:
    buffer = AccessBuffer(engine)
    buffer.add(Access(1, 1, datetime.now(UTC), Channel.PUBLIC, None, PUBLIC_FIELDS))

    def refuse(rows: object) -> None:
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    write = buffer._write
    buffer._write = refuse  # type: ignore[method-assign]
    assert buffer.flush() == 0
    assert _stored(engine) == []
    buffer._write = write  # type: ignore[method-assign]
    assert buffer.flush() == 1
    assert len(_stored(engine)) == 1


def test_a_fault_of_ours_is_logged_with_an_error_id_and_its_rows_dropped(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    buffer = AccessBuffer(engine)
    buffer.add(Access(1, 1, datetime.now(UTC), Channel.PUBLIC, None, PUBLIC_FIELDS))

    def broken(rows: object) -> None:
        raise TypeError("row for 0012345678 is not a tuple")  # a message with personal data

    write = buffer._write
    buffer._write = broken  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="sehat.services.access_log"):
        assert buffer.flush() == 0
    (line,) = [r.getMessage() for r in caplog.records]
    assert re.search(r"error_id=[0-9a-f]{16} TypeError at .*test_access_buffer\.py:\d+", line)
    assert "0012345678" not in line and line.endswith("1 rows dropped")
    assert buffer.failing_for(time.monotonic()) is None  # not the database being away
    buffer._write = write  # type: ignore[method-assign]
    assert buffer.flush() == 0 and _stored(engine) == []  # not retried for ever


def test_the_database_away_is_said_in_readyz(
    engine: sa.Engine, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "DATABASE_AWAY", 0.0)
    with make_client(engine, data_dir) as client:
        buffer = client.app.runtime.access_buffer  # type: ignore[attr-defined]
        assert client.get("/readyz").status_code == 200

        def away(rows: object) -> None:
            raise sa.exc.OperationalError("INSERT", {}, Exception("connection refused"))

        write = buffer._write
        buffer._write = away
        buffer.add(Access(1, 1, datetime.now(UTC), Channel.PUBLIC, None, PUBLIC_FIELDS))
        buffer.flush()
        answer = client.get("/readyz")
        assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
        error = answer.json()["error"]
        assert error["type"] == "unavailable" and "refused writes" in error["message"]
        assert "0 rows dropped over the buffer's limit" in error["message"]
        buffer._write = write
        assert buffer.flush() == 1  # kept, and written once it is back
        assert client.get("/readyz").status_code == 200


def test_close_never_hangs_on_a_database_that_does_not_answer(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    buffer = AccessBuffer(engine, interval=0.01)
    entered, never = threading.Event(), threading.Event()

    def hang(rows: object) -> None:
        entered.set()
        never.wait(60)

    buffer._write = hang  # type: ignore[method-assign]
    buffer.add(Access(1, 1, datetime.now(UTC), Channel.PUBLIC, None, PUBLIC_FIELDS))
    buffer.start()
    assert entered.wait(10)
    buffer.add(Access(2, 1, datetime.now(UTC), Channel.PUBLIC, None, PUBLIC_FIELDS))
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="sehat.services.access_log"):
        buffer.close(timeout=0.5)
    assert time.monotonic() - started < 2
    assert any("not written at close (1 queued)" in r.getMessage() for r in caplog.records)
    never.set()


def test_rows_kept_after_a_failed_write_are_held_to_the_limit(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    buffer = AccessBuffer(engine, max_rows=3)
    now = datetime.now(UTC)
    buffer.add(Access(1, 1, now, Channel.PUBLIC, None, PUBLIC_FIELDS))
    buffer.add(Access(2, 1, now, Channel.PUBLIC, None, PUBLIC_FIELDS))

    def away_while_more_come(rows: object) -> None:
        for document in (3, 4, 5):  # verifications go on while the write waits
            buffer.add(Access(document, 1, now, Channel.PUBLIC, None, PUBLIC_FIELDS))
        raise sa.exc.OperationalError("INSERT", {}, Exception("connection refused"))

    write = buffer._write
    buffer._write = away_while_more_come  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="sehat.services.access_log"):
        assert buffer.flush() == 0
    assert buffer.dropped == 2  # the two oldest, put back in front of the three newer
    assert "2 public-tier rows dropped" in caplog.text
    buffer._write = write  # type: ignore[method-assign]
    assert buffer.flush() == 3
    assert [row[0] for row in _stored(engine)] == [3, 4, 5]
