"""Read a backfill file row by row, CSV or XLSX, without holding it in memory.

CSV: UTF-8 (with or without a BOM), UTF-16 (with a BOM, or without one when the bytes show
it) or Windows-1256, found from the file itself; comma, semicolon or tab, found from the
header line. XLSX: the first sheet, through openpyxl's read-only streaming mode.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sehat.core.persian import to_persian_digits
from sehat.errors import InputError, Problem
from sehat.importer.headers import Header, read_header

_SAMPLE = 1 << 20  # bytes looked at to tell the encoding
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted workbook, or an old .xls
_ZIP = b"PK\x03\x04"


@dataclass
class Table:
    """An opened file: its header, and its data rows as (row number, cells)."""

    header: Header
    rows: Iterator[tuple[int, list[object]]]
    description: str  # "CSV, UTF-8, ';'-separated" — for the operator


def _problem(path: Path, message: str, message_fa: str, fix: str, fix_fa: str) -> InputError:
    return InputError(Problem(path.name, message, message_fa, fix, fix_fa))


def detect_encoding(head: bytes) -> str:
    """The encoding of a CSV file from its first bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pairs = len(head) // 2
    if pairs >= 2:
        # UTF-16 without a BOM: Latin and Persian letters both have a fixed high byte
        # (0x00 or 0x06), in the odd bytes (little-endian) or the even ones (big-endian).
        odd = sum(1 for b in head[1 : 2 * pairs : 2] if b in (0x00, 0x06))
        even = sum(1 for b in head[0 : 2 * pairs : 2] if b in (0x00, 0x06))
        if odd >= 0.9 * pairs and even < 0.5 * pairs:
            return "utf-16-le"
        if even >= 0.9 * pairs and odd < 0.5 * pairs:
            return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1256"  # the legacy Persian Windows code page
    return "utf-8"


@contextmanager
def open_table(path: Path, *, institution_given: bool) -> Iterator[Table]:
    """Open ``path`` (CSV or XLSX, told by its content) for reading rows.

    Raises:
        InputError: naming the file: it cannot be read, is password-protected, or its header
            lacks a required column.
    """
    try:
        with path.open("rb") as probe:
            head = probe.read(_SAMPLE)
    except OSError as exc:
        raise _problem(
            path,
            f"the file cannot be read ({exc.strerror or exc})",
            "پرونده خوانده نمی‌شود",
            "check the path and that you may read it",
            "نشانی پرونده و دسترسی خواندن آن را بررسی کنید",
        ) from None
    if head.startswith(_OLE):
        raise _problem(
            path,
            "the workbook is password-protected (or an old .xls)",
            "کارپوشه رمز دارد (یا قالب قدیمی .xls است)",
            "open it in your spreadsheet program and save it without a password as .xlsx or CSV",
            "آن را در برنامه صفحه‌گسترده باز کنید و بدون رمز به قالب .xlsx یا CSV ذخیره کنید",
        )
    if head.startswith(_ZIP):
        with _xlsx(path, institution_given=institution_given) as table:
            yield table
        return
    if not head.strip():
        raise _problem(
            path,
            "the file is empty",
            "پرونده خالی است",
            "give a file with a header line",
            "پرونده‌ای با سطر سرستون بدهید",
        )
    with _csv(path, head, institution_given=institution_given) as table:
        yield table


def _header_or_fail(path: Path, cells: list[object], institution_given: bool) -> Header:
    try:
        return read_header(cells, institution_given=institution_given)
    except InputError as exc:
        raise InputError(
            [
                Problem(f"{path.name}, line 1", p.message, p.message_fa, p.fix, p.fix_fa)
                for p in exc.problems
            ]
        ) from None


@contextmanager
def _csv(path: Path, head: bytes, *, institution_given: bool) -> Iterator[Table]:
    encoding = detect_encoding(head)
    with path.open("r", encoding=encoding, newline="", errors="strict") as text:
        try:
            first = text.readline()
        except UnicodeDecodeError:
            raise _problem(
                path,
                f"the header line is not {encoding} text",
                "سطر سرستون متن خوانایی نیست",
                "save the file as CSV UTF-8",
                "پرونده را با قالب CSV UTF-8 ذخیره کنید",
            ) from None
        delimiter = max(",;\t", key=first.count)
        [header_cells] = list(csv.reader([first], delimiter=delimiter)) or [[]]
        header = _header_or_fail(path, list(header_cells), institution_given)
        reader = csv.reader(text, delimiter=delimiter)

        def rows() -> Iterator[tuple[int, list[object]]]:
            number = 1
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError:
                    raise _problem(
                        path,
                        f"after row {number}, the file is not {encoding} text",
                        f"پس از ردیف {to_persian_digits(str(number))} متن پرونده خوانا نیست",
                        "save the whole file in one encoding (CSV UTF-8)",
                        "کل پرونده را با یک رمزگذاری (CSV UTF-8) ذخیره کنید",
                    ) from None
                except csv.Error as exc:
                    raise _problem(
                        path,
                        f"row {number + 1} cannot be read as CSV ({exc})",
                        f"ردیف {to_persian_digits(str(number + 1))} قالب CSV درستی ندارد",
                        "check that row's quotes and that no cell is longer than 128 KB",
                        "گیومه‌های آن ردیف را بررسی کنید",
                    ) from None
                number += 1
                if any(cell.strip() for cell in cells):
                    yield number, list(cells)

        shown = {"\t": "tab", ",": "','", ";": "';'"}[delimiter]
        yield Table(header, rows(), f"CSV, {encoding}, {shown}-separated")


@contextmanager
def _xlsx(path: Path, *, institution_given: bool) -> Iterator[Table]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _problem(
            path,
            f"the file is not a workbook this registry can read ({type(exc).__name__})",
            "پرونده کارپوشه خوانایی نیست",
            "save it again as .xlsx, or as CSV UTF-8",
            "آن را دوباره با قالب .xlsx یا CSV UTF-8 ذخیره کنید",
        ) from None
    try:
        sheet = book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        first = next(values, None)
        if first is None:
            raise _problem(
                path,
                "the first sheet is empty",
                "برگه نخست خالی است",
                "put the header line in the first row of the first sheet",
                "سطر سرستون را در ردیف نخست برگه نخست بگذارید",
            )
        header = _header_or_fail(path, list(first), institution_given)

        def rows() -> Iterator[tuple[int, list[object]]]:
            for number, cells in enumerate(values, start=2):
                if any(c is not None and str(c).strip() for c in cells):
                    yield number, list(cells)

        yield Table(header, rows(), f"XLSX, sheet {sheet.title!r}")
    finally:
        book.close()
