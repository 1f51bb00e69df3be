"""``/api/v1/me``: a holder's own documents, share links and access log (DESIGN §5, §7).

A holder's token (``sehat token create --role holder --national-id N``) names the person. A
national single sign-on plugs in at :func:`sehat.api.deps.get_optional_principal`: whatever
proves the person's identity there only has to produce a ``Principal(role=HOLDER,
national_id=…)``; nothing below this line changes (docs/holders.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from sehat.api.deps import AccessBufferDep, EngineDep, PrincipalDep, ReferenceDep, SettingsDep
from sehat.api.shapes import CODE_RULE, code_schema, refuses
from sehat.services import access_log, holder_requests, shares
from sehat.services.id_checks import guards_of_person
from sehat.services.principal import Role
from sehat.services.verification import SHAREABLE_FIELDS
from sehat.store.tx import in_transaction

router = APIRouter(prefix="/api/v1/me", tags=["holder / دارنده مدرک"])


class ShareIn(BaseModel):
    """Which document, for how long (seconds), and which fields the link shows."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=80, json_schema_extra=code_schema())
    expires_in: int = Field(
        ge=shares.MIN_EXPIRY,
        le=shares.MAX_EXPIRY,
        description="seconds the link works, 60 … 31622400 (a minute to a year)",
    )
    fields: list[str] = Field(
        default_factory=lambda: ["holder_name", "field", "graduation_date"],
        max_length=len(SHAREABLE_FIELDS),
        json_schema_extra={"items": {"type": "string", "enum": list(SHAREABLE_FIELDS)}},
        description="what the link discloses besides the public answer; any of: "
        + ", ".join(SHAREABLE_FIELDS)
        + " (a field named twice is shared once)",
    )


class ShareOut(BaseModel):
    """A new share link: the token is shown this once."""

    token: str
    url: str
    id: str
    code: str
    fields: list[str]
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/documents")
def my_documents(
    engine: EngineDep, reference: ReferenceDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The holder's documents, newest first."""
    with engine.connect() as conn:
        return {"documents": shares.my_documents(conn, reference, principal)}


@router.post(
    "/shares",
    status_code=201,
    response_model=ShareOut,
    openapi_extra=refuses({"code": CODE_RULE}),
)
def create_share(
    body: ShareIn, engine: EngineDep, settings: SettingsDep, principal: PrincipalDep
) -> ShareOut:
    """A link that shows the chosen fields of one of the holder's documents until it expires."""
    new = in_transaction(
        engine,
        lambda c: shares.create(c, principal, body.code, body.expires_in, body.fields, _now()),
    )
    return ShareOut(
        token=new.token,
        url=f"{settings.public_url.rstrip('/')}/s/{new.token}",  # opens as a page
        id=new.id,
        code=new.code,
        fields=new.fields,
        expires_at=new.expires_at,
    )


@router.get("/shares")
def list_shares(engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """The holder's share links (active, expired and revoked), newest first."""
    with engine.connect() as conn:
        return {"shares": shares.list_mine(conn, principal, _now())}


@router.delete("/shares/{token}")
def revoke_share(token: str, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """Revoke a share link by its token (or its id): it stops working at once."""
    return in_transaction(engine, lambda c: shares.revoke(c, principal, token, _now()))


@router.get("/access-log")
def my_access_log(
    engine: EngineDep,
    settings: SettingsDep,
    buffer: AccessBufferDep,
    principal: PrincipalDep,
    limit: int = Query(100, ge=1, le=access_log.MAX_PAGE),
    offset: int = Query(0, ge=0, le=10**9),
) -> dict[str, Any]:
    """Every verification of the holder's documents: who, when, which fields, newest first;
    and ``id_checks``: documents someone gave wrong national IDs for lately, and any lock."""
    principal.require_role(
        Role.HOLDER, what_en="read a holder's access log", what_fa="مشاهده گزارش دسترسی"
    )
    buffer.flush()
    with engine.connect() as conn:
        person = access_log.person_id_of(conn, principal)
        if person is None:
            return {"entries": [], "id_checks": []}
        items = access_log.entries(conn, person_id=person, limit=limit, offset=offset)
        guards = guards_of_person(conn, person, datetime.now(UTC), settings.id_checks)
    return {"entries": items, "id_checks": guards}


class BackfillRequestIn(BaseModel):
    """An old document of yours that has no code: where and what it is."""

    model_config = ConfigDict(extra="forbid")
    institution: str | int = Field(description="the 5-digit institution code")
    kind: str | int = Field(description="document kind, 1-9 (GET /api/v1/kinds)")
    field: str | int = Field(description="field of study code (GET /api/v1/fields)")
    student_number: str | int
    graduation_year: str | int = Field(description="Solar Hijri year, e.g. 1385")


@router.post(
    "/backfill-requests",
    status_code=201,
    openapi_extra=refuses(
        {
            "institution": "an institution of the registry (GET /api/v1/institutions)",
            "kind": "a document kind in use (GET /api/v1/kinds)",
            "field": "a field of study of GET /api/v1/fields",
            "student_number": "1 to 40 characters once spaces at the ends are removed",
            "graduation_year": "a Solar Hijri year from 1300 to the current year",
        }
    ),
)
def ask_for_a_code(
    body: BackfillRequestIn,
    response: Response,
    engine: EngineDep,
    reference: ReferenceDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Ask the institution to register an old document of yours; it reaches its registrar's
    queue. The same open request again answers 200 with the first one."""
    now = _now()
    answer, new = in_transaction(
        engine,
        lambda c: holder_requests.create(c, principal, reference, body.model_dump(), now),
    )
    if not new:
        response.status_code = 200
    return answer


@router.get("/backfill-requests")
def my_backfill_requests(engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """Your requests, newest first: OPEN, CONFIRMED (with the document's progress and code)
    or DECLINED (with the registrar's reason)."""
    with engine.connect() as conn:
        return {"items": holder_requests.for_holder(conn, principal)}
