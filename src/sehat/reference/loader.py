"""Load and validate the reference data files (R3, R18).

Every file is UTF-8 CSV with one header row, edited by the domains' working groups;
``manifest.json`` names the data version and each file's SHA-256. Loading checks every row
and every reference between files. A bad directory raises :class:`ReferenceDataError` listing
each problem as ``file:row:column`` (row = line of the file, 0 = the file as a whole) with
what is wrong and how to fix it, in Persian and English.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path

from sehat.errors import Problem, ReferenceDataError
from sehat.reference.models import (
    DocumentKind,
    Domain,
    FieldOfStudy,
    Institution,
    LadderRule,
    PriorRequirement,
    ProgramType,
    Reference,
    SeminaryLevel,
)

FILES: dict[str, tuple[str, ...]] = {
    "domains.csv": ("code", "slug", "name_fa", "name_en"),
    "institutions.csv": (
        *("code", "domain", "number", "name_fa", "name_en"),
        *("city_fa", "city_en", "category", "active"),
    ),
    "kinds.csv": ("code", "slug", "name_fa", "name_en", "isced_level", "is_degree"),
    "seminary_levels.csv": ("level", "name_fa", "name_en", "equivalent_kind", "isced_level"),
    "isced_f_2013.csv": ("code", "name_en"),
    "fields.csv": ("code", "name_fa", "name_en", "isced_f", "domains"),
    "ladder.csv": (
        *("kind", "program_type", "seminary_level", "prior_kind", "prior_seminary_level"),
        *("note_fa", "note_en"),
    ),
}
MANIFEST = "manifest.json"
OWN_DEGREE = "degree"  # ladder.csv prior_kind of a transcript: "its own degree"
SEMINARY_KIND = 7  # the only kind whose documents carry a seminary level (DESIGN §2)
OFFICE = "office"  # category of number 0000, the domain's own office (DESIGN §2)
_ARABIC_LETTERS = re.compile("[يك]")  # Persian writes ی and ک (ISIRI 6219)
_REFRESH = "sehat reference manifest DIR"
_PROGRAMS = ", ".join(p.value for p in ProgramType) + " (or empty: any)"

# (problem, problem in Persian, fix, fix in Persian), filled in with str.format.
_MESSAGES: dict[str, tuple[str, str, str, str]] = {
    "missing": ("the file is missing", "فایل وجود ندارد", "restore {file}", "{file} را بازگردانید"),
    "encoding": (
        "the file is not UTF-8 (byte {start})",
        "فایل UTF-8 نیست (بایت {start})",
        "save it as UTF-8 (Excel: «CSV UTF-8»)",
        "با UTF-8 ذخیره کنید (اکسل: «CSV UTF-8»)",
    ),
    "header": (
        "the columns are {found}; expected {expected}",
        "ستون‌ها {found} است؛ باید {expected} باشد",
        "write exactly these column names, in this order",
        "نام ستون‌ها را دقیقاً به همین ترتیب بنویسید",
    ),
    "no_rows": ("the file has no rows", "فایل سطری ندارد", "add its rows", "سطرها را بیفزایید"),
    "cells": (
        "the row has {found} cells; expected {expected}",
        "سطر {found} خانه دارد؛ باید {expected} خانه باشد",
        "give {expected} cells; quote a value that contains a comma",
        '{expected} خانه بنویسید؛ مقدار ویرگول‌دار را داخل "" بگذارید',
    ),
    "number": (
        "{value!r} is not a whole number from {low} to {high}",
        "«{value}» عددی از {low} تا {high} نیست",
        "write {low}-{high} in ASCII digits",
        "عددی از {low} تا {high} با ارقام لاتین بنویسید",
    ),
    "digits": (
        "{value!r} is not a code of {digits} digits",
        "«{value}» کدی {digits} رقمی نیست",
        "write {digits} ASCII digits",
        "{digits} رقم لاتین بنویسید",
    ),
    "choice": (
        "{value!r} is not one of {choices}",
        "«{value}» نامعتبر است",
        "write one of {choices}",
        "یکی از {choices} را بنویسید",
    ),
    "empty": ("{column} is empty", "{column} خالی است", "fill in {column}", "{column} را پر کنید"),
    "arabic": (
        "has Arabic ي or ك",
        "حرف عربی ي یا ك دارد",
        "write Persian ی and ک",
        "ی و ک فارسی بنویسید",
    ),
    "duplicate": (
        "{value} appears twice (first on row {first})",
        "«{value}» تکراری است (نخست در سطر {first})",
        "keep one row for it",
        "یک سطر نگه دارید",
    ),
    "unknown": (
        "{what} {value} is not in {source}",
        "{what_fa} {value} در {source} نیست",
        "use one listed in {source}",
        "یکی از موارد {source} را بنویسید",
    ),
    "institution": (
        "{value!r} is not the domain digit and the 4-digit number ({expected})",
        "کد «{value}» باید رقم حوزه و شماره چهاررقمی ({expected}) باشد",
        "write {expected}, or correct domain and number",
        "{expected} بنویسید یا حوزه و شماره را اصلاح کنید",
    ),
    "office": (
        "number 0000 is the domain's own office, but the category is {value!r}",
        "شماره ۰۰۰۰ دفتر خود حوزه است اما دسته «{value}» است",
        "write category office, or number the institution from 0001",
        "دسته را office بنویسید یا شماره‌ای از ۰۰۰۱ بدهید",
    ),
    "not_seminary": (
        "only kind 7 (seminary certificate) has a seminary level",
        "سطح حوزوی فقط برای نوع ۷ (مدرک حوزوی) است",
        "leave {column} empty, or use kind 7",
        "{column} را خالی بگذارید یا نوع ۷ بنویسید",
    ),
    "mixed_rule": (
        "rows of one rule both need nothing (empty prior_kind) and need a prior",
        "سطرهای یک قاعده هم بی‌پیش‌نیاز و هم با پیش‌نیاز آمده‌اند",
        "remove the row with the empty prior_kind, or the others",
        "سطر بی‌پیش‌نیاز یا سطرهای دیگر را حذف کنید",
    ),
    "uncovered": (
        "{what} has no ladder row, so nothing below it would be checked",
        "{what_fa} در نردبان سطری ندارد",
        "add a row with an empty program_type (and empty prior_kind if it needs nothing)",
        "سطری با program_type خالی بیفزایید (بی‌پیش‌نیاز: prior_kind خالی)",
    ),
    "manifest": (
        "missing or unreadable (it needs a version and the files' SHA-256)",
        "مانیفست نیست یا خوانا نیست",
        f"run `{_REFRESH} --version X`",
        f"`{_REFRESH} --version X` را اجرا کنید",
    ),
    "changed": (
        "the file changed after manifest.json was written (SHA-256 {found}…, manifest {expected}…)",
        "فایل پس از نوشتن manifest.json تغییر کرده است",
        f"if the edit is intended, run `{_REFRESH}`: it refreshes the checksums and the version",
        f"اگر ویرایش عمدی است `{_REFRESH}` را اجرا کنید تا چکیده‌ها و نسخه تازه شود",
    ),
}

# What a referencing column points at, for the "unknown" message.
_TARGETS = {
    "domain": {"what": "domain", "what_fa": "حوزه", "source": "domains.csv"},
    "kind": {"what": "kind", "what_fa": "نوع مدرک", "source": "kinds.csv"},
    "level": {"what": "level", "what_fa": "سطح", "source": "seminary_levels.csv"},
    "isced": {"what": "ISCED-F code", "what_fa": "کد ISCED-F", "source": "isced_f_2013.csv"},
}


def default_directory() -> Path:
    """The data files shipped with the package."""
    return Path(str(resources.files("sehat.reference") / "data"))


def _problem(file: str, row: int, column: str, key: str, **values: object) -> Problem:
    en, fa, fix, fix_fa = (m.format(file=file, column=column, **values) for m in _MESSAGES[key])
    return Problem(f"{file}:{row}" + (f":{column}" if column else ""), en, fa, fix, fix_fa)


class _Sheet:
    """One CSV file's rows (with their line numbers), and every problem found in it."""

    def __init__(self, directory: Path, name: str, problems: list[Problem]) -> None:
        self.name = name
        self.problems = problems
        self.rows: list[tuple[int, dict[str, str]]] = []
        try:
            text = (directory / name).read_text(encoding="utf-8-sig")  # Excel's BOM is fine
        except FileNotFoundError:
            self.fail(0, "", "missing")
            return
        except UnicodeDecodeError as exc:
            self.fail(0, "", "encoding", start=exc.start)
            return
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [cell.strip() for cell in next(reader, [])]
        expected = FILES[name]
        if header != list(expected):
            self.fail(1, "", "header", found=",".join(header), expected=",".join(expected))
            return
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if len(cells) != len(expected):
                self.fail(reader.line_num, "", "cells", found=len(cells), expected=len(expected))
                continue
            self.rows.append(
                (reader.line_num, dict(zip(expected, map(str.strip, cells), strict=True)))
            )
        if not self.rows and not any(p.field.startswith(f"{name}:") for p in problems):
            self.fail(0, "", "no_rows")

    def fail(self, row: int, column: str, key: str, **values: object) -> None:
        self.problems.append(_problem(self.name, row, column, key, **values))

    def number(self, row: int, column: str, value: str, low: int, high: int) -> int | None:
        if value.isascii() and value.isdigit() and low <= int(value) <= high:
            return int(value)
        self.fail(row, column, "number", value=value, low=low, high=high)
        return None

    def text(self, row: int, column: str, value: str) -> str:
        if not value:
            self.fail(row, column, "empty")
        elif column.endswith("_fa") and _ARABIC_LETTERS.search(value):
            self.fail(row, column, "arabic")
        return value

    def flag(self, row: int, column: str, value: str) -> bool:
        if value.lower() not in ("true", "false"):
            self.fail(row, column, "choice", value=value, choices="true, false")
        return value.lower() == "true"

    def ref(
        self, row: int, column: str, value: str, known: Mapping[int, object], what: str
    ) -> int | None:
        """A number that must be one of ``known`` (not checked when that file itself failed)."""
        number = int(value) if value.isascii() and value.isdigit() else None
        if number is not None and (number in known or not known):
            return number
        shown = value if number is not None else repr(value)
        self.fail(row, column, "unknown", value=shown, **_TARGETS[what])
        return None

    def unique(
        self, row: int, column: str, key: object, seen: dict[object, int], label: str = ""
    ) -> bool:
        if key in seen:
            self.fail(row, column, "duplicate", value=label or key, first=seen[key])
            return False
        seen[key] = row
        return True


