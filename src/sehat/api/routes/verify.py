"""``GET /api/v1/verify/{code}``: the public tier (DESIGN §5), nothing personal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from sehat.api.deps import EngineDep, EvidenceDep, ReferenceDep
from sehat.services.verification import verify_public

router = APIRouter(prefix="/api/v1", tags=["verification / استعلام"])


@router.get("/verify/{code}")
def verify(
    code: str, engine: EngineDep, reference: ReferenceDep, evidence: EvidenceDep
) -> dict[str, Any]:
    """VALID, REVOKED (date, reason), SUSPENDED, UNKNOWN or MALFORMED (what and where)."""
    with engine.connect() as conn:
        return verify_public(conn, reference, code, evidence)
