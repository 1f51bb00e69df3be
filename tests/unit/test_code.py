"""The 20-digit authenticity code (DESIGN §2): format, check digits, typo detection, input forms."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.iso7064 import mod_97_10

from sehat.core import code as authcode
from sehat.core.persian import to_persian_digits
from sehat.errors import CodeFormatError

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

codes = st.builds(
    authcode.build,
    domain=st.integers(1, 5),
    institution=st.integers(0, 9999),
    year=st.integers(0, 99),
    kind=st.integers(1, 9),
    serial=st.integers(0, authcode.SERIAL_SPACE - 1),
)


def _error(text: str) -> CodeFormatError:
    with pytest.raises(CodeFormatError) as info:
        authcode.parse(text)
    return info.value


@given(codes)
def test_every_built_code_is_valid_and_mod97_equals_one(code: str) -> None:
    assert len(code) == 20 and code.isdigit()
    assert int(code) % 97 == 1
    assert mod_97_10.is_valid(code)
    assert authcode.parse(code).code == code


@given(codes, st.integers(0, 19), st.integers(1, 9))
def test_any_single_digit_substitution_is_rejected(code: str, position: int, delta: int) -> None:
    wrong = str((int(code[position]) + delta) % 10)
    typo = code[:position] + wrong + code[position + 1 :]
    assert not authcode.is_valid(typo)


@given(codes, st.integers(0, 18))
def test_any_adjacent_transposition_is_rejected(code: str, position: int) -> None:
    a, b = code[position], code[position + 1]
    if a == b:
        return  # swapping equal digits changes nothing: there is no typo to catch
    swapped = code[:position] + b + a + code[position + 2 :]
    assert not authcode.is_valid(swapped)


@given(codes, st.booleans())
def test_format_and_parse_round_trip(code: str, persian: bool) -> None:
    shown = authcode.format_code(code, persian=persian)
    groups = shown.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4, 4]
    assert authcode.parse(shown).code == code


@given(codes, st.sampled_from(["", " ", "-", " - ", "  "]))
def test_persian_and_arabic_digits_with_separators_are_accepted(code: str, sep: str) -> None:
    grouped = sep.join(code[i : i + 4] for i in range(0, 20, 4))
    assert authcode.parse(to_persian_digits(grouped)).code == code
    assert authcode.parse(grouped.translate(ARABIC)).code == code
    assert authcode.parse(f"  {grouped}\n").code == code


@given(codes, st.integers(0, 19), st.sampled_from(list("aZ_./+*#,;:xO")))
def test_any_other_character_is_rejected_with_its_position(code: str, at: int, bad: str) -> None:
    text = code[:at] + bad + code[at:]
    err = _error(text)
    assert err.position == at + 1
    assert "not a digit" in err.message
    assert "رقم نیست" in err.message_fa


def test_fields_are_named() -> None:
    code = authcode.build(2, 17, 1404, 6, 1234567890)
    parsed = authcode.parse(code)
    assert (parsed.domain, parsed.institution, parsed.year, parsed.kind) == (2, 17, 4, 6)
    assert parsed.serial == "1234567890"
    assert parsed.institution_code == "20017"
    assert parsed.check == code[18:]


@pytest.mark.parametrize(
    ("text", "position", "english", "persian"),
    [
        ("1234", 5, "has 4 digits", "۴ رقم"),
        ("1" * 21, 21, "has 21 digits", "۲۱ رقم"),
        ("", 1, "has 0 digits", "۰ رقم"),
    ],
)
def test_wrong_length_says_how_many_digits(
    text: str, position: int, english: str, persian: str
) -> None:
    err = _error(text)
    assert english in err.message and persian in err.message_fa
    assert err.position == position


def test_domain_zero_and_reserved_domains_are_named() -> None:
    zero = authcode.build(0, 1, 1404, 2, 42)
    reserved = authcode.build(7, 1, 1404, 2, 42)
    assert _error(zero).position == 1 and "0 is not a domain" in _error(zero).message
    assert "reserved" in _error(reserved).message


def test_kind_zero_is_rejected_at_position_8() -> None:
    err = _error(authcode.build(1, 1, 1404, 0, 42))
    assert err.position == 8 and "document kind" in err.message


def test_failed_check_points_at_the_check_digits() -> None:
    code = authcode.build(1, 1, 1404, 2, 42)
    bad = code[:18] + f"{(int(code[18:]) + 1) % 100:02d}"
    err = _error(bad)
    assert err.position == 19
    assert "mistyped" in err.message and "جابه‌جا" in err.message_fa


def test_generate_uses_the_random_source_and_never_counts_up() -> None:
    rng = random.Random(7)
    made = [authcode.generate(1, 1, 1405, 2, rng.randrange) for _ in range(200)]
    serials = [int(authcode.parse(c).serial) for c in made]
    assert len(set(made)) == 200
    assert sorted(serials) != serials  # not sequential
    assert all(c.startswith("10001052") for c in made)


def test_bidi_marks_copied_from_persian_text_are_ignored() -> None:
    code = authcode.build(3, 120, 1403, 3, 987654321)
    assert authcode.parse("\u200f" + authcode.format_code(code) + "\u200e").code == code


@given(st.text(alphabet="0123456789", min_size=2, max_size=40))
def test_the_fast_check_is_iso_7064_mod_97_10(digits: str) -> None:
    assert authcode.is_valid_check(digits) == mod_97_10.is_valid(digits)


@given(st.text(alphabet="0123456789", min_size=18, max_size=18))
def test_the_check_digits_are_iso_7064_mod_97_10(first18: str) -> None:
    digits = authcode.check_digits(first18)
    assert digits == mod_97_10.calc_check_digits(first18)
    assert mod_97_10.is_valid(first18 + digits)
