"""A document's lifecycle after issue: correction (new version, same code), suspension
(reversible), revocation (final, with a reason code) — DESIGN §3."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import segno
import sqlalchemy as sa

from sehat.core import code as authcode
from sehat.core.ladder import DocStatus
from sehat.core.log_entry import Event
from sehat.core.persian import to_persian_digits
from sehat.core.qr import make_container
from sehat.core.record import validate_record
from sehat.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
)
from sehat.reference.models import Reference
from sehat.services.evidence import Evidence
from sehat.services.principal import Principal, Role
from sehat.services.signing import VersionToSign
from sehat.store import schema as t


class RevocationReason(StrEnum):
    """Why a document was revoked; published (as a category) by public verification."""

    ISSUED_IN_ERROR = "issued_in_error"
    FRAUD = "fraud"
    SUPERSEDED = "superseded"
    COURT_ORDER = "court_order"
    DUPLICATE = "duplicate"
    OTHER = "other"


# Fields a correction may change. Identity, institution, kind, level, programme and student
# number define which graduation this is: changing them is a new document (revoke as
# superseded and submit again), not a correction.
CORRECTABLE = frozenset(
    {
        "first_name",
        "last_name",
        "first_name_latin",
        "last_name_latin",
        "father_name",
        "birth_date",
        "gender",
        "field_name",
        "entry_date",
        "graduation_date",
        "gpa",
        "courses",
    }
)


@dataclass(frozen=True)
class DocumentRow:
    """The stored facts of one document that lifecycle rules need."""

    id: int
    code: str
    institution: str
    status: DocStatus
    version: int
    person_national_id: str | None
    person_id: int = 0
    status_by: Role | None = None


# Who may lift whose suspension: a level lifts its own suspensions and those of the levels
# below it, never those above (the registrar of an institution under investigation must not
# end the investigation).
_LEVEL = {Role.REGISTRAR: 1, Role.DOMAIN_ADMIN: 2, Role.OPERATOR: 3}
_ROLE_NAME = {
    Role.REGISTRAR: ("the registrar of its institution", "کارشناس ثبت موسسه"),
    Role.DOMAIN_ADMIN: ("the domain admin", "مدیر حوزه"),
    Role.OPERATOR: ("the national operator", "اپراتور ملی"),
}


def suspender(doc: DocumentRow) -> Role:
    """The role that suspended ``doc``; one not recorded (before migration 0010) counts as the
    operator's, so an unknown suspender is never lifted from below."""
    return doc.status_by if doc.status_by in _LEVEL else Role.OPERATOR


def find_document(conn: sa.Connection, code_text: str) -> DocumentRow:
    """The document with this code (NotFoundError otherwise; CodeFormatError if malformed)."""
    return _find(conn, code_text)


def _find(conn: sa.Connection, code_text: str, *, lock: bool = False) -> DocumentRow:
    code = authcode.parse(code_text).code
    d, p = t.documents.c, t.persons.c
    query = (
        sa.select(
            d.id,
            d.code,
            d.institution,
            d.status,
            d.version,
            d.status_by_role,
            p.id.label("person_id"),
            p.national_id,
            p.foreign_id,
        )
        .join(t.persons, t.persons.c.id == d.person_id)
        .where(d.code == code)
    )
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=t.documents)
    row = conn.execute(query).first()
    if row is None:
        raise NotFoundError(
            f"no document with code {code}",
            f"مدرکی با کد {to_persian_digits(str(code))} ثبت نشده است",
        )
    key = row.national_id if row.national_id else f"F{row.foreign_id}"
    by = Role(row.status_by_role) if row.status_by_role in set(Role) else None
    return DocumentRow(
        row.id,
        row.code,
        row.institution,
        DocStatus(row.status),
        row.version,
        key,
        row.person_id,
        by,
    )


def _may_manage(principal: Principal, doc: DocumentRow, what_en: str, what_fa: str) -> None:
    principal.require(
        principal.role in (Role.OPERATOR, Role.DOMAIN_ADMIN, Role.REGISTRAR)
        and principal.may_manage_institution(doc.institution),
        f"{what_en} documents of institution {doc.institution}",
        f"{what_fa} مدارک موسسه {doc.institution}",
    )


def _set_status(
    conn: sa.Connection,
    doc: DocumentRow,
    status: DocStatus,
    reason: str | None,
    note: str | None,
    by: Role | None,
    now: datetime,
) -> None:
    conn.execute(
        t.documents.update()
        .where(t.documents.c.id == doc.id)
        .values(
            status=status.value,
            status_changed_at=now,
            status_reason=reason,
            status_note=note,
            status_by_role=by.value if by else None,
        )
    )


