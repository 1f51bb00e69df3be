"""A table of Solar Hijri days, so synthetic dates cost an index, not a calendar conversion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sehat.core.jalali import jalali_month_days, jalali_to_gregorian


@dataclass(frozen=True)
class DayTable:
    """Every day of Solar Hijri years ``first_year``..``last_year``, by a running index.

    Index 0 is 1 Farvardin of ``first_year``; index ``i`` is Gregorian ordinal
    ``base_ordinal + i``. ``text[i]`` is the day as ``YYYY/MM/DD``.
    """

    first_year: int
    last_year: int
    base_ordinal: int
    text: tuple[str, ...]
    month_start: dict[tuple[int, int], int]
    # month_start as a flat tuple: index (year - first_year) * 12 + month - 1
    month_starts: tuple[int, ...]

    @classmethod
    def build(cls, first_year: int, last_year: int) -> DayTable:
        """Walk the calendar once, month by month (lengths from :mod:`sehat.core.jalali`)."""
        text: list[str] = []
        month_start: dict[tuple[int, int], int] = {}
        for year in range(first_year, last_year + 1):
            for month in range(1, 13):
                month_start[(year, month)] = len(text)
                prefix = f"{year:04d}/{month:02d}/"
                length = jalali_month_days(year, month)
                text.extend(f"{prefix}{day:02d}" for day in range(1, length + 1))
        month_start[(last_year + 1, 1)] = len(text)
        base = jalali_to_gregorian(first_year, 1, 1).toordinal()
        flat = tuple(month_start[key] for key in sorted(month_start))
        return cls(first_year, last_year, base, tuple(text), month_start, flat)

    def month_length(self, year: int, month: int) -> int:
        """Days in Solar Hijri ``year/month``."""
        nxt = (year + 1, 1) if month == 12 else (year, month + 1)
        return self.month_start[nxt] - self.month_start[(year, month)]

    def year_end(self, year: int) -> int:
        """Index of the last day of Solar Hijri ``year``."""
        return self.month_start[(year + 1, 1)] - 1

    def gregorian(self, index: int) -> date:
        """The Gregorian date of day ``index``."""
        return date.fromordinal(self.base_ordinal + index)
