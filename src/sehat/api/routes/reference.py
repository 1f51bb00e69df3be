"""Public reference data: institutions, fields, kinds, domains (DESIGN §7; R3, R18).

Institutions come from the database (administrators add and deactivate them); fields,
kinds and domains from the versioned reference files.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from sehat.api.deps import EngineDep, ReferenceDep
from sehat.reference.models import Institution
from sehat.services.institutions import list_institutions

router = APIRouter(prefix="/api/v1", tags=["reference / داده‌های مرجع"])

DomainQuery = Annotated[
    int | None, Query(ge=1, le=9, description="only this domain (digit 1 of the code)")
]


class InstitutionPublic(BaseModel):
    """An institution; ``code`` is digits 1-5 of its documents' authenticity codes."""

    code: str
    domain: int
    number: str
    name_fa: str
    name_en: str
    city_fa: str
    city_en: str
    category: str
    active: bool

    @classmethod
    def of(cls, institution: Institution) -> InstitutionPublic:
        return cls(
            code=institution.code,
            domain=institution.domain,
            number=f"{institution.number:04d}",
            name_fa=institution.name_fa,
            name_en=institution.name_en,
            city_fa=institution.city_fa,
            city_en=institution.city_en,
            category=institution.category,
            active=institution.active,
        )


class InstitutionList(BaseModel):
    items: list[InstitutionPublic]


class FieldPublic(BaseModel):
    """A field of study with its ISCED-F 2013 (detailed) code."""

    code: str
    name_fa: str
    name_en: str
    isced_f: str
    domains: list[int]


class FieldList(BaseModel):
    version: str
    items: list[FieldPublic]


class KindPublic(BaseModel):
    """A document kind (digit 8 of the code) and its ISCED 2011 level."""

    code: int
    slug: str
    name_fa: str
    name_en: str
    isced_level: str
    is_degree: bool


class KindList(BaseModel):
    items: list[KindPublic]


class DomainPublic(BaseModel):
    """An education domain (digit 1 of the code)."""

    code: int
    slug: str
    name_fa: str
    name_en: str


class DomainList(BaseModel):
    items: list[DomainPublic]


@router.get("/institutions")
def institutions(engine: EngineDep, domain: DomainQuery = None) -> InstitutionList:
    """Every institution, active or not (old documents name closed ones); each has a ``code``."""
    with engine.connect() as conn:
        found = list_institutions(conn, domain)
    return InstitutionList(items=[InstitutionPublic.of(i) for i in found])


@router.get("/fields")
def fields(reference: ReferenceDep, domain: DomainQuery = None) -> FieldList:
    """Fields of study with their ISCED-F 2013 codes; each has a ``code``."""
    return FieldList(
        version=reference.version,
        items=[
            FieldPublic(
                code=f.code,
                name_fa=f.name_fa,
                name_en=f.name_en,
                isced_f=f.isced_f,
                domains=list(f.domains),
            )
            for f in reference.fields.values()
            if domain is None or domain in f.domains
        ],
    )


@router.get("/kinds")
def kinds(reference: ReferenceDep) -> KindList:
    """Document kinds (digit 8 of the code) with ISCED 2011 levels."""
    return KindList(
        items=[
            KindPublic(
                code=k.code,
                slug=k.slug,
                name_fa=k.name_fa,
                name_en=k.name_en,
                isced_level=k.isced_level,
                is_degree=k.is_degree,
            )
            for k in reference.kinds.values()
        ]
    )


@router.get("/domains")
def domains(reference: ReferenceDep) -> DomainList:
    """The five education domains (digit 1 of the code)."""
    return DomainList(
        items=[
            DomainPublic(code=d.code, slug=d.slug, name_fa=d.name_fa, name_en=d.name_en)
            for d in reference.domains.values()
        ]
    )
