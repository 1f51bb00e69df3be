"""The national-ID checks of one request, counted where every worker sees them (DESIGN §5).

:class:`IdChecks` wraps the comparisons a request makes between a national ID it was given
and a document's holder, inside the request's transaction:

    checks = IdChecks.begin(conn, policy, subjects, now)   # 429 if a budget is spent
    checks.load([document ids])
    outcome = checks.check(document_id, matched)            # MATCH, NO_MATCH, LOCKED, LIMITED
    checks.finish()                                          # writes the counts

The caller's budget rows are locked for the transaction (PostgreSQL ``FOR UPDATE``; SQLite
takes its write lock at ``BEGIN IMMEDIATE``), so one caller's concurrent requests are counted
one after another and cannot each spend the same budget. A document's guard row is locked
too, and on PostgreSQL the document's own row (``FOR NO KEY UPDATE``), so callers with
different budgets guessing at the same document at the same moment are counted one after
another as well (SQLite's writers are one at a time anyway). The arithmetic is in
``core/id_checks.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from sehat.core.id_checks import (
    Budget,
    DocumentGuard,
    IdCheckPolicy,
    day_of,
    fresh_guard,
    seconds_to_next_day,
)
from sehat.errors import IdCheckLimitError
from sehat.services.principal import Principal
from sehat.store import schema as t
from sehat.store.upsert import insert_ignore

_CHUNK = 900  # ids per IN (...) (SQLite's default limit on parameters is 999)


class Outcome(StrEnum):
    """What one national-ID check answered."""

    MATCH = "match"
    NO_MATCH = "no_match"
    LOCKED = "locked"  # too many wrong IDs for this document lately: not compared
    LIMITED = "limited"  # the caller's budget ran out during this request: not compared


@dataclass(frozen=True)
class IdCheckCaller:
    """Who is making a request's national-ID checks, and under which limits."""

    policy: IdCheckPolicy
    subjects: tuple[str, ...]

    def begin(self, conn: sa.Connection, now: datetime) -> IdChecks:
        """:meth:`IdChecks.begin` for this caller."""
        return IdChecks.begin(conn, self.policy, self.subjects, now)


def subjects_of(principal: Principal | None, address: str | None) -> list[str]:
    """Whose budgets a check spends: the caller's account (when the token was valid) and
    the network address it came from (as the rate limiter sees it)."""
    out = [f"account:{principal.account_id}"] if principal is not None else []
    out.append(f"address:{address or 'unknown'}"[:80])
    return out


def limit_error(now: datetime, wait: int | None = None) -> IdCheckLimitError:
    """The 429 for a spent budget."""
    return IdCheckLimitError(
        "too many national IDs that did not match today: national-ID checks from this "
        "account or address are paused until the next day (UTC); checks by code alone "
        "still answer",
        "امروز شماره‌های ملی نادرست بسیاری از این حساب یا نشانی فرستاده شده است؛ استعلام با "
        "شماره ملی تا آغاز روز بعد متوقف است، اما استعلام با کد همچنان پاسخ می‌دهد",
        retry_after=wait if wait is not None else seconds_to_next_day(now),
    )


