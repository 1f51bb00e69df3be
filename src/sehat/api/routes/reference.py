"""Public reference data: institutions, fields, kinds, domains (DESIGN §7)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from sehat.api.deps import EngineDep, ReferenceDep
from sehat.services.institutions import list_institutions

router = APIRouter(prefix="/api/v1", tags=["reference / داده‌های مرجع"])


@router.get("/institutions")
def institutions(engine: EngineDep, domain: int | None = Query(None, ge=1, le=9)) -> dict[str, Any]:
    """Every institution; each item has its 5-digit ``code``."""
    with engine.connect() as conn:
        return {"items": list_institutions(conn, domain)}


@router.get("/fields")
def fields(reference: ReferenceDep, domain: int | None = Query(None, ge=1, le=9)) -> dict[str, Any]:
    """Fields of study with their ISCED-F 2013 codes."""
    items = [
        {
            "code": f.code,
            "name_fa": f.name_fa,
            "name_en": f.name_en,
            "isced_f": f.isced_f,
            "domains": list(f.domains),
        }
        for f in reference.fields.values()
        if domain is None or domain in f.domains
    ]
    return {"version": reference.version, "items": items}


@router.get("/kinds")
def kinds(reference: ReferenceDep) -> dict[str, Any]:
    """Document kinds (digit 8 of the code) with ISCED 2011 levels."""
    return {
        "items": [
            {
                "code": k.code,
                "slug": k.slug,
                "name_fa": k.name_fa,
                "name_en": k.name_en,
                "isced_level": k.isced_level,
                "is_degree": k.is_degree,
            }
            for k in reference.kinds.values()
        ]
    }


@router.get("/domains")
def domains(reference: ReferenceDep) -> dict[str, Any]:
    """The five education domains (digit 1 of the code)."""
    return {
        "items": [
            {"code": d.code, "slug": d.slug, "name_fa": d.name_fa, "name_en": d.name_en}
            for d in reference.domains.values()
        ]
    }
