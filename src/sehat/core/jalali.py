"""Dates as a registrar writes them (DESIGN §3): Jalali ``YYYY/MM/DD`` or ISO Gregorian.

Storage and the wire use Gregorian ``datetime.date``; Solar Hijri arithmetic (month lengths,
leap years, conversion) is jdatetime's. A year below 1700 is read as Solar Hijri, from 1700
on as Gregorian: the two calendars' years in use (13xx-14xx vs 19xx-20xx) never meet.

Pure: text in, a ``date`` out, or an :class:`InputError` naming the field, saying why the
date does not exist and how to write it.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from functools import lru_cache

import jdatetime

from sehat.core.persian import (
    HYPHENS,
    INVISIBLE_MARKS,
    invisible_inside,
    strip_edges,
    to_latin_digits,
    to_persian_digits,
)
from sehat.errors import InputError, Problem

JALALI_MIN_YEAR = 1
JALALI_MAX_YEAR = 1699  # from 1700 a year is read as Gregorian
GREGORIAN_MIN_YEAR = 1700

MONTHS_FA = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
MONTHS_EN = (
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)
_GREGORIAN_MONTHS_FA = (
    "ژانویه",
    "فوریه",
    "مارس",
    "آوریل",
    "مه",
    "ژوئن",
    "ژوئیه",
    "اوت",
    "سپتامبر",
    "اکتبر",
    "نوامبر",
    "دسامبر",
)

# The invisible characters pasting brings along are stripped at a date's edges, as for a
# code and a national ID (persian.IDENTIFIER_EDGE); inside, they are refused, naming them.
_SEPARATORS = str.maketrans(dict.fromkeys(HYPHENS, "-") | {"\u066b": "."})
_DATE = re.compile(r"([0-9]{1,4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
# jdatetime consults the process locale on every construction unless one is given; the
# locale only changes month-name language, which nothing here uses.
_LOCALE = "fa_IR"
_FIX = "write the date as Jalali YYYY/MM/DD (e.g. 1403/12/30) or Gregorian YYYY-MM-DD"
_FIX_FA = "تاریخ را شمسی به شکل YYYY/MM/DD (مثلاً ۱۴۰۳/۱۲/۳۰) یا میلادی به شکل YYYY-MM-DD بنویسید"


def _fa(n: int) -> str:
    return to_persian_digits(str(n))


def _fa_date(year: int, month: int, day: int, sep: str) -> str:
    return to_persian_digits(f"{year}{sep}{month:02d}{sep}{day:02d}")


def _error(
    field: str,
    message: str,
    message_fa: str,
    fix: str = _FIX,
    fix_fa: str = _FIX_FA,
    position: int | None = None,
) -> InputError:
    return InputError(Problem(field, message, message_fa, fix, fix_fa, position))


@lru_cache(maxsize=4096)
def is_jalali_leap(year: int) -> bool:
    """Whether Esfand of Solar Hijri ``year`` has 30 days.

    Raises:
        ValueError: ``year`` is outside jdatetime's range (1-9377).
    """
    leap: bool = jdatetime.date(year, 1, 1, locale=_LOCALE).isleap()
    return leap


def jalali_month_days(year: int, month: int) -> int:
    """Days in a Solar Hijri month: 31 in months 1-6, 30 in 7-11, 29 or 30 in Esfand."""
    if not 1 <= month <= 12:
        raise ValueError("month must be 1-12")
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if is_jalali_leap(year) else 29


@lru_cache(maxsize=1 << 16)  # a backfill reads the same few thousand dates again and again
def _jalali_to_date(year: int, month: int, day: int) -> date:
    gregorian: date = jdatetime.date(year, month, day, locale=_LOCALE).togregorian()
    return gregorian


def jalali_to_gregorian(year: int, month: int, day: int, field: str = "date") -> date:
    """The Gregorian date of Solar Hijri ``year/month/day``.

    Args:
        field: the field name errors should carry.

    Raises:
        InputError: the year is outside 1-1699, or the month or day does not exist (saying
            how many days that month has and, for Esfand, whether the year is a leap year).
    """
    return _jalali(year, month, day, field, (None, None, None))


# Where the year, month and day start in the text a date came from (1-based), for errors.
_Positions = tuple[int | None, int | None, int | None]


def _jalali(year: int, month: int, day: int, field: str, at: _Positions) -> date:
    if not JALALI_MIN_YEAR <= year <= JALALI_MAX_YEAR:
        raise _error(
            field,
            f"year {year} is not a Solar Hijri year this registry accepts ({JALALI_MIN_YEAR}-"
            f"{JALALI_MAX_YEAR}); years from {GREGORIAN_MIN_YEAR} are read as Gregorian",
            f"سال {_fa(year)} سال شمسی پذیرفتنی نیست (۱ تا ۱۶۹۹)؛ سال‌های ۱۷۰۰ به بعد میلادی "
            "خوانده می‌شوند",
            position=at[0],
        )
    if not 1 <= month <= 12:
        raise _error(
            field,
            f"month {month} does not exist; Solar Hijri months are 1 (Farvardin) to 12 (Esfand)",
            f"ماه {_fa(month)} وجود ندارد؛ ماه‌های شمسی از ۱ (فروردین) تا ۱۲ (اسفند) است",
            "check the month",
            "ماه را بررسی کنید",
            at[1],
        )
    length = jalali_month_days(year, month)
    if not 1 <= day <= length:
        why = f"{MONTHS_EN[month - 1]} {year} has {length} days"
        why_fa = f"{MONTHS_FA[month - 1]} {_fa(year)} {_fa(length)} روز دارد"
        if month == 12:
            if is_jalali_leap(year):
                why += f" ({year} is a leap year)"
                why_fa += f" ({_fa(year)} کبیسه است)"
            else:
                why += f" ({year} is not a leap year)"
                why_fa += f" ({_fa(year)} کبیسه نیست)"
        raise _error(
            field,
            f"{year}/{month:02d}/{day:02d} does not exist: {why}",
            f"تاریخ {_fa_date(year, month, day, '/')} وجود ندارد: {why_fa}",
            f"check the day; the last day of that month is {year}/{month:02d}/{length:02d}",
            f"روز را بررسی کنید؛ آخرین روز آن ماه {_fa_date(year, month, length, '/')} است",
            at[2],
        )
    return _jalali_to_date(year, month, day)


def _gregorian(year: int, month: int, day: int, field: str, at: _Positions) -> date:
    if not 1 <= month <= 12:
        raise _error(
            field,
            f"month {month} does not exist; Gregorian months are 1 to 12",
            f"ماه {_fa(month)} وجود ندارد؛ ماه‌های میلادی از ۱ تا ۱۲ است",
            "check the month",
            "ماه را بررسی کنید",
            at[1],
        )
    length = calendar.monthrange(year, month)[1]
    if not 1 <= day <= length:
        why = f"{calendar.month_name[month]} {year} has {length} days"
        why_fa = f"{_GREGORIAN_MONTHS_FA[month - 1]} {_fa(year)} {_fa(length)} روز دارد"
        if month == 2:
            leap = calendar.isleap(year)
            why += f" ({year} is {'' if leap else 'not '}a leap year)"
            why_fa += f" ({_fa(year)} {'کبیسه است' if leap else 'کبیسه نیست'})"
        raise _error(
            field,
            f"{year}-{month:02d}-{day:02d} does not exist: {why}",
            f"تاریخ {_fa_date(year, month, day, '-')} وجود ندارد: {why_fa}",
            f"check the day; the last day of that month is {year}-{month:02d}-{length:02d}",
            f"روز را بررسی کنید؛ آخرین روز آن ماه {_fa_date(year, month, length, '-')} است",
            at[2],
        )
    return date(year, month, day)


def parse_date(text: str, field: str = "date") -> date:
    """Parse a Jalali ``YYYY/MM/DD`` or ISO Gregorian ``YYYY-MM-DD`` date to a Gregorian date.

    Persian and Arabic-Indic digits, ``/``, ``-`` or ``.`` (the same one twice) and 1- or 2-digit
    months and days are accepted. A year below 1700 is Solar Hijri, from 1700 Gregorian.

    Args:
        text: the date as typed.
        field: the field name errors should carry (e.g. ``birth_date``).

    Raises:
        InputError: naming ``field``: not a date at all, a two-digit year, or a date that
            does not exist in its calendar (with the reason, e.g. 1402 is not a leap year).
    """
    if not isinstance(text, str):
        raise _error(field, "the date must be text", "تاریخ باید متن باشد")
    latin = text if text.isascii() else to_latin_digits(text).translate(_SEPARATORS)
    core, lead = strip_edges(latin)
    position = lead + 1
    match = _DATE.fullmatch(core)
    if match is None:
        if not core:
            raise _error(field, "the date is empty", "تاریخ خالی است")
        hidden = next((i for i, c in enumerate(core) if c in INVISIBLE_MARKS), None)
        if hidden is not None:
            message, message_fa = invisible_inside(core[hidden], lead + hidden + 1)
            raise _error(field, message, message_fa, position=lead + hidden + 1)
        raise _error(
            field,
            f"{text.strip()!r} is not a date in a form this registry reads",
            f"«{text.strip()}» تاریخی با قالب پذیرفتنی نیست",
            position=position,
        )
    year_text, _, month_text, day_text = match.groups()
    if len(year_text) != 4:
        raise _error(
            field,
            f"the year {year_text!r} must have four digits (e.g. 1399, not 99)",
            f"سال «{year_text}» باید چهار رقم باشد (مثلاً ۱۳۹۹ نه ۹۹)",
            "write the year in full",
            "سال را کامل بنویسید",
            position,
        )
    year, month, day = int(year_text), int(month_text), int(day_text)
    offset = position - 1
    at = (position, offset + match.start(3) + 1, offset + match.start(4) + 1)
    if year < GREGORIAN_MIN_YEAR:
        return _jalali(year, month, day, field, at)
    return _gregorian(year, month, day, field, at)


@lru_cache(maxsize=1 << 16)
def _jalali_parts(ordinal: int) -> tuple[int, int, int]:
    j = jdatetime.date.fromgregorian(date=date.fromordinal(ordinal), locale=_LOCALE)
    parts: tuple[int, int, int] = (j.year, j.month, j.day)
    return parts


def jalali_parts(d: date) -> tuple[int, int, int]:
    """Solar Hijri (year, month, day) of a Gregorian date."""
    return _jalali_parts(d.toordinal())


def to_jalali(d: date) -> str:
    """A Gregorian date as Jalali ``YYYY/MM/DD`` with ASCII digits, e.g. ``1403/12/30``."""
    y, m, day = _jalali_parts(d.toordinal())
    return f"{y:04d}/{m:02d}/{day:02d}"


def to_jalali_persian(d: date) -> str:
    """A Gregorian date as Jalali ``YYYY/MM/DD`` in Persian digits, e.g. ``۱۴۰۳/۱۲/۳۰``."""
    return to_persian_digits(to_jalali(d))


def jalali_year_of(d: date) -> int:
    """The Solar Hijri year a Gregorian date falls in (it starts at Nowruz, ~March 21)."""
    return _jalali_parts(d.toordinal())[0]
