"""One rule for invisible characters around an identifier (core/persian.py): what pasting a
code, a national ID or a date out of a PDF, a Word file, a spreadsheet or a right-to-left page
brings along at its edges is stripped, by every parser alike; inside the value it is refused,
naming the character and its position in the text as received."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sehat.core import code as authcode
from sehat.core.jalali import parse_date
from sehat.core.national_id import parse_foreign_id, parse_national_id
from sehat.core.persian import IDENTIFIER_EDGE, INVISIBLE_MARKS, ZWNJ, hidden_character
from sehat.core.record import validate_record
from sehat.errors import InputError, RecordError
from sehat.reference.loader import load_reference

REF = load_reference()
CODE = authcode.build(3, 120, 1403, 3, 987654321)
NID = "0013542419"
FOREIGN = "123456789012"
DATE = "1399/06/31"
PARSERS = [
    ("code", lambda t: authcode.parse(t).code, CODE),
    ("national_id", parse_national_id, NID),
    ("foreign_id", parse_foreign_id, FOREIGN),
    ("date", parse_date, DATE),
]
EXPECTED = {"code": CODE, "national_id": NID, "foreign_id": FOREIGN, "date": date(2020, 9, 21)}
edges = st.text(alphabet=IDENTIFIER_EDGE, max_size=4)


@pytest.mark.parametrize(("name", "parse", "value"), PARSERS, ids=[p[0] for p in PARSERS])
@given(before=edges, after=edges)
def test_invisible_characters_at_the_edges_are_stripped_by_every_parser(
    name: str, parse: Callable[[str], object], value: str, before: str, after: str
) -> None:
    assert parse(before + value + after) == EXPECTED[name]


@pytest.mark.parametrize(
    ("pasted", "why"),
    [
        ("\ufeff{}", "a byte-order mark at the start of a CSV cell or a pasted value"),
        ("\u2066{}\u2069", "a left-to-right isolate around it, as the PDF certificate prints"),
        ("\u200f{}\u200e", "direction marks from a right-to-left page"),
        ("\u202a{}\u202c", "an embedding from a Word file"),
        ("\u00a0{}\u200b", "a no-break space and a zero-width space"),
    ],
)
def test_a_bom_or_bidi_mark_means_the_same_before_a_code_a_national_id_and_a_date(
    pasted: str, why: str
) -> None:
    for name, parse, value in PARSERS:
        assert parse(pasted.format(value)) == EXPECTED[name], (name, why)


@pytest.mark.parametrize("mark", sorted(INVISIBLE_MARKS))
def test_an_invisible_character_inside_is_refused_naming_it_and_its_position(mark: str) -> None:
    for name, parse, inside in (
        ("code", authcode.parse, f"{CODE[:4]}{mark}{CODE[4:]}"),
        ("national_id", parse_national_id, f"{NID[:4]}{mark}{NID[4:]}"),
        ("foreign_id", parse_foreign_id, f"{FOREIGN[:4]}{mark}{FOREIGN[4:]}"),
        ("date", parse_date, f"{DATE[:4]}{mark}{DATE[4:]}"),
    ):
        with pytest.raises(InputError) as info:
            parse(" " + inside)  # one space before: positions count in the text as received
        problem = info.value.problems[0]
        assert problem.position == 6, name
        assert f"U+{ord(mark):04X}" in problem.message and "invisible" in problem.message, name
        assert "نامرئی" in problem.message_fa, name


def test_only_invisible_characters_is_an_empty_value() -> None:
    for parse in (authcode.parse, parse_national_id, parse_date):
        with pytest.raises(InputError) as info:
            parse("\ufeff\u2066\u2069 ")
        assert "empty" in info.value.problems[0].message or "0 digits" in str(info.value)


def test_every_invisible_mark_but_the_zwnj_is_refused_in_shown_text() -> None:
    """The marks stripped around identifiers are the ones names may not hold."""
    for mark in INVISIBLE_MARKS:
        found = hidden_character(f"علی{mark}رضا")
        assert (found is None) == (mark == ZWNJ), f"U+{ord(mark):04X}"


def _record(**extra: str) -> dict[str, object]:
    base: dict[str, object] = {
        "national_id": NID,
        "first_name": "مریم",
        "last_name": "رضایی",
        "birth_date": "1370/01/01",
        "institution": next(
            i.code for i in sorted(REF.institutions.values(), key=lambda i: i.code) if i.active
        ),
        "kind": 2,
        "field_code": next(iter(sorted(REF.fields))),
        "student_number": "9512345",
        "graduation_date": DATE,
    }
    base.update(extra)
    return base


def test_a_record_follows_the_same_rule_as_the_parsers() -> None:
    """A backfill file's cells and an API's JSON reach the same parsers: edges stripped,
    inside refused naming the field."""
    pasted = _record(
        national_id="\ufeff" + NID,
        graduation_date="\u2066۱۳۹۹/۰۶/۳۱\u2069",
        birth_date=" 1370/01/01",
    )
    rec = validate_record(pasted, REF, today=date(2026, 11, 28))
    assert rec.national_id == NID and rec.graduation_date == date(2020, 9, 21)
    for field, value in (
        ("national_id", NID[:5] + "\u200f" + NID[5:]),
        ("graduation_date", "1399\u200e/06/31"),
        ("prior_code", CODE[:10] + "\ufeff" + CODE[10:]),
    ):
        with pytest.raises(RecordError) as info:
            validate_record(_record(**{field: value}), REF, today=date(2026, 11, 28))
        [problem] = info.value.problems
        assert problem.field == field and "invisible" in problem.message
