"""Solar Hijri <-> Gregorian vectors: persiantools, jalaali-js, laravel-persian-validation."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from sehat.core.jalali import (
    JALALI_MAX_YEAR,
    is_jalali_leap,
    jalali_month_days,
    jalali_parts,
    jalali_to_gregorian,
    parse_date,
    to_jalali,
)
from sehat.errors import InputError

FILE = Path("5-jalali") / "jalali_vectors.json"
# Julian Day Number of 0001-01-01 minus its proleptic Gregorian ordinal (1).
_JDN_OFFSET = 1721425


@pytest.fixture(scope="module")
def vectors(vectors_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((vectors_dir / FILE).read_text(encoding="utf-8"))
    return data


def test_pairs_both_directions(vectors: dict[str, Any]) -> None:
    assert vectors["pairs"]
    for pair in vectors["pairs"]:
        jy, jm, jd = pair["jalali"]
        gregorian = date(*pair["gregorian"])
        assert jalali_to_gregorian(jy, jm, jd) == gregorian, pair
        assert jalali_parts(gregorian) == (jy, jm, jd), pair
        assert to_jalali(gregorian) == f"{jy:04d}/{jm:02d}/{jd:02d}"
        assert parse_date(f"{jy}/{jm}/{jd}") == gregorian


def test_validity(vectors: dict[str, Any]) -> None:
    assert vectors["validity"]
    for item in vectors["validity"]:
        jy, jm, jd = item["jalali"]
        try:
            jalali_to_gregorian(jy, jm, jd)
        except InputError:
            valid = False
        else:
            valid = True
        assert valid is item["valid"], item


def test_disagreement_is_resolved_by_the_1700_rule(vectors: dict[str, Any]) -> None:
    # jdatetime accepts Jalali 3178/1/1, jaalali-js does not; here a year from 1700 on is
    # Gregorian, so as a Jalali date it is refused (and the vectors' expectation holds).
    assert any("3178" in entry for entry in vectors["disagreements"])
    assert JALALI_MAX_YEAR < 3178
    with pytest.raises(InputError):
        jalali_to_gregorian(3178, 1, 1)


def test_leap_years(vectors: dict[str, Any]) -> None:
    assert vectors["leap_years"]
    for item in vectors["leap_years"]:
        year = item["year"]
        assert is_jalali_leap(year) is item["leap"], year
        assert jalali_month_days(year, 12) == (30 if item["leap"] else 29)


def test_jalcal(vectors: dict[str, Any]) -> None:
    assert vectors["jalcal"]
    for item in vectors["jalcal"]:
        jy = item["jy"]
        nowruz = jalali_to_gregorian(jy, 1, 1)
        assert (nowruz.year, nowruz.month, nowruz.day) == (item["gy"], 3, item["march"]), item
        since = next(n for n in range(0, 8) if is_jalali_leap(jy - n))
        assert since == item["leap"], item


def test_month_lengths_note(vectors: dict[str, Any]) -> None:
    assert "month 12 has 29" in vectors["month_lengths_note"]
    for year in (1402, 1403):
        lengths = [jalali_month_days(year, m) for m in range(1, 13)]
        assert lengths[:11] == [31] * 6 + [30] * 5
        start = jalali_to_gregorian(year, 1, 1)
        assert jalali_to_gregorian(year + 1, 1, 1) - start == timedelta(days=sum(lengths))


def test_julian_day_number(vectors: dict[str, Any]) -> None:
    assert vectors["jdn"]
    for item in vectors["jdn"]:
        d = jalali_to_gregorian(*item["jalali"])
        assert d == date(*item["gregorian"])
        assert d.toordinal() + _JDN_OFFSET == item["julian_day_number"]
