"""The header line of a backfill file: English field names or their Persian aliases (DESIGN §3).

Headers come from old spreadsheets typed by hand: Arabic ي/ك for Persian ی/ک, a zero-width
non-joiner or a space where the other was meant, stray spaces, any letter case. Each header
is reduced to a key that ignores all of that before it is looked up.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sehat.core.persian import to_persian_digits
from sehat.core.record import FIELDS, REQUIRED
from sehat.errors import InputError, Problem

# DESIGN §3 (normative), in the order of the English names; then a few more seen in the
# institutions' exports.
ALIASES: dict[str, str] = {
    "کد ملی": "national_id",
    "نام": "first_name",
    "نام خانوادگی": "last_name",
    "نام پدر": "father_name",
    "تاریخ تولد": "birth_date",
    "جنسیت": "gender",
    "کد موسسه": "institution",
    "نوع مدرک": "kind",
    "سطح حوزوی": "seminary_level",
    "کد رشته": "field_code",
    "نام رشته": "field_name",
    "نوع دوره": "program_type",
    "شماره دانشجویی": "student_number",
    "تاریخ ورود": "entry_date",
    "تاریخ دانش‌آموختگی": "graduation_date",
    "معدل": "gpa",
    "کد صحت مدرک قبلی": "prior_code",
    # Beyond the normative list.
    "شماره ملی": "national_id",
    "کد فراگیر اتباع": "foreign_id",
    "نام لاتین": "first_name_latin",
    "نام خانوادگی لاتین": "last_name_latin",
    "کد صحت مدرک": "degree_code",
    "تاریخ فراغت از تحصیل": "graduation_date",
    "سطح اطمینان": "assurance",
}

_INVISIBLE = dict.fromkeys(map(ord, "\u200c\u200d\u200e\u200f\ufeff\u00a0 \t_-"), None)
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "أ": "ا", "إ": "ا"})


def header_key(text: str) -> str:
    """``text`` reduced for comparison: Persian letters, no spaces, ZWNJ or case."""
    return text.translate(_LETTERS).translate(_INVISIBLE).casefold()


_KNOWN: dict[str, str] = {header_key(name): name for name in FIELDS} | {
    header_key(alias): name for alias, name in ALIASES.items()
}


@dataclass(frozen=True)
class Header:
    """What each column of the file is: a record field, or ignored (``None``)."""

    columns: tuple[str | None, ...]
    ignored: tuple[str, ...]  # the headers of the columns nothing reads

    def record(self, cells: tuple[object, ...] | list[object]) -> dict[str, object]:
        """One row's cells as a record (field name to value; empty cells left out)."""
        out: dict[str, object] = {}
        for name, value in zip(self.columns, cells, strict=False):
            if name is not None and value is not None and value != "":
                out[name] = value
        return out


def read_header(cells: list[object], *, institution_given: bool) -> Header:
    """Map the header cells to field names.

    Raises:
        InputError: a required column is missing (naming it and the nearest header seen),
            or a field is named twice.
    """
    texts = ["" if c is None else str(c).strip() for c in cells]
    columns: list[str | None] = []
    ignored: list[str] = []
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    for position, text in enumerate(texts, start=1):
        name = _KNOWN.get(header_key(text)) if text else None
        if name is None:
            if text:
                ignored.append(text)
            columns.append(None)
            continue
        if name in seen:
            problems.append(
                Problem(
                    "header",
                    f"columns {seen[name]} and {position} both hold {name}",
                    to_persian_digits(f"ستون‌های {seen[name]} و {position}")
                    + f" هر دو {name} هستند",
                    "keep one of them",
                    "یکی از آن دو را نگه دارید",
                    position,
                )
            )
        seen[name] = position
        columns.append(name)
    required = [n for n in REQUIRED if not (n == "institution" and institution_given)]
    for name in required:
        if name not in seen:
            problems.append(_missing(name, texts))
    if "national_id" not in seen and "foreign_id" not in seen:
        problems.append(_missing("national_id", texts))
    if problems:
        raise InputError(problems)
    return Header(tuple(columns), tuple(ignored))


def _missing(name: str, texts: list[str]) -> Problem:
    aliases = [alias for alias, field in ALIASES.items() if field == name]
    named = f"{name} (or {aliases[0]})" if aliases else name
    candidates = {header_key(t): t for t in texts if t}
    wanted = [header_key(name), *(header_key(a) for a in aliases)]
    near = next(
        (
            candidates[m[0]]
            for key in wanted
            if (m := difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.6))
        ),
        None,
    )
    hint = f"; the nearest header seen is {near!r}" if near else ""
    hint_fa = f"؛ نزدیک‌ترین سرستون موجود «{near}» است" if near else ""
    return Problem(
        "header",
        f"no column {named}{hint}",
        f"ستون {named} در سطر اول نیست{hint_fa}",
        f"name a column {name} in the first line (English names or the Persian aliases)",
        f"در سطر اول ستونی به نام {named} بگذارید",
    )
