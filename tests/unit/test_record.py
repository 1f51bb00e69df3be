"""Validating one graduation record: normalisation, every problem listed, the ladder decision."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from sehat.core import code as authcode
from sehat.core.ladder import DocStatus, Outcome, PriorDoc, decide, requirements
from sehat.core.national_id import make_national_id
from sehat.core.record import Assurance, GraduationRecord, validate_record
from sehat.errors import RecordError
from sehat.reference.loader import load_reference
from sehat.reference.models import ProgramType

REF = load_reference()
TODAY = date(2026, 11, 28)
UNI = next(
    i.code
    for i in sorted(REF.institutions.values(), key=lambda i: i.code)
    if i.domain == 1 and i.number and i.active
)
FIELD = next(f.code for f in sorted(REF.fields.values(), key=lambda f: f.code) if 1 in f.domains)
NID = str(make_national_id("001234567"))


def raw(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "national_id": NID,
        "first_name": "مریم",
        "last_name": "رضایی",
        "birth_date": "1370/01/01",
        "institution": UNI,
        "kind": 2,
        "field_code": FIELD,
        "student_number": "9512345",
        "graduation_date": "1399/06/31",
    }
    base.update(extra)
    return base


def problems(**extra: object) -> dict[str, str]:
    with pytest.raises(RecordError) as info:
        validate_record(raw(**extra), REF, today=TODAY)
    return {p.field: p.message for p in info.value.problems}


def test_a_valid_record_is_normalised_to_iso_dates_and_persian_letters() -> None:
    rec = validate_record(raw(first_name="  علي\u200c ", gpa="۱۸٫۵", kind="۲"), REF, today=TODAY)
    assert rec.first_name == "علی"
    assert rec.birth_date == date(1991, 3, 21)
    assert rec.graduation_date == date(2020, 9, 21)
    assert str(rec.gpa) == "18.5" and rec.kind == 2
    assert rec.program_type is ProgramType.CONTINUOUS and rec.assurance is Assurance.BORN_DIGITAL
    assert rec.field_name == REF.fields[FIELD].name_fa
    assert rec.content()["birth_date"] == "1991-03-21"


def test_every_problem_is_listed_at_once() -> None:
    found = problems(
        national_id="0000000000",
        birth_date="1402/12/30",
        gpa="20.5",
        kind=0,
        field_code="nope",
        graduation_date="2999-01-01",
        colour="blue",
    )
    assert {
        "national_id",
        "birth_date",
        "gpa",
        "kind",
        "field_code",
        "graduation_date",
        "colour",
    } <= set(found)


def test_missing_required_fields_are_named() -> None:
    with pytest.raises(RecordError) as info:
        validate_record({"national_id": NID}, REF, today=TODAY)
    named = {p.field for p in info.value.problems}
    assert {
        "first_name",
        "last_name",
        "birth_date",
        "institution",
        "kind",
        "field_code",
        "student_number",
        "graduation_date",
    } <= named


def test_seminary_level_belongs_to_kind_7_only() -> None:
    assert "seminary_level" in problems(seminary_level=2)
    assert "seminary_level" in problems(kind=7)


def test_a_malformed_prior_code_names_the_position() -> None:
    with pytest.raises(RecordError) as info:
        validate_record(raw(prior_code="1000-1052-3480-6857-4305"), REF, today=TODAY)
    [p] = info.value.problems
    assert p.field == "prior_code" and p.position == 19


def test_spreadsheet_national_ids_get_their_zeros_back() -> None:
    rec = validate_record(raw(national_id=NID.lstrip("0")), REF, today=TODAY)
    assert rec.national_id == NID


def _doc(
    kind: int,
    *,
    level: int | None = None,
    person: str = NID,
    status: DocStatus = DocStatus.VALID,
    doc_id: int = 1,
) -> PriorDoc:
    code = authcode.build(1, 1, 1400, kind, doc_id)
    return PriorDoc(doc_id, code, person, UNI, kind, level, status, "9512345")


def _rec(**extra: object) -> GraduationRecord:
    return validate_record(raw(**extra), REF, today=TODAY)


def test_ladder_master_needs_bachelor_or_seminary_level_2() -> None:
    master = _rec(kind=3)
    wanted = {(r.kind, r.seminary_level) for r in requirements(master, REF)}
    assert (2, None) in wanted and (7, 2) in wanted
    assert decide(master, REF, by_code=None, candidates=[]).outcome is Outcome.PENDING_PRIOR
    assert decide(master, REF, by_code=None, candidates=[_doc(2)]).outcome is Outcome.ISSUED
    assert (
        decide(master, REF, by_code=None, candidates=[_doc(7, level=2)]).outcome is Outcome.ISSUED
    )
    assert (
        decide(master, REF, by_code=None, candidates=[_doc(7, level=1)]).outcome
        is Outcome.PENDING_PRIOR
    )


def test_ladder_uses_only_valid_documents_of_the_same_person() -> None:
    master = _rec(kind=3)
    other = str(make_national_id("009876543"))
    for doc in (_doc(2, person=other), _doc(2, status=DocStatus.REVOKED)):
        assert decide(master, REF, by_code=None, candidates=[doc]).outcome is Outcome.PENDING_PRIOR


def test_ladder_phd_accepts_master_professional_doctorate_or_level_3() -> None:
    phd = _rec(kind=5)
    for doc in (_doc(3), _doc(4), _doc(7, level=3)):
        assert decide(phd, REF, by_code=None, candidates=[doc]).outcome is Outcome.ISSUED
    assert decide(phd, REF, by_code=None, candidates=[_doc(2)]).outcome is Outcome.PENDING_PRIOR


def test_ladder_named_prior_code_must_fit() -> None:
    bachelor = _doc(2)
    phd = _rec(kind=5, prior_code=bachelor.code)
    decision = decide(phd, REF, by_code=bachelor, candidates=[bachelor])
    assert decision.outcome is Outcome.REJECTED
    assert decision.reasons[0].field == "prior_code"


def test_ladder_missing_named_prior_asks_its_institution() -> None:
    code = authcode.build(3, 42, 1398, 2, 77)
    master = _rec(kind=3, prior_code=code)
    decision = decide(master, REF, by_code=None, candidates=[])
    assert decision.outcome is Outcome.PENDING_PRIOR and decision.target_institution == "30042"


def test_ladder_exemptions_and_first_rungs() -> None:
    for extra in (
        {"kind": 1},
        {"kind": 2},
        {"kind": 4},
        {"kind": 3, "program_type": "integrated"},
        {"kind": 9},
    ):
        assert decide(_rec(**extra), REF, by_code=None, candidates=[]).outcome is Outcome.ISSUED, (
            extra
        )
    disc = _rec(kind=2, program_type="ناپیوسته")
    assert decide(disc, REF, by_code=None, candidates=[]).outcome is Outcome.PENDING_PRIOR
    assert decide(disc, REF, by_code=None, candidates=[_doc(1)]).outcome is Outcome.ISSUED


@pytest.mark.parametrize(
    ("field", "value", "found"),
    [
        ("first_name", "مریم\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("last_name", "رضا\u200bیی", "U+200B ZERO WIDTH SPACE"),
        ("father_name", "\u2067علی", "U+2067 RIGHT-TO-LEFT ISOLATE"),
        ("first_name_latin", "Mar\u00adyam", "U+00AD SOFT HYPHEN"),
        ("last_name_latin", "Rezaei\ufe0f", "U+FE0F VARIATION SELECTOR-16"),
        ("field_name", "فیزیک\u200d", "U+200D ZERO WIDTH JOINER"),
    ],
)
def test_invisible_characters_in_shown_text_are_rejected(
    field: str, value: str, found: str
) -> None:
    message = problems(**{field: value})[field]
    assert found in message and "invisible" in message


def test_zwnj_is_persian_spelling_and_stays() -> None:
    rec = validate_record(raw(first_name="زهرا\u200cسادات"), REF, today=TODAY)
    assert rec.first_name == "زهرا\u200cسادات"


@pytest.mark.parametrize(
    ("field", "value", "script"),
    [
        ("first_name", "مرьم", "Cyrillic"),
        ("last_name", "رضaیی", "Latin"),
        ("father_name", "علίی", "Greek"),
        ("first_name_latin", "Маryam", "Cyrillic"),
        ("last_name_latin", "Rezaeی", "Persian/Arabic"),
        ("last_name_latin", "Ｒezaei", "another"),  # a fullwidth look-alike
    ],
)
def test_names_mixing_scripts_are_rejected_naming_the_field(
    field: str, value: str, script: str
) -> None:
    message = problems(**{field: value})[field]
    assert "mixes scripts" in message and f"a {script} letter" in message


def test_latin_names_may_carry_accents_and_transliteration_marks() -> None:
    rec = validate_record(
        raw(first_name_latin="Zahrā-Sādāt", last_name_latin="ʿAlavi O'Neill"), REF, today=TODAY
    )
    assert rec.last_name_latin == "ʿAlavi O'Neill"


def test_a_number_out_of_range_is_said_in_persian_digits() -> None:
    with pytest.raises(RecordError) as info:
        validate_record(raw(kind=7, seminary_level="7"), REF, today=TODAY)
    [level] = [p for p in info.value.problems if p.field == "seminary_level"]
    assert level.message == "'7' is not a whole number from 1 to 4"
    assert level.message_fa == "«7» عددی صحیح از ۱ تا ۴ نیست"  # what was typed, as typed
    assert level.fix_fa == "seminary_level را عددی از ۱ تا ۴ وارد کنید"


def test_a_record_without_its_courses_keeps_everything_else() -> None:
    courses = [{"code": "1101", "name": "ریاضی ۱", "credits": "3", "grade": "17", "term": "1395-1"}]
    rec = validate_record(raw(courses=courses), REF, today=TODAY)
    slim = rec.without_courses()
    assert rec.courses and not slim.courses  # the original is left as it was
    assert slim == dataclasses.replace(rec, courses=())
    assert {**slim.content(), "courses": rec.content()["courses"]} == rec.content()
