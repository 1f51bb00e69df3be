"""Institutions at runtime: seeded from the reference data, administered by the operator and
the domain admins (DESIGN §1).

The reference files ship the known institutions; the ``institutions`` table is the truth at
run time, so administrators can add institutions and deactivate them without a release.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sehat.core.persian import to_persian_digits
from sehat.errors import ConflictError, InputError, NotFoundError, Problem
from sehat.reference.models import Institution, Reference
from sehat.services.principal import Principal, Role
from sehat.store import schema as t


def sync_from_reference(conn: sa.Connection, reference: Reference, now: datetime) -> int:
    """Insert reference institutions the database does not have yet; returns how many.

    Existing rows are left alone: a name changed or an institution deactivated by an
    administrator is not undone by a restart.
    """
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


def _institution(row: Any) -> Institution:
    return Institution(
        code=row.code,
        domain=row.domain,
        number=row.number,
        name_fa=row.name_fa,
        name_en=row.name_en,
        city_fa=row.city_fa,
        city_en=row.city_en,
        category=row.category,
        active=bool(row.active),
    )


def list_institutions(conn: sa.Connection, domain: int | None = None) -> list[Institution]:
    """Institutions, optionally of one domain, in code order."""
    query = sa.select(t.institutions).order_by(t.institutions.c.code)
    if domain is not None:
        query = query.where(t.institutions.c.domain == domain)
    return [_institution(r) for r in conn.execute(query)]


def get_institution(conn: sa.Connection, code: str) -> Institution:
    """One institution by its 5-digit code."""
    row = conn.execute(sa.select(t.institutions).where(t.institutions.c.code == code)).first()
    if row is None:
        raise NotFoundError(
            f"no institution {code}; see GET /api/v1/institutions",
            f"موسسه‌ای با کد {to_persian_digits(str(code))} یافت نشد؛ فهرست موسسات را ببینید",
        )
    return _institution(row)


def _require_admin(principal: Principal, domain: int) -> None:
    principal.require(
        principal.role is Role.OPERATOR
        or (principal.role is Role.DOMAIN_ADMIN and principal.domain == domain),
        f"administer institutions of domain {domain}",
        f"مدیریت موسسات حوزه {to_persian_digits(str(domain))} را",
    )


def create_institution(
    conn: sa.Connection,
    principal: Principal,
    reference: Reference,
    draft: Institution,
    now: datetime,
) -> Institution:
    """Add an institution (operator: any domain; domain admin: its own).

    ``draft.code`` is ignored: the code is the domain digit and the 4-digit number.
    """
    _require_admin(principal, draft.domain)
    if draft.domain not in reference.domains:
        known = ", ".join(str(d) for d in sorted(reference.domains))
        raise InputError(
            Problem(
                "domain",
                f"{draft.domain} is not a domain",
                f"حوزه {to_persian_digits(str(draft.domain))} تعریف نشده است",
                f"use one of {known}",
                f"یکی از {known} را به کار ببرید",
            )
        )
    code = f"{draft.domain}{draft.number:04d}"
    if conn.execute(sa.select(t.institutions.c.code).where(t.institutions.c.code == code)).first():
        raise ConflictError(
            f"institution {code} exists already; change it with PATCH instead",
            f"موسسه {to_persian_digits(code)} از پیش وجود دارد؛ برای تغییر آن از PATCH "
            "استفاده کنید",
        )
    conn.execute(
        t.institutions.insert().values(
            code=code,
            domain=draft.domain,
            number=draft.number,
            name_fa=draft.name_fa,
            name_en=draft.name_en,
            city_fa=draft.city_fa,
            city_en=draft.city_en,
            category=draft.category,
            active=draft.active,
            created_at=now,
        )
    )
    return get_institution(conn, code)


def update_institution(
    conn: sa.Connection,
    principal: Principal,
    code: str,
    *,
    name_fa: str | None = None,
    name_en: str | None = None,
    city_fa: str | None = None,
    city_en: str | None = None,
    category: str | None = None,
    active: bool | None = None,
) -> Institution:
    """Rename, re-categorise, activate or deactivate an institution (None: unchanged)."""
    current = get_institution(conn, code)
    _require_admin(principal, current.domain)
    changes = {
        "name_fa": name_fa,
        "name_en": name_en,
        "city_fa": city_fa,
        "city_en": city_en,
        "category": category,
        "active": active,
    }
    values = {k: v for k, v in changes.items() if v is not None}
    if values:
        conn.execute(t.institutions.update().where(t.institutions.c.code == code).values(**values))
    return get_institution(conn, code)
