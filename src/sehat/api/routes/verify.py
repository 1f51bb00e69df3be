"""Verification (DESIGN §5, §7): the public tier by code alone, the holder tier with the
holder's national ID, and organisations' bulk verification."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from sehat.api.deps import EngineDep, EvidenceDep, PrincipalDep, ReferenceDep
from sehat.errors import InputError
from sehat.services.principal import Role
from sehat.services.verification import verify_public, verify_with_holder

router = APIRouter(prefix="/api/v1", tags=["verification / استعلام"])


@router.get("/verify/{code}")
def verify(
    code: str, engine: EngineDep, reference: ReferenceDep, evidence: EvidenceDep
) -> dict[str, Any]:
    """VALID, REVOKED (date, reason), SUSPENDED, UNKNOWN or MALFORMED (what and where)."""
    with engine.connect() as conn:
        return verify_public(conn, reference, code, evidence)


MAX_BATCH = 10_000


class VerifyIn(BaseModel):
    """A code and the national ID of the person presenting the document."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=80)
    national_id: str = Field(max_length=40)


class BatchVerifyIn(BaseModel):
    """Up to 10,000 code + national ID pairs."""

    model_config = ConfigDict(extra="forbid")
    items: list[VerifyIn] = Field(max_length=MAX_BATCH)


@router.post("/verify")
def verify_holder(
    body: VerifyIn, engine: EngineDep, reference: ReferenceDep, evidence: EvidenceDep
) -> dict[str, Any]:
    """The document's details when the national ID is its holder's; nothing personal otherwise."""
    with engine.connect() as conn:
        return verify_with_holder(conn, reference, evidence, body.code, body.national_id)


@router.post("/verify/batch")
def verify_batch(
    body: BatchVerifyIn,
    engine: EngineDep,
    reference: ReferenceDep,
    evidence: EvidenceDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """An organisation's bulk verification: results in order, one bad item never fails the rest."""
    principal.require_role(
        Role.VERIFIER, Role.OPERATOR, what_en="verify in bulk", what_fa="استعلام گروهی"
    )
    results: list[dict[str, Any]] = []
    with engine.connect() as conn:
        for index, item in enumerate(body.items):
            try:
                results.append(
                    verify_with_holder(conn, reference, evidence, item.code, item.national_id)
                )
            except InputError as exc:
                results.append(
                    {
                        "status": "MALFORMED",
                        "code": None,
                        "match": False,
                        "problems": [
                            {**p.as_dict(), "field": f"items[{index}].{p.field}"}
                            for p in exc.problems
                        ],
                    }
                )
    return {"results": results}
