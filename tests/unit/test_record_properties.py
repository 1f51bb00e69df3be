"""Properties of record validation (core/record.py and its steps), over generated records.

The valid records are ``sehat synth``'s (realistic, whole histories); hypothesis picks them,
rewrites them as registrars' files do (Persian or Arabic-Indic digits, Arabic letters, stray
spaces, pasted marks), or breaks exactly one field, and checks what a registrar would see.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sehat.core import code as authcode
from sehat.core.persian import ARABIC_DIGITS, PERSIAN_DIGITS, normalize_text
from sehat.core.record import FIELDS, MAX_TEXT, Course, GraduationRecord, validate_record
from sehat.core.record_courses import check_courses
from sehat.core.record_normalise import _text, _text_in_full, refuse_hidden
from sehat.errors import Problem, RecordError
from sehat.reference.loader import load_reference
from sehat.synth import iter_records

REF = load_reference()
TODAY = date(2026, 11, 28)
ROWS = list(iter_records(REF, 1500, seed=12))
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
rows = st.sampled_from(ROWS)


def _as_input(record: GraduationRecord) -> dict[str, object]:
    """A validated record's content sent back in as a record (None: the field left out)."""
    return {k: v for k, v in record.content().items() if v is not None}


@PROPERTY
@given(rows)
def test_a_generated_record_validates_and_normalising_again_changes_nothing(
    row: dict[str, str],
) -> None:
    record = validate_record(row, REF, today=TODAY)
    assert validate_record(_as_input(record), REF, today=TODAY) == record


_DIGIT_FIELDS = (
    "national_id",
    "birth_date",
    "institution",
    "kind",
    "seminary_level",
    "field_code",
    "student_number",
    "entry_date",
    "graduation_date",
)


@PROPERTY
@given(rows, st.sampled_from([PERSIAN_DIGITS, ARABIC_DIGITS]), st.data())
def test_persian_and_arabic_digits_and_separators_mean_the_latin_ones(
    row: dict[str, str], digits: str, data: st.DataObject
) -> None:
    to_local = str.maketrans("0123456789", digits)
    chosen = data.draw(st.sets(st.sampled_from(_DIGIT_FIELDS), min_size=1))
    local = dict(row)
    for name in chosen:
        local[name] = row[name].translate(to_local)
    if data.draw(st.booleans()) and row["gpa"]:
        local["gpa"] = row["gpa"].translate(to_local).replace(".", "٫")  # Persian decimal point
    assert validate_record(local, REF, today=TODAY) == validate_record(row, REF, today=TODAY)


_PASTED = st.sampled_from(["", " ", "\u00a0", "\ufeff", "\u200f", "\u2066", "\u2069", "\t"])


@PROPERTY
@given(rows, st.sampled_from(["national_id", "birth_date", "graduation_date"]), _PASTED, _PASTED)
def test_what_pasting_brings_around_an_identifier_changes_nothing(
    row: dict[str, str], name: str, before: str, after: str
) -> None:
    pasted = {**row, name: before + row[name] + after}
    assert validate_record(pasted, REF, today=TODAY) == validate_record(row, REF, today=TODAY)


@PROPERTY
@given(rows, st.sampled_from(["first_name", "last_name", "father_name"]))
def test_arabic_letter_forms_and_stray_spaces_in_a_name_are_the_persian_name(
    row: dict[str, str], name: str
) -> None:
    assume("ی" in row[name] or "ک" in row[name])
    arabic = "  " + row[name].replace("ی", "ي").replace("ک", "ك") + " "
    record = validate_record({**row, name: arabic}, REF, today=TODAY)
    assert getattr(record, name) == getattr(validate_record(row, REF, today=TODAY), name)


def _bad_national_id(row: dict[str, str]) -> str:
    nid = row["national_id"]
    return nid[:9] + str((int(nid[9]) + 1) % 10)  # a wrong check digit


def _bad_prior_code(_: dict[str, str]) -> str:
    code = authcode.build(1, 1, 1400, 2, 42)
    return code[:18] + f"{(int(code[18:]) + 1) % 100:02d}"


# One corruption per field, each a mistake a registrar's file really holds; none of them
# may make another field wrong.
CORRUPTIONS: dict[str, Any] = {
    "national_id": _bad_national_id,
    "first_name": lambda r: "",
    "last_name": lambda r: r["last_name"] + "\u202e",
    "first_name_latin": lambda r: r["first_name_latin"].replace("a", "а"),  # Cyrillic а
    "birth_date": lambda r: "1402/12/30",  # 1402 is not a leap year
    "graduation_date": lambda r: "1499/01/01",  # in the future
    "entry_date": lambda r: "1399/07/31",  # Mehr has 30 days
    "institution": lambda r: "99999",
    "kind": lambda r: "0",
    "field_code": lambda r: "99999999",
    "program_type": lambda r: "part-time",
    "gender": lambda r: "x",
    "student_number": lambda r: " ",
    "gpa": lambda r: "20.5",
    "prior_code": _bad_prior_code,
    "assurance": lambda r: "certain",
    "prior_institution": lambda r: "00000",
}


