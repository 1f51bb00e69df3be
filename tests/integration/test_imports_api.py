"""Imports over the API (DESIGN §7): an institution's system sends a file, follows the
import, and fetches one results line per row — its own institution's rows only."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from .api_helpers import P, Tokens, make_client, make_tokens
from .registry_helpers import new_national_id

HEADER = (
    "national_id,first_name,last_name,birth_date,institution,kind,field_code,program_type,"
    "student_number,entry_date,graduation_date,gpa\n"
)


@pytest.fixture
def api(engine: sa.Engine, tmp_path: Path) -> tuple[TestClient, Tokens]:
    return make_client(engine, tmp_path), make_tokens(engine)


def _line(nid: str, institution: str, kind: int, student: str) -> str:
    entry, graduated = ("1394/07/01", "1398/04/31") if kind == 2 else ("1398/07/01", "1400/04/31")
    return (
        f"{nid},زهرا,احمدی,1375/06/15,{institution},{kind},{P.field_science},continuous,"
        f"{student},{entry},{graduated},17.5\n"
    )


def _wait(client: TestClient, tok: Tokens, import_id: str) -> dict[str, Any]:
    return _wait_as(client, tok.registrar_b, import_id)


def test_a_registrar_imports_its_own_rows_and_fetches_the_results(
    api: tuple[TestClient, Tokens],
) -> None:
    client, tok = api
    nid = new_national_id()
    body = (
        HEADER
        + _line(nid, P.uni_b, 3, "M1")  # a master's before its bachelor's (a file sent later)
        + _line(new_national_id(), P.uni_b, 2, "B1")
        + _line(new_national_id(), P.uni_a, 2, "B2")  # another institution's row
    )
    sent = client.post(
        "/api/v1/imports",
        files={"file": ("graduates.csv", body.encode("utf-8"), "text/csv")},
        data={"assurance": "attested"},
        headers=tok.registrar_b,
    )
    assert sent.status_code == 202, sent.text
    import_id = sent.json()["import_id"]
    state = _wait(client, tok, import_id)
    assert state["state"] == "done" and state["rows_total"] == state["rows_done"] == 3
    assert state["counts"] == {"PENDING_PRIOR": 1, "ISSUED": 1, "REJECTED": 1}
    results = client.get(f"/api/v1/imports/{import_id}/results.csv", headers=tok.registrar_b)
    assert results.status_code == 200 and results.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(results.text)))
    assert [r["row"] for r in rows] == ["2", "3", "4"]
    assert [r["status"] for r in rows] == ["PENDING_PRIOR", "ISSUED", "REJECTED"]
    assert rows[2]["reasons"].startswith("institution:")
    # The bachelor's arrives in a later file: the waiting master's is issued.
    later = client.post(
        "/api/v1/imports",
        files={"file": ("more.csv", (HEADER + _line(nid, P.uni_a, 2, "B9")).encode(), "text/csv")},
        headers=tok.registrar_a,
    )
    assert later.status_code == 202
    done = _wait_as(client, tok.registrar_a, later.json()["import_id"])
    assert done["counts"] == {"ISSUED": 1}
    mine = client.get(f"/api/v1/imports/{import_id}", headers=tok.registrar_b).json()
    assert mine["state"] == "done"
    # Another institution's import does not exist for you; only registrars import.
    assert client.get(f"/api/v1/imports/{import_id}", headers=tok.registrar_a).status_code == 404
    csv_file = {"file": ("x.csv", body.encode(), "text/csv")}
    assert client.post("/api/v1/imports", files=csv_file, headers=tok.verifier).status_code == 403
    assert client.post("/api/v1/imports", files=csv_file).status_code == 401


def _wait_as(client: TestClient, headers: dict[str, str], import_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        state = client.get(f"/api/v1/imports/{import_id}", headers=headers).json()
        if state["state"] in ("done", "failed"):
            return state
        assert time.monotonic() < deadline, state
        time.sleep(0.1)


def test_several_imports_at_once_and_a_file_that_cannot_be_read(
    api: tuple[TestClient, Tokens],
) -> None:
    client, tok = api
    ids = []
    for n in range(3):
        lines = "".join(_line(new_national_id(), P.uni_b, 2, f"C{n}-{i}") for i in range(40))
        sent = client.post(
            "/api/v1/imports",
            files={"file": (f"part{n}.csv", (HEADER + lines).encode(), "text/csv")},
            headers=tok.registrar_b,
        )
        assert sent.status_code == 202
        ids.append(sent.json()["import_id"])
    for import_id in ids:
        assert _wait(client, tok, import_id)["counts"] == {"ISSUED": 40}
    bad = client.post(
        "/api/v1/imports",
        files={"file": ("bad.csv", b"name,surname\nx,y\n", "text/csv")},
        headers=tok.registrar_b,
    )
    assert bad.status_code == 422
    problems = bad.json()["error"]["problems"]
    assert any("national_id" in p["problem"] for p in problems)
    wrong_level = client.post(
        "/api/v1/imports",
        files={"file": ("ok.csv", HEADER.encode(), "text/csv")},
        data={"assurance": "certain"},
        headers=tok.registrar_b,
    )
    assert wrong_level.status_code == 422
    assert wrong_level.json()["error"]["problems"][0]["field"] == "assurance"
