"""``GET /api/v1/shares/{token}``: what a holder's share link discloses (DESIGN §5, §7)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from sehat.api.deps import EngineDep, EvidenceDep, OptionalPrincipalDep, ReferenceDep
from sehat.services import shares
from sehat.store.tx import in_transaction

router = APIRouter(prefix="/api/v1/shares", tags=["verification / استعلام"])


@router.get("/{token}")
def open_share(
    token: str,
    engine: EngineDep,
    reference: ReferenceDep,
    evidence: EvidenceDep,
    viewer: OptionalPrincipalDep,
) -> dict[str, Any]:
    """The public answer and the fields the holder chose; 410 once expired or revoked.

    Anyone holding the link may open it; an organisation that sends its token as well is
    named in the holder's access log, anyone else shows there as "someone holding your link".
    """
    now = datetime.now(UTC)
    return in_transaction(
        engine, lambda c: shares.open_share(c, reference, evidence, token, now, viewer)
    )
