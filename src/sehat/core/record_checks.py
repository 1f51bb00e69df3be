"""Step 2 of validating a record, validate: one check per group of fields.

Each check takes the normalised text of :mod:`sehat.core.record_normalise`, appends a
:class:`~sehat.errors.Problem` naming the field for everything wrong, and returns the typed
values (None where a value is missing or wrong). :func:`sehat.core.record.validate_record`
calls them in order; a transcript's courses are :mod:`sehat.core.record_courses`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from sehat.core import code as authcode
from sehat.core.jalali import parse_date
from sehat.core.national_id import parse_foreign_id, parse_national_id
from sehat.core.persian import normalize_digits_field, normalize_text, to_persian_digits
from sehat.core.record_normalise import refuse_hidden
from sehat.core.record_types import Assurance, ForeignPrior
from sehat.errors import InputError, Problem
from sehat.reference.models import ProgramType, Reference

Text = Mapping[str, str]
"""Field name to normalised text, as record_normalise.normalise_fields gives it."""

SEMINARY = 7
TRANSCRIPT = 8
SEMINARY_DOMAINS = (4, 5)

_GENDERS = {
    "male": "male",
    "m": "male",
    "مرد": "male",
    "آقا": "male",
    "1": "male",
    "female": "female",
    "f": "female",
    "زن": "female",
    "خانم": "female",
    "2": "female",
}
_PROGRAMS = {
    "continuous": ProgramType.CONTINUOUS,
    "پیوسته": ProgramType.CONTINUOUS,
    "discontinuous": ProgramType.DISCONTINUOUS,
    "ناپیوسته": ProgramType.DISCONTINUOUS,
    "integrated": ProgramType.INTEGRATED,
    "یکپارچه": ProgramType.INTEGRATED,
    "پیوسته یکپارچه": ProgramType.INTEGRATED,
}


def check_identity(t: Text, problems: list[Problem]) -> tuple[str | None, str | None]:
    """The national ID and the foreign-national ID; one of them is required."""
    national_id = foreign_id = None
    if t["national_id"]:
        try:
            national_id = str(parse_national_id(t["national_id"]))
        except InputError as exc:
            problems.extend(exc.problems)
    if t["foreign_id"]:
        try:
            foreign_id = str(parse_foreign_id(t["foreign_id"]))
        except InputError as exc:
            problems.extend(exc.problems)
    if not t["national_id"] and not t["foreign_id"]:
        problems.append(
            Problem(
                "national_id",
                "a national ID (or foreign_id for foreign nationals) is required",
                "کد ملی (یا کد فراگیر اتباع) الزامی است",
                "give national_id",
                "کد ملی را وارد کنید",
            )
        )
    return national_id, foreign_id


def check_institution(t: Text, reference: Reference, problems: list[Problem]) -> str:
    """The 5-digit institution code, known and active."""
    institution = normalize_digits_field(t["institution"])
    if institution and institution not in reference.institutions:
        problems.append(
            Problem(
                "institution",
                f"{institution!r} is not a known institution code",
                "کد موسسه شناخته نیست",
                "give the 5-digit code (domain + number) from GET /api/v1/institutions",
                "کد پنج‌رقمی موسسه را از فهرست موسسات وارد کنید",
            )
        )
    elif institution and not reference.institutions[institution].active:
        problems.append(
            Problem(
                "institution",
                "the institution is not active",
                "موسسه غیرفعال است",
                "ask the domain office",
                "با دفتر حوزه تماس بگیرید",
            )
        )
    return institution


def check_kind(
    t: Text, institution: str, reference: Reference, problems: list[Problem]
) -> tuple[int | None, int | None]:
    """The document kind and, for a seminary certificate only, its level."""
    kind = _int(t["kind"], "kind", 1, 9, problems) if t["kind"] else None
    if kind is not None and kind not in reference.kinds:
        problems.append(
            Problem(
                "kind",
                f"{kind} is not a document kind",
                "نوع مدرک نامعتبر است",
                "use 1-9",
                "۱ تا ۹",
            )
        )
    level = (
        _int(t["seminary_level"], "seminary_level", 1, 4, problems) if t["seminary_level"] else None
    )
    if kind == SEMINARY and level is None and not t["seminary_level"]:
        problems.append(
            Problem(
                "seminary_level",
                "a seminary certificate needs its level (1-4)",
                "مدرک حوزوی سطح لازم دارد (۱ تا ۴)",
                "give seminary_level",
                "سطح را وارد کنید",
            )
        )
    if kind is not None and kind != SEMINARY and level is not None:
        problems.append(
            Problem(
                "seminary_level",
                "only seminary certificates (kind 7) have a level",
                "فقط مدرک حوزوی (نوع ۷) سطح دارد",
                "leave it empty",
                "خالی بگذارید",
            )
        )
    if (
        institution in reference.institutions
        and kind == SEMINARY
        and reference.institutions[institution].domain not in SEMINARY_DOMAINS
    ):
        problems.append(
            Problem(
                "kind",
                "seminary certificates are issued by seminaries (domains 4, 5)",
                "مدرک حوزوی فقط در حوزه‌های ۴ و ۵ صادر می‌شود",
                "check kind",
                "نوع را بررسی کنید",
            )
        )
    return kind, level


def check_study(
    t: Text, reference: Reference, problems: list[Problem]
) -> tuple[str, str, ProgramType]:
    """The field of study (its name from the reference data when not given) and programme."""
    field_code = normalize_digits_field(t["field_code"])
    field_name = t["field_name"]
    if field_code:
        known = reference.fields.get(field_code)
        if known is None:
            problems.append(
                Problem(
                    "field_code",
                    f"{field_code!r} is not a known field of study",
                    "کد رشته شناخته نیست",
                    "use a code from GET /api/v1/fields",
                    "از فهرست رشته‌ها استفاده کنید",
                )
            )
        elif not field_name:
            field_name = known.name_fa

    program = ProgramType.CONTINUOUS
    if t["program_type"]:
        found = _PROGRAMS.get(t["program_type"].lower())
        if found is None:
            problems.append(
                Problem(
                    "program_type",
                    f"{t['program_type']!r} is not a programme type",
                    "نوع دوره نامعتبر است",
                    "use continuous, discontinuous or integrated",
                    "پیوسته، ناپیوسته یا یکپارچه",
                )
            )
        else:
            program = found
    return field_code, field_name, program


def check_gender(t: Text, problems: list[Problem]) -> str:
    """``male``, ``female`` or "" (not given)."""
    gender = ""
    if t["gender"]:
        gender = _GENDERS.get(t["gender"].lower(), "")
        if not gender:
            problems.append(
                Problem(
                    "gender",
                    f"{t['gender']!r} is not a gender",
                    "جنسیت نامعتبر است",
                    "use male or female (مرد / زن)",
                    "مرد یا زن",
                )
            )
    return gender


def check_dates(
    t: Text, today: date, problems: list[Problem]
) -> tuple[date | None, date | None, date | None]:
    """Birth, entry and graduation dates: each exists, born before graduating, entered no
    later than graduating, graduated no later than ``today``."""
    birth = _date(t["birth_date"], "birth_date", problems) if t["birth_date"] else None
    entry = _date(t["entry_date"], "entry_date", problems) if t["entry_date"] else None
    graduated = (
        _date(t["graduation_date"], "graduation_date", problems) if t["graduation_date"] else None
    )
    if graduated and graduated > today:
        problems.append(
            Problem(
                "graduation_date",
                "is in the future",
                "در آینده است",
                "give the date the student graduated",
                "تاریخ دانش‌آموختگی را درست وارد کنید",
            )
        )
    if birth and graduated and birth >= graduated:
        problems.append(
            Problem(
                "birth_date",
                "is not before the graduation date",
                "پیش از تاریخ دانش‌آموختگی نیست",
                "check both dates",
                "هر دو تاریخ را بررسی کنید",
            )
        )
    if entry and graduated and entry > graduated:
        problems.append(
            Problem(
                "entry_date",
                "is after the graduation date",
                "پس از تاریخ دانش‌آموختگی است",
                "check both dates",
                "هر دو تاریخ را بررسی کنید",
            )
        )
    return birth, entry, graduated


def check_gpa(t: Text, problems: list[Problem]) -> Decimal | None:
    """The grade point average, a finite number from 0 to 20, or None when not given."""
    gpa = None
    if t["gpa"]:
        gpa = finite_decimal(t["gpa"])
        if gpa is None or not Decimal(0) <= gpa <= Decimal(20):
            problems.append(
                Problem(
                    "gpa",
                    f"{t['gpa']!r} is not a grade from 0 to 20",
                    "معدل باید عددی از ۰ تا ۲۰ باشد",
                    "e.g. 17.25 or ۱۷٫۲۵",
                    "مثلاً ۱۷٫۲۵",
                )
            )
            gpa = None
    return gpa


def check_codes(t: Text, problems: list[Problem]) -> tuple[str | None, str | None]:
    """The authenticity codes the record names: its prior degree's and a transcript's degree's."""
    prior_code = _code_field(t["prior_code"], "prior_code", problems)
    degree_code = _code_field(t["degree_code"], "degree_code", problems)
    return prior_code, degree_code