class IdChecks:
    """Counts one request's national-ID checks against the documents' and callers' limits."""

    def __init__(
        self, conn: sa.Connection, policy: IdCheckPolicy, budgets: list[Budget], now: datetime
    ) -> None:
        self.conn = conn
        self.policy = policy
        self.now = now
        self._budgets = budgets
        self._start = list(budgets)
        self._guards: dict[int, DocumentGuard] = {}
        self._loaded: set[int] = set()
        self._stored: set[int] = set()
        self._changed: set[int] = set()

    @classmethod
    def begin(
        cls, conn: sa.Connection, policy: IdCheckPolicy, subjects: Sequence[str], now: datetime
    ) -> IdChecks:
        """Lock and read the callers' budgets for today.

        Raises:
            IdCheckLimitError: one of them is already spent (nothing is compared).
        """
        day = day_of(now)
        names = sorted(set(subjects))
        b = t.id_check_budgets.c
        # Yesterday's rows of these callers are done with: one row per caller at most.
        conn.execute(t.id_check_budgets.delete().where(b.subject.in_(names)).where(b.day < day))
        conn.execute(
            insert_ignore(conn, t.id_check_budgets),
            [{"subject": s, "day": day, "checks": 0, "failures": 0} for s in names],
        )
        query = (
            sa.select(b.subject, b.checks, b.failures)
            .where(b.subject.in_(names))
            .where(b.day == day)
            .order_by(b.subject)
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        budgets = [Budget(r.subject, day, r.checks, r.failures) for r in conn.execute(query)]
        if any(budget.spent(policy) for budget in budgets):
            raise limit_error(now)
        return cls(conn, policy, budgets, now)

    def load(self, document_ids: Iterable[int]) -> None:
        """Read (and lock) the guards of the documents this request will check."""
        wanted = sorted({i for i in document_ids if i not in self._loaded})
        self._loaded.update(wanted)
        g = t.id_check_guards.c
        d = t.documents.c
        for start in range(0, len(wanted), _CHUNK):
            if self.conn.dialect.name == "postgresql":
                # A document nobody has guessed at has no guard row to lock, so two callers
                # (two budgets) could both read "no failures" and both be answered: lock the
                # document itself. NO KEY UPDATE leaves rows that refer to it insertable.
                self.conn.execute(
                    sa.select(d.id)
                    .where(d.id.in_(wanted[start : start + _CHUNK]))
                    .order_by(d.id)
                    .with_for_update(key_share=True)  # PostgreSQL: FOR NO KEY UPDATE
                ).all()
            query = (
                sa.select(g.document_id, g.window_start, g.failures, g.locked_until)
                .where(g.document_id.in_(wanted[start : start + _CHUNK]))
                .order_by(g.document_id)
            )
            if self.conn.dialect.name == "postgresql":
                query = query.with_for_update()
            for row in self.conn.execute(query):
                self._guards[row.document_id] = DocumentGuard(
                    row.window_start, row.failures, row.locked_until
                )
                self._stored.add(row.document_id)

    @property
    def spent(self) -> bool:
        """No wrong ID may be risked any more in this request."""
        return any(budget.spent(self.policy) for budget in self._budgets)

    def locked_until(self, document_id: int) -> datetime | None:
        """When a locked document's checks open again (None: not locked)."""
        guard = self._guards.get(document_id)
        return guard.locked_until if guard is not None and guard.locked(self.now) else None

    def check(self, document_id: int, matched: bool) -> Outcome:
        """Count one comparison of a given national ID with ``document_id``'s holder;
        ``matched`` is its result, which the caller may only disclose for MATCH/NO_MATCH."""
        if self.spent:
            return Outcome.LIMITED
        self.load([document_id])  # (a batch loads all its documents first, in a few queries)
        if self.locked_until(document_id) is not None:
            return Outcome.LOCKED
        self._budgets = [budget.record(matched) for budget in self._budgets]
        if matched:
            return Outcome.MATCH
        guard = self._guards.get(document_id) or fresh_guard(self.now)
        self._guards[document_id] = guard.after_failure(self.now, self.policy)
        self._changed.add(document_id)
        return Outcome.NO_MATCH

    def finish(self) -> None:
        """Write the counts (in the request's transaction)."""
        b = t.id_check_budgets.c
        for before, after in zip(self._start, self._budgets, strict=True):
            if after != before:
                self.conn.execute(
                    t.id_check_budgets.update()
                    .where(b.subject == after.subject)
                    .where(b.day == after.day)
                    .values(checks=after.checks, failures=after.failures)
                )
        g = t.id_check_guards.c
        updates = [{"id": i, **self._row(i)} for i in sorted(self._changed) if i in self._stored]
        if updates:
            self.conn.execute(
                t.id_check_guards.update()
                .where(g.document_id == sa.bindparam("id"))
                .values(
                    window_start=sa.bindparam("window_start"),
                    failures=sa.bindparam("failures"),
                    locked_until=sa.bindparam("locked_until"),
                ),
                updates,
            )
        for i in sorted(self._changed - self._stored):
            self._insert(i)
        self._stored |= self._changed
        self._changed.clear()
        self._start = list(self._budgets)

    def _row(self, document_id: int) -> dict[str, object]:
        guard = self._guards[document_id]
        return {
            "window_start": guard.window_start,
            "failures": guard.failures,
            "locked_until": guard.locked_until,
        }

    def _insert(self, document_id: int) -> None:
        # Another request may have made the row since this one read none: add to it.
        table = t.id_check_guards
        row = {"document_id": document_id, **self._row(document_id)}
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(table).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.document_id],
            set_={
                "failures": table.c.failures + statement.excluded.failures,
                "locked_until": sa.func.coalesce(
                    table.c.locked_until, statement.excluded.locked_until
                ),
            },
        )
        self.conn.execute(statement)


def guards_of_person(
    conn: sa.Connection, person_id: int, now: datetime, policy: IdCheckPolicy
) -> list[dict[str, object]]:
    """The holder's documents with wrong national IDs in the current window, or locked: for
    their access log (they see the attempts and the lock)."""
    g, d = t.id_check_guards.c, t.documents.c
    rows = conn.execute(
        sa.select(d.code, g.window_start, g.failures, g.locked_until)
        .join(t.documents, d.id == g.document_id)
        .where(d.person_id == person_id)
        .order_by(d.code)
    )
    out: list[dict[str, object]] = []
    for row in rows:
        guard = DocumentGuard(row.window_start, row.failures, row.locked_until)
        locked = guard.locked(now)
        if not locked and now - guard.window_start >= policy.window:
            continue  # an old window: its attempts are in the entries, nothing is running
        out.append(
            {
                "code": row.code,
                "failed_attempts": guard.failures,
                "since": guard.window_start.isoformat(),
                "locked_until": guard.locked_until.isoformat()
                if locked and guard.locked_until
                else None,
            }
        )
    return out
