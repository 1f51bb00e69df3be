"""The access log (DESIGN §5): every verification of a document — who, when, through which
door, which fields were disclosed — for its holder to see.

A row names the document and its holder by row id and the caller by account id; it holds no
national ID, name or share token, so the log itself discloses nothing.

Verifications that disclose personal data (the holder tier, bulk, shares) are written in the
request, before the answer leaves. Public-tier checks (code alone: status, kind, institution,
year) are the hottest path of the system and disclose nothing personal, so they are buffered
and written in one statement every second (:class:`AccessBuffer`); a crash loses at most
that last second of public-tier rows.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import orjson
import sqlalchemy as sa

from sehat.background import Background
from sehat.core import code as authcode
from sehat.core.persian import to_persian_digits
from sehat.errors import NotFoundError
from sehat.faults import describe, new_error_id
from sehat.services.principal import Principal, Role
from sehat.store import schema as t
from sehat.store.db import access_engine
from sehat.store.prepared import PreparedInsert, driver_transaction

log = logging.getLogger(__name__)


class Channel(StrEnum):
    """The door a verification came through."""

    PUBLIC = "public"  # GET /verify/{code}: code alone
    NATIONAL_ID = "national_id"  # POST /verify: code and the holder's national ID
    BATCH = "batch"  # an organisation's bulk verification
    SHARE = "share"  # a holder's share link
    PRIOR = "prior_code"  # a registrar named the document as a graduate's prior degree


# What the public tier discloses; the holder tier adds the detail fields it returned.
PUBLIC_FIELDS: tuple[str, ...] = ("status", "kind", "institution", "year")


@dataclass(frozen=True)
class Access:
    """One verification of one document."""

    document_id: int
    person_id: int
    at: datetime
    channel: Channel
    account: str | None  # the caller's account public id; None for the public
    fields: tuple[str, ...]
    matched: bool | None = None  # national-ID checks: did it match the holder
    share_id: int | None = None


def _row(access: Access) -> dict[str, Any]:
    return {
        "document_id": access.document_id,
        "person_id": access.person_id,
        "at": access.at,
        "channel": access.channel.value,
        "account": access.account,
        "share_id": access.share_id,
        "matched": access.matched,
        "fields": list(access.fields),
    }


_COLUMNS = (
    "document_id",
    "person_id",
    "at",
    "channel",
    "account",
    "share_id",
    "matched",
    "fields",
)


def record(conn: sa.Connection, accesses: Sequence[Access]) -> None:
    """Write ``accesses`` in the caller's transaction (one statement)."""
    if accesses:
        conn.execute(t.access_log.insert(), [_row(a) for a in accesses])


# SQLite: a whole batch in one statement, its rows passed as one JSON array. The driver then
# releases the interpreter lock once per batch; with executemany it released and re-took it
# for every row, and the event loop and this writer handed the lock back and forth at each
# one, which cost the loop several times the rows' own work (bench/RESULTS.md). The time is
# passed as microseconds since the epoch and stored in SQLAlchemy's own SQLite format.
_SQLITE_BATCH = """
INSERT INTO access_log (document_id, person_id, at, channel, account, share_id, matched, fields)
SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
       strftime('%Y-%m-%d %H:%M:%S', json_extract(value, '$[2]') / 1000000, 'unixepoch')
           || printf('.%06d', json_extract(value, '$[2]') % 1000000),
       json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),
       json_extract(value, '$[6]'), json_extract(value, '$[7]')
FROM json_each(?)
"""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _batch_json(accesses: Sequence[Access]) -> bytes:
    return orjson.dumps(
        [
            (
                a.document_id,
                a.person_id,
                (a.at - _EPOCH) // _MICROSECOND,
                a.channel.value,
                a.account,
                a.share_id,
                a.matched,
                a.fields,
            )
            for a in accesses
        ]
    )