def _domains(s: _Sheet) -> dict[int, Domain]:
    out: dict[int, Domain] = {}
    seen: dict[object, int] = {}
    for n, row in s.rows:
        code = s.number(n, "code", row["code"], 1, 9)  # 0 is invalid (DESIGN §2)
        slug, name_fa, name_en = (s.text(n, c, row[c]) for c in ("slug", "name_fa", "name_en"))
        if code is not None and s.unique(n, "code", code, seen):
            out[code] = Domain(code, slug, name_fa, name_en)
    return out


def _institutions(s: _Sheet, domains: Mapping[int, Domain]) -> dict[str, Institution]:
    out: dict[str, Institution] = {}
    seen: dict[object, int] = {}
    for n, row in s.rows:
        domain = s.ref(n, "domain", row["domain"], domains, "domain")
        number = s.number(n, "number", row["number"], 0, 9999)
        name_fa, name_en, city_fa, city_en, category = (
            s.text(n, c, row[c]) for c in FILES[s.name][3:8]
        )
        active = s.flag(n, "active", row["active"])
        if domain is None or number is None:
            continue
        code = f"{domain}{number:04d}"  # DESIGN §2: positions 1-5 of the code
        if row["code"] != code:
            s.fail(n, "code", "institution", value=row["code"], expected=code)
        elif number == 0 and category != OFFICE:
            s.fail(n, "category", "office", value=category)
        if s.unique(n, "code", code, seen):
            out[code] = Institution(
                code, domain, number, name_fa, name_en, city_fa, city_en, category, active
            )
    return out


