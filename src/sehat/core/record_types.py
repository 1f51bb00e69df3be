"""What a graduation record is (DESIGN §3): its field names, and the validated record.

The record pipeline, one file a step: ``record_normalise`` reads the raw values as text,
``record_checks`` and ``record_courses`` validate them against the reference data, and
``record.validate_record`` runs the steps in order and builds the :class:`GraduationRecord`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sehat.reference.models import ProgramType

RECORD_FIELDS: tuple[str, ...] = (
    # DESIGN §3, in its order: the columns of a backfill file.
    "national_id",
    "first_name",
    "last_name",
    "first_name_latin",
    "last_name_latin",
    "father_name",
    "birth_date",
    "gender",
    "institution",
    "kind",
    "seminary_level",
    "field_code",
    "field_name",
    "program_type",
    "student_number",
    "entry_date",
    "graduation_date",
    "gpa",
    "prior_code",
    "degree_code",
    "courses",
)
FIELDS: tuple[str, ...] = (
    *RECORD_FIELDS,
    "foreign_id",  # instead of national_id, for foreign nationals
    # Extensions (documented in docs/records.md): where an uncoded prior degree is from,
    # a foreign prior degree, and how sure the registry is of a backfilled record.
    "prior_institution",
    "prior_foreign",
    "assurance",
)
REQUIRED: tuple[str, ...] = (
    "first_name",
    "last_name",
    "birth_date",
    "institution",
    "kind",
    "field_code",
    "student_number",
    "graduation_date",
)
MAX_TEXT = 200
MAX_COURSES = 400
# Names in Persian letters, and their Latin spelling: each in its own script only, so a
# look-alike letter of another script (Cyrillic а for Latin a, Latin o for Persian ه…) cannot
# make two names that read the same but differ, or hide what was signed.
PERSIAN_NAMES = ("first_name", "last_name", "father_name")
LATIN_NAMES = ("first_name_latin", "last_name_latin")
NAME_SCRIPTS: dict[str, frozenset[str]] = {
    **dict.fromkeys(PERSIAN_NAMES, frozenset({"ARABIC"})),
    # MODIFIER: ʿ and ʾ, how ع and ء are often transliterated.
    **dict.fromkeys(LATIN_NAMES, frozenset({"LATIN", "MODIFIER"})),
}
# Text printed on a document or shown to a verifier: no invisible or reordering characters.
SHOWN_TEXT = (*PERSIAN_NAMES, *LATIN_NAMES, "field_name")
# Identifiers read by their own parsers (code, national ID, date), which strip the invisible
# characters at their edges and refuse them inside, the same whatever door the value came in by.
IDENTIFIERS = frozenset(
    {
        "national_id",
        "foreign_id",
        "birth_date",
        "entry_date",
        "graduation_date",
        "prior_code",
        "degree_code",
    }
)


class Assurance(StrEnum):
    """How the registry knows a record is true (DESIGN §3, legacy backfill)."""

    BORN_DIGITAL = "born_digital"
    DIGITISED = "digitised"
    ATTESTED = "attested"


@dataclass(frozen=True)
class Course:
    """One row of a transcript."""

    code: str
    name: str
    credits: Decimal
    grade: Decimal
    term: str


@dataclass(frozen=True)
class ForeignPrior:
    """A prior degree from abroad, recorded with its equivalence reference (DESIGN §3)."""

    country: str
    institution: str
    degree: str
    equivalence_ref: str


@dataclass(frozen=True)
class GraduationRecord:
    """A validated, normalised graduation record."""

    national_id: str | None
    foreign_id: str | None
    first_name: str
    last_name: str
    first_name_latin: str
    last_name_latin: str
    father_name: str
    birth_date: date
    gender: str
    institution: str
    kind: int
    seminary_level: int | None
    field_code: str
    field_name: str
    program_type: ProgramType
    student_number: str
    entry_date: date | None
    graduation_date: date
    gpa: Decimal | None
    prior_code: str | None
    degree_code: str | None
    courses: tuple[Course, ...]
    prior_institution: str | None
    prior_foreign: ForeignPrior | None
    assurance: Assurance

    def without_courses(self) -> GraduationRecord:
        """This record with an empty transcript. What an import's worker sends back beside
        the first version it made ahead, whose content holds the whole record, courses
        included (services/presigned.py): a transcript's rows were most of the cost of
        moving a record between processes, and the writing process never reads them."""
        slim = object.__new__(GraduationRecord)  # no __init__: a copy of checked values
        slim.__dict__.update(self.__dict__, courses=())
        return slim

    @property
    def person_key(self) -> str:
        """The identity a document belongs to: national ID, or ``F`` + foreign ID."""
        return self.national_id if self.national_id else f"F{self.foreign_id}"

    def content(self) -> dict[str, object]:
        """The record as JSON-ready values (ISO dates, decimals as text)."""
        return {
            "national_id": self.national_id,
            "foreign_id": self.foreign_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "first_name_latin": self.first_name_latin,
            "last_name_latin": self.last_name_latin,
            "father_name": self.father_name,
            "birth_date": self.birth_date.isoformat(),
            "gender": self.gender,
            "institution": self.institution,
            "kind": self.kind,
            "seminary_level": self.seminary_level,
            "field_code": self.field_code,
            "field_name": self.field_name,
            "program_type": self.program_type.value,
            "student_number": self.student_number,
            "entry_date": self.entry_date.isoformat() if self.entry_date else None,
            "graduation_date": self.graduation_date.isoformat(),
            "gpa": str(self.gpa) if self.gpa is not None else None,
            "prior_code": self.prior_code,
            "degree_code": self.degree_code,
            "courses": [
                {
                    "code": c.code,
                    "name": c.name,
                    "credits": str(c.credits),
                    "grade": str(c.grade),
                    "term": c.term,
                }
                for c in self.courses
            ],
            "prior_institution": self.prior_institution,
            "prior_foreign": (
                {
                    "country": self.prior_foreign.country,
                    "institution": self.prior_foreign.institution,
                    "degree": self.prior_foreign.degree,
                    "equivalence_ref": self.prior_foreign.equivalence_ref,
                }
                if self.prior_foreign
                else None
            ),
            "assurance": self.assurance.value,
        }