class AccessBuffer:
    """Public-tier accesses, collected in memory and written every second by a thread.

    Once a second rather than ten times: a commit costs the registry's readers (in WAL mode
    each commit elsewhere is work for the next read), and rows written together share index
    pages; measured in-process, 20–27% less CPU per verification than at 0.1 s.

    Queuing is an append; everything else (serialising, writing) happens on the writer
    thread (:attr:`worker`, started and stopped by the app's lifespan). ``flush`` is also
    called before the access log is read in this process and when the app stops. A write
    that fails (the database briefly away) keeps the rows for the next round, never more
    than ``max_rows``: past that the oldest are dropped, counted in :attr:`dropped` and
    logged; ``failing_for`` says how long (``/readyz``). Any other failure is a fault of
    ours: logged with an error id, and those rows dropped.
    """

    def __init__(self, engine: sa.Engine, interval: float = 1.0, max_rows: int = 200_000):
        # On SQLite, the access log's own file alone (store/db.py): no registry lock taken.
        self._engine = access_engine(engine)
        self._own_engine = self._engine is not engine
        sqlite = engine.dialect.name == "sqlite"
        self._insert = None if sqlite else PreparedInsert(engine, t.access_log, _COLUMNS)
        self._max_rows = max_rows
        self._rows: list[Access] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        # What is queued at the end is written by the same thread, within close's bound.
        self.worker = Background("access-log", self.flush, every=interval, last=self.flush)
        self.dropped = 0  # rows dropped over max_rows since the start
        self._dropped_logged = 0
        # The database away, locked or full: the rows are kept and written later. Anything
        # else is a fault of ours, and the same rows would fail again.
        dbapi = engine.dialect.loaded_dbapi
        self._away_errors: tuple[type[BaseException], ...] = (
            sa.exc.OperationalError,
            sa.exc.InterfaceError,
            dbapi.OperationalError,
            dbapi.InterfaceError,
        )
        self._away_since: float | None = None  # monotonic; first failed write of a run

    def add(self, access: Access) -> None:
        """Queue one access (cheap: an append under a lock; a full buffer drops its oldest)."""
        with self._lock:
            self._rows.append(access)
            if len(self._rows) > self._max_rows:
                self._drop_oldest()

    def _drop_oldest(self) -> None:
        """Keep the newest ``max_rows`` (called holding ``_lock``); said by the next flush."""
        over = len(self._rows) - self._max_rows
        if over > 0:
            del self._rows[:over]
            self.dropped += over

    def _say_dropped(self) -> None:
        dropped = self.dropped
        if dropped > self._dropped_logged:
            log.warning(
                "access log buffer full (%d rows): %d public-tier rows dropped (%d since start)",
                self._max_rows,
                dropped - self._dropped_logged,
                dropped,
            )
            self._dropped_logged = dropped

    def flush(self) -> int:
        """Write what is queued now; returns how many rows were written."""
        with self._flushing:
            self._say_dropped()
            with self._lock:
                rows, self._rows = self._rows, []
            if not rows:
                return 0
            try:
                self._write(rows)
            except self._away_errors as exc:  # the database away: keep the rows
                log.warning("access log write failed (%s); will retry", type(exc).__name__)
                with self._lock:
                    self._rows[:0] = rows  # older than what came in meanwhile
                    self._drop_oldest()
                self._say_dropped()
                if self._away_since is None:
                    self._away_since = time.monotonic()
                return 0
            except Exception as exc:  # a fault of ours: never its message (personal data)
                log.error(
                    "access log write failed: error_id=%s %s; %d rows dropped",
                    new_error_id(),
                    describe(exc),
                    len(rows),
                )
                return 0
            self._away_since = None
            return len(rows)

    def failing_for(self, now: float) -> float | None:
        """Seconds (monotonic ``now``) since writes began failing with the database away;
        None while they succeed."""
        return None if self._away_since is None else now - self._away_since

    def _write(self, rows: list[Access]) -> None:
        if self._insert is not None:
            self._insert.write([self._insert.prepare(_row(a)) for a in rows])
            return
        with driver_transaction(self._engine) as cursor:
            cursor.execute(_SQLITE_BATCH, (_batch_json(rows),))

    def start(self) -> None:
        """Start the background writer (idempotent)."""
        self.worker.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the writer and write what is left, waiting at most ``timeout`` seconds
        (a database that does not answer must not keep the process from ending)."""
        if not self.worker.stop(timeout):
            log.warning(
                "access log: rows not written at close (%d queued); the database did not "
                "answer within %g s",
                len(self._rows),
                timeout,
            )
            return
        if self._own_engine:
            self._engine.dispose()


# -- reading ---------------------------------------------------------------------------------

MAX_PAGE = 1000


def _who(channel: str, account_name: str | None, role: str | None) -> tuple[str, str]:
    """(English, Persian) description of who verified."""
    if role == Role.HOLDER.value:
        return "you", "خودتان"
    if account_name:
        return account_name, account_name
    if channel == Channel.SHARE.value:
        return "someone holding your share link", "دارنده پیوند اشتراکی شما"
    return "public", "عموم"


def entries(
    conn: sa.Connection,
    *,
    person_id: int,
    document_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Accesses of one person's documents (or of one of them), newest first; both read
    through the log's one index, (person_id, at).

    Public-tier rows older than SEHAT_ACCESS_LOG_DAYS are kept as counts per document, UTC
    day and door (services/access_retention.py): each such day is one entry with its
    ``count`` (``folded`` true, ``at`` the day's midnight UTC, after that day's own rows);
    every other entry is one access (``count`` 1)."""
    a, c = t.access_log.c, t.access_counts.c
    rows = sa.select(
        a.at,
        a.id.label("seq"),
        a.document_id,
        a.channel,
        a.account,
        a.share_id,
        a.matched,
        a.fields,
        sa.cast(sa.null(), sa.BigInteger).label("times"),
    ).where(a.person_id == person_id)
    days = sa.select(
        c.day,
        sa.literal(0, sa.BigInteger).label("seq"),
        c.document_id,
        c.channel,
        sa.cast(sa.null(), sa.String).label("account"),
        sa.cast(sa.null(), sa.BigInteger).label("share_id"),
        sa.cast(sa.null(), sa.Boolean).label("matched"),
        sa.cast(sa.null(), t.Json).label("fields"),
        c.count.label("times"),
    ).where(c.person_id == person_id)
    if document_id is not None:
        rows = rows.where(a.document_id == document_id)
        days = days.where(c.document_id == document_id)
    # Each side stops, in its index's order, at the last entry this page can need; only
    # those are merged and sorted.
    limit, offset = min(max(limit, 1), MAX_PAGE), max(offset, 0)
    rows = rows.order_by(a.at.desc(), a.id.desc()).limit(offset + limit)
    days = days.order_by(c.day.desc(), c.document_id, c.channel).limit(offset + limit)
    sides = [sa.select(side.subquery()) for side in (rows, days)]
    both = sa.union_all(*sides).subquery("both")
    page = (
        sa.select(both)
        .order_by(both.c.at.desc(), both.c.seq.desc(), both.c.document_id, both.c.channel)
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    d, acc, s = t.documents.c, t.accounts.c, t.shares.c
    query = (
        sa.select(page, d.code, acc.name, acc.role, s.public_id.label("share"))
        .join(t.documents, d.id == page.c.document_id)
        .join(t.accounts, acc.public_id == page.c.account, isouter=True)
        .join(t.shares, s.id == page.c.share_id, isouter=True)
        .order_by(page.c.at.desc(), page.c.seq.desc(), page.c.document_id, page.c.channel)
    )
    out = []
    for row in conn.execute(query):
        who_en, who_fa = _who(row.channel, row.name, row.role)
        folded = row.times is not None
        out.append(
            {
                "at": row.at.isoformat(),
                "code": row.code,
                "channel": row.channel,
                "who": who_en,
                "who_fa": who_fa,
                "organisation": row.name if row.role == Role.VERIFIER.value else None,
                "role": row.role or "public",
                "fields": list(PUBLIC_FIELDS if folded else row.fields),
                "matched": row.matched,
                "outcome": _outcome(row.channel, row.matched),
                "share": row.share,
                "count": int(row.times) if folded else 1,
                "folded": folded,
            }
        )
    return out


_ID_CHANNELS = {Channel.NATIONAL_ID.value, Channel.BATCH.value, Channel.PRIOR.value}


def _outcome(channel: str, matched: bool | None) -> str | None:
    """A national-ID check's result: ``match``, ``no_match`` or ``locked`` (the document's
    checks were paused, so nothing was compared); None for other doors."""
    if channel not in _ID_CHANNELS:
        return None
    return "locked" if matched is None else "match" if matched else "no_match"


def person_id_of(conn: sa.Connection, principal: Principal) -> int | None:
    """The persons row of a holder principal (None when no document names them yet)."""
    key = principal.national_id or ""
    p = t.persons.c
    where = p.foreign_id == key[1:] if key.startswith("F") else p.national_id == key
    return conn.execute(sa.select(p.id).where(where)).scalar()


def for_document(
    conn: sa.Connection, principal: Principal, code: str, limit: int, offset: int
) -> list[dict[str, Any]]:
    """The access log of one document: auditor and operator (DESIGN §1) only."""
    principal.require_role(
        Role.AUDITOR,
        Role.OPERATOR,
        what_en="read the access log of other people's documents",
        what_fa="مشاهده گزارش دسترسی مدارک دیگران",
    )
    code = authcode.parse(code).code
    d = t.documents.c
    found = conn.execute(sa.select(d.id, d.person_id).where(d.code == code)).first()
    if found is None:
        raise NotFoundError(
            f"no document with code {code}",
            f"مدرکی با کد {to_persian_digits(str(code))} ثبت نشده است",
        )
    return entries(
        conn, person_id=found.person_id, document_id=found.id, limit=limit, offset=offset
    )
