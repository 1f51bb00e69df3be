"""Every error answer carries an ``error_id``; a 5xx logs one line with that id, the
exception's type and the file:line of its frames — never its message, arguments or values.
`sehat` does the same for a crash of its own."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sehat.errors import InfrastructureError

from .server_helpers import KEK

NATIONAL_ID = "0012345679"
NAME = "شهرزاد قاسمی"
ID = re.compile(r"^[0-9a-f]{16}$")
HERE = "tests/integration/test_error_ids.py"


def _server_log(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if not r.name.startswith("httpx")
    )


def _request_line(caplog: pytest.LogCaptureFixture, error_id: str) -> str:
    """The request log's line for the answer with ``error_id`` (written by a background
    thread a moment later)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for r in caplog.records:
            if r.name == "sehat.requests" and error_id in r.getMessage():
                return r.getMessage()
        time.sleep(0.05)
    raise AssertionError(f"no request log line has {error_id}")


def _raise_line(function: object) -> int:
    code = function.__code__  # type: ignore[attr-defined]
    lines = Path(code.co_filename).read_text().splitlines()
    start = code.co_firstlineno
    return next(n for n in range(start, len(lines) + 1) if "raise " in lines[n - 1])


def test_every_error_answer_has_its_own_error_id_in_the_request_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    answers = [
        client.get("/api/v1/no-such-path"),  # 404 http
        client.get("/api/v1/me/documents"),  # 401 unauthenticated
        client.post("/api/v1/verify", json={"code": 1}),  # 422 invalid_input
        client.post("/api/v1/verify", content=b"{", headers={"content-type": "application/json"}),
    ]
    assert [a.status_code for a in answers] == [404, 401, 422, 400]
    ids = [a.json()["error"]["error_id"] for a in answers]
    assert all(ID.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids)
    for answer, error_id in zip(answers, ids, strict=True):
        line = _request_line(caplog, error_id)
        assert f" {answer.status_code} " in line and line.endswith(f"error_id={error_id}")
    # A success has no id, and its line none either.
    assert client.get("/healthz").status_code == 200


def test_a_fault_answers_500_with_an_error_id_and_logs_where_it_happened_but_no_data(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    def lookup(national_id: str) -> None:
        holder = f"{NAME} {national_id}"  # a local variable holding personal data
        raise KeyError(f"no record for {holder}")

    app.add_api_route("/api/v1/test-fault/{national_id}", lookup)
    caplog.set_level(logging.DEBUG)
    response = TestClient(app).get(f"/api/v1/test-fault/{NATIONAL_ID}")

    assert response.status_code == 500
    error = response.json()["error"]
    assert error["type"] == "internal" and ID.match(error["error_id"])
    assert error["error_id"] in error["message"] and error["error_id"] in error["message_fa"]
    assert NATIONAL_ID not in response.text and "KeyError" not in response.text
    log = _server_log(caplog)
    [line] = [x for x in log.splitlines() if f"error_id={error['error_id']} 500" in x]
    assert "KeyError" in line and "/api/v1/test-fault/{national_id}" in line
    assert f"{HERE}:{_raise_line(lookup)}" in line  # where it was raised
    assert "sehat/api/errors.py:" in line  # and every frame on the way
    assert NATIONAL_ID not in log and "شهرزاد" not in log and "no record" not in log
    assert not any(r.exc_info for r in caplog.records)  # no traceback anywhere
    assert error["error_id"] in _request_line(caplog, error["error_id"])


def test_a_fault_in_the_public_fast_path_answers_500_with_an_error_id(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenRead:
        def first(self, code: str) -> None:
            raise RuntimeError(f"read of {code} failed for {NATIONAL_ID}")

    app.runtime = replace(app.runtime, public_read=BrokenRead())  # type: ignore[attr-defined]
    caplog.set_level(logging.DEBUG)
    response = TestClient(app).get("/api/v1/verify/10001052348068574304")

    assert response.status_code == 500
    error_id = response.json()["error"]["error_id"]
    log = _server_log(caplog)
    [line] = [x for x in log.splitlines() if f"error_id={error_id} 500" in x]
    assert "RuntimeError" in line and "/api/v1/verify/{code}" in line
    assert f"{HERE}:{_raise_line(BrokenRead.first)}" in line
    assert NATIONAL_ID not in log and "10001052348068574304" not in log


def test_an_infrastructure_fault_answers_503_and_logs_its_cause_without_the_message(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    def unreachable() -> None:
        try:
            raise ConnectionRefusedError(f"db-host refused {NATIONAL_ID}")
        except OSError:
            raise InfrastructureError(f"the store failed on {NATIONAL_ID}") from None

    def wrapped() -> None:
        try:
            {}["x"]  # a cause of the fault below
        except KeyError as exc:
            raise InfrastructureError(f"key store lost {NATIONAL_ID}") from exc

    app.add_api_route("/api/v1/test-down", unreachable)
    app.add_api_route("/api/v1/test-chained", wrapped)
    caplog.set_level(logging.DEBUG)
    client = TestClient(app)
    down, chained = client.get("/api/v1/test-down"), client.get("/api/v1/test-chained")

    assert (down.status_code, chained.status_code) == (503, 503)
    log = _server_log(caplog)
    for answer in (down, chained):
        error = answer.json()["error"]
        assert error["type"] == "unavailable" and ID.match(error["error_id"])
        assert f"error_id={error['error_id']} 503 GET /api/v1/test-" in log
    chained_id = chained.json()["error"]["error_id"]
    [line] = [x for x in log.splitlines() if chained_id in x and x.startswith("sehat.api ")]
    assert ": sehat.errors.InfrastructureError at " in line
    assert "; caused by KeyError at " in line
    assert "ConnectionRefusedError" not in log  # `from None` hid it
    assert NATIONAL_ID not in log and "lost" not in log and "refused" not in log


def test_a_crash_of_the_command_prints_an_error_id_and_frames_but_no_data(
    tmp_path: Path,
) -> None:
    # A data directory that is a file, named like a national ID: the key store cannot be
    # opened under it, and nothing catches that (a real crash, not a fault made for the test).
    not_a_directory = tmp_path / NATIONAL_ID
    not_a_directory.write_text("a file where the data directory should be")
    env = os.environ | {
        "SEHAT_DATA_DIR": str(not_a_directory),
        "SEHAT_DATABASE_URL": f"sqlite:///{tmp_path / 'sehat.db'}",
        "SEHAT_KEK": KEK,
    }
    ran = subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", "keys", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert ran.returncode == 1, ran.stderr
    printed = ran.stdout + ran.stderr
    match = re.search(
        r"error_id=([0-9a-f]{16}) NotADirectoryError at (\S+(?: > \S+)*)$", printed, re.M
    )
    assert match, printed
    assert match.group(1) in ran.stderr.splitlines()[0]  # the Persian line names it too
    frames = match.group(2).split(" > ")
    assert all(re.fullmatch(r"[\w./-]+\.py:\d+", f) for f in frames), frames
    assert any(f.startswith("sehat/cli/") for f in frames)
    assert NATIONAL_ID not in printed and "Traceback" not in printed
    assert str(tmp_path) not in printed  # not even the path the error message would name


def test_the_command_s_own_exits_are_unchanged(tmp_path: Path) -> None:
    valid = subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", "code", "check", "12345"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    usage = subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", "code", "nonsense"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert valid.returncode == 1 and "error_id" not in valid.stdout + valid.stderr
    assert usage.returncode == 2 and "error_id" not in usage.stdout + usage.stderr