@PROPERTY
@given(rows, st.sampled_from(sorted(CORRUPTIONS)))
def test_one_broken_field_is_refused_with_problems_naming_exactly_that_field(
    row: dict[str, str], name: str
) -> None:
    if name == "first_name_latin":
        assume("a" in row["first_name_latin"])
    broken = {**row, name: CORRUPTIONS[name](row)}
    with pytest.raises(RecordError) as info:
        validate_record(broken, REF, today=TODAY)
    assert {p.field for p in info.value.problems} == {name}
    assert all(p.message and p.message_fa and p.fix for p in info.value.problems)


@PROPERTY
@given(rows, st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12))
def test_an_unknown_column_is_named(row: dict[str, str], name: str) -> None:
    assume(name not in FIELDS)
    with pytest.raises(RecordError) as info:
        validate_record({**row, name: "x"}, REF, today=TODAY)
    assert [p.field for p in info.value.problems] == [name]


@PROPERTY
@given(rows)
def test_every_problem_is_listed_at_once(row: dict[str, str]) -> None:
    """Breaking several fields names each of them: a registrar fixes a row in one pass."""
    broken = {**row, **{name: CORRUPTIONS[name](row) for name in ("national_id", "gpa", "kind")}}
    with pytest.raises(RecordError) as info:
        validate_record(broken, REF, today=TODAY)
    assert {p.field for p in info.value.problems} == {"national_id", "gpa", "kind"}


@pytest.mark.parametrize("name", ["courses", "prior_foreign"])
def test_a_deeply_nested_cell_is_a_problem_naming_its_column_not_a_crash(name: str) -> None:
    """A backfill file's JSON column holding ``[[[[…`` (too deep for the JSON reader) is
    refused like any other text that is not a list of courses or a foreign degree."""
    with pytest.raises(RecordError) as info:
        validate_record({**ROWS[0], name: "[" * 100_000}, REF, today=TODAY)
    assert [p.field for p in info.value.problems] == [name]


# Values as any door may hand them in: Persian and Arabic letters and digits, the ZWNJ and
# the other invisible marks, the BOM, spaces of every kind, control characters, any
# character at all, text past MAX_TEXT, and what is not text.
_registrar_text = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(
            "ابپتچژکگیيكىةۀـًٌّ"
            + PERSIAN_DIGITS
            + ARABIC_DIGITS
            + "0123456789٫٬./-"
            + "\u200c\u200b\u200d\u2060\u200e\u200f\u061c\u202a\u202e\u2066\u2069\ufeff\u00ad"
            + " \t\n\r\x1c\x85\u00a0\u202f\u2009\ufe0f\x00aZ"
        ),
    ),
    max_size=24,
)
_raw_values = (
    _registrar_text
    | _registrar_text.map(lambda t: (t or "ی") * (MAX_TEXT // len(t or "ی") + 1))
    | st.sampled_from(["", None, 0, 7, 17.5, True, [], {}, " ", "\ufeff"])
)


@given(st.sampled_from(FIELDS), _raw_values)
def test_a_field_already_normal_reads_as_the_full_rules_read_it(name: str, value: object) -> None:
    """record_normalise's shortcut for settled text gives the same text and problems as
    the full rules (normalise, refuse hidden characters, strip identifier edges, cut)."""
    fast: list[Problem] = []
    full: list[Problem] = []
    assert _text({name: value}, name, fast) == _text_in_full(value, name, full)
    assert fast == full


def _course_in_full(row: dict[str, object], where: str, problems: list[Problem]) -> Course | None:
    """record_courses' reading of a row's texts without the shortcut for settled text."""
    shown = str(row.get("name") or row.get("name_fa") or "")
    refuse_hidden(shown, f"{where}.name", problems)
    name = normalize_text(shown)
    code = normalize_text(str(row.get("code", "")))
    if not name or not code:
        problems.append(Problem(where, "needs a code and a name", "", ""))
        return None
    term = normalize_text(str(row.get("term", "")))
    return Course(code, name, Decimal("3"), Decimal("17"), term)


@given(_registrar_text, _registrar_text, _registrar_text)
def test_course_texts_read_as_the_full_rules_read_them(name: str, code: str, term: str) -> None:
    row: dict[str, object] = {"code": code, "name": name, "credits": 3, "grade": 17, "term": term}
    problems: list[Problem] = []
    courses = check_courses([row], 1, problems)
    expected_problems: list[Problem] = []
    expected = _course_in_full(row, "courses[0]", expected_problems)
    assert courses == ((expected,) if expected is not None else ())
    assert [p.field for p in problems] == [p.field for p in expected_problems]
    assert [p.position for p in problems] == [p.position for p in expected_problems]
