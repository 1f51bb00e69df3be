"""The graduation record (DESIGN §3): normalise and validate one record, listing every problem.

One record is one JSON object on the API or one row of a backfill file. Values arrive as
text (Persian or Arabic digits welcome) or numbers; what comes out is a frozen, normalised
:class:`GraduationRecord`, or a :class:`RecordError` listing every problem at once.

:func:`validate_record` runs the steps in order, one module each:

1. ``record_normalise`` — every field's raw value as normalised text; unknown fields, shown
   text with invisible characters, names mixing scripts, missing required fields;
2. ``record_checks`` and ``record_courses`` — one check per group of fields (identity,
   institution and kind, field of study, gender, dates, GPA, named codes, courses, where the
   prior degree is from, assurance), each against the reference data;
3. here — the :class:`GraduationRecord`, when no step found a problem.

The record's types and field lists live in ``record_types`` and are re-exported here, the
name every other module imports them by.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sehat.core.persian import normalize_digits_field
from sehat.core.record_checks import (
    check_assurance,
    check_codes,
    check_dates,
    check_gender,
    check_gpa,
    check_identity,
    check_institution,
    check_kind,
    check_prior_origin,
    check_study,
)
from sehat.core.record_courses import check_courses
from sehat.core.record_normalise import normalise_fields
from sehat.core.record_types import (
    FIELDS,
    IDENTIFIERS,
    LATIN_NAMES,
    MAX_COURSES,
    MAX_TEXT,
    PERSIAN_NAMES,
    RECORD_FIELDS,
    REQUIRED,
    SHOWN_TEXT,
    Assurance,
    Course,
    ForeignPrior,
    GraduationRecord,
)
from sehat.errors import InputError, Problem, RecordError
from sehat.reference.models import Reference

__all__ = [
    "FIELDS",
    "IDENTIFIERS",
    "LATIN_NAMES",
    "MAX_COURSES",
    "MAX_TEXT",
    "PERSIAN_NAMES",
    "RECORD_FIELDS",
    "REQUIRED",
    "SHOWN_TEXT",
    "Assurance",
    "Course",
    "ForeignPrior",
    "GraduationRecord",
    "check_record",
    "validate_record",
]


def check_record(
    raw: Mapping[str, object], reference: Reference, today: date
) -> tuple[GraduationRecord | None, list[Problem]]:
    """:func:`validate_record` as a value: the record and no problems, or None and every
    problem found."""
    try:
        return validate_record(raw, reference, today=today), []
    except InputError as exc:
        return None, list(exc.problems)


def validate_record(
    raw: Mapping[str, object], reference: Reference, *, today: date
) -> GraduationRecord:
    """Normalise and validate one graduation record against the reference data.

    Args:
        raw: field name to value; Persian header aliases must already be mapped.
        reference: the reference data in force.
        today: the date the graduation must not be after.

    Raises:
        RecordError: with every problem found, each naming its field and the fix.
    """
    problems: list[Problem] = []
    t = normalise_fields(raw, problems)
    national_id, foreign_id = check_identity(t, problems)
    institution = check_institution(t, reference, problems)
    kind, level = check_kind(t, institution, reference, problems)
    field_code, field_name, program = check_study(t, reference, problems)
    gender = check_gender(t, problems)
    birth, entry, graduated = check_dates(t, today, problems)
    gpa = check_gpa(t, problems)
    prior_code, degree_code = check_codes(t, problems)
    courses = check_courses(raw.get("courses"), kind, problems)
    prior_institution, prior_foreign = check_prior_origin(t, raw, reference, problems)
    assurance = check_assurance(t, problems)
    if problems:
        raise RecordError(problems)
    assert birth is not None and graduated is not None and kind is not None  # REQUIRED checked
    return GraduationRecord(
        national_id=national_id,
        foreign_id=foreign_id,
        first_name=t["first_name"],
        last_name=t["last_name"],
        first_name_latin=t["first_name_latin"],
        last_name_latin=t["last_name_latin"],
        father_name=t["father_name"],
        birth_date=birth,
        gender=gender,
        institution=institution,
        kind=kind,
        seminary_level=level,
        field_code=field_code,
        field_name=field_name,
        program_type=program,
        student_number=normalize_digits_field(t["student_number"]),
        entry_date=entry,
        graduation_date=graduated,
        gpa=gpa,
        prior_code=prior_code,
        degree_code=degree_code,
        courses=courses,
        prior_institution=prior_institution,
        prior_foreign=prior_foreign,
        assurance=assurance,
    )
