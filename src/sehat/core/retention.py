"""How long access rows are kept (DESIGN §5, decided): the dates, from a given moment.

A public-tier row (code alone, no token) is kept one by one for ``days`` whole UTC days, then
folded into its document's count for its UTC day and door. A row that names an organisation,
a holder or a share, or records a national-ID check, is evidence: kept 10 years, then removed,
as are the counts of days that old. Days are UTC days, as the national-ID budgets' are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

DEFAULT_DAYS = 90
MAX_DAYS = 3650
EVIDENCE_YEARS = 10


def midnight(day: date) -> datetime:
    """The first instant of ``day`` (UTC)."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def day_of(at: datetime) -> date:
    """The UTC day ``at`` falls on."""
    return at.astimezone(UTC).date()


def fold_before(now: datetime, days: int) -> datetime:
    """Public-tier rows before this instant are folded: the ``days`` whole UTC days before
    today, and today, are kept row by row.

    Raises:
        ValueError: ``days`` below 1 (0 means "never fold": the caller does not compact).
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    return midnight(day_of(now) - timedelta(days=days))


def expire_before(now: datetime) -> datetime:
    """Evidence rows, and the counts of days, before this instant are removed: the same
    calendar day 10 years back (29 February: the 28th)."""
    today = day_of(now)
    year = today.year - EVIDENCE_YEARS
    try:
        return midnight(today.replace(year=year))
    except ValueError:  # 29 February, in a year that has none
        return midnight(today.replace(year=year, day=28))
