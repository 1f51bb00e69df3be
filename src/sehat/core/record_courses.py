"""Step 2 of validating a record, validate: a transcript's courses (kind 8 needs them).

Courses arrive as a list of objects on the API, or as that list in JSON text in a backfill
file's ``courses`` column; each row needs a code, a name, credits (above 0, at most 30) and a
grade (0-20), and its name is shown text (no invisible characters).
"""

from __future__ import annotations

import json
from decimal import Decimal

from sehat.core.persian import is_settled, normalize_text, to_persian_digits
from sehat.core.record_checks import TRANSCRIPT, finite_decimal
from sehat.core.record_normalise import refuse_hidden
from sehat.core.record_types import MAX_COURSES, Course
from sehat.errors import Problem

_COURSE_KEYS = frozenset({"code", "name", "name_fa", "credits", "grade", "term"})
_ZERO, _MAX_CREDITS, _MAX_GRADE = Decimal(0), Decimal(30), Decimal(20)


def check_courses(value: object, kind: int | None, problems: list[Problem]) -> tuple[Course, ...]:
    """The transcript's rows, each checked; a problem for each wrong row, and for a
    transcript (kind 8) without any."""
    courses = tuple(
        course
        for i, row in enumerate(_course_list(value, problems))
        if (course := _course(row, f"courses[{i}]", problems)) is not None
    )
    if kind == TRANSCRIPT and not courses:
        problems.append(
            Problem(
                "courses",
                "a transcript needs its courses",
                "ریزنمرات بدون درس معنا ندارد",
                "give the courses",
                "دروس را وارد کنید",
            )
        )
    return courses


def _course_list(value: object, problems: list[Problem]) -> list[object]:
    """The rows of ``value`` (a list, or JSON text of one); [] and a problem for anything else."""
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # deep nesting ([[[[…) is not a list either
            problems.append(
                Problem(
                    "courses",
                    "is not a JSON list of courses",
                    "فهرست دروس JSON معتبر نیست",
                    'give a JSON list like [{"code":"1","name":"…","credits":3,"grade":17}]',
                    "فهرست دروس را به شکل JSON بفرستید",
                )
            )
            return []
    if not isinstance(value, list):
        problems.append(
            Problem(
                "courses",
                "must be a list",
                "باید فهرست باشد",
                "send a list of courses",
                "فهرستی از دروس بفرستید",
            )
        )
        return []
    if len(value) > MAX_COURSES:
        problems.append(
            Problem(
                "courses",
                f"more than {MAX_COURSES} courses",
                f"بیش از {to_persian_digits(str(MAX_COURSES))} درس",
                "split the transcript",
                "ریزنمرات را تقسیم کنید",
            )
        )
        return []
    return value


def _course(row: object, where: str, problems: list[Problem]) -> Course | None:
    """One row as a :class:`Course`, or None and a problem naming ``where``."""
    if not isinstance(row, dict):
        problems.append(
            Problem(
                where,
                "must be an object",
                "باید شیء باشد",
                "give code, name, credits, grade",
                "کد، نام، واحد و نمره را بدهید",
            )
        )
        return None
    unknown = set(row) - _COURSE_KEYS
    if unknown:
        problems.append(
            Problem(
                where,
                f"unknown keys {sorted(unknown)}",
                "کلید ناشناخته",
                "use code, name, credits, grade, term",
                "از کلیدهای مجاز استفاده کنید",
            )
        )
        return None
    numbers = _credits_and_grade(row, where, problems)
    if numbers is None:
        return None
    credits, grade = numbers
    shown = str(row.get("name") or row.get("name_fa") or "")
    if is_settled(shown):
        name = shown
    else:
        refuse_hidden(shown, f"{where}.name", problems)
        name = normalize_text(shown)
    code = _normal(str(row.get("code", "")))
    if not name or not code:
        problems.append(
            Problem(
                where,
                "needs a code and a name",
                "کد و نام درس لازم است",
                "give both",
                "هر دو را وارد کنید",
            )
        )
        return None
    return Course(code, name, credits, grade, _normal(str(row.get("term", ""))))


def _normal(text: str) -> str:
    return text if is_settled(text) else normalize_text(text)


def _credits_and_grade(
    row: dict[str, object], where: str, problems: list[Problem]
) -> tuple[Decimal, Decimal] | None:
    """A row's credits (above 0, at most 30) and grade (0-20), or None and a problem."""
    credits = finite_decimal(row.get("credits", ""))
    grade = finite_decimal(row.get("grade", ""))
    if credits is None or grade is None:
        problems.append(
            Problem(
                where,
                "credits and grade must be numbers (NaN and Infinity are not)",
                "واحد و نمره باید عدد باشند",
                "give numbers, e.g. 3 and 17.5",
                "عدد وارد کنید",
            )
        )
        return None
    if not (_ZERO < credits <= _MAX_CREDITS) or not (_ZERO <= grade <= _MAX_GRADE):
        problems.append(
            Problem(
                where,
                "credits must be 0-30 and grade 0-20",
                "واحد باید ۰ تا ۳۰ و نمره ۰ تا ۲۰ باشد",
                "correct the row",
                "ردیف را اصلاح کنید",
            )
        )
        return None
    return credits, grade
