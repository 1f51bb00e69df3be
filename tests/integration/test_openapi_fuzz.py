"""Schemathesis over ``/openapi.json``: every operation, fuzzed with and without a token.

Issue 5 item 6: no input gets a 5xx, and every answer — status, content type, body and
headers — is one the OpenAPI description declares. Issue 14 item 7: the description says
exactly what the server accepts, so a request that fits it is never refused for its shape
(``positive_data_acceptance``); the only 422 such a request may get names a field the
operation lists under ``x-sehat-refuses`` (a check digit, a value that must exist, a relation
between fields: what JSON Schema cannot say; api/shapes.py), and the generator is given our
``sehat-code`` and ``iran-national-id`` formats so that most codes and IDs it draws are
valid ones, in every form the server accepts (Persian digits, hyphens, 3-6-1 grouping). A 405
names the allowed methods (``unsupported_method``). Each operation is called anonymously
and with the token of a role allowed to call it, so the authorised code paths are fuzzed
too. Path parameters and some body fields are often replaced by values that exist (issued
codes, submissions, backfill requests, foreign priors, an account, the holder's national
ID), so lookups hit real rows, not only 404s.

The stateful phase follows the description's OpenAPI links (a submission to its document, a
share link to opening and revoking it, a token to its revocation, …) through a state
machine, with the same checks.

Generation is deterministic (fixed seed, derandomised, no example database) and bounded,
so CI reruns the same cases. Like every integration test, it runs on SQLite and PostgreSQL.
No operation is excluded. Text is drawn as UTF-8 (RFC 8259 §8.1: a lone surrogate is not
text; the server refuses it with a 422, pinned below).

The schema is loaded eagerly (``from_dict``) and each case is sent to this test's app:
``schemathesis.pytest.from_fixture`` 4.32 reads ``Node._nodeid``, which pytest 9.2 removed.
"""

from __future__ import annotations

import copy
import json
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from sehat.api.app import create_app
from sehat.config import Settings
from sehat.core import code as authcode
from sehat.core.national_id import make_national_id
from sehat.core.persian import to_persian_digits
from sehat.services import accounts, registrar
from sehat.services.documents import RevocationReason
from sehat.services.principal import Principal, Role
from sehat.store.db import make_engine, upgrade

from .api_helpers import KEK, P, Tokens, make_client, make_tokens
from .registry_helpers import EVIDENCE, new_national_id, record, submit
from .registry_helpers import registrar as registrar_of


def _refused_as_declared(case: schemathesis.Case, response: Any) -> bool:
    """A 422 whose every problem names a field the operation says it may refuse."""
    rules = case.operation.definition.raw.get("x-sehat-refuses") or {}
    fields = [re.escape(field).replace(r"\*", r"\d+") for field in rules]
    try:
        problems = response.json()["error"]["problems"]
    except (ValueError, KeyError, TypeError):
        return False
    return bool(problems) and all(
        any(re.fullmatch(field, str(p.get("field"))) for field in fields) for p in problems
    )


