"""``GET /api/v1/audit``: the inspector's audit over HTTP (auditor only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from sehat.api.deps import EngineDep, KeyStoreDep, PrincipalDep, ReferenceDep, SettingsDep
from sehat.services.audit import run_audit
from sehat.services.principal import Role
from sehat.store.tx import snapshot

router = APIRouter(prefix="/api/v1", tags=["audit / بازرسی"])


@router.get("/audit")
def audit(
    engine: EngineDep,
    keystore: KeyStoreDep,
    reference: ReferenceDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Recompute the log, check every checkpoint, re-verify every document version."""
    principal.require_role(Role.AUDITOR, what_en="run the audit", what_fa="اجرای بازرسی")
    with snapshot(engine) as conn:
        return run_audit(conn, keystore, reference, settings.log_origin).as_dict()
