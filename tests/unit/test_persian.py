"""Persian text normalisation as the backfill and the API apply it (DESIGN §3)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sehat.core.persian import (
    ARABIC_DIGITS,
    IDENTIFIER_EDGE,
    PERSIAN_DIGITS,
    ZWNJ,
    foreign_letter,
    hidden_character,
    is_settled,
    normalize_digits_field,
    normalize_text,
    script_of,
    to_latin_digits,
    to_persian_digits,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("علي", "علی"),  # Arabic yeh
        ("مصطفى", "مصطفی"),  # alef maksura
        ("كريمي", "کریمی"),  # Arabic kaf and yeh together
        ("فاطمة", "فاطمه"),  # teh marbuta
        ("اَحمَد", "احمد"),  # diacritics carry no meaning in a name
        ("محمّد", "محمد"),  # shadda
        ("عـــلی", "علی"),  # tatweel (kashida)
        ("خانۀ", "خانه\u0654"),  # heh with yeh above, written as heh + hamza (ISIRI 6219)
    ],
)
def test_arabic_letter_forms_become_persian(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"می{ZWNJ}خواهم", f"می{ZWNJ}خواهم"),  # between letters: spelling, kept
        (f"می{ZWNJ}{ZWNJ}خواهم", f"می{ZWNJ}خواهم"),  # doubled
        (f"می {ZWNJ}خواهم", "می خواهم"),  # beside a space
        (f"مهدی{ZWNJ} ", "مهدی"),  # at the end, with a space
        (f"{ZWNJ}علی{ZWNJ}", "علی"),  # at both ends
        (f"{ZWNJ} {ZWNJ}", ""),
        ("سلام\u200d", "سلام"),  # zero-width joiner
        ("\ufeffنام", "نام"),  # byte-order mark at the start of a CSV cell
        ("\u200fعلی\u200e", "علی"),  # direction marks from copied right-to-left text
    ],
)
def test_zero_width_characters(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  محمد   رضا  ", "محمد رضا"),
        ("علی\u00a0رضا", "علی رضا"),  # no-break space
        ("علی\u202fرضا", "علی رضا"),  # narrow no-break space
        ("a\tb\nc", "a b c"),
    ],
)
def test_spaces_collapse(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_digits() -> None:
    assert to_latin_digits(PERSIAN_DIGITS) == "0123456789"
    assert to_latin_digits(ARABIC_DIGITS) == "0123456789"
    assert to_latin_digits("کد ۱۲۳-٤٥٦") == "کد 123-456"
    assert to_persian_digits("1403/12/30") == "۱۴۰۳/۱۲/۳۰"
    assert normalize_text("ریاضی ۱") == "ریاضی 1"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("۱۷٫۲۵", "17.25"),  # Persian decimal separator
        ("١٧٫٥", "17.5"),
        ("۱۲٬۵۰۰٫۷۵", "12500.75"),  # Persian thousands separator dropped
        ("  ۱۲ ", "12"),
        (f"۱۲{ZWNJ}۳", "123"),
        ("17.5", "17.5"),
    ],
)
def test_numeric_fields(raw: str, expected: str) -> None:
    assert normalize_digits_field(raw) == expected


@given(st.text())
def test_normalize_text_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text())
def test_normalized_text_has_no_arabic_forms_or_edge_space(text: str) -> None:
    out = normalize_text(text)
    assert not set(out) & set("يىكة" + ARABIC_DIGITS + PERSIAN_DIGITS)
    assert out == out.strip() and not out.startswith(ZWNJ) and not out.endswith(ZWNJ)
    assert "  " not in out and ZWNJ * 2 not in out


@given(st.integers(min_value=0, max_value=10**12))
def test_persian_digits_round_trip(n: int) -> None:
    assert to_latin_digits(to_persian_digits(str(n))) == str(n)


def _hidden_one_by_one(text: str) -> tuple[int, str] | None:
    """The rule of hidden_character, character by character (its fast path must agree)."""
    for index, char in enumerate(text):
        if char == "\u200c" or char.isspace():
            continue
        if unicodedata.category(char) in ("Cf", "Cc") or (
            "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"
        ):
            return index + 1, char
    return None


@given(
    st.text(
        alphabet=st.one_of(
            st.characters(),
            st.sampled_from("\u200c\u200b\u200d\u202e\u2066\ufeff\u00ad\t\n\u00a0\ufe0f\x85 ابc"),
        )
    )
)
def test_hidden_character_finds_what_a_scan_of_every_character_finds(text: str) -> None:
    assert hidden_character(text) == _hidden_one_by_one(text)


@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from("abcابپچژکگیДΩ1 -"))))
def test_foreign_letter_names_the_first_letter_of_another_script(text: str) -> None:
    expected = next(
        (
            (i + 1, c)
            for i, c in enumerate(text)
            if unicodedata.category(c).startswith("L") and script_of(c) != "ARABIC"
        ),
        None,
    )
    assert foreign_letter(text, frozenset({"ARABIC"})) == expected


# Text as registrars' files hold it: Persian and Arabic letters and digits, diacritics,
# tatweel, the ZWNJ and the other invisible marks, the BOM, variation selectors, spaces of
# every kind, control characters, and any character at all.
_registrar_text = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(
            "ابپتچژکگیيكىةۀـًٌٍَُِّْ"  # Persian letters, Arabic forms, tatweel, diacritics
            + PERSIAN_DIGITS
            + ARABIC_DIGITS
            + "0123456789٫٬.-/"
            + "\u200c\u200b\u200d\u2060\u200e\u200f\u061c\u202a\u202e\u2066\u2069\ufeff\u00ad"
            + " \t\n\r\x0b\x0c\x1c\x85\u00a0\u202f\u2009\u3000\ufe0f\U000e0100\x00\x7f"
            + "abcZ"
        ),
    ),
    max_size=20,
)


@given(_registrar_text)
def test_settled_text_is_left_as_it_is_by_every_step(text: str) -> None:
    """What is_settled lets through unchanged (record_normalise, record_courses) is what
    normalising leaves as it is, with nothing hidden in it and no edge to strip."""
    if is_settled(text):
        assert normalize_text(text) == text
        assert hidden_character(text) is None
        assert text.strip(IDENTIFIER_EDGE) == text


@given(_registrar_text)
def test_normalized_shown_text_is_mostly_settled(text: str) -> None:
    """Normal text without invisible characters is settled: the fast path is the usual one."""
    normal = normalize_text(text)
    if normal.isprintable() and hidden_character(normal) is None:
        assert is_settled(normal) or "\ufe0f" in normal or "\U000e0100" in normal


def _digits_field_in_full(text: str) -> str:
    """normalize_digits_field without its fast path for ASCII text."""
    return to_latin_digits(text).replace("٫", ".").replace("٬", "").replace("\u200c", "").strip()


@given(_registrar_text)
def test_numeric_fields_read_ascii_text_as_the_full_rule_does(text: str) -> None:
    assert normalize_digits_field(text) == _digits_field_in_full(text)
