"""``GET /api/v1/access-log?code=``: the access log of one document, for the auditor and
the operator (DESIGN §1); holders read theirs at ``/api/v1/me/access-log``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from sehat.api.deps import AccessBufferDep, EngineDep, PrincipalDep
from sehat.api.shapes import CODE_RULE, code_schema, refuses
from sehat.services import access_log

router = APIRouter(prefix="/api/v1", tags=["audit / بازرسی"])


@router.get("/access-log", openapi_extra=refuses({"code": CODE_RULE}))
def document_access_log(
    engine: EngineDep,
    buffer: AccessBufferDep,
    principal: PrincipalDep,
    code: str = Query(max_length=80, json_schema_extra=code_schema()),
    limit: int = Query(100, ge=1, le=access_log.MAX_PAGE),
    offset: int = Query(0, ge=0, le=10**9),
) -> dict[str, Any]:
    """Every verification of one document, newest first."""
    buffer.flush()
    with engine.connect() as conn:
        return {"entries": access_log.for_document(conn, principal, code, limit, offset)}