def check_prior_origin(
    t: Text, raw: Mapping[str, object], reference: Reference, problems: list[Problem]
) -> tuple[str | None, ForeignPrior | None]:
    """Where an uncoded prior degree is from: an institution code, or a degree from abroad."""
    prior_institution = normalize_digits_field(t["prior_institution"]) or None
    if prior_institution and prior_institution not in reference.institutions:
        problems.append(
            Problem(
                "prior_institution",
                "is not a known institution code",
                "کد موسسه مدرک قبلی شناخته نیست",
                "give a 5-digit institution code",
                "کد پنج‌رقمی موسسه را وارد کنید",
            )
        )
    return prior_institution, _foreign(raw.get("prior_foreign"), problems)


def check_assurance(t: Text, problems: list[Problem]) -> Assurance:
    """How the registry knows the record is true; born digital unless said otherwise."""
    assurance = Assurance.BORN_DIGITAL
    if t["assurance"]:
        try:
            assurance = Assurance(t["assurance"].lower())
        except (ValueError, RecursionError):  # deep nesting ([[[[…) is not a list either
            problems.append(
                Problem(
                    "assurance",
                    "is not an assurance level",
                    "سطح اطمینان نامعتبر است",
                    "use born_digital, digitised or attested",
                    "یکی از سه سطح مجاز",
                )
            )
    return assurance


