"""``GET /api/v1/trust-list``: the registry's public keys, signed by its root key (DESIGN §4)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from sehat.api.deps import EvidenceDep, SettingsDep
from sehat.services import trust_list

router = APIRouter(prefix="/api/v1", tags=["trust / اعتماد"])


@router.get("/trust-list")
def get_trust_list(evidence: EvidenceDep, settings: SettingsDep) -> dict[str, Any]:
    """Every public key (raw 32 bytes, base64url), id, purpose, domain, validity, status; the
    issuing keys also as Multikey verification methods of the credentials' issuer."""
    return trust_list.build(
        evidence.keys(), settings.log_origin, datetime.now(UTC), base_url=settings.public_url
    )