def revoke(
    conn: sa.Connection,
    evidence: Evidence,
    principal: Principal,
    code: str,
    reason: str,
    note: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Revoke a document for a reason; final."""
    doc = _find(conn, code, lock=True)
    _may_manage(principal, doc, "revoke", "ابطال")
    try:
        # "issued in error", "Issued-In-Error" and "issued_in_error" are the same reason.
        category = RevocationReason("_".join(reason.strip().lower().replace("-", " ").split()))
    except ValueError:
        raise InputError(
            Problem(
                "reason",
                f"{reason!r} is not a revocation reason",
                "دلیل ابطال نامعتبر است",
                "use one of: " + ", ".join(r.value for r in RevocationReason),
                "یکی از دلایل مجاز را انتخاب کنید",
            )
        ) from None
    if doc.status is DocStatus.REVOKED:
        raise ConflictError(
            f"document {doc.code} is already revoked; revocation is final",
            f"مدرک {to_persian_digits(doc.code)} پیش‌تر ابطال شده است؛ ابطال قطعی است",
        )
    _set_status(conn, doc, DocStatus.REVOKED, category.value, note, principal.role, now)
    evidence.log_status(conn, Event.REVOKE, doc.code, doc.version, now)
    return {
        "code": doc.code,
        "status": DocStatus.REVOKED.value,
        "reason": category.value,
        "revoked_at": now.isoformat(),
    }


def suspend(
    conn: sa.Connection,
    evidence: Evidence,
    principal: Principal,
    code: str,
    note: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Suspend a document under investigation (reversible)."""
    doc = _find(conn, code, lock=True)
    _may_manage(principal, doc, "suspend", "تعلیق")
    if doc.status is not DocStatus.VALID:
        raise ConflictError(
            f"document {doc.code} is {doc.status.value}; only a valid one can be suspended",
            f"مدرک {to_persian_digits(doc.code)} معتبر نیست و تعلیق‌پذیر نیست",
        )
    _set_status(conn, doc, DocStatus.SUSPENDED, "under_investigation", note, principal.role, now)
    evidence.log_status(conn, Event.SUSPEND, doc.code, doc.version, now)
    return {
        "code": doc.code,
        "status": DocStatus.SUSPENDED.value,
        "suspended_by": principal.role.value,
    }


def unsuspend(
    conn: sa.Connection, evidence: Evidence, principal: Principal, code: str, now: datetime
) -> dict[str, Any]:
    """Lift a suspension: only its suspender's level or a level above may (operator above
    domain admin above registrar)."""
    doc = _find(conn, code, lock=True)
    _may_manage(principal, doc, "lift suspensions of", "رفع تعلیق")
    if doc.status is not DocStatus.SUSPENDED:
        raise ConflictError(
            f"document {doc.code} is not suspended", f"مدرک {to_persian_digits(doc.code)} معلق نیست"
        )
    by = suspender(doc)
    if _LEVEL[principal.role] < _LEVEL[by]:
        who_en, who_fa = _ROLE_NAME[by]
        raise PermissionDeniedError(
            f"document {doc.code} was suspended by {who_en}; only {who_en}"
            + (" or the national operator" if by is not Role.OPERATOR else "")
            + " may lift the suspension",
            f"مدرک {doc.code} را {who_fa} تعلیق کرده است؛ رفع تعلیق فقط با {who_fa}"
            + (" یا اپراتور ملی" if by is not Role.OPERATOR else "")
            + " است",
        )
    _set_status(conn, doc, DocStatus.VALID, None, None, None, now)
    evidence.log_status(conn, Event.UNSUSPEND, doc.code, doc.version, now)
    return {"code": doc.code, "status": DocStatus.VALID.value}


def correct(
    conn: sa.Connection,
    evidence: Evidence,
    principal: Principal,
    reference: Reference,
    code: str,
    changes: dict[str, object],
    reason: str,
    now: datetime,
) -> dict[str, Any]:
    """A new version with ``changes`` applied; the code stays, the history is kept."""
    doc = _find(conn, code, lock=True)
    principal.require(
        principal.role is Role.REGISTRAR and principal.may_manage_institution(doc.institution),
        f"correct documents of institution {doc.institution}",
        f"اصلاح مدارک موسسه {to_persian_digits(doc.institution)}",
    )
    if doc.status is DocStatus.REVOKED:
        raise ConflictError(
            f"document {doc.code} is revoked and cannot be corrected",
            f"مدرک {to_persian_digits(doc.code)} ابطال شده و اصلاح‌پذیر نیست",
        )
    if doc.status is DocStatus.SUSPENDED and _LEVEL[suspender(doc)] > _LEVEL[principal.role]:
        who_en, who_fa = _ROLE_NAME[suspender(doc)]
        raise ConflictError(
            f"document {doc.code} was suspended by {who_en} and cannot be corrected "
            "until that suspension is lifted",
            f"مدرک {doc.code} را {who_fa} تعلیق کرده است و تا رفع تعلیق اصلاح‌پذیر نیست",
        )
    problems = [
        Problem(
            name,
            "cannot be corrected: it defines which graduation this is",
            "اصلاح‌پذیر نیست؛ هویت مدرک را تعیین می‌کند",
            "revoke the document with reason superseded and submit the graduation again",
            "مدرک را با دلیل superseded ابطال و دوباره ثبت کنید",
        )
        for name in sorted(set(changes) - CORRECTABLE)
    ]
    if not changes:
        problems.append(
            Problem(
                "changes",
                "no field to change",
                "فیلدی برای اصلاح نیامده است",
                "give the fields to change",
                "فیلدهای اصلاحی را بفرستید",
            )
        )
    if not reason.strip():
        problems.append(
            Problem(
                "reason",
                "a correction needs a reason",
                "اصلاح دلیل لازم دارد",
                "say why the record changes",
                "دلیل اصلاح را بنویسید",
            )
        )
    if problems:
        raise InputError(problems)
    v = t.document_versions.c
    current = conn.execute(
        sa.select(v.content).where(v.document_id == doc.id, v.version == doc.version)
    ).scalar_one()
    raw = {k: val for k, val in current.items() if k != "code"}
    raw.update(changes)
    record = validate_record(raw, reference, today=now.date())
    content = record.content()
    content["code"] = doc.code
    if content == current:
        raise ConflictError("the correction changes nothing", "اصلاحیه تغییری ایجاد نمی‌کند")
    version = doc.version + 1
    version_id = conn.execute(
        t.document_versions.insert()
        .values(
            document_id=doc.id,
            version=version,
            content=content,
            reason=reason.strip(),
            created_at=now,
            created_by=principal.account_id,
        )
        .returning(t.document_versions.c.id)
    ).scalar_one()
    salt = conn.execute(
        sa.select(t.documents.c.salt).where(t.documents.c.id == doc.id)
    ).scalar_one()
    evidence.sign_versions(
        conn,
        [VersionToSign(version_id, doc.code, version, content, bytes(salt), Event.CORRECT)],
        now,
    )
    conn.execute(
        t.documents.update()
        .where(t.documents.c.id == doc.id)
        .values(version=version, graduation_date=record.graduation_date)
    )
    return {"code": doc.code, "version": version, "status": doc.status.value}


def details(conn: sa.Connection, principal: Principal, code: str) -> dict[str, Any]:
    """A document with its whole history, for those who may see personal data."""
    doc = _find(conn, code)
    allowed = principal.may_read_institution(doc.institution) or (
        principal.role is Role.HOLDER and principal.national_id == doc.person_national_id
    )
    # DESIGN §7: 403 outside one's role or institution (a code's existence is public anyway).
    principal.require(
        allowed, f"read document {doc.code}", f"مشاهده مدرک {to_persian_digits(doc.code)}"
    )
    d, v = t.documents.c, t.document_versions.c
    row = conn.execute(sa.select(t.documents).where(d.id == doc.id)).one()
    versions = conn.execute(
        sa.select(v.version, v.content, v.reason, v.created_at)
        .where(v.document_id == doc.id)
        .order_by(v.version)
    ).all()
    return {
        "code": row.code,
        "status": row.status,
        "version": row.version,
        "institution": row.institution,
        "kind": row.kind,
        "seminary_level": row.seminary_level or None,
        "issued_at": row.issued_at.isoformat(),
        "issued_year": row.issued_year,
        "status_reason": row.status_reason,
        "status_by": row.status_by_role,
        "assurance": row.assurance,
        "content": versions[-1].content,
        "history": [
            {
                "version": r.version,
                "reason": r.reason,
                "created_at": r.created_at.isoformat(),
                "content": r.content,
            }
            for r in versions
        ],
    }


def may_hold_copy(principal: Principal, doc: DocumentRow) -> bool:
    """Whether ``principal`` may take a signed copy of ``doc`` (its QR, its credential): the
    holder, the registrar of its institution, the operator and the auditor only, since a
    copy carries personal data (DESIGN §7)."""
    return (
        principal.role in (Role.OPERATOR, Role.AUDITOR)
        or (principal.role is Role.REGISTRAR and principal.institution == doc.institution)
        or (principal.role is Role.HOLDER and principal.national_id == doc.person_national_id)
    )


def qr_symbol(text: str) -> segno.QRCode:
    """The QR symbol of a QR text (error correction level M), the same on every medium."""
    return segno.make(text, error="m", micro=False, boost_error=False)


def qr_png(text: str) -> bytes:
    """A QR text as a PNG image, to print or show."""
    buffer = io.BytesIO()
    qr_symbol(text).save(buffer, kind="png", scale=4, border=4)
    return buffer.getvalue()


def qr_text(conn: sa.Connection, principal: Principal, code: str) -> str:
    """The QR text of the current version: holder, registrar of its institution, operator,
    auditor only (it carries personal data; DESIGN §7)."""
    doc = _find(conn, code)
    principal.require(
        may_hold_copy(principal, doc), "read this document's QR", "دریافت QR این مدرک"
    )
    v, e = t.document_versions.c, t.version_evidence.c
    signed = conn.execute(
        sa.select(e.cose)
        .join(t.document_versions, t.document_versions.c.id == e.version_id)
        .where(v.document_id == doc.id, v.version == doc.version)
    ).scalar()
    if signed is None:
        raise NotFoundError(f"document {doc.code} has no signed version", "نسخه امضاشده‌ای ندارد")
    return make_container(bytes(signed))
