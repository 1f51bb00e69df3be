"""The graduation record (DESIGN §3): normalise and validate one record, listing every problem.

One record is one JSON object on the API or one row of a backfill file. Values arrive as
text (Persian or Arabic digits welcome) or numbers; what comes out is a frozen, normalised
:class:`GraduationRecord`, or a :class:`RecordError` listing every problem at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from sehat.core import code as authcode
from sehat.core.jalali import parse_date
from sehat.core.national_id import parse_foreign_id, parse_national_id
from sehat.core.persian import (
    SCRIPT_NAMES,
    describe,
    foreign_letter,
    hidden_character,
    normalize_digits_field,
    normalize_text,
    script_of,
    to_persian_digits,
)
from sehat.errors import InputError, Problem, RecordError
from sehat.reference.models import ProgramType, Reference

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
_SCRIPTS = {
    **dict.fromkeys(PERSIAN_NAMES, frozenset({"ARABIC"})),
    # MODIFIER: ʿ and ʾ, how ع and ء are often transliterated.
    **dict.fromkeys(LATIN_NAMES, frozenset({"LATIN", "MODIFIER"})),
}
# Text printed on a document or shown to a verifier: no invisible or reordering characters.
SHOWN_TEXT = (*PERSIAN_NAMES, *LATIN_NAMES, "field_name")


class Assurance(StrEnum):
    """How the registry knows a record is true (DESIGN §3, legacy backfill)."""

    BORN_DIGITAL = "born_digital"
    DIGITISED = "digitised"
    ATTESTED = "attested"


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


def _p(field: str, en: str, fa: str, fix: str = "", fix_fa: str = "") -> Problem:
    return Problem(field=field, message=en, message_fa=fa, fix=fix, fix_fa=fix_fa)


def _text(raw: Mapping[str, object], name: str, problems: list[Problem]) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.append(
            _p(
                name,
                "must be text",
                "باید متن باشد",
                f"send {name} as a string",
                f"{name} را به صورت متن بفرستید",
            )
        )
        return ""
    if name in SHOWN_TEXT:
        _refuse_hidden(str(value), name, problems)
    text = normalize_text(str(value))
    if len(text) > MAX_TEXT:
        problems.append(
            _p(
                name,
                f"is longer than {MAX_TEXT} characters",
                f"بیش از {MAX_TEXT} نویسه است",
                "shorten it",
                "کوتاه‌ترش کنید",
            )
        )
        return text[:MAX_TEXT]
    return text


def _refuse_hidden(text: str, name: str, problems: list[Problem]) -> None:
    """A problem for the first invisible or reordering character (persian.hidden_character)."""
    found = hidden_character(text)
    if found is None:
        return
    at, char = found
    problems.append(
        Problem(
            name,
            f"holds an invisible character, {describe(char)}, at position {at}: bidi controls "
            "and zero-width characters (other than the zero-width non-joiner) can make it "
            "display as something other than what is stored and signed",
            f"نویسه نامرئی {describe(char)} در جایگاه {to_persian_digits(str(at))} دارد: "
            "نویسه‌های کنترل جهت و نویسه‌های بی‌عرض (جز نیم‌فاصله) ممکن است متن را "
            "جز آنچه ذخیره و امضا می‌شود نشان دهند",
            "remove it and retype the text (a zero-width non-joiner, U+200C, is allowed where "
            "Persian spelling needs it)",
            "آن را حذف و متن را دوباره تایپ کنید (نیم‌فاصله، U+200C، هر جا املای فارسی بخواهد "
            "مجاز است)",
            at,
        )
    )


def _refuse_mixed_script(t: Mapping[str, str], problems: list[Problem]) -> None:
    """A problem for each name holding a letter of a script other than its own."""
    for name, allowed in _SCRIPTS.items():
        found = foreign_letter(t[name], allowed)
        if found is None:
            continue
        at, char = found
        script, script_fa = SCRIPT_NAMES.get(script_of(char), ("another", "دیگر"))
        if name in PERSIAN_NAMES:
            own, own_fa = "Persian", "فارسی"
            fix = f"write {name} in Persian letters only; the Latin spelling goes in {name}_latin"
            fix_fa = f"{name} را فقط با حروف فارسی بنویسید؛ املای لاتین در {name}_latin می‌آید"
        else:
            own, own_fa = "Latin", "لاتین"
            persian = name.removesuffix("_latin")
            fix = f"write {name} in Latin letters only; the Persian spelling goes in {persian}"
            fix_fa = f"{name} را فقط با حروف لاتین بنویسید؛ املای فارسی در {persian} می‌آید"
        problems.append(
            Problem(
                name,
                f"mixes scripts: a {own} name with a {script} letter, {describe(char)}, at "
                f"position {at} (a look-alike letter makes a different name that reads the same)",
                f"خط‌ها درآمیخته است: نامی {own_fa} با حرفی {script_fa}، {describe(char)}، "
                f"در جایگاه {to_persian_digits(str(at))} (حرف هم‌شکل از خط دیگر نامی دیگر "
                "می‌سازد که یکسان خوانده می‌شود)",
                fix,
                fix_fa,
                at,
            )
        )


def _int(text: str, name: str, low: int, high: int, problems: list[Problem]) -> int | None:
    digits = normalize_digits_field(text)
    if not (digits.isascii() and digits.isdigit()) or not low <= int(digits) <= high:
        problems.append(
            _p(
                name,
                f"{text!r} is not a whole number from {low} to {high}",
                f"«{text}» عددی صحیح از {low} تا {high} نیست",
                f"give {name} as a number from {low} to {high}",
                f"{name} را عددی از {low} تا {high} وارد کنید",
            )
        )
        return None
    return int(digits)


def _decimal(value: object) -> Decimal | None:
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


def _courses(value: object, problems: list[Problem]) -> tuple[Course, ...]:
    if value in (None, "", []):
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            problems.append(
                _p(
                    "courses",
                    "is not a JSON list of courses",
                    "فهرست دروس JSON معتبر نیست",
                    'give a JSON list like [{"code":"1","name":"…","credits":3,"grade":17}]',
                    "فهرست دروس را به شکل JSON بفرستید",
                )
            )
            return ()
    if not isinstance(value, list):
        problems.append(
            _p(
                "courses",
                "must be a list",
                "باید فهرست باشد",
                "send a list of courses",
                "فهرستی از دروس بفرستید",
            )
        )
        return ()
    if len(value) > MAX_COURSES:
        problems.append(
            _p(
                "courses",
                f"more than {MAX_COURSES} courses",
                f"بیش از {MAX_COURSES} درس",
                "split the transcript",
                "ریزنمرات را تقسیم کنید",
            )
        )
        return ()
    out: list[Course] = []
    for i, row in enumerate(value):
        where = f"courses[{i}]"
        if not isinstance(row, dict):
            problems.append(
                _p(
                    where,
                    "must be an object",
                    "باید شیء باشد",
                    "give code, name, credits, grade",
                    "کد، نام، واحد و نمره را بدهید",
                )
            )
            continue
        unknown = set(row) - {"code", "name", "name_fa", "credits", "grade", "term"}
        if unknown:
            problems.append(
                _p(
                    where,
                    f"unknown keys {sorted(unknown)}",
                    "کلید ناشناخته",
                    "use code, name, credits, grade, term",
                    "از کلیدهای مجاز استفاده کنید",
                )
            )
            continue
        credits = _decimal(row.get("credits", ""))
        grade = _decimal(row.get("grade", ""))
        if credits is None or grade is None:
            problems.append(
                _p(
                    where,
                    "credits and grade must be numbers (NaN and Infinity are not)",
                    "واحد و نمره باید عدد باشند",
                    "give numbers, e.g. 3 and 17.5",
                    "عدد وارد کنید",
                )
            )
            continue
        if not (Decimal(0) < credits <= Decimal(30)) or not (Decimal(0) <= grade <= Decimal(20)):
            problems.append(
                _p(
                    where,
                    "credits must be 0-30 and grade 0-20",
                    "واحد باید ۰ تا ۳۰ و نمره ۰ تا ۲۰ باشد",
                    "correct the row",
                    "ردیف را اصلاح کنید",
                )
            )
            continue
        shown = str(row.get("name") or row.get("name_fa") or "")
        _refuse_hidden(shown, f"{where}.name", problems)
        name = normalize_text(shown)
        code = normalize_text(str(row.get("code", "")))
        if not name or not code:
            problems.append(
                _p(
                    where,
                    "needs a code and a name",
                    "کد و نام درس لازم است",
                    "give both",
                    "هر دو را وارد کنید",
                )
            )
            continue
        out.append(Course(code, name, credits, grade, normalize_text(str(row.get("term", "")))))
    return tuple(out)


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
    unknown = sorted(set(raw) - set(FIELDS))
    for name in unknown:
        problems.append(
            _p(
                name,
                "is not a field of the graduation record",
                "فیلد رکورد دانش‌آموختگی نیست",
                "remove it; field names are listed in docs/records.md",
                "حذفش کنید؛ نام فیلدها در مستندات آمده است",
            )
        )
    t = {
        name: _text(raw, name, problems)
        for name in FIELDS
        if name not in ("courses", "prior_foreign")
    }
    _refuse_mixed_script(t, problems)
    for name in REQUIRED:
        if not t[name]:
            problems.append(
                _p(name, "is required", "الزامی است", f"give {name}", f"{name} را وارد کنید")
            )

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
            _p(
                "national_id",
                "a national ID (or foreign_id for foreign nationals) is required",
                "کد ملی (یا کد فراگیر اتباع) الزامی است",
                "give national_id",
                "کد ملی را وارد کنید",
            )
        )

    institution = normalize_digits_field(t["institution"])
    if institution and institution not in reference.institutions:
        problems.append(
            _p(
                "institution",
                f"{institution!r} is not a known institution code",
                "کد موسسه شناخته نیست",
                "give the 5-digit code (domain + number) from GET /api/v1/institutions",
                "کد پنج‌رقمی موسسه را از فهرست موسسات وارد کنید",
            )
        )
    elif institution and not reference.institutions[institution].active:
        problems.append(
            _p(
                "institution",
                "the institution is not active",
                "موسسه غیرفعال است",
                "ask the domain office",
                "با دفتر حوزه تماس بگیرید",
            )
        )

    kind = _int(t["kind"], "kind", 1, 9, problems) if t["kind"] else None
    if kind is not None and kind not in reference.kinds:
        problems.append(
            _p(
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
    if kind == 7 and level is None and not t["seminary_level"]:
        problems.append(
            _p(
                "seminary_level",
                "a seminary certificate needs its level (1-4)",
                "مدرک حوزوی سطح لازم دارد (۱ تا ۴)",
                "give seminary_level",
                "سطح را وارد کنید",
            )
        )
    if kind is not None and kind != 7 and level is not None:
        problems.append(
            _p(
                "seminary_level",
                "only seminary certificates (kind 7) have a level",
                "فقط مدرک حوزوی (نوع ۷) سطح دارد",
                "leave it empty",
                "خالی بگذارید",
            )
        )
    if (
        institution in reference.institutions
        and kind == 7
        and reference.institutions[institution].domain not in (4, 5)
    ):
        problems.append(
            _p(
                "kind",
                "seminary certificates are issued by seminaries (domains 4, 5)",
                "مدرک حوزوی فقط در حوزه‌های ۴ و ۵ صادر می‌شود",
                "check kind",
                "نوع را بررسی کنید",
            )
        )

    field_code = normalize_digits_field(t["field_code"])
    field_name = t["field_name"]
    if field_code:
        known = reference.fields.get(field_code)
        if known is None:
            problems.append(
                _p(
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
                _p(
                    "program_type",
                    f"{t['program_type']!r} is not a programme type",
                    "نوع دوره نامعتبر است",
                    "use continuous, discontinuous or integrated",
                    "پیوسته، ناپیوسته یا یکپارچه",
                )
            )
        else:
            program = found

    gender = ""
    if t["gender"]:
        gender = _GENDERS.get(t["gender"].lower(), "")
        if not gender:
            problems.append(
                _p(
                    "gender",
                    f"{t['gender']!r} is not a gender",
                    "جنسیت نامعتبر است",
                    "use male or female (مرد / زن)",
                    "مرد یا زن",
                )
            )

    birth = _date(t["birth_date"], "birth_date", problems) if t["birth_date"] else None
    entry = _date(t["entry_date"], "entry_date", problems) if t["entry_date"] else None
    graduated = (
        _date(t["graduation_date"], "graduation_date", problems) if t["graduation_date"] else None
    )
    if graduated and graduated > today:
        problems.append(
            _p(
                "graduation_date",
                "is in the future",
                "در آینده است",
                "give the date the student graduated",
                "تاریخ دانش‌آموختگی را درست وارد کنید",
            )
        )
    if birth and graduated and birth >= graduated:
        problems.append(
            _p(
                "birth_date",
                "is not before the graduation date",
                "پیش از تاریخ دانش‌آموختگی نیست",
                "check both dates",
                "هر دو تاریخ را بررسی کنید",
            )
        )
    if entry and graduated and entry > graduated:
        problems.append(
            _p(
                "entry_date",
                "is after the graduation date",
                "پس از تاریخ دانش‌آموختگی است",
                "check both dates",
                "هر دو تاریخ را بررسی کنید",
            )
        )

    gpa = None
    if t["gpa"]:
        gpa = _decimal(t["gpa"])
        if gpa is None or not Decimal(0) <= gpa <= Decimal(20):
            problems.append(
                _p(
                    "gpa",
                    f"{t['gpa']!r} is not a grade from 0 to 20",
                    "معدل باید عددی از ۰ تا ۲۰ باشد",
                    "e.g. 17.25 or ۱۷٫۲۵",
                    "مثلاً ۱۷٫۲۵",
                )
            )
            gpa = None

    prior_code = _code_field(t["prior_code"], "prior_code", problems)
    degree_code = _code_field(t["degree_code"], "degree_code", problems)
    courses = _courses(raw.get("courses"), problems)
    if kind == 8 and not courses:
        problems.append(
            _p(
                "courses",
                "a transcript needs its courses",
                "ریزنمرات بدون درس معنا ندارد",
                "give the courses",
                "دروس را وارد کنید",
            )
        )
    prior_institution = normalize_digits_field(t["prior_institution"]) or None
    if prior_institution and prior_institution not in reference.institutions:
        problems.append(
            _p(
                "prior_institution",
                "is not a known institution code",
                "کد موسسه مدرک قبلی شناخته نیست",
                "give a 5-digit institution code",
                "کد پنج‌رقمی موسسه را وارد کنید",
            )
        )
    foreign = _foreign(raw.get("prior_foreign"), problems)
    assurance = Assurance.BORN_DIGITAL
    if t["assurance"]:
        try:
            assurance = Assurance(t["assurance"].lower())
        except ValueError:
            problems.append(
                _p(
                    "assurance",
                    "is not an assurance level",
                    "سطح اطمینان نامعتبر است",
                    "use born_digital, digitised or attested",
                    "یکی از سه سطح مجاز",
                )
            )

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
        prior_foreign=foreign,
        assurance=assurance,
    )


def _foreign(value: object, problems: list[Problem]) -> ForeignPrior | None:
    if value in (None, "", {}):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    keys = ("country", "institution", "degree", "equivalence_ref")
    if (
        not isinstance(value, dict)
        or set(value) - set(keys)
        or not all(isinstance(value.get(k), str) and value.get(k) for k in keys)
    ):
        problems.append(
            _p(
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
        _refuse_hidden(value[k], f"prior_foreign.{k}", problems)
    return ForeignPrior(*(normalize_text(str(value[k])) for k in keys))