def _int(text: str, name: str, low: int, high: int, problems: list[Problem]) -> int | None:
    digits = normalize_digits_field(text)
    if not (digits.isascii() and digits.isdigit()) or not low <= int(digits) <= high:
        problems.append(
            Problem(
                name,
                f"{text!r} is not a whole number from {low} to {high}",
                f"«{text}» " + to_persian_digits(f"عددی صحیح از {low} تا {high} نیست"),
                f"give {name} as a number from {low} to {high}",
                f"{name} را " + to_persian_digits(f"عددی از {low} تا {high} وارد کنید"),
            )
        )
        return None
    return int(digits)


def finite_decimal(value: object) -> Decimal | None:
    """A finite number written as text (Persian digits welcome) or a JSON number; None for
    anything else, NaN, sNaN and Infinity included (they compare as no grade can)."""
    try:
        number = Decimal(normalize_digits_field(str(value)))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _date(text: str, name: str, problems: list[Problem]) -> date | None:
    try:
        return parse_date(text, name)
    except InputError as exc:
        problems.extend(exc.problems)
        return None


def _code_field(text: str, name: str, problems: list[Problem]) -> str | None:
    if not text:
        return None
    try:
        return authcode.parse(text).code
    except InputError as exc:
        problems.extend(
            Problem(name, p.message, p.message_fa, p.fix, p.fix_fa, p.position)
            for p in exc.problems
        )
        return None


def _foreign(value: object, problems: list[Problem]) -> ForeignPrior | None:
    if value in (None, "", {}):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # deep nesting ([[[[…) is not a list either
            value = None
    keys = ("country", "institution", "degree", "equivalence_ref")
    if (
        not isinstance(value, dict)
        or set(value) - set(keys)
        or not all(isinstance(value.get(k), str) and value.get(k) for k in keys)
    ):
        problems.append(
            Problem(
                "prior_foreign",
                "must be an object with country, institution, degree "
                "and equivalence_ref (all text)",
                "مدرک خارجی باید کشور، موسسه، مدرک و شماره ارزشیابی داشته باشد",
                "give all four",
                "هر چهار مورد را وارد کنید",
            )
        )
        return None
    for k in keys:
        refuse_hidden(value[k], f"prior_foreign.{k}", problems)
    return ForeignPrior(*(normalize_text(str(value[k])) for k in keys))
