"""Schemathesis over ``/openapi.json``: every operation, fuzzed with and without a token.

Issue 5 item 6: no input gets a 5xx, and every answer — status, content type, body and
headers — is one the OpenAPI description declares. Each operation is called anonymously
and with the token of a role allowed to call it, so the authorised code paths are fuzzed
too. Path parameters and some body fields are often replaced by values that exist (issued
codes, submissions, backfill requests, foreign priors, an account, the holder's national
ID), so lookups hit real rows, not only 404s.

Generation is deterministic (fixed seed, derandomised, no example database) and bounded,
so CI reruns the same cases. Like every integration test, it runs on SQLite and PostgreSQL.
No operation is excluded.

The schema is loaded eagerly (``from_dict``) and each case is sent to this test's app:
``schemathesis.pytest.from_fixture`` 4.32 reads ``Node._nodeid``, which pytest 9.2 removed.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sehat.api.app import create_app
from sehat.config import Settings
from sehat.services import accounts, registrar
from sehat.services.documents import RevocationReason
from sehat.services.principal import Principal, Role
from sehat.store.db import make_engine, upgrade

from .api_helpers import KEK, P, Tokens, make_client, make_tokens
from .registry_helpers import EVIDENCE, new_national_id, record, submit
from .registry_helpers import registrar as registrar_of

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Per operation and caller, for the fuzzing phase; the coverage phase adds its boundary
# cases (about as many again). The whole file: about 4,600 calls per backend.
MAX_EXAMPLES = 40
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 1405,
        "generation": {"deterministic": True, "database": "none", "max-examples": MAX_EXAMPLES},
        # The stateful phase follows OpenAPI links, which this API does not declare.
        "phases": {"stateful": {"enabled": False}},
    }
)
# Rate limits would turn most calls into 429s: thousands of calls from one client.
UNLIMITED = {"rate_limit_public": "1000000/minute", "rate_limit_org": "1000000/minute"}


def _spec() -> dict[str, Any]:
    """The OpenAPI description, from an app on a throwaway database (collection needs it)."""
    with tempfile.TemporaryDirectory(prefix="sehat-openapi-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'spec.db'}"
        engine = make_engine(url)
        try:
            upgrade(engine)
            settings = Settings(data_dir=Path(tmp), database_url=url, kek=KEK)
            return create_app(settings, engine=engine, keystore=EVIDENCE.keystore).openapi()
        finally:
            engine.dispose()


SPEC = _spec()
schema = schemathesis.openapi.from_dict(SPEC, config=CONFIG)


@dataclass
class Registry:
    """The app on a registry with issued, waiting and foreign-prior records."""

    app: FastAPI
    tokens: Tokens
    existing: dict[str, list[str]]  # a parameter or body field -> values that exist


_EXISTING: dict[str, list[str]] = {}  # the running test's ``Registry.existing``
_INSTITUTION = "/api/v1/admin/institutions/"


def _substitute(
    values: dict[str, Any] | None, names: Mapping[str, str]
) -> st.SearchStrategy[dict[str, Any] | None]:
    """``values``, or a copy with one of ``names`` set to a value that exists."""
    choices = [st.just(values)]
    for name, key in names.items():
        if values is not None and name in values and _EXISTING.get(key):
            choices.append(
                st.sampled_from(_EXISTING[key]).map(lambda v, name=name: {**values, name: v})
            )
    return st.one_of(*choices)


@schema.hook
def flatmap_path_parameters(
    context: schemathesis.HookContext, path_parameters: dict[str, Any] | None
) -> st.SearchStrategy[dict[str, Any] | None]:
    path = context.operation.path if context.operation else ""
    names = {name: name for name in path_parameters or ()}
    if path.startswith(_INSTITUTION):
        names["code"] = "institution_code"
    return _substitute(path_parameters, names)


@schema.hook
def flatmap_body(context: schemathesis.HookContext, body: Any) -> st.SearchStrategy[Any]:
    if not isinstance(body, dict):
        return st.just(body)
    path = context.operation.path if context.operation else ""
    names = {"code": "code", "national_id": "national_id", "account_id": "account_id"}
    if path.endswith("/revoke"):
        names["reason"] = "revocation_reason"
    return _substitute(body, names)


def _seed(engine: sa.Engine, tokens: Tokens) -> dict[str, list[str]]:
    issued = submit(
        engine,
        P.uni_a,
        record(P.uni_a, 2, P.field_science, tokens.holder_national_id),
        *(record(P.uni_a, 2, P.field_science) for _ in range(5)),
    )
    # A master's degree at B waiting for its bachelor's at A: a backfill request to A.
    [waiting] = submit(
        engine,
        P.uni_b,
        record(P.uni_b, 3, P.field_science, new_national_id(), prior_institution=P.uni_a),
    )
    foreign = {
        "country": "Germany",
        "institution": "TU München",
        "degree": "B.Sc.",
        "equivalence_ref": "EQ-1404-0091",
    }
    [abroad] = submit(engine, P.uni_a, record(P.uni_a, 3, P.field_science, prior_foreign=foreign))
    assert all(r.status == "ISSUED" for r in issued)
    assert waiting.status == abroad.status == "PENDING_PRIOR"
    now = datetime.now(UTC)
    with engine.begin() as conn:
        # An account and token the fuzzer may use and revoke without locking itself out.
        spare = accounts.create_account(conn, Role.VERIFIER, "spare", now)
        _, spare_token_id = accounts.create_token(conn, spare, now)
    with engine.connect() as conn:
        requests = registrar.backfill_requests(conn, registrar_of(P.uni_a), None)
        operator = Principal(role=Role.OPERATOR, account_id="seed")
        priors = registrar.foreign_priors(conn, operator, None)
    assert requests and priors
    return {
        "code": [r.code for r in issued if r.code],
        "submission_id": [r.submission_id for r in (*issued, waiting, abroad) if r.submission_id],
        "request_id": [r["request_id"] for r in requests],
        "foreign_id": [r["public_id"] for r in priors],
        "token_id": [spare_token_id],
        "account_id": [spare],
        "national_id": [tokens.holder_national_id],
        "institution_code": [P.uni_a, P.medical],
        "revocation_reason": [reason.value for reason in RevocationReason],
    }


@pytest.fixture
def registry(engine: sa.Engine, data_dir: Path) -> Iterator[Registry]:
    client = make_client(engine, data_dir, **UNLIMITED)
    assert isinstance(client.app, FastAPI)
    assert client.get("/openapi.json").json() == SPEC  # what is fuzzed is what is served
    tokens = make_tokens(engine)
    existing = _seed(engine, tokens)
    _EXISTING.update(existing)
    yield Registry(client.app, tokens, existing)
    _EXISTING.clear()


@pytest.fixture(params=["anonymous", "authorised"])
def caller(request: pytest.FixtureRequest) -> str:
    """Who calls: nobody, or a role allowed to call the operation (see ``_headers``)."""
    return str(request.param)


def _headers(tokens: Tokens, method: str, path: str) -> Mapping[str, str]:
    """The token of a role that may call ``method path``: the registrar for what only a
    registrar does, the verifier for bulk verification, the auditor for the audit, the
    holder for its own area, the operator for everything else."""
    registrar_only = (
        (method == "POST" and path.startswith("/api/v1/graduations"))
        or path.startswith("/api/v1/registrar/")
        or path.endswith("/corrections")
    )
    if registrar_only:
        return tokens.registrar_a
    if path.startswith("/api/v1/verify/batch"):
        return tokens.verifier
    if path == "/api/v1/audit":
        return tokens.auditor
    if path.startswith("/api/v1/me/"):
        return tokens.holder
    return tokens.operator


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # One registry per operation and caller, changed by the calls as a real one would be.
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
def test_every_operation_answers_as_declared(
    case: schemathesis.Case, registry: Registry, caller: str
) -> None:
    headers = (
        {} if caller == "anonymous" else dict(_headers(registry.tokens, case.method, case.path))
    )
    case.call_and_validate(app=registry.app, headers=headers, checks=CHECKS)


# What the fuzzer found, pinned as plain examples. Before the fixes, the NULs were stored
# by SQLite and a 500 on PostgreSQL (text cannot hold one), the lone surrogate a 500 on both
# (it cannot be encoded), the huge domain a 500 on both (OverflowError / bigint out of
# range), and the body that is not UTF-8 a 400 without the problem's position.
_NUL_RECORD = json.dumps({"items": [record(P.uni_a, 2, P.field_science, last_name="a\x00")]})


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "field", "position"),
    [
        (
            "POST",
            "/api/v1/admin/accounts",
            b'{"role": "verifier", "name": "ab\\u0000"}',
            422,
            "name",
            3,
        ),
        ("POST", "/api/v1/graduations/batch", _NUL_RECORD.encode(), 422, "items[0].last_name", 2),
        ("GET", "/api/v1/graduations/ab%00c", None, 422, "path", 23),
        ("GET", "/api/v1/registrar/backfill-requests?status=%00", None, 422, "status", None),
        (
            "POST",
            "/api/v1/documents/{code}/corrections",
            b'{"changes": {"first_name": "\\ud800"}, "reason": "typo"}',
            422,
            "changes.first_name",
            1,
        ),
        ("GET", f"/api/v1/admin/foreign-priors?domain={10**30}", None, 422, "domain", None),
        ("POST", "/api/v1/verify", b'{"code": "\xff"}', 400, "body", 11),
    ],
)
def test_input_the_fuzzer_found_gets_a_4xx_naming_the_field(
    registry: Registry,
    method: str,
    url: str,
    body: bytes | None,
    status: int,
    field: str,
    position: int | None,
) -> None:
    headers = {"content-type": "application/json"} | dict(registry.tokens.operator)
    if url.startswith(("/api/v1/graduations/batch", "/api/v1/registrar/")) or "corr" in url:
        headers |= registry.tokens.registrar_a
    url = url.replace("{code}", registry.existing["code"][0])
    with TestClient(registry.app) as client:
        response = client.request(method, url, content=body, headers=headers)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["type"] == ("malformed_json" if status == 400 else "invalid_input")
    assert error["message"] and error["message_fa"]
    [problem] = [p for p in error["problems"] if p["field"] == field]
    assert problem["fix"] and problem["fix_fa"] and problem["problem_fa"]
    assert problem.get("position") == position


def test_a_json_body_without_such_text_reaches_the_route_unchanged(registry: Registry) -> None:
    # "\\u0000" is a backslash and five characters, not a NUL: the guard lets it through.
    body = {"code": registry.existing["code"][0], "national_id": "\\u0000"}
    with TestClient(registry.app) as client:
        response = client.post("/api/v1/verify", json=body)
    assert response.status_code == 422, response.text
    [problem] = response.json()["error"]["problems"]
    assert problem["field"] == "national_id" and "NUL" not in problem["problem"]
    with TestClient(registry.app) as client:
        answer = client.post(
            "/api/v1/verify",
            json={"code": body["code"], "national_id": registry.tokens.holder_national_id},
        )
    assert answer.status_code == 200 and answer.json()["match"] is True
