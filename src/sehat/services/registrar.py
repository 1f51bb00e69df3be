"""A registrar's work queue: pending submissions, backfill requests from other institutions,
and the domain office's approval of foreign prior degrees (DESIGN §3)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sehat.core.persian import to_persian_digits
from sehat.errors import ConflictError, InputError, NotFoundError, Problem
from sehat.reference.models import Reference
from sehat.services.evidence import Evidence
from sehat.services.issuance import Issuer
from sehat.services.principal import Principal, Role
from sehat.services.waiting import resolve_waiting
from sehat.store import schema as t

PAGE = 500


def _institution_scope(principal: Principal, institution: str | None) -> str:
    if principal.role is Role.REGISTRAR:
        assert principal.institution is not None
        if institution and institution != principal.institution:
            principal.require(
                False,
                f"read institution {institution}",
                f"مشاهده موسسه {to_persian_digits(str(institution))}",
            )
        return principal.institution
    if not institution:
        raise InputError(
            Problem(
                "institution",
                "is required for this role",
                "برای این نقش الزامی است",
                "add ?institution=NNNNN",
                "پارامتر institution را بدهید",
            )
        )
    principal.require(
        principal.may_read_institution(institution),
        f"read institution {institution}",
        f"مشاهده موسسه {to_persian_digits(str(institution))}",
    )
    return institution


def pending(
    conn: sa.Connection, principal: Principal, institution: str | None
) -> list[dict[str, Any]]:
    """The institution's submissions waiting for a prior degree."""
    inst = _institution_scope(principal, institution)
    s = t.submissions.c
    rows = conn.execute(
        sa.select(
            s.public_id,
            s.student_number,
            s.kind,
            s.seminary_level,
            s.field_code,
            s.reasons,
            s.created_at,
        )
        .where(s.institution == inst, s.status == "PENDING_PRIOR")
        .order_by(s.id)
        .limit(PAGE)
    )
    return [
        {
            "submission_id": r.public_id,
            "student_number": r.student_number,
            "kind": r.kind,
            "seminary_level": r.seminary_level or None,
            "field_code": r.field_code,
            "reasons": r.reasons,
            "created_at": r.created_at.isoformat(),
        }
        for r in rows
    ]


def backfill_requests(
    conn: sa.Connection, principal: Principal, institution: str | None, status: str = "OPEN"
) -> list[dict[str, Any]]:
    """Requests asking this institution to register a prior degree it granted."""
    inst = _institution_scope(principal, institution)
    b, p = t.backfill_requests.c, t.persons.c
    rows = conn.execute(
        sa.select(
            b.public_id,
            b.requesting_institution,
            b.wanted,
            b.prior_code,
            b.status,
            b.created_at,
            p.national_id,
            p.foreign_id,
            p.first_name,
            p.last_name,
            p.birth_date,
        )
        .join(t.persons, t.persons.c.id == b.person_id)
        .where(b.target_institution == inst, b.status == status.upper())
        .order_by(b.id)
        .limit(PAGE)
    )
    return [
        {
            "request_id": r.public_id,
            "requesting_institution": r.requesting_institution,
            "wanted": r.wanted,
            "prior_code": r.prior_code,
            "status": r.status,
            "created_at": r.created_at.isoformat(),
            "person": {
                "national_id": r.national_id,
                "foreign_id": r.foreign_id,
                "first_name": r.first_name,
                "last_name": r.last_name,
                "birth_date": r.birth_date.isoformat() if r.birth_date else None,
            },
        }
        for r in rows
    ]


