"""Load and validate the reference data files (R3, R18).

Every file is UTF-8 CSV with one header row; ``manifest.json`` names the data version and
each file's SHA-256. A bad file raises :class:`ReferenceDataError` listing every problem as
``file:row:column`` with what is wrong and how to fix it, in Persian and English.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
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
        "code",
        "domain",
        "number",
        "name_fa",
        "name_en",
        "city_fa",
        "city_en",
        "category",
        "active",
    ),
    "kinds.csv": ("code", "slug", "name_fa", "name_en", "isced_level", "is_degree"),
    "seminary_levels.csv": ("level", "name_fa", "name_en", "equivalent_kind", "isced_level"),
    "isced_f_2013.csv": ("code", "name_en"),
    "fields.csv": ("code", "name_fa", "name_en", "isced_f", "domains"),
    "ladder.csv": (
        "kind",
        "program_type",
        "seminary_level",
        "prior_kind",
        "prior_seminary_level",
        "note_fa",
        "note_en",
    ),
}
MANIFEST = "manifest.json"
OWN_DEGREE = "degree"  # ladder.csv: prior_kind of a transcript, "its own degree"


def default_directory() -> Path:
    """The data files shipped with the package."""
    return Path(str(resources.files("sehat.reference") / "data"))


class _Rows:
    """Reads one file, collecting problems instead of stopping at the first."""

    def __init__(self, directory: Path, name: str, problems: list[Problem]) -> None:
        self.name = name
        self.problems = problems
        self.rows: list[tuple[int, dict[str, str]]] = []
        path = directory / name
        if not path.exists():
            self.fail(
                0,
                "",
                "the file is missing",
                "فایل وجود ندارد",
                f"restore {name} from the released data",
                f"فایل {name} را بازگردانید",
            )
            return
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            self.fail(
                0,
                "",
                f"is not UTF-8 ({exc.reason} at byte {exc.start})",
                "با UTF-8 ذخیره نشده است",
                "save the file as UTF-8",
                "فایل را با UTF-8 ذخیره کنید",
            )
            return
        reader = csv.DictReader(io.StringIO(text))
        expected = FILES[name]
        if tuple(reader.fieldnames or ()) != expected:
            self.fail(
                1,
                "",
                f"the header is {reader.fieldnames}; expected {list(expected)}",
                "سطر عنوان ستون‌ها نادرست است",
                "use exactly these column names in this order",
                "نام ستون‌ها را دقیقاً به همین ترتیب بنویسید",
            )
            return
        for number, row in enumerate(reader, start=2):
            if None in row or any(v is None for v in row.values()):
                self.fail(
                    number,
                    "",
                    "wrong number of cells",
                    "تعداد خانه‌های سطر نادرست است",
                    f"give exactly {len(expected)} cells",
                    f"دقیقاً {len(expected)} خانه لازم است",
                )
                continue
            self.rows.append((number, {k: (v or "").strip() for k, v in row.items()}))

    def fail(self, row: int, column: str, en: str, fa: str, fix: str, fix_fa: str) -> None:
        where = f"{self.name}:{row}" + (f":{column}" if column else "")
        self.problems.append(Problem(where, en, fa, fix, fix_fa))

    def integer(self, row: int, column: str, value: str, low: int, high: int) -> int | None:
        if value.isascii() and value.isdigit() and low <= int(value) <= high:
            return int(value)
        self.fail(
            row,
            column,
            f"{value!r} is not a whole number from {low} to {high}",
            f"«{value}» عددی از {low} تا {high} نیست",
            f"write a number from {low} to {high}",
            f"عددی از {low} تا {high} بنویسید",
        )
        return None

    def text(self, row: int, column: str, value: str) -> str:
        if not value:
            self.fail(
                row, column, "is empty", "خالی است", f"fill in {column}", f"{column} را پر کنید"
            )
        return value

    def boolean(self, row: int, column: str, value: str) -> bool:
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.fail(
            row,
            column,
            f"{value!r} is not true or false",
            "باید true یا false باشد",
            "write true or false",
            "true یا false بنویسید",
        )
        return False


def _unique(rows: _Rows, seen: set[object], key: object, row: int, column: str) -> None:
    if key in seen:
        rows.fail(
            row,
            column,
            f"{key!r} appears twice",
            "تکراری است",
            "keep one row per code",
            "برای هر کد یک سطر نگه دارید",
        )
    seen.add(key)


def _domains(r: _Rows) -> dict[int, Domain]:
    out: dict[int, Domain] = {}
    for n, row in r.rows:
        code = r.integer(n, "code", row["code"], 1, 9)
        if code is None:
            continue
        _unique(r, set(out), code, n, "code")
        out[code] = Domain(
            code,
            r.text(n, "slug", row["slug"]),
            r.text(n, "name_fa", row["name_fa"]),
            r.text(n, "name_en", row["name_en"]),
        )
    return out


def _institutions(r: _Rows, domains: dict[int, Domain]) -> dict[str, Institution]:
    out: dict[str, Institution] = {}
    for n, row in r.rows:
        domain = r.integer(n, "domain", row["domain"], 1, 9)
        number = r.integer(n, "number", row["number"], 0, 9999)
        if domain is None or number is None:
            continue
        if domain not in domains:
            r.fail(
                n,
                "domain",
                f"domain {domain} is not in domains.csv",
                "حوزه تعریف نشده است",
                "use a domain from domains.csv",
                "حوزه‌ای از domains.csv انتخاب کنید",
            )
        code = f"{domain}{number:04d}"
        if row["code"] != code:
            r.fail(
                n,
                "code",
                f"{row['code']!r} is not domain + 4-digit number ({code})",
                f"کد باید حوزه + شماره چهاررقمی ({code}) باشد",
                f"write {code}",
                f"{code} بنویسید",
            )
        _unique(r, set(out), code, n, "code")
        out[code] = Institution(
            code,
            domain,
            number,
            r.text(n, "name_fa", row["name_fa"]),
            r.text(n, "name_en", row["name_en"]),
            row["city_fa"],
            row["city_en"],
            r.text(n, "category", row["category"]),
            r.boolean(n, "active", row["active"]),
        )
    return out


def _kinds(r: _Rows) -> dict[int, DocumentKind]:
    out: dict[int, DocumentKind] = {}
    for n, row in r.rows:
        code = r.integer(n, "code", row["code"], 1, 9)
        if code is None:
            continue
        level = row["isced_level"]
        if level and not (level.isdigit() and 0 <= int(level) <= 8):
            r.fail(
                n,
                "isced_level",
                f"{level!r} is not an ISCED 2011 level (0-8)",
                "سطح ISCED نامعتبر است",
                "write 0-8 or leave empty",
                "۰ تا ۸ یا خالی",
            )
        _unique(r, set(out), code, n, "code")
        out[code] = DocumentKind(
            code,
            r.text(n, "slug", row["slug"]),
            r.text(n, "name_fa", row["name_fa"]),
            r.text(n, "name_en", row["name_en"]),
            level,
            r.boolean(n, "is_degree", row["is_degree"]),
        )
    return out


def _levels(r: _Rows, kinds: dict[int, DocumentKind]) -> dict[int, SeminaryLevel]:
    out: dict[int, SeminaryLevel] = {}
    for n, row in r.rows:
        level = r.integer(n, "level", row["level"], 1, 4)
        if level is None:
            continue
        equivalent = None
        if row["equivalent_kind"]:
            equivalent = r.integer(n, "equivalent_kind", row["equivalent_kind"], 1, 9)
            if equivalent is not None and equivalent not in kinds:
                r.fail(
                    n,
                    "equivalent_kind",
                    f"kind {equivalent} is not in kinds.csv",
                    "نوع مدرک تعریف نشده است",
                    "use a kind from kinds.csv",
                    "نوعی از kinds.csv",
                )
        _unique(r, set(out), level, n, "level")
        out[level] = SeminaryLevel(
            level,
            r.text(n, "name_fa", row["name_fa"]),
            r.text(n, "name_en", row["name_en"]),
            equivalent,
            row["isced_level"],
        )
    return out


def _fields(r: _Rows, isced: set[str], domains: dict[int, Domain]) -> dict[str, FieldOfStudy]:
    out: dict[str, FieldOfStudy] = {}
    for n, row in r.rows:
        code = row["code"]
        if not (code.isascii() and code.isdigit() and 2 <= len(code) <= 6):
            r.fail(
                n,
                "code",
                f"{code!r} is not a field code (2-6 digits)",
                "کد رشته نامعتبر است",
                "write 2 to 6 digits",
                "۲ تا ۶ رقم بنویسید",
            )
            continue
        if row["isced_f"] not in isced:
            r.fail(
                n,
                "isced_f",
                f"{row['isced_f']!r} is not an ISCED-F 2013 detailed field",
                "کد ISCED-F 2013 نامعتبر است",
                "use a code from isced_f_2013.csv",
                "کدی از isced_f_2013.csv انتخاب کنید",
            )
        taught: list[int] = []
        for part in row["domains"].split(";"):
            value = r.integer(n, "domains", part.strip(), 1, 9)
            if value is not None and value not in domains:
                r.fail(
                    n,
                    "domains",
                    f"domain {value} is not in domains.csv",
                    "حوزه تعریف نشده است",
                    "list domains like 1;3",
                    "حوزه‌ها را مانند 1;3 بنویسید",
                )
            elif value is not None:
                taught.append(value)
        _unique(r, set(out), code, n, "code")
        out[code] = FieldOfStudy(
            code,
            r.text(n, "name_fa", row["name_fa"]),
            r.text(n, "name_en", row["name_en"]),
            row["isced_f"],
            tuple(taught),
        )
    return out


def _ladder(
    r: _Rows, kinds: dict[int, DocumentKind], levels: dict[int, SeminaryLevel]
) -> tuple[LadderRule, ...]:
    groups: dict[tuple[int, ProgramType | None, int | None], list[tuple[int, dict[str, str]]]] = (
        defaultdict(list)
    )
    for n, row in r.rows:
        kind = r.integer(n, "kind", row["kind"], 1, 9)
        program: ProgramType | None = None
        if row["program_type"]:
            try:
                program = ProgramType(row["program_type"])
            except ValueError:
                r.fail(
                    n,
                    "program_type",
                    f"{row['program_type']!r} is not a programme type",
                    "نوع دوره نامعتبر است",
                    "continuous, discontinuous, integrated or empty",
                    "پیوسته، ناپیوسته، یکپارچه یا خالی",
                )
                continue
        level = (
            r.integer(n, "seminary_level", row["seminary_level"], 1, 4)
            if row["seminary_level"]
            else None
        )
        if kind is None:
            continue
        if kind not in kinds:
            r.fail(
                n,
                "kind",
                f"kind {kind} is not in kinds.csv",
                "نوع مدرک تعریف نشده است",
                "use a kind from kinds.csv",
                "نوعی از kinds.csv",
            )
        groups[(kind, program, level)].append((n, row))
    rules = []
    for (kind, program, level), rows in groups.items():
        alternatives: list[PriorRequirement] = []
        own = False
        empty = 0
        for n, row in rows:
            prior = row["prior_kind"]
            if not prior:
                empty += 1
                continue
            if prior == OWN_DEGREE:
                own = True
                continue
            pk = r.integer(n, "prior_kind", prior, 1, 9)
            pl = (
                r.integer(n, "prior_seminary_level", row["prior_seminary_level"], 1, 4)
                if row["prior_seminary_level"]
                else None
            )
            if pk is not None and pk not in kinds:
                r.fail(
                    n,
                    "prior_kind",
                    f"kind {pk} is not in kinds.csv",
                    "نوع مدرک تعریف نشده است",
                    f"use a kind from kinds.csv or {OWN_DEGREE!r}",
                    "نوعی از kinds.csv",
                )
            if pl is not None and pl not in levels:
                r.fail(
                    n,
                    "prior_seminary_level",
                    f"level {pl} is not in seminary_levels.csv",
                    "سطح تعریف نشده است",
                    "use 1-4",
                    "۱ تا ۴",
                )
            if pk is not None:
                alternatives.append(PriorRequirement(pk, pl))
        if empty and (alternatives or own):
            r.fail(
                rows[0][0],
                "prior_kind",
                "one rule both needs nothing and needs a prior document",
                "یک قاعده هم بدون پیش‌نیاز و هم با پیش‌نیاز آمده است",
                "remove the row with an empty prior_kind, or the others",
                "یکی را حذف کنید",
            )
        rules.append(
            LadderRule(
                kind,
                program,
                level,
                tuple(alternatives),
                own,
                rows[0][1]["note_fa"],
                rows[0][1]["note_en"],
            )
        )
    return tuple(rules)


def _checksums(directory: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((directory / name).read_bytes()).hexdigest()
        for name in FILES
        if (directory / name).exists()
    }


def _manifest(directory: Path, problems: list[Problem]) -> str:
    path = directory / MANIFEST
    fix = "run `sehat reference manifest DIR` after editing, and raise the version"
    fix_fa = "پس از ویرایش `sehat reference manifest DIR` را اجرا و نسخه را افزایش دهید"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        version = str(manifest["version"])
        sums = dict(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError):
        problems.append(
            Problem(
                f"{MANIFEST}:0",
                "missing or unreadable (needs version and files)",
                "مانیفست وجود ندارد یا خوانا نیست",
                fix,
                fix_fa,
            )
        )
        return ""
    for name, digest in _checksums(directory).items():
        if sums.get(name) != digest:
            problems.append(
                Problem(
                    f"{name}:0",
                    "the file changed since the manifest was written",
                    "فایل پس از نوشتن مانیفست تغییر کرده است",
                    fix,
                    fix_fa,
                )
            )
    return version


def refresh_manifest(directory: Path, version: str | None = None) -> str:
    """Rewrite ``manifest.json`` with the current checksums (and a new version if given)."""
    path = directory / MANIFEST
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    new_version = version or str(old.get("version", "1"))
    path.write_text(
        json.dumps(
            {"version": new_version, "files": _checksums(directory)}, ensure_ascii=False, indent=2
        )
        + "\n",
        encoding="utf-8",
    )
    return new_version


def _load(directory: Path) -> Reference:
    problems: list[Problem] = []
    version = _manifest(directory, problems)

    def rows(name: str) -> _Rows:
        return _Rows(directory, name, problems)

    domains = _domains(rows("domains.csv"))
    institutions = _institutions(rows("institutions.csv"), domains)
    kinds = _kinds(rows("kinds.csv"))
    levels = _levels(rows("seminary_levels.csv"), kinds)
    isced = {row["code"] for _, row in rows("isced_f_2013.csv").rows}
    fields = _fields(rows("fields.csv"), isced, domains)
    ladder = _ladder(rows("ladder.csv"), kinds, levels)
    if problems:
        raise ReferenceDataError(problems)
    index = {(rule.kind, rule.program_type, rule.seminary_level): rule for rule in ladder}
    return Reference(version, domains, institutions, kinds, levels, fields, ladder, index)


@cache
def _load_default() -> Reference:
    return _load(default_directory())


def load_reference(directory: Path | None = None) -> Reference:
    """The reference data in ``directory`` (default: the package's, loaded once)."""
    return _load_default() if directory is None else _load(directory)
