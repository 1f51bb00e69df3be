"""Verification (DESIGN §5, §7): the public tier by code alone, the holder tier with the
holder's national ID, and organisations' bulk verification (JSON, or CSV in and out).

Every verification of a stored document is written to its holder's access log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from sehat.api import bulk_csv
from sehat.api.deps import (
    EngineDep,
    EvidenceDep,
    OptionalPrincipalDep,
    PrincipalDep,
    ReferenceDep,
    SettingsDep,
    client_address,
    get_optional_principal,
)
from sehat.api.runtime import Runtime, runtime
from sehat.api.shapes import NATIONAL_ID_RULE, code_schema, national_id_schema, refuses
from sehat.core.national_id import parse_national_id
from sehat.services import bulk_verification
from sehat.services.access_log import Channel
from sehat.services.id_checks import subjects_of
from sehat.services.principal import Principal
from sehat.services.verification import (
    Found,
    access_of,
    holder_check,
    look_up_with,
)

router = APIRouter(prefix="/api/v1", tags=["verification / استعلام"])

MAX_BATCH = 10_000


class PublicAnswer(BaseModel):
    """The public answer (DESIGN §5): nothing personal."""

    model_config = ConfigDict(extra="allow")
    status: str = Field(description="VALID, REVOKED, SUSPENDED, UNKNOWN, MALFORMED or TAMPERED")
    code: str | None = None


@router.get("/verify/{code}", response_class=Response, responses={200: {"model": PublicAnswer}})
async def verify(code: str, request: Request) -> Response:
    """VALID, REVOKED (date, reason), SUSPENDED, UNKNOWN or MALFORMED (what and where).

    The busiest path of the system (bench/verify.py), written close to the ASGI server: no
    dependency injection, the answer serialised once by orjson, and on SQLite the lookup
    (one indexed read and an HMAC) runs on the event loop instead of a thread hop. On
    PostgreSQL the lookup goes to the thread pool: a network read must not hold the loop.
    """
    who = (
        await run_in_threadpool(get_optional_principal, request)
        if "authorization" in request.headers
        else None
    )
    body = await public_answer(runtime(request), code, who)
    return Response(body, media_type="application/json")


async def public_answer(state: Runtime, code: str, who: Principal | None) -> bytes:
    """The public answer for ``code`` as JSON bytes, its access queued for the log.

    Shared by the route above and by :class:`sehat.api.fastpath.PublicVerify`, which serves
    the same path for callers without a token before the framework is entered.
    """
    if state.inline_reads:
        found = _look_up_public(state, code)
    else:
        found = await run_in_threadpool(_look_up_public, state, code)
    access = access_of(found, Channel.PUBLIC, who, datetime.now(UTC), None)
    if access is not None:
        state.access_buffer.add(access)
    return orjson.dumps(found.answer)


def _look_up_public(state: Runtime, code: str) -> Found:
    return look_up_with(state.public_read, state.reference, state.evidence, code)


class VerifyIn(BaseModel):
    """A code and the national ID of the person presenting the document."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=80, json_schema_extra=code_schema())
    national_id: str = Field(max_length=40, json_schema_extra=national_id_schema())


class BatchVerifyIn(BaseModel):
    """Up to 10,000 code + national ID pairs."""

    model_config = ConfigDict(extra="forbid")
    items: list[VerifyIn] = Field(max_length=MAX_BATCH)


@router.post("/verify", openapi_extra=refuses({"national_id": NATIONAL_ID_RULE}))
def verify_holder(
    body: VerifyIn,
    request: Request,
    engine: EngineDep,
    reference: ReferenceDep,
    evidence: EvidenceDep,
    settings: SettingsDep,
    who: OptionalPrincipalDep,
) -> dict[str, Any]:
    """The document's details when the national ID is its holder's; nothing personal otherwise.

    A yes/no for one person, never a search (DESIGN §5): a document that has had 5 wrong IDs
    in 24 hours answers `LOCKED` for 24 hours, and a caller past its daily budget of wrong
    IDs gets 429."""
    wanted = str(parse_national_id(body.national_id))
    subjects = subjects_of(who, client_address(request))
    now = datetime.now(UTC)
    with engine.begin() as conn:
        return holder_check(
            conn, reference, evidence, settings.id_checks, subjects, who, body.code, wanted, now
        )


@router.post(
    "/verify/batch",
    openapi_extra=refuses(
        {
            "items[*].code": "a batch names each document once: the same code twice (in any "
            "form) refuses the whole batch, naming both items"
        }
    ),
)
def verify_batch(
    body: BatchVerifyIn,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    reference: ReferenceDep,
    evidence: EvidenceDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """An organisation's bulk verification: results in order, one bad item never fails the rest."""
    bulk_verification.require_org(principal)
    items = [(item.code, item.national_id) for item in body.items]
    address = client_address(request)
    where = [f"items[{i}]" for i in range(len(items))]
    return {
        "results": bulk_verification.check(
            engine, reference, evidence, settings, principal, address, items, where
        )
    }


@router.post(
    "/verify/batch/csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **refuses(
            {
                "file": "a CSV file (UTF-8 or Windows-1256; comma, semicolon or tab) whose first "
                "line names the columns code and national_id, with at most 10,000 lines",
                "line *": "a line the csv reader cannot read (a broken quote, a field over its "
                "size limit), or a code named on an earlier line too",
            }
        ),
    },
)
async def verify_batch_csv(
    request: Request,
    engine: EngineDep,
    reference: ReferenceDep,
    evidence: EvidenceDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Response:
    """Bulk verification for spreadsheets: a CSV with `code` and `national_id` columns in
    (UTF-8 or Windows-1256; comma, semicolon or tab), one answer line per input line out."""
    bulk_verification.require_org(principal)
    table = bulk_csv.read(await request.body(), MAX_BATCH)

    address = client_address(request)
    where = [f"line {line}" for line in table.lines]
    results = await run_in_threadpool(
        bulk_verification.check,
        engine,
        reference,
        evidence,
        settings,
        principal,
        address,
        table.items,
        where,
    )
    return Response(
        bulk_csv.write(table.lines, results),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="sehat-verify-results.csv"'},
    )
