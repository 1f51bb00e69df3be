"""The access log's retention (DESIGN §5; dates in core/retention.py): public-tier rows older
than ``SEHAT_ACCESS_LOG_DAYS`` are folded into ``access_counts`` (per document, UTC day and
door), evidence rows and counts older than 10 years are removed.

Exact under a crash and when run twice at once: each batch folds a bounded slice of one day
and deletes exactly the rows it counted, in one transaction.

- SQLite: both tables are in the access log's file; a batch is one write transaction
  (``BEGIN IMMEDIATE``), so two compactions (two workers, or the command beside a server)
  take turns, and the second finds the slice already gone.
- PostgreSQL: the counts are made from ``DELETE … RETURNING``: a row is counted by the
  transaction that deleted it, and by no other, whatever runs beside it.

A kill at any moment rolls back the batch in flight; the batches before it are committed
whole. Run it again and it goes on from there. A batch holds the access log's write lock for
at most ``batch_rows`` rows (on a 2-core machine, ~0.1 s), so verifications and the buffered
writer are not held up for long.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from sehat.background import Background
from sehat.core import retention
from sehat.faults import describe, new_error_id
from sehat.store import schema as t
from sehat.store.db import access_engine

log = logging.getLogger(__name__)

BATCH_ROWS = 20_000
a = t.access_log.c
PUBLIC = sa.text(t.PUBLIC_TIER)  # word for word as the partial indexes say it
EVIDENCE = sa.text(t.EVIDENCE)
_MICROSECOND = timedelta(microseconds=1)

_FOLD_SQLITE = sa.text(
    """
    INSERT INTO access_counts (day, person_id, document_id, channel, count)
    SELECT :day, person_id, document_id, channel, count(*) FROM access_log
    WHERE """
    + t.PUBLIC_TIER
    + """ AND at >= :start AND at < :end
    GROUP BY person_id, document_id, channel
    ON CONFLICT (day, person_id, document_id, channel)
    DO UPDATE SET count = access_counts.count + excluded.count
    """
)
_DELETE_SQLITE = sa.text(
    "DELETE FROM access_log WHERE " + t.PUBLIC_TIER + " AND at >= :start AND at < :end"
)
_FOLD_POSTGRES = sa.text(
    """
    WITH gone AS (
        DELETE FROM access_log
        WHERE """
    + t.PUBLIC_TIER
    + """ AND at >= :start AND at < :end
        RETURNING person_id, document_id, channel
    ), added AS (
        INSERT INTO access_counts (day, person_id, document_id, channel, count)
        SELECT :day, person_id, document_id, channel, count(*) FROM gone
        GROUP BY person_id, document_id, channel
        ON CONFLICT (day, person_id, document_id, channel)
        DO UPDATE SET count = access_counts.count + excluded.count
    )
    SELECT count(*) FROM gone
    """
)


def _times(statement: sa.TextClause) -> sa.TextClause:
    names = ("day", "start", "end") if ":day" in statement.text else ("start", "end")
    return statement.bindparams(*(sa.bindparam(n, type_=t.Timestamp) for n in names))


FOLD_SQLITE, DELETE_SQLITE, FOLD_POSTGRES = map(
    _times, (_FOLD_SQLITE, _DELETE_SQLITE, _FOLD_POSTGRES)
)


@dataclass
class Compaction:
    """What one run did."""

    folded: dict[date, int] = field(default_factory=dict)  # rows folded, per UTC day
    expired_rows: int = 0  # evidence rows older than 10 years, removed
    expired_counts: int = 0  # counts of days older than 10 years, removed
    batches: int = 0
    finished: bool = True  # False when stopped before the end (the server shutting down)

    @property
    def folded_rows(self) -> int:
        return sum(self.folded.values())


class ShortCount(RuntimeError):
    """The rows counted and the rows deleted differ: the batch is rolled back."""


def _fold_batch(conn: sa.Connection, before: datetime, batch_rows: int) -> tuple[date, int] | None:
    """Fold the oldest slice of public-tier rows before ``before`` (at most ``batch_rows``
    rows, all of one UTC day); None when there is none."""
    oldest = conn.execute(
        sa.select(a.at).where(PUBLIC, a.at < before).order_by(a.at).limit(1)
    ).scalar()
    if oldest is None:
        return None
    day = retention.day_of(oldest)
    end = min(retention.midnight(day + timedelta(days=1)), before)
    boundary = conn.execute(
        sa.select(a.at)
        .where(PUBLIC, a.at >= oldest, a.at < end)
        .order_by(a.at)
        .limit(1)
        .offset(batch_rows)
    ).scalar()
    if boundary is not None:
        # Rows at exactly ``boundary`` go to the next batch; if more than a batch share the
        # very first instant, that instant is taken whole.
        end = boundary if boundary > oldest else oldest + _MICROSECOND
    times = {"day": retention.midnight(day), "start": oldest, "end": end}
    if conn.dialect.name == "postgresql":
        return day, int(conn.execute(FOLD_POSTGRES, times).scalar_one())
    counted = conn.execute(
        sa.select(sa.func.count())
        .select_from(t.access_log)
        .where(PUBLIC, a.at >= oldest, a.at < end)
    ).scalar_one()
    conn.execute(FOLD_SQLITE, times)
    deleted = conn.execute(DELETE_SQLITE, times).rowcount
    if deleted != counted:  # cannot happen inside one write transaction; never commit it
        raise ShortCount(f"counted {counted} access rows but deleted {deleted}")
    return day, int(deleted)


def _expire_batch(conn: sa.Connection, before: datetime, batch_rows: int) -> tuple[int, int]:
    """Remove up to ``batch_rows`` evidence rows, and one day of counts, older than ``before``."""
    ids = sa.select(a.id).where(EVIDENCE, a.at < before).order_by(a.at).limit(batch_rows)
    rows = conn.execute(t.access_log.delete().where(a.id.in_(ids.scalar_subquery()))).rowcount
    c = t.access_counts.c
    oldest = conn.execute(sa.select(sa.func.min(c.day)).where(c.day < before)).scalar()
    counts = 0
    if oldest is not None:
        counts = conn.execute(t.access_counts.delete().where(c.day == oldest)).rowcount
    return int(rows), int(counts)


def compact(
    engine: sa.Engine,
    *,
    now: datetime,
    days: int,
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[date, int], None] | None = None,
    stop: threading.Event | None = None,
) -> Compaction:
    """Fold public-tier rows older than ``days`` UTC days (core/retention.py) and remove what
    is older than 10 years, in batches of at most ``batch_rows`` rows; ``progress(day, rows)``
    after each folded batch; ``stop`` ends the run between two batches."""
    before = retention.fold_before(now, days)
    expire = retention.expire_before(now)
    writer = access_engine(engine)  # SQLite: the access log's own file, no registry lock
    done = Compaction()
    try:
        while stop is None or not stop.is_set():
            with writer.begin() as conn:
                rows, counts = _expire_batch(conn, expire, batch_rows)
            done.expired_rows += rows
            done.expired_counts += counts
            done.batches += 1
            if not rows and not counts:
                break
        while stop is None or not stop.is_set():
            with writer.begin() as conn:
                folded = _fold_batch(conn, before, batch_rows)
            if folded is None:
                return done
            day, rows = folded
            done.folded[day] = done.folded.get(day, 0) + rows
            done.batches += 1
            _bound_wal(writer)
            if progress is not None:
                progress(day, rows)
        done.finished = False
        return done
    finally:
        if writer is not engine:
            writer.dispose()


# SQLite: the WAL may hold this many pages (64 MiB of 4 KiB pages) before a batch ends with a
# checkpoint that empties it. A batch deletes rows spread over the whole (person, time) index,
# so each dirties up to one page per row; with the server's writer and readers active beside
# it, SQLite's own passive checkpoints fell behind and the file grew to 2 GB on a 30M-row log
# (bench/RESULTS.md).
WAL_PAGES = 16_384


def _bound_wal(writer: sa.Engine) -> None:
    if writer.dialect.name != "sqlite":
        return
    raw = writer.raw_connection()  # outside a transaction, where a checkpoint can run
    try:
        cursor = raw.cursor()
        _busy, pages, _copied = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if pages > WAL_PAGES:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        raw.close()


def counts_total(conn: sa.Connection) -> int:
    """How many checks the folded counts hold, all days together."""
    c = t.access_counts.c
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(c.count), 0))).scalar_one())


class DailyCompaction:
    """The server's daily run of :func:`compact`, on a thread of its own (:attr:`worker`).

    The first run comes ``first_after`` seconds after start (plus up to a minute, so that
    several workers started together do not all start at once), then one a day. Several
    workers each running it is harmless (see the module doc): a batch one of them folded is
    gone for the others. ``close`` stops it between two batches.
    """

    def __init__(
        self,
        engine: sa.Engine,
        days: int,
        *,
        first_after: float = 300.0,
        every: float = 86_400.0,
        clock: Callable[[], datetime] | None = None,
    ):
        self._engine = engine
        self._days = days
        self._clock = clock or _utc_now
        self.worker = Background(
            "access-compaction",
            self._once,
            every=every,
            first_after=first_after + random.uniform(0, min(60.0, first_after)),
        )
        self.last: Compaction | None = None

    def start(self) -> None:
        """Start the thread (idempotent); nothing when retention is off (days 0)."""
        if self._days > 0:
            self.worker.start()

    def close(self, timeout: float = 10.0) -> None:
        """Stop after the batch in flight."""
        self.worker.stop(timeout)

    def _once(self) -> None:
        try:
            now = self._clock()
            self.last = compact(self._engine, now=now, days=self._days, stop=self.worker.stopping)
        except Exception as exc:  # the database away, or a bug: logged, tried tomorrow
            log.warning(
                "access log compaction failed: error_id=%s %s", new_error_id(), describe(exc)
            )
            return
        log.info(
            "access log compacted: %d public-tier rows folded over %d days, %d evidence "
            "rows and %d counts past 10 years removed",
            self.last.folded_rows,
            len(self.last.folded),
            self.last.expired_rows,
            self.last.expired_counts,
        )


def _utc_now() -> datetime:
    return datetime.now(UTC)
