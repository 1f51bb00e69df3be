"""Cells a spreadsheet opens as text, never as a formula (OWASP, "CSV Injection").

Excel, LibreOffice and Google Sheets read a CSV cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula, so a value someone else typed (a name, a
field of study, a column header quoted back in a reason) could run ``=HYPERLINK(…)`` or
worse on the computer of whoever opens the file. OWASP's rule: prefix such a cell with a
single quote, which every one of them shows as text and hides. Quotes and separators inside
a cell are the ``csv`` module's to escape.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """``value`` as CSV cell text, prefixed with ``'`` when it would start a formula.

    Args:
        value: anything; None is the empty cell.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def safe_row(values: Iterable[object]) -> list[str]:
    """Every cell of a row through :func:`safe_cell`."""
    return [safe_cell(value) for value in values]