def decline_backfill(
    conn: sa.Connection, principal: Principal, request_id: str, reason: str, now: datetime
) -> dict[str, Any]:
    """The institution has no such degree in its archive: the request closes with a reason."""
    b = t.backfill_requests.c
    row = conn.execute(
        sa.select(b.id, b.target_institution, b.status, b.submission_id).where(
            b.public_id == request_id
        )
    ).first()
    if row is None:
        raise NotFoundError(f"no backfill request {request_id}", f"درخواست {request_id} یافت نشد")
    principal.require(
        principal.role is Role.REGISTRAR
        and row.target_institution is not None
        and principal.may_manage_institution(row.target_institution),
        "decline another institution's backfill requests",
        "رد درخواست‌های موسسه دیگر",
    )
    if row.status != "OPEN":
        raise ConflictError(f"the request is already {row.status}", "درخواست پیش‌تر بسته شده است")
    if not reason.strip():
        raise InputError(
            Problem(
                "reason",
                "a decline needs a reason",
                "رد درخواست دلیل لازم دارد",
                "say why (e.g. no such graduate in the archive)",
                "دلیل را بنویسید",
            )
        )
    conn.execute(
        t.backfill_requests.update().where(b.id == row.id).values(status="DECLINED", closed_at=now)
    )
    return {"request_id": request_id, "status": "DECLINED"}


def foreign_priors(
    conn: sa.Connection, principal: Principal, domain: int | None, status: str = "PENDING"
) -> list[dict[str, Any]]:
    """Foreign prior degrees awaiting (or past) the domain office's decision."""
    principal.require_role(
        Role.OPERATOR,
        Role.DOMAIN_ADMIN,
        Role.AUDITOR,
        what_en="review foreign prior degrees",
        what_fa="بررسی مدارک خارجی",
    )
    if principal.role is Role.DOMAIN_ADMIN:
        domain = principal.domain
    f, s = t.foreign_priors.c, t.submissions.c
    query = (
        sa.select(
            f.public_id,
            f.domain,
            f.country,
            f.institution_name,
            f.degree,
            f.equivalence_ref,
            f.status,
            f.created_at,
            s.public_id.label("submission_id"),
            s.institution,
        )
        .join(t.submissions, t.submissions.c.id == f.submission_id)
        .where(f.status == status.upper())
        .order_by(f.id)
        .limit(PAGE)
    )
    if domain is not None:
        query = query.where(f.domain == domain)
    return [
        dict(r._mapping) | {"created_at": r.created_at.isoformat()} for r in conn.execute(query)
    ]


def decide_foreign(
    conn: sa.Connection,
    evidence: Evidence,
    principal: Principal,
    reference: Reference,
    foreign_id: str,
    approve: bool,
    note: str,
    now: datetime,
) -> dict[str, Any]:
    """Approve (the waiting document issues) or decline a foreign prior degree."""
    f = t.foreign_priors.c
    row = conn.execute(
        sa.select(f.id, f.domain, f.status, f.submission_id).where(f.public_id == foreign_id)
    ).first()
    principal.require_role(
        Role.OPERATOR,
        Role.DOMAIN_ADMIN,
        what_en="decide on foreign prior degrees",
        what_fa="تصمیم درباره مدارک خارجی",
    )
    if row is None:
        raise NotFoundError(
            f"no foreign prior degree {foreign_id}", f"مدرک خارجی {foreign_id} یافت نشد"
        )
    principal.require(
        principal.role is Role.OPERATOR or principal.domain == row.domain,
        f"decide foreign degrees of domain {row.domain}",
        f"تصمیم درباره مدارک خارجی حوزه {to_persian_digits(str(row.domain))}",
    )
    if row.status != "PENDING":
        raise ConflictError(f"already {row.status}", "پیش‌تر تصمیم‌گیری شده است")
    status = "APPROVED" if approve else "DECLINED"
    conn.execute(
        t.foreign_priors.update()
        .where(f.id == row.id)
        .values(status=status, decided_by=principal.account_id, decided_at=now, note=note or None)
    )
    issued = 0
    if approve:
        person = conn.execute(
            sa.select(t.submissions.c.person_id).where(t.submissions.c.id == row.submission_id)
        ).scalar()
        issued = resolve_waiting(
            Issuer(conn, reference, now, evidence),
            {person} if person else set(),
            approved={row.submission_id},
        )
    return {"foreign_prior_id": foreign_id, "status": status, "documents_issued": issued}