def _isced_level(s: _Sheet, n: int, value: str) -> str:
    if value:
        s.number(n, "isced_level", value, 0, 8)  # ISCED 2011 levels 0-8
    return value


def _kinds(s: _Sheet) -> dict[int, DocumentKind]:
    out: dict[int, DocumentKind] = {}
    seen: dict[object, int] = {}
    for n, row in s.rows:
        code = s.number(n, "code", row["code"], 1, 9)  # 0 is invalid (DESIGN §2)
        slug, name_fa, name_en = (s.text(n, c, row[c]) for c in ("slug", "name_fa", "name_en"))
        level = _isced_level(s, n, row["isced_level"])
        degree = s.flag(n, "is_degree", row["is_degree"])
        if code is not None and s.unique(n, "code", code, seen):
            out[code] = DocumentKind(code, slug, name_fa, name_en, level, degree)
    return out


def _levels(s: _Sheet, kinds: Mapping[int, DocumentKind]) -> dict[int, SeminaryLevel]:
    out: dict[int, SeminaryLevel] = {}
    seen: dict[object, int] = {}
    for n, row in s.rows:
        level = s.number(n, "level", row["level"], 1, 4)
        name_fa, name_en = (s.text(n, c, row[c]) for c in ("name_fa", "name_en"))
        equivalent = row["equivalent_kind"]
        kind = s.ref(n, "equivalent_kind", equivalent, kinds, "kind") if equivalent else None
        isced = _isced_level(s, n, row["isced_level"])
        if level is not None and s.unique(n, "level", level, seen):
            out[level] = SeminaryLevel(level, name_fa, name_en, kind, isced)
    return out


