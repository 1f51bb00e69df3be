"""National and foreign-national IDs as registrars and spreadsheets give them (DESIGN §3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sehat.core.national_id import (
    check_digit,
    is_valid_national_id,
    make_national_id,
    parse_foreign_id,
    parse_national_id,
)
from sehat.errors import InputError

VALID = "0013542419"

first9 = st.text(alphabet="0123456789", min_size=9, max_size=9).filter(
    lambda s: len(set(s + check_digit(s))) > 1
)


def _problem(text: str, field: str = "national_id") -> tuple[str, str, int | None, str]:
    with pytest.raises(InputError) as info:
        parse_national_id(text) if field == "national_id" else parse_foreign_id(text)
    problem = info.value.problems[0]
    assert problem.field == field
    assert problem.message_fa and problem.fix and problem.fix_fa
    return problem.message, problem.message_fa, problem.position, problem.fix


@pytest.mark.parametrize(
    "text",
    [
        VALID,
        "۰۰۱۳۵۴۲۴۱۹",  # Persian digits
        "٠٠١٣٥٤٢٤١٩",  # Arabic-Indic digits
        "  0013542419\u200f ",  # spaces and a right-to-left mark around it
        "001-354241-9",  # as printed on the national card
        "۰۰۱-۳۵۴۲۴۱-۹",
        "001 354241 9",
        "001\u2013354241\u20139",  # en dashes from a word processor
        "13542419",  # a spreadsheet dropped two leading zeros
        "013542419",  # ... or one
    ],
)
def test_accepted_forms_give_ten_ascii_digits(text: str) -> None:
    assert parse_national_id(text) == VALID


def test_check_digit_failure_names_digit_ten() -> None:
    message, message_fa, position, _ = _problem("0013542418")
    assert position == 10
    assert "check digit" in message and "کنترلی" in message_fa


def test_padded_id_that_fails_says_zeros_were_restored() -> None:
    message, _, _, _ = _problem("12345678")
    assert "leading zeros" in message


def test_repeated_digit_is_refused_although_it_passes_mod_11() -> None:
    assert check_digit("111111111") == "1"
    message, message_fa, _, _ = _problem("1111111111")
    assert "repeated" in message and "تکرار" in message_fa


def test_letter_is_reported_at_its_position() -> None:
    message, _, position, _ = _problem("00a3542419")
    assert position == 3 and "'a'" in message


def test_hyphen_outside_the_card_grouping_is_refused() -> None:
    # 12345-6789 would pad to the valid 0123456789; a misplaced separator means lost digits.
    message, _, position, _ = _problem("12345-6789")
    assert position == 6 and "3-6-1" in message


@pytest.mark.parametrize("text", ["", "   ", "1234567", "12345678901", "001354241"])
def test_wrong_lengths_and_empty_are_refused(text: str) -> None:
    message, _, _, _ = _problem(text)
    assert "empty" in message or "digits" in message


def test_is_valid_national_id() -> None:
    assert is_valid_national_id(VALID)
    assert not is_valid_national_id("0013542418")
    assert not is_valid_national_id("abc")


def test_make_national_id_refuses_bad_input() -> None:
    with pytest.raises(ValueError):
        make_national_id("12345678")
    with pytest.raises(ValueError):
        make_national_id("000000000")  # would be 0000000000


@given(first9)
def test_every_made_id_parses(prefix: str) -> None:
    nid = make_national_id(prefix)
    assert len(nid) == 10 and nid.startswith(prefix)
    assert parse_national_id(nid) == nid


@given(first9, st.integers(min_value=1, max_value=9))
def test_a_changed_check_digit_fails(prefix: str, delta: int) -> None:
    nid = make_national_id(prefix)
    wrong = nid[:9] + str((int(nid[9]) + delta) % 10)
    if len(set(wrong)) > 1:
        assert not is_valid_national_id(wrong)


@pytest.mark.parametrize("text", ["123456789012", "۱۲۳۴۵۶۷۸۹۰۱۲", " 1234-5678-9012 "])
def test_foreign_id_accepts_twelve_digits(text: str) -> None:
    assert parse_foreign_id(text) == "123456789012"


def test_foreign_id_refuses_wrong_length_and_letters() -> None:
    message, _, _, _ = _problem("12345678901", field="foreign_id")
    assert "11 digits" in message
    message, _, position, _ = _problem("1234x6789012", field="foreign_id")
    assert position == 5


def test_errors_carry_the_callers_field_name() -> None:
    with pytest.raises(InputError) as info:
        parse_national_id("1", field="holder_national_id")
    assert info.value.field == "holder_national_id"
