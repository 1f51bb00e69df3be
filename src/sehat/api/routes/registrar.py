"""A registrar's queue and the domain office's decisions (DESIGN §3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from sehat.api.deps import (
    EngineDep,
    EvidenceDep,
    PrincipalDep,
    ReferenceDep,
    SettingsDep,
    client_address,
)
from sehat.api.routes.graduations import GraduationIn
from sehat.api.routes.reference import DomainQuery
from sehat.api.shapes import NOT_BLANK, refuses
from sehat.services import holder_requests, registrar
from sehat.services.id_checks import IdCheckCaller, subjects_of
from sehat.store.tx import in_transaction

router = APIRouter(prefix="/api/v1", tags=["registrar / کارشناس"])


class ReasonIn(BaseModel):
    """A reason in free text."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=2000)


class DeclineIn(BaseModel):
    """Why a request is declined: the one who asked reads it."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        max_length=2000, json_schema_extra={"pattern": NOT_BLANK}, description="why; not blank"
    )


# Whose queue: a registrar's own institution; any other role must name one.
INSTITUTION_REFUSED = refuses(
    {"institution": "required (5 digits) unless the caller is a registrar, who reads its own"}
)
InstitutionQuery = Annotated[
    str | None, Query(pattern=r"^[1-9][0-9]{4}$", description="the 5-digit institution code")
]


@router.get("/registrar/pending", openapi_extra=INSTITUTION_REFUSED)
def pending(
    engine: EngineDep, principal: PrincipalDep, institution: InstitutionQuery = None
) -> dict[str, Any]:
    """This institution's submissions waiting for a prior degree."""
    with engine.connect() as conn:
        return {"items": registrar.pending(conn, principal, institution)}


@router.get("/registrar/backfill-requests", openapi_extra=INSTITUTION_REFUSED)
def backfill_requests(
    engine: EngineDep,
    principal: PrincipalDep,
    institution: InstitutionQuery = None,
    status: str = Query("OPEN", max_length=20),
) -> dict[str, Any]:
    """Other institutions ask this one to register a prior degree it granted."""
    with engine.connect() as conn:
        return {"items": registrar.backfill_requests(conn, principal, institution, status)}


@router.post("/registrar/backfill-requests/{request_id}/decline")
def decline(
    request_id: str, body: DeclineIn, engine: EngineDep, principal: PrincipalDep
) -> dict[str, Any]:
    """No such degree in the archive: close the request with a reason."""
    now = datetime.now(UTC)
    return in_transaction(
        engine, lambda c: registrar.decline_backfill(c, principal, request_id, body.reason, now)
    )


@router.get("/registrar/holder-requests", openapi_extra=INSTITUTION_REFUSED)
def holder_requests_queue(
    engine: EngineDep,
    principal: PrincipalDep,
    institution: InstitutionQuery = None,
    status: str = Query("OPEN", max_length=20),
) -> dict[str, Any]:
    """Graduates asking this institution for a code for an old document (oldest first)."""
    with engine.connect() as conn:
        return {"items": holder_requests.for_institution(conn, principal, institution, status)}


@router.post("/registrar/holder-requests/{request_id}/confirm")
def confirm_holder_request(
    request_id: str,
    body: GraduationIn,
    request: Request,
    engine: EngineDep,
    evidence: EvidenceDep,
    reference: ReferenceDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Found in the archive: submit the full record (issued with assurance `attested`, or
    waiting for its own prior degree). A record that is REJECTED leaves the request open."""
    now = datetime.now(UTC)
    caller = IdCheckCaller(
        settings.id_checks, tuple(subjects_of(principal, client_address(request)))
    )
    return in_transaction(
        engine,
        lambda c: holder_requests.confirm(
            c, reference, evidence, principal, caller, request_id, body.raw(), now
        ),
    )


@router.post("/registrar/holder-requests/{request_id}/decline")
def decline_holder_request(
    request_id: str, body: DeclineIn, engine: EngineDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Not in the archive (or not this person's): close the request with a reason the
    holder reads."""
    now = datetime.now(UTC)
    return in_transaction(
        engine, lambda c: holder_requests.decline(c, principal, request_id, body.reason, now)
    )


@router.get("/admin/foreign-priors")
def foreign_priors(
    engine: EngineDep, principal: PrincipalDep, domain: DomainQuery = None, status: str = "PENDING"
) -> dict[str, Any]:
    """Foreign prior degrees awaiting the domain office."""
    with engine.connect() as conn:
        return {"items": registrar.foreign_priors(conn, principal, domain, status)}


@router.post("/admin/foreign-priors/{foreign_id}/approve")
def approve(
    foreign_id: str,
    body: ReasonIn,
    engine: EngineDep,
    evidence: EvidenceDep,
    reference: ReferenceDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Approve a foreign prior degree; the waiting document issues."""
    now = datetime.now(UTC)
    return in_transaction(
        engine,
        lambda c: registrar.decide_foreign(
            c, evidence, principal, reference, foreign_id, True, body.reason, now
        ),
    )


@router.post("/admin/foreign-priors/{foreign_id}/decline")
def decline_foreign(
    foreign_id: str,
    body: ReasonIn,
    engine: EngineDep,
    evidence: EvidenceDep,
    reference: ReferenceDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Decline a foreign prior degree."""
    now = datetime.now(UTC)
    return in_transaction(
        engine,
        lambda c: registrar.decide_foreign(
            c, evidence, principal, reference, foreign_id, False, body.reason, now
        ),
    )