def _code(s: _Sheet, n: int, value: str, low: int, high: int) -> bool:
    if value.isascii() and value.isdigit() and low <= len(value) <= high:
        return True
    digits = f"{low}" if low == high else f"{low}-{high}"
    s.fail(n, "code", "digits", value=value, digits=digits)
    return False


def _isced_fields(s: _Sheet) -> set[str]:
    seen: dict[object, int] = {}
    for n, row in s.rows:
        s.text(n, "name_en", row["name_en"])
        if _code(s, n, row["code"], 4, 4):  # ISCED-F 2013 detailed fields: 4 digits
            s.unique(n, "code", row["code"], seen)
    return {str(code) for code in seen}


def _fields(
    s: _Sheet, official: set[str], domains: Mapping[int, Domain]
) -> dict[str, FieldOfStudy]:
    out: dict[str, FieldOfStudy] = {}
    seen: dict[object, int] = {}
    for n, row in s.rows:
        code, isced = row["code"], row["isced_f"]
        name_fa, name_en = (s.text(n, c, row[c]) for c in ("name_fa", "name_en"))
        if official and isced not in official:
            s.fail(n, "isced_f", "unknown", value=repr(isced), **_TARGETS["isced"])
        taught = [
            s.ref(n, "domains", d.strip(), domains, "domain") for d in row["domains"].split(";")
        ]
        if _code(s, n, code, 4, 6) and s.unique(n, "code", code, seen):
            teaching = tuple(sorted({d for d in taught if d is not None}))
            out[code] = FieldOfStudy(code, name_fa, name_en, isced, teaching)
    return out


_Key = tuple[int, ProgramType | None, int | None]
_Prior = PriorRequirement | str | None  # str: OWN_DEGREE; None: nothing needed
_Known = Mapping[int, object]


def _ladder_row(
    s: _Sheet, n: int, row: dict[str, str], kinds: _Known, levels: _Known
) -> tuple[_Key, _Prior] | None:
    """One row of ladder.csv: the rule it belongs to and the prior it accepts (None: nothing)."""
    kind = s.ref(n, "kind", row["kind"], kinds, "kind")
    program: ProgramType | None = None
    if row["program_type"]:
        try:
            program = ProgramType(row["program_type"])
        except ValueError:
            s.fail(n, "program_type", "choice", value=row["program_type"], choices=_PROGRAMS)
            return None
    level = None
    if row["seminary_level"]:
        level = s.ref(n, "seminary_level", row["seminary_level"], levels, "level")
        if kind is not None and kind != SEMINARY_KIND:
            s.fail(n, "seminary_level", "not_seminary")
    prior: _Prior = None
    if row["prior_kind"] == OWN_DEGREE:
        prior = OWN_DEGREE
    elif row["prior_kind"]:
        prior_kind = s.ref(n, "prior_kind", row["prior_kind"], kinds, "kind")
        prior_level = None
        if row["prior_seminary_level"]:
            prior_level = s.ref(
                n, "prior_seminary_level", row["prior_seminary_level"], levels, "level"
            )
            if prior_kind is not None and prior_kind != SEMINARY_KIND:
                s.fail(n, "prior_seminary_level", "not_seminary")
        prior = PriorRequirement(prior_kind or 0, prior_level)
    elif row["prior_seminary_level"]:
        s.fail(n, "prior_seminary_level", "not_seminary")
    return None if kind is None else ((kind, program, level), prior)


