"""National-ID checks are a yes/no for one person, never a search (DESIGN §5).

A national ID is ten digits with a check digit, so a caller who may ask "is this document's
holder N?" as often as it likes can walk the IDs of a guessed prefix until one matches. Two
limits stop that, whatever door the question comes through (``POST /verify``, bulk
verification, a registrar's ``prior_code``):

* per document: after :attr:`IdCheckPolicy.document_failures` wrong IDs within
  :attr:`IdCheckPolicy.window`, from anyone, checks on that document answer ``LOCKED``
  (whatever the ID, right or wrong) for :attr:`IdCheckPolicy.lock`;
* per caller (an account, and the network address it comes from): a budget of wrong IDs a
  day, :attr:`IdCheckPolicy.fail_rate` of its checks, never fewer than
  :attr:`IdCheckPolicy.fail_min` nor more than :attr:`IdCheckPolicy.fail_max`; past it,
  national-ID checks are refused until the next UTC day.

This module holds only the arithmetic; ``services/id_checks.py`` keeps the counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True)
class IdCheckPolicy:
    """The limits; each is configurable (``SEHAT_ID_CHECK_*``, config.py)."""

    document_failures: int = 5
    window: timedelta = timedelta(hours=24)
    lock: timedelta = timedelta(hours=24)
    fail_rate: float = 0.02
    fail_min: int = 10  # an honest clerk's few typos on a quiet day
    fail_max: int = 100

    def allowance(self, checks: int) -> int:
        """Wrong IDs a caller may give in a day in which it made ``checks`` checks."""
        share = math.floor(self.fail_rate * max(checks, 0))
        return max(0, min(self.fail_max, max(self.fail_min, share)))


@dataclass(frozen=True)
class DocumentGuard:
    """One document's recent wrong IDs: since ``window_start``, ``failures`` of them."""

    window_start: datetime
    failures: int = 0
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        """Checks on the document answer LOCKED at ``now``."""
        return self.locked_until is not None and now < self.locked_until

    def after_failure(self, now: datetime, policy: IdCheckPolicy) -> DocumentGuard:
        """The guard after one more wrong ID at ``now`` (a fresh window once the last has
        passed and no lock is running)."""
        current = self
        if not self.locked(now) and now - self.window_start >= policy.window:
            current = DocumentGuard(window_start=now)
        failures = current.failures + 1
        locked_until = current.locked_until
        if failures >= policy.document_failures and not current.locked(now):
            locked_until = now + policy.lock
        return replace(current, failures=failures, locked_until=locked_until)


def fresh_guard(now: datetime) -> DocumentGuard:
    """A document with no wrong IDs yet."""
    return DocumentGuard(window_start=now)


@dataclass(frozen=True)
class Budget:
    """One caller's national-ID checks today: how many, and how many named the wrong person."""

    subject: str
    day: date
    checks: int = 0
    failures: int = 0

    def spent(self, policy: IdCheckPolicy) -> bool:
        """No wrong ID may be risked any more today."""
        return self.failures >= policy.allowance(self.checks)

    def record(self, matched: bool) -> Budget:
        """The budget after one more check."""
        return replace(self, checks=self.checks + 1, failures=self.failures + (not matched))


def day_of(now: datetime) -> date:
    """The UTC day budgets are counted in."""
    return now.astimezone(UTC).date()


def seconds_to_next_day(now: datetime) -> int:
    """Whole seconds until the next UTC day (when budgets start again), at least 1."""
    tomorrow = datetime.combine(day_of(now) + timedelta(days=1), time(), tzinfo=UTC)
    return max(1, math.ceil((tomorrow - now).total_seconds()))
