"""Jalali and Gregorian dates as registrars write them (DESIGN §3)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sehat.core.jalali import (
    is_jalali_leap,
    jalali_month_days,
    jalali_parts,
    jalali_to_gregorian,
    jalali_year_of,
    parse_date,
    to_jalali,
    to_jalali_persian,
)
from sehat.errors import InputError


def _problem(text: str, field: str = "graduation_date") -> tuple[str, str, str, int | None]:
    with pytest.raises(InputError) as info:
        parse_date(text, field)
    problem = info.value.problems[0]
    assert problem.field == field
    assert problem.message_fa and problem.fix and problem.fix_fa
    return problem.message, problem.message_fa, problem.fix, problem.position


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1403/12/30", date(2025, 3, 20)),
        ("۱۴۰۳/۱۲/۳۰", date(2025, 3, 20)),
        ("١٤٠٣/١٢/٣٠", date(2025, 3, 20)),
        ("1403-12-30", date(2025, 3, 20)),
        ("1403.12.30", date(2025, 3, 20)),  # as old spreadsheets write it
        ("۱۴۰۳٫۱۲٫۳۰", date(2025, 3, 20)),  # with the Persian decimal separator
        ("1403/1/5", date(2024, 3, 24)),
        ("  1399/06/31\u200f", date(2020, 9, 21)),
        ("2025-03-20", date(2025, 3, 20)),
        ("2024-2-29", date(2024, 2, 29)),
        ("1699/01/01", date(2320, 3, 21)),  # the last Jalali year by the 1700 rule
        ("1700-01-01", date(1700, 1, 1)),  # the first Gregorian one
    ],
)
def test_accepted_forms(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_esfand_30_of_a_common_year_says_why() -> None:
    message, message_fa, fix, position = _problem("1402/12/30")
    assert "1402 is not a leap year" in message and "29 days" in message
    assert "کبیسه نیست" in message_fa and "اسفند" in message_fa
    assert "1402/12/29" in fix
    assert position == 9  # the day


def test_month_13_names_the_month() -> None:
    message, message_fa, _, position = _problem("1403/13/01")
    assert "month 13" in message and "۱۳" in message_fa
    assert position == 6


def test_gregorian_february_30() -> None:
    message, _, fix, _ = _problem("2024-02-30")
    assert "February 2024 has 29 days" in message and "2024-02-29" in fix


def test_day_31_of_mehr() -> None:
    message, _, _, _ = _problem("1403/07/31")
    assert "Mehr 1403 has 30 days" in message


@pytest.mark.parametrize("text", ["garbage", "", "1403/12", "1403/12-30", "14031230", "1403.12/30"])
def test_not_a_date(text: str) -> None:
    message, _, fix, _ = _problem(text)
    assert "not a date" in message or "empty" in message
    assert "YYYY/MM/DD" in fix


def test_two_digit_year_asks_for_four() -> None:
    message, _, _, _ = _problem("99/01/01")
    assert "four digits" in message


def test_field_name_is_carried() -> None:
    _problem("1402/12/30", field="birth_date")


def test_leap_years_and_month_lengths() -> None:
    assert is_jalali_leap(1403) and not is_jalali_leap(1402) and is_jalali_leap(1399)
    assert [jalali_month_days(1402, m) for m in range(1, 13)] == [31] * 6 + [30] * 5 + [29]
    assert jalali_month_days(1403, 12) == 30


def test_formatting_and_year() -> None:
    d = date(2025, 3, 20)
    assert to_jalali(d) == "1403/12/30"
    assert to_jalali_persian(d) == "۱۴۰۳/۱۲/۳۰"
    assert jalali_year_of(d) == 1403
    assert jalali_year_of(d + timedelta(days=1)) == 1404  # Nowruz


def test_jalali_to_gregorian_year_bounds() -> None:
    with pytest.raises(InputError) as info:
        jalali_to_gregorian(0, 1, 1)
    assert "year 0" in info.value.problems[0].message


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_round_trip_through_jalali_text(d: date) -> None:
    assert parse_date(to_jalali(d)) == d
    assert parse_date(to_jalali_persian(d)) == d
    assert parse_date(d.isoformat()) == d


def test_every_day_from_1300_to_1450_round_trips_in_order() -> None:
    start = jalali_to_gregorian(1300, 1, 1)
    end = jalali_to_gregorian(1450, 12, 29)
    previous = (1299, 12, jalali_month_days(1299, 12))
    d = start
    while d <= end:
        y, m, day = jalali_parts(d)
        assert jalali_to_gregorian(y, m, day) == d
        # Consecutive Gregorian days are consecutive Jalali days: no gap, no repeat.
        py, pm, pd = previous
        if (y, m) == (py, pm):
            assert day == pd + 1
        else:
            assert day == 1 and pd == jalali_month_days(py, pm)
        previous = (y, m, day)
        d += timedelta(days=1)