@schemathesis.check
def accepted_unless_declared(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """``positive_data_acceptance``, except a 422 for a rule the description states."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code == 422 and _refused_as_declared(case, response):
            return None
        raise


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    accepted_unless_declared,
    unsupported_method,
]
# Per operation and caller, for the fuzzing phase; the coverage phase adds its boundary
# cases. Measured: about 1 minute per backend with the stateful phase.
MAX_EXAMPLES = 25
STATEFUL_EXAMPLES = 30  # scenarios of the state machine, each at most STATEFUL_STEPS calls
STATEFUL_STEPS = 6
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 1405,
        "generation": {
            "deterministic": True,
            "database": "none",
            "max-examples": MAX_EXAMPLES,
            "codec": "utf-8",
        },
        "phases": {"stateful": {"enabled": True, "max-steps": STATEFUL_STEPS}},
        # A share link that expired or was revoked (by an earlier step) is gone: 410.
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "410", "429"]
            }
        },
    }
)
# Rate limits would turn most calls into 429s: thousands of calls from one client.
UNLIMITED = {"rate_limit_public": "1000000/minute", "rate_limit_org": "1000000/minute"}
# Ready at once: a /readyz that says 503 while the registry is read into memory (a declared
# answer, tested in test_readiness.py) would depend on how busy the machine is.
SETTINGS = {**UNLIMITED, "prewarm": False}


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


def _codes() -> st.SearchStrategy[str]:
    """Valid codes as people write them: plain, in groups of four, in Persian digits."""
    code = st.builds(
        authcode.build,
        st.integers(1, 5),
        st.integers(0, 9999),
        st.integers(0, 99),
        st.integers(1, 9),
        st.integers(0, authcode.SERIAL_SPACE - 1),
    )
    grouped = code.map(lambda c: "-".join(c[i : i + 4] for i in range(0, 20, 4)))
    return st.one_of(code, grouped, grouped.map(to_persian_digits))


def _national_ids() -> st.SearchStrategy[str]:
    """Valid national IDs as given: plain, 3-6-1 grouped, in Persian digits."""
    nine = st.text("0123456789", min_size=9, max_size=9).filter(lambda t: len(set(t)) > 1)
    nid = nine.map(make_national_id).filter(lambda n: len(set(n)) > 1).map(str)
    grouped = nid.map(lambda n: f"{n[:3]}-{n[3:9]}-{n[9]}")
    return st.one_of(nid, grouped, nid.map(to_persian_digits))


schemathesis.openapi.format("sehat-code", _codes())
schemathesis.openapi.format("iran-national-id", _national_ids())
schema = schemathesis.openapi.from_dict(copy.deepcopy(SPEC), config=CONFIG)


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
    client = make_client(engine, data_dir, **SETTINGS)
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


def _in_data_tree(exc: BaseException) -> bool:
    """Whether Hypothesis's own bookkeeping raised ``exc`` (a replay that diverged)."""
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and frame.tb_frame.f_globals["__name__"].startswith("hypothesis.")


def test_linked_operations_in_sequence_answer_as_declared(registry: Registry) -> None:
    """The stateful phase: scenarios that follow the description's links (submit, then read
    the document and its QR and verify it; share, then open and revoke the link; …), each
    call made by a role allowed to make it, every answer checked as above."""
    base = schema.as_state_machine()
    calls: list[str] = []
    scenarios = 0

    class Workflow(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            calls.append(f"{case.method} {case.path}")
            headers = dict(_headers(registry.tokens, case.method, case.path))
            return {"app": registry.app, "headers": headers}

        def validate_response(
            self, response: Any, case: schemathesis.Case, additional_checks: Any = None, **kw: Any
        ) -> None:
            case.validate_response(response, checks=CHECKS, headers=kw.get("headers"))

        def teardown(self) -> None:
            nonlocal scenarios
            scenarios += 1

    # The registry changes as scenarios run (a share revoked, a token gone), so Hypothesis,
    # steering away from paths it has seen, can find that one no longer goes where it went:
    # it raises FlakyStrategyDefinition (or asserts in its data tree). Schemathesis's own
    # runner then starts again, and so does this, with the next fixed seed. A failed check
    # is never swallowed: it arrives as a FailureGroup, or as FlakyFailure when its replay
    # differs, and both end the test.
    for attempt in range(8):
        if scenarios >= STATEFUL_EXAMPLES:
            break
        machine = hypothesis.seed(1405 + attempt)(Workflow)
        try:
            machine.run(
                settings=hypothesis.settings(
                    max_examples=STATEFUL_EXAMPLES - scenarios,
                    stateful_step_count=STATEFUL_STEPS,
                    phases=[hypothesis.Phase.generate],  # a replay would not take the same path
                    database=None,
                    deadline=None,
                    suppress_health_check=list(hypothesis.HealthCheck),
                )
            )
        except hypothesis.errors.FlakyStrategyDefinition:
            continue
        except AssertionError as exc:
            if not _in_data_tree(exc):
                raise
    assert scenarios >= STATEFUL_EXAMPLES, scenarios
    # Links were followed: an operation reached only through one was called.
    linked = {"GET /api/v1/graduations/{submission_id}", "GET /api/v1/shares/{token}"}
    assert linked & set(calls), sorted(set(calls))


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


def test_an_empty_idempotency_key_names_no_earlier_submission(registry: Registry) -> None:
    # Found by the fuzzer: an empty key was stored as a key, and a second submission with
    # one clashed with the first and answered 500.
    headers = {"Idempotency-Key": ""} | dict(registry.tokens.registrar_a)
    with TestClient(registry.app) as client:
        answers = [
            client.post(
                "/api/v1/graduations",
                json=record(P.uni_a, 2, P.field_science),
                headers=headers,
            )
            for _ in range(2)
        ]
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    first, second = (a.json() for a in answers)
    assert first["status"] == second["status"] == "ISSUED"
    assert first["code"] != second["code"]
