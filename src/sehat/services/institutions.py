"""Institutions at runtime: seeded from the reference data, administered by the operator and
the domain admins (DESIGN §1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sehat.errors import ConflictError, InputError, NotFoundError, Problem
from sehat.reference.models import Reference
from sehat.services.principal import Principal, Role
from sehat.store import schema as t


def sync_from_reference(conn: sa.Connection, reference: Reference, now: datetime) -> int:
    """Insert reference institutions the database does not have yet; returns how many."""
    have = set(conn.execute(sa.select(t.institutions.c.code)).scalars())
    rows = [
        {
            "code": i.code,
            "domain": i.domain,
            "number": i.number,
            "name_fa": i.name_fa,
            "name_en": i.name_en,
            "city_fa": i.city_fa,
            "city_en": i.city_en,
            "category": i.category,
            "active": i.active,
            "created_at": now,
        }
        for i in reference.institutions.values()
        if i.code not in have
    ]
    if rows:
        conn.execute(t.institutions.insert(), rows)
    return len(rows)


def _public(row: Any) -> dict[str, Any]:
    return {
        "code": row.code,
        "domain": row.domain,
        "number": f"{row.number:04d}",
        "name_fa": row.name_fa,
        "name_en": row.name_en,
        "city_fa": row.city_fa,
        "city_en": row.city_en,
        "category": row.category,
        "active": row.active,
    }


def list_institutions(conn: sa.Connection, domain: int | None = None) -> list[dict[str, Any]]:
    """Institutions, optionally of one domain (public reference data)."""
    query = sa.select(t.institutions).order_by(t.institutions.c.code)
    if domain is not None:
        query = query.where(t.institutions.c.domain == domain)
    return [_public(r) for r in conn.execute(query)]


def _require_admin(principal: Principal, domain: int) -> None:
    principal.require(
        principal.role is Role.OPERATOR
        or (principal.role is Role.DOMAIN_ADMIN and principal.domain == domain),
        f"administer institutions of domain {domain}",
        f"مدیریت موسسات حوزه {domain}",
    )


def create_institution(
    conn: sa.Connection,
    principal: Principal,
    reference: Reference,
    data: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """Add an institution to a domain."""
    domain, number = int(data["domain"]), int(data["number"])
    _require_admin(principal, domain)
    if domain not in reference.domains:
        raise InputError(
            Problem("domain", f"{domain} is not a domain", "حوزه نامعتبر است", "use 1-5", "۱ تا ۵")
        )
    code = f"{domain}{number:04d}"
    if conn.execute(sa.select(t.institutions.c.code).where(t.institutions.c.code == code)).first():
        raise ConflictError(f"institution {code} exists already", f"موسسه {code} وجود دارد")
    row = {
        "code": code,
        "domain": domain,
        "number": number,
        "name_fa": data["name_fa"],
        "name_en": data["name_en"],
        "city_fa": data.get("city_fa") or "",
        "city_en": data.get("city_en") or "",
        "category": data.get("category") or "university",
        "active": True,
        "created_at": now,
    }
    conn.execute(t.institutions.insert().values(**row))
    return _public(type("Row", (), row))


def update_institution(
    conn: sa.Connection, principal: Principal, code: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Rename, re-categorise, activate or deactivate an institution."""
    row = conn.execute(sa.select(t.institutions).where(t.institutions.c.code == code)).first()
    if row is None:
        raise NotFoundError(f"no institution {code}", f"موسسه {code} یافت نشد")
    _require_admin(principal, row.domain)
    values = {k: v for k, v in changes.items() if v is not None}
    if values:
        conn.execute(t.institutions.update().where(t.institutions.c.code == code).values(**values))
    return _public(
        conn.execute(sa.select(t.institutions).where(t.institutions.c.code == code)).one()
    )
