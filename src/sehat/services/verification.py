"""Public verification by code alone (DESIGN §5): status, kind, institution, year; nothing
personal."""

from __future__ import annotations

import hmac
from typing import Any

import sqlalchemy as sa

from sehat.core import code as authcode
from sehat.core.national_id import parse_national_id
from sehat.errors import CodeFormatError
from sehat.reference.models import Reference
from sehat.services.evidence import Evidence
from sehat.store import schema as t

_QUERY = (
    sa.select(
        t.documents.c.code,
        t.documents.c.version,
        t.document_versions.c.content,
        t.version_evidence.c.cose,
        t.version_evidence.c.content_signature,
        t.documents.c.status,
        t.documents.c.kind,
        t.documents.c.institution,
        t.documents.c.issued_year,
        t.documents.c.seminary_level,
        t.documents.c.status_changed_at,
        t.documents.c.status_reason,
    )
    .select_from(
        t.documents.join(
            t.document_versions,
            sa.and_(
                t.document_versions.c.document_id == t.documents.c.id,
                t.document_versions.c.version == t.documents.c.version,
            ),
            isouter=True,
        ).join(
            t.version_evidence,
            t.version_evidence.c.version_id == t.document_versions.c.id,
            isouter=True,
        )
    )
    .where(t.documents.c.code == sa.bindparam("code"))
)


def verify_public(
    conn: sa.Connection, reference: Reference, text: str, evidence: Evidence
) -> dict[str, Any]:
    """The public answer for one code: VALID, REVOKED, SUSPENDED, UNKNOWN or MALFORMED."""
    return _lookup(conn, reference, text, evidence)[0]


def verify_with_holder(
    conn: sa.Connection, reference: Reference, evidence: Evidence, text: str, national_id: str
) -> dict[str, Any]:
    """The public answer plus the document's details when ``national_id`` is its holder's.

    A wrong national ID gets exactly the public answer and ``match: false``; both paths do the
    same work (one query, one signature check, one constant-time comparison), so the time
    taken tells nothing about the holder.

    Raises:
        InputError: ``national_id`` is not a valid national ID (says nothing of the document).
    """
    wanted = str(parse_national_id(national_id))
    answer, content = _lookup(conn, reference, text, evidence)
    stored = str(content.get("national_id") or "") if content else ""
    # compare_digest on equal-length strings: a dummy when there is nothing to compare.
    match = hmac.compare_digest((stored or "\0" * len(wanted)).encode(), wanted.encode())
    answer["match"] = bool(match and content)
    if answer["match"] and content is not None:
        answer["details"] = {
            "holder_name_fa": (
                f"{content.get('first_name', '')} {content.get('last_name', '')}"
            ).strip(),
            "holder_name_latin": (
                f"{content.get('first_name_latin') or ''} {content.get('last_name_latin') or ''}"
            ).strip()
            or None,
            "birth_date": content.get("birth_date"),
            "field_code": content.get("field_code"),
            "field_name": content.get("field_name"),
            "program_type": content.get("program_type"),
            "graduation_date": content.get("graduation_date"),
            "gpa": content.get("gpa"),
            "seminary_level": content.get("seminary_level"),
        }
    return answer


def _lookup(
    conn: sa.Connection, reference: Reference, text: str, evidence: Evidence
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The public answer and, for a document whose signatures check out, its content."""
    try:
        parsed = authcode.parse(
            text, domains=reference.domains.keys(), kinds=reference.kinds.keys()
        )
    except CodeFormatError as exc:
        return {
            "status": "MALFORMED",
            "code": None,
            "message": exc.message,
            "message_fa": exc.message_fa,
            "problems": [p.as_dict() for p in exc.problems],
        }, None
    row = conn.execute(_QUERY, {"code": parsed.code}).first()
    if row is None:
        return {
            "status": "UNKNOWN",
            "code": parsed.code,
            "message": "no document with this code was issued",
            "message_fa": "مدرکی با این کد صادر نشده است",
        }, None
    if row.cose is None or row.content is None:
        problem: str | None = "the stored version has no signature"
    else:
        problem = evidence.check(
            bytes(row.cose), bytes(row.content_signature), row.content, row.version
        )
    if problem is not None:
        # DESIGN §7 item: never VALID unless the stored content still matches its signature.
        return {
            "status": "TAMPERED",
            "code": parsed.code,
            "message": "the registry's record of this document does not match its signature, "
            "so it cannot be confirmed; report it to the registry",
            "message_fa": "سابقه این مدرک در سامانه با امضای آن نمی‌خواند و قابل تأیید نیست",
        }, None
    kind = reference.kinds.get(row.kind)
    institution = reference.institutions.get(row.institution)
    out: dict[str, Any] = {
        "status": row.status,
        "code": row.code,
        "kind": row.kind,
        "kind_name_fa": kind.name_fa if kind else "",
        "kind_name_en": kind.name_en if kind else "",
        "institution": row.institution,
        "institution_name_fa": institution.name_fa if institution else "",
        "institution_name_en": institution.name_en if institution else "",
        "year": row.issued_year,
    }
    if row.seminary_level:
        out["seminary_level"] = row.seminary_level
    if row.status == "REVOKED":
        out["revoked_at"] = (
            row.status_changed_at.date().isoformat() if row.status_changed_at else None
        )
        out["reason"] = row.status_reason
    elif row.status == "SUSPENDED":
        out["suspended_at"] = (
            row.status_changed_at.date().isoformat() if row.status_changed_at else None
        )
    return out, dict(row.content)
