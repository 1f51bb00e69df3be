"""A spreadsheet cell as the text a record field expects.

XLSX cells arrive typed: numbers as ``int``/``float`` (a national ID typed as a number lost
its leading zeros; 17.0 for a GPA of 17), dates as ``datetime``, and a date the sheet did
not format as one as its serial number (days since 1899-12-30). CSV exported from such a
sheet carries the same serials as text. Everything else (Arabic letters, Persian digits,
padding national IDs, Jalali forms) is the record validator's job, for every door alike.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

DATE_FIELDS = frozenset({"birth_date", "entry_date", "graduation_date"})
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 after Lotus's 1900 leap-day bug
_SERIALS = range(10_000, 80_000)  # 1927 … 2119: five digits, never a Jalali or ISO year


def cell_text(field: str, value: object) -> object:
    """``value`` as the record expects it for ``field`` (text, or the value untouched when
    it is not a plain cell, e.g. a list)."""
    if type(value) is str:  # every cell of a CSV: first, as a backfill reads millions
        text = value.strip()
        if field in DATE_FIELDS and text.isascii() and text.isdigit() and int(text) in _SERIALS:
            return (_EXCEL_EPOCH + timedelta(days=int(text))).isoformat()
        return text
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)  # "nan", "inf": refused by validation, naming the field
        if field in DATE_FIELDS and float(value).is_integer() and int(value) in _SERIALS:
            return (_EXCEL_EPOCH + timedelta(days=int(value))).isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        if field in DATE_FIELDS and text.isascii() and text.isdigit() and int(text) in _SERIALS:
            return (_EXCEL_EPOCH + timedelta(days=int(text))).isoformat()
        return text
    return value
