"""CSV in, CSV out for organisations' bulk verification (people who live in spreadsheets).

In: a header row naming a ``code`` column and a ``national_id`` column (English or Persian
names, any order, other columns ignored), UTF-8 (with or without BOM) or Windows-1256, comma,
semicolon or tab separated. Out: UTF-8 with a BOM (so Excel shows Persian), one line per
input line, ``line`` being the line number in the uploaded file; a cell that would start a
formula (``=``, ``+``, ``-``, ``@``, tab, CR) is prefixed with ``'`` (core/spreadsheet.py).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from sehat.core.persian import normalize_text, to_persian_digits
from sehat.core.spreadsheet import safe_row
from sehat.errors import InputError, Problem

_CODE_NAMES = {"code", "authenticity_code", "کد", "کد صحت", "کد اصالت"}
_NID_NAMES = {"national_id", "nationalid", "national id", "کد ملی", "کدملی", "شماره ملی"}

COLUMNS = (
    "line",
    "code",
    "status",
    "match",
    "kind",
    "kind_name_fa",
    "institution",
    "institution_name_fa",
    "institution_name_en",
    "year",
    "holder_name_fa",
    "holder_name_latin",
    "field_name",
    "graduation_date",
    "revoked_at",
    "reason",
    "problem",
    "problem_fa",
)


@dataclass(frozen=True)
class Table:
    """The (code, national ID) pairs of an upload and the file line each came from."""

    items: list[tuple[str, str]]
    lines: list[int]


def _problem(
    message: str, message_fa: str, fix: str, fix_fa: str, line: int | None = None
) -> InputError:
    field = "file" if line is None else f"line {line}"  # the line, as the uploader sees it
    return InputError(Problem(field, message, message_fa, fix=fix, fix_fa=fix_fa))


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1256", errors="replace")  # Excel's Persian "ANSI" CSV


def read(raw: bytes, limit: int) -> Table:
    """Parse an upload; InputError (whole file refused) when its header cannot be used."""
    text = _decode(raw)
    if not text.strip():
        raise _problem(
            "the file is empty",
            "فایل خالی است",
            "upload a CSV whose first line is a header: code,national_id",
            "فایل CSV بفرستید که سطر اول آن سرستون‌ها باشد: code,national_id",
        )
    first = text.splitlines()[0]
    delimiter = max(",;\t", key=first.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table(rows, first, limit)
    except csv.Error as exc:
        raise _unreadable(rows.line_num, str(exc)) from None


def _table(rows: Any, first: str, limit: int) -> Table:
    header = [normalize_text(h).strip().lower().replace("-", "_") for h in next(rows, [])]
    code_at = next((i for i, h in enumerate(header) if h in _CODE_NAMES), None)
    nid_at = next((i for i, h in enumerate(header) if h in _NID_NAMES), None)
    if code_at is None or nid_at is None:
        missing = [n for n, at in (("code", code_at), ("national_id", nid_at)) if at is None]
        raise _problem(
            f"the header row has no {' and no '.join(missing)} column (found: {first[:200]!r})",
            f"سطر سرستون ستون {' و '.join(missing)} ندارد",
            "name the columns code and national_id (or کد صحت and کد ملی) in the first line",
            "در سطر اول ستون‌ها را code و national_id (یا «کد صحت» و «کد ملی») بنامید",
        )
    items: list[tuple[str, str]] = []
    lines: list[int] = []
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue  # blank lines are skipped, not answered
        get = row.__getitem__
        items.append(
            (get(code_at) if code_at < len(row) else "", get(nid_at) if nid_at < len(row) else "")
        )
        lines.append(rows.line_num)
        if len(items) > limit:
            raise _problem(
                f"the file has more than {limit:,} rows",
                f"فایل بیش از {_fa_number(limit)} سطر دارد",
                f"split it into files of at most {limit:,} rows",
                f"آن را به فایل‌هایی با حداکثر {_fa_number(limit)} سطر تقسیم کنید",
            )
    return Table(items, lines)


def _fa_number(n: int) -> str:
    """``10,000`` as a Persian reader writes it: Persian digits, the Arabic thousands mark."""
    return to_persian_digits(f"{n:,}").replace(",", "\u066c")


def _unreadable(line: int, why: str) -> InputError:
    """A line the csv module cannot read: a field over its size limit, or a broken quote."""
    if "field larger than field limit" in why:
        kb = csv.field_size_limit() // 1024
        return _problem(
            f"a field is longer than {kb:,} KB, more than any code or national ID (often a "
            "quote left open, which runs to the end of the file)",
            "یک خانه بیش از "
            f"{_fa_number(kb)} کیلوبایت است؛ بیش از هر کد یا کد ملی (اغلب "
            "یک گیومه باز مانده که تا پایان فایل ادامه دارد)",
            f"check line {line} (and the quotes before it), or remove the long column",
            f"سطر {to_persian_digits(str(line))} (و گیومه‌های پیش از آن) را بررسی کنید یا "
            "ستون بلند را حذف کنید",
            line,
        )
    return _problem(
        f"cannot be read as CSV ({why})",
        "به صورت CSV خوانده نمی‌شود",
        f"check line {line}: save the file again as CSV from your spreadsheet",
        f"سطر {to_persian_digits(str(line))} را بررسی کنید؛ فایل را دوباره به صورت CSV ذخیره کنید",
        line,
    )


def write(lines: list[int], results: list[dict[str, Any]]) -> bytes:
    """The answer file: one line per input line, in order; no cell starts a formula
    (core/spreadsheet.py), whatever a registrar or the uploader typed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for line, result in zip(lines, results, strict=True):
        details = result.get("details") or {}
        problems = result.get("problems") or []
        writer.writerow(
            safe_row(
                [
                    line,
                    result.get("code") or "",
                    result["status"],
                    _yes_no(result.get("match")),
                    result.get("kind", ""),
                    result.get("kind_name_fa", ""),
                    result.get("institution", ""),
                    result.get("institution_name_fa", ""),
                    result.get("institution_name_en", ""),
                    result.get("year", ""),
                    details.get("holder_name_fa", ""),
                    details.get("holder_name_latin") or "",
                    details.get("field_name") or "",
                    details.get("graduation_date") or "",
                    result.get("revoked_at") or "",
                    result.get("reason") or "",
                    "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
                    or (result.get("message", "") if result["status"] != "VALID" else ""),
                    "؛ ".join(
                        f"{p.get('field_fa', p['field'])}: {p['problem_fa']}" for p in problems
                    )
                    or (result.get("message_fa", "") if result["status"] != "VALID" else ""),
                ]
            )
        )
    return ("\ufeff" + out.getvalue()).encode()


def _yes_no(match: object) -> str:
    """The match column: blank when the ID was not compared (LOCKED, LIMITED)."""
    return "yes" if match is True else "no" if match is False else ""