def _ladder(
    s: _Sheet, kinds: Mapping[int, DocumentKind], levels: Mapping[int, SeminaryLevel]
) -> tuple[LadderRule, ...]:
    """Rows with the same (kind, program_type, seminary_level) are alternatives of one rule."""
    groups: dict[_Key, list[tuple[int, _Prior, dict[str, str]]]] = defaultdict(list)
    seen: dict[object, int] = {}
    for n, row in s.rows:
        parsed = _ladder_row(s, n, row, kinds, levels)
        if parsed is not None and s.unique(n, "prior_kind", parsed, seen, "this rule row"):
            groups[parsed[0]].append((n, parsed[1], row))
    rules = []
    for (kind, program, level), entries in groups.items():
        priors = [prior for _, prior, _ in entries]
        if None in priors and len(priors) > 1:
            s.fail(entries[0][0], "prior_kind", "mixed_rule")
        notes = [(row["note_fa"], row["note_en"]) for _, _, row in entries]
        rules.append(
            LadderRule(
                kind,
                program,
                level,
                tuple(p for p in priors if isinstance(p, PriorRequirement)),
                needs_own_degree=OWN_DEGREE in priors,
                note_fa="، ".join(fa for fa, _ in notes if fa),
                note_en=", ".join(en for _, en in notes if en),
            )
        )
    # Reference.rule_for falls back to (kind, None, None): without it a kind would need nothing.
    for kind in kinds:
        for level in sorted(levels) if kind == SEMINARY_KIND else [None]:
            if (kind, None, level) not in groups and (kind, None, None) not in groups:
                what = f"kind {kind}" + (f" level {level}" if level else "")
                what_fa = f"نوع {kind}" + (f" سطح {level}" if level else "")
                s.fail(0, "kind", "uncovered", what=what, what_fa=what_fa)
    return tuple(rules)


def _checksums(directory: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((directory / name).read_bytes()).hexdigest()
        for name in FILES
        if (directory / name).is_file()
    }


def _read_manifest(directory: Path) -> tuple[str, dict[str, str]] | None:
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        version, files = data["version"], data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(version, str) and version and isinstance(files, dict)):
        return None
    return version, {str(k): str(v) for k, v in files.items()}


def _check_manifest(directory: Path, problems: list[Problem]) -> str:
    manifest = _read_manifest(directory)
    if manifest is None:
        problems.append(_problem(MANIFEST, 0, "", "manifest"))
        return ""
    version, recorded = manifest
    for name, digest in _checksums(directory).items():
        if recorded.get(name) != digest:
            expected = recorded.get(name, "none")[:12]
            problems.append(_problem(name, 0, "", "changed", found=digest[:12], expected=expected))
    return version


def _next_version(version: str) -> str:
    """1405.1 -> 1405.2: the last number raised by one."""
    match = re.search(r"(\d+)$", version)
    if match is None:
        return f"{version}.1" if version else "1"
    return f"{version[: match.start()]}{int(match.group(1)) + 1}"


def refresh_manifest(directory: Path, version: str | None = None) -> str:
    """Rewrite ``manifest.json`` with the files' SHA-256 and return the data version.

    Without ``version`` the old one is kept when no file changed, and its last number is
    raised by one when some file did.
    """
    old = _read_manifest(directory)
    sums = _checksums(directory)
    if version is None:
        old_version, old_sums = old or ("", {})
        version = old_version if old_sums == sums else _next_version(old_version)
    text = json.dumps({"version": version, "files": sums}, ensure_ascii=False, indent=2)
    (directory / MANIFEST).write_text(text + "\n", encoding="utf-8")
    return version


def _load(directory: Path) -> Reference:
    problems: list[Problem] = []
    version = _check_manifest(directory, problems)

    def sheet(name: str) -> _Sheet:
        return _Sheet(directory, name, problems)

    domains = _domains(sheet("domains.csv"))
    institutions = _institutions(sheet("institutions.csv"), domains)
    kinds = _kinds(sheet("kinds.csv"))
    levels = _levels(sheet("seminary_levels.csv"), kinds)
    fields = _fields(sheet("fields.csv"), _isced_fields(sheet("isced_f_2013.csv")), domains)
    ladder = _ladder(sheet("ladder.csv"), kinds, levels)
    if problems:
        raise ReferenceDataError(problems)
    index = {(rule.kind, rule.program_type, rule.seminary_level): rule for rule in ladder}
    return Reference(version, domains, institutions, kinds, levels, fields, ladder, index)


@cache
def _load_default() -> Reference:
    return _load(default_directory())


def load_reference(directory: Path | None = None) -> Reference:
    """The reference data in ``directory`` (default: the package's own, loaded once).

    Raises:
        ReferenceDataError: listing every problem found, each as ``file:row:column``.
    """
    return _load_default() if directory is None else _load(Path(directory))
