"""National-ID checks are a yes/no for one person, never a search (DESIGN §5).

Each attack an ordinary account could try, tried: the same code many times in one batch,
guess after guess on one document (through every door), many documents with wrong IDs, and
a registrar's prior_code. And an honest organisation checking 10,000 documents is untouched.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from sehat.core.id_checks import IdCheckPolicy

from .api_helpers import P, Tokens, make_client, make_tokens
from .registry_helpers import new_national_id, record, submit

REAL = IdCheckPolicy()  # the defaults a deployment runs with


@pytest.fixture
def api(engine: sa.Engine, tmp_path: Path) -> tuple[TestClient, Tokens]:
    return make_client(engine, tmp_path, id_checks=REAL), make_tokens(engine)


def _issue(client: TestClient, tok: Tokens, nid: str, **extra: object) -> str:
    body = client.post(
        "/api/v1/graduations",
        json=record(P.uni_a, 2, P.field_science, nid, **extra),
        headers=tok.registrar_a,
    ).json()
    assert body["status"] == "ISSUED", body
    return str(body["code"])


def _wrong_ids(right: str, count: int) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        guess = new_national_id()
        if guess != right:
            out.append(guess)
    return out


def test_a_batch_may_name_a_code_once(api: tuple[TestClient, Tokens]) -> None:
    client, tok = api
    nid = new_national_id()
    code = _issue(client, tok, nid)
    hyphenated = "-".join(code[i : i + 4] for i in range(0, 20, 4))
    # The attack: one code, every ID of a guessed prefix, in one call.
    items = [{"code": code, "national_id": guess} for guess in _wrong_ids(nid, 9_999)]
    items.insert(1234, {"code": hyphenated, "national_id": nid})
    answer = client.post("/api/v1/verify/batch", json={"items": items}, headers=tok.verifier)
    assert answer.status_code == 422
    problem = answer.json()["error"]["problems"][0]
    assert problem["field"] == "items[1].code"
    assert "items[0]" in problem["problem"] and "items[1]" in problem["problem"]
    assert "match" not in answer.text  # nothing was looked up
    csv_body = f"code,national_id\n{code},{nid}\n{hyphenated},{_wrong_ids(nid, 1)[0]}\n"
    refused = client.post(
        "/api/v1/verify/batch/csv",
        content=csv_body.encode(),
        headers={**tok.verifier, "Content-Type": "text/csv"},
    )
    assert refused.status_code == 422
    assert "line 2" in refused.text and "line 3" in refused.text


def test_five_wrong_ids_lock_a_document_whatever_the_door(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    nid = tok.holder_national_id
    code = _issue(client, tok, nid)
    guesses = _wrong_ids(nid, 5)
    # From anyone, through any door: two by the public, two in batches, one in a CSV.
    public = [
        client.post("/api/v1/verify", json={"code": code, "national_id": g}) for g in guesses[:2]
    ]
    batches = [
        client.post(
            "/api/v1/verify/batch",
            json={"items": [{"code": code, "national_id": g}]},
            headers=tok.verifier,
        )
        for g in guesses[2:4]
    ]
    by_csv = client.post(
        "/api/v1/verify/batch/csv",
        content=f"code,national_id\n{code},{guesses[4]}\n".encode(),
        headers={**tok.verifier, "Content-Type": "text/csv"},
    )
    assert [r.json()["match"] for r in public] == [False, False]
    assert [r.json()["results"][0]["match"] for r in batches] == [False, False]
    assert by_csv.status_code == 200 and ",VALID,no," in by_csv.text
    # The sixth check is LOCKED, with the right ID too: nothing of the document is said.
    for door in ("public", "batch"):
        if door == "public":
            answer = client.post("/api/v1/verify", json={"code": code, "national_id": nid}).json()
        else:
            answer = client.post(
                "/api/v1/verify/batch",
                json={"items": [{"code": code, "national_id": nid}]},
                headers=tok.verifier,
            ).json()["results"][0]
        assert answer["status"] == "LOCKED" and answer["match"] is None
        assert "details" not in answer and "زهرا" not in str(answer)
        assert answer["locked_until"] > datetime.now(UTC).isoformat()
    locked_csv = client.post(
        "/api/v1/verify/batch/csv",
        content=f"code,national_id\n{code},{nid}\n".encode(),
        headers={**tok.verifier, "Content-Type": "text/csv"},
    )
    assert ",LOCKED,," in locked_csv.text and "زهرا" not in locked_csv.text
    # The code alone still answers: the lock is on national-ID checks only.
    assert client.get(f"/api/v1/verify/{code}").json()["status"] == "VALID"
    # The holder sees every attempt and the lock.
    log = client.get("/api/v1/me/access-log", headers=tok.holder).json()
    outcomes = [e["outcome"] for e in log["entries"] if e["outcome"]]
    assert outcomes.count("no_match") == 5 and outcomes.count("locked") == 3
    assert outcomes.count("match") == 0
    [lock] = log["id_checks"]
    assert lock["code"] == code and lock["failed_attempts"] == 5 and lock["locked_until"]


def test_a_callers_budget_of_wrong_ids_runs_out(api: tuple[TestClient, Tokens]) -> None:
    """Wrong IDs spread over many documents (one each, under the documents' own limit):
    the caller's daily budget stops it — at most max(10, 2% of its checks), ≤ 100."""
    client, tok = api
    people = [new_national_id() for _ in range(14)]
    codes = [_issue(client, tok, nid) for nid in people]
    items = [
        {"code": c, "national_id": w}
        for c, w in zip(codes, [_wrong_ids(n, 1)[0] for n in people], strict=True)
    ]
    answer = client.post("/api/v1/verify/batch", json={"items": items}, headers=tok.verifier)
    statuses = [r["status"] for r in answer.json()["results"]]
    assert statuses == ["VALID"] * REAL.fail_min + ["LIMITED"] * (14 - REAL.fail_min)
    limited = answer.json()["results"][-1]
    assert limited["match"] is None and limited["retry_after"] > 0 and "details" not in limited
    # The next call is refused whole, with when to come back; even a right ID.
    again = client.post(
        "/api/v1/verify/batch",
        json={"items": [{"code": codes[0], "national_id": people[0]}]},
        headers=tok.verifier,
    )
    assert again.status_code == 429
    assert again.json()["error"]["type"] == "id_check_budget"
    assert 0 < int(again.headers["retry-after"]) <= 86_400
    assert "national" in again.json()["error"]["message"]
    # The address is out too (the same machine with another token or none) ...
    public = client.post("/api/v1/verify", json={"code": codes[0], "national_id": people[0]})
    assert public.status_code == 429
    # ... but the code alone still answers.
    assert client.get(f"/api/v1/verify/{codes[0]}").json()["status"] == "VALID"


def test_a_registrar_cannot_search_through_prior_code(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    nid = tok.holder_national_id
    bachelor = _issue(client, tok, nid)

    def master(national_id: str) -> dict[str, object]:
        body = record(P.uni_b, 3, P.field_science, national_id, prior_code=bachelor)
        answer = client.post("/api/v1/graduations", json=body, headers=tok.registrar_b)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    tries = [master(guess) for guess in _wrong_ids(nid, 5)]
    assert all(t["status"] == "REJECTED" for t in tries)
    assert all("another person" in t["reasons"][0]["problem"] for t in tries)
    # Locked now: the holder's own ID no longer tells "belongs to another person" apart.
    locked = master(nid)
    assert locked["status"] == "REJECTED"
    assert locked["reasons"][0]["field"] == "prior_code"
    assert "too many national IDs" in locked["reasons"][0]["problem"]
    log = client.get("/api/v1/me/access-log", headers=tok.holder).json()
    prior = [e for e in log["entries"] if e["channel"] == "prior_code"]
    assert [e["outcome"] for e in prior].count("no_match") == 5
    assert [e["outcome"] for e in prior].count("locked") == 1
    assert {e["who"] for e in prior} == {"registrar_b"}


def test_an_honest_organisation_checking_10000_documents_is_not_slowed(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    client, tok = api
    people = [new_national_id() for _ in range(10_000)]
    codes: list[str] = []
    for start in range(0, len(people), 1000):
        results = submit(
            engine,
            P.uni_a,
            *(record(P.uni_a, 2, P.field_science, n) for n in people[start : start + 1000]),
        )
        codes.extend(str(r.code) for r in results)
    items = [{"code": c, "national_id": n} for c, n in zip(codes, people, strict=True)]
    # A few typos among them, well inside 2% (and inside the first checks' minimum).
    for index in (17, 4_321, 9_998):
        items[index] = {"code": codes[index], "national_id": _wrong_ids(people[index], 1)[0]}
    started = time.perf_counter()
    answer = client.post("/api/v1/verify/batch", json={"items": items}, headers=tok.verifier)
    took = time.perf_counter() - started
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["match"] for r in results].count(True) == 9_997
    assert {r["status"] for r in results} == {"VALID"}
    # And again the same day: the budget grew with the checks (2% of 10,000 = 100 > 3).
    again = client.post("/api/v1/verify/batch", json={"items": items}, headers=tok.verifier)
    assert again.status_code == 200
    assert [r["match"] for r in again.json()["results"]].count(True) == 9_997
    print(f"10,000 checks in one batch: {took:.2f}s")


def test_wrong_ids_sent_at_the_same_moment_by_many_callers_still_stop_at_five(
    api: tuple[TestClient, Tokens], engine: sa.Engine
) -> None:
    """Twenty callers (each its own address: twenty separate budgets) guess at once on a
    document nobody had guessed at: at most five of them learn anything (the lock counts
    across callers even when none of them has yet seen a guard for the document)."""
    import threading

    from sehat.services.id_checks import IdChecks, Outcome
    from sehat.store import schema as t

    client, tok = api
    nid = tok.holder_national_id
    code = _issue(client, tok, nid)
    with engine.connect() as conn:
        document = conn.execute(
            sa.select(t.documents.c.id).where(t.documents.c.code == code)
        ).scalar_one()
    start = threading.Barrier(20)
    outcomes: list[Outcome] = []

    def guess(n: int) -> None:
        start.wait()
        with engine.begin() as conn:
            checks = IdChecks.begin(conn, REAL, [f"address:198.51.100.{n}"], datetime.now(UTC))
            checks.load([document])
            time.sleep(0.05)  # all of them between reading the guard and writing it
            outcomes.append(checks.check(document, False))
            checks.finish()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == 20
    assert outcomes.count(Outcome.NO_MATCH) == REAL.document_failures, outcomes
    assert outcomes.count(Outcome.LOCKED) == 20 - REAL.document_failures
