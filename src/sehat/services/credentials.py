"""A document's Verifiable Credential (DESIGN §7 ``GET /api/v1/documents/{code}/vc``): the
current version, checked against its signatures, as a W3C VC 2.0 / Open Badges 3.0
credential with an ``eddsa-jcs-2022`` proof by its domain's issuing key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import cbor2
import sqlalchemy as sa

from sehat.core import cose, credential, data_integrity
from sehat.core.code import AuthCode
from sehat.core.ladder import DocStatus
from sehat.core.persian import to_persian_digits
from sehat.core.qr import CLAIM_ISSUED_AT
from sehat.errors import ConflictError, NotFoundError
from sehat.keystore import Purpose
from sehat.reference.models import Reference
from sehat.services.documents import find_document, may_hold_copy
from sehat.services.evidence import Evidence
from sehat.services.institutions import get_institution
from sehat.services.principal import Principal
from sehat.services.signing import qr_document
from sehat.store import schema as t


def _signed_at(signed: bytes) -> datetime:
    """The issued-at claim of a version's COSE_Sign1 (already verified): when it was signed."""
    claims = cbor2.loads(cose.decode1(signed).payload)
    return datetime.fromtimestamp(int(claims[CLAIM_ISSUED_AT]), UTC)


@dataclass(frozen=True)
class SignedVersion:
    """A VALID document's current version whose record still matches its signatures: what a
    copy of it (credential, certificate) shows, and its COSE_Sign1 (the QR's content)."""

    facts: credential.DocumentFacts
    cose: bytes


def signed_version(
    conn: sa.Connection,
    principal: Principal,
    evidence: Evidence,
    reference: Reference,
    code: str,
    what: tuple[str, str],
) -> SignedVersion:
    """The current version of document ``code`` for those who may hold a copy of it (the
    holder, the registrar of its institution, operator, auditor); ``what`` names the copy
    (English, Persian) in a refusal.

    Only a VALID document whose stored version still matches its signatures is copied: a
    fresh copy must never vouch for a revoked, suspended or altered record.
    """
    doc = find_document(conn, code)
    principal.require(
        may_hold_copy(principal, doc),
        f"obtain this document's {what[0]}",
        f"دریافت {what[1]} این مدرک",
    )
    d, v, e = t.documents.c, t.document_versions.c, t.version_evidence.c
    row = conn.execute(
        sa.select(
            d.status,
            d.issued_at,
            v.version,
            v.content,
            e.cose,
            e.content_signature,
            e.kid,
            e.seal,
            d.salt,
        )
        .join(t.document_versions, sa.and_(v.document_id == d.id, v.version == d.version))
        .join(t.version_evidence, e.version_id == v.id, isouter=True)
        .where(d.id == doc.id)
    ).first()
    if row is None or row.cose is None:
        raise NotFoundError(f"document {doc.code} has no signed version", "نسخه امضاشده‌ای ندارد")
    status = DocStatus(row.status)
    if status is not DocStatus.VALID:
        raise ConflictError(
            f"document {doc.code} is {status.value}: only a valid document gets a {what[0]}",
            f"مدرک {to_persian_digits(doc.code)} معتبر نیست ({status.value})؛ "
            f"برای آن {what[1]} صادر نمی‌شود",
        )
    signed = bytes(row.cose)
    problem = evidence.check(
        signed,
        bytes(row.content_signature),
        row.content,
        row.version,
        salt=bytes(row.salt),
        code=doc.code,
        kid=row.kid,
        stored_seal=bytes(row.seal) if row.seal is not None else None,
    )
    if problem is not None or row.content.get("code") != doc.code:
        raise ConflictError(
            f"the registry's record of document {doc.code} does not match its signature, so "
            f"no {what[0]} can vouch for it; report it to the registry",
            f"سابقه مدرک {to_persian_digits(doc.code)} با امضای آن نمی‌خواند و "
            f"{what[1]} صادر نمی‌شود؛ "
            "به سامانه گزارش دهید",
        )
    shown = qr_document(row.content, row.version, reference)
    kind = reference.kinds[shown.kind]
    level = reference.seminary_levels.get(shown.seminary_level or 0)
    field = reference.fields.get(str(row.content.get("field_code") or ""))
    institution = get_institution(conn, shown.institution)
    facts = credential.DocumentFacts(
        code=AuthCode(doc.code),
        holder_name=shown.holder_name,
        holder_name_latin=shown.holder_name_latin,
        kind_slug=kind.slug,
        kind_name_fa=kind.name_fa,
        kind_name_en=kind.name_en,
        seminary_level_fa=level.name_fa if level else None,
        seminary_level_en=level.name_en if level else None,
        field_of_study=shown.field_of_study,
        field_of_study_en=field.name_en if field else shown.field_of_study,
        institution=institution.code,
        institution_name_fa=institution.name_fa,
        institution_name_en=institution.name_en,
        graduation_date=shown.graduation_date,
        awarded_at=row.issued_at,
        version_signed_at=_signed_at(signed),
    )
    return SignedVersion(facts, signed)


def verifiable_credential(
    conn: sa.Connection,
    principal: Principal,
    evidence: Evidence,
    reference: Reference,
    code: str,
    base_url: str,
    now: datetime,
) -> dict[str, Any]:
    """The signed credential of document ``code``'s current version (see
    :func:`signed_version` for who gets one, and when)."""
    version = signed_version(
        conn,
        principal,
        evidence,
        reference,
        code,
        ("verifiable credential", "مدرک دیجیتال (VC)"),
    )
    facts = version.facts
    doc_code = facts.code
    # DESIGN §4 key federation: the domain's own issuing key signs its documents' credentials.
    key, private = evidence.keystore.signing_key(Purpose.ISSUING, int(doc_code[0]))
    return data_integrity.add_proof(
        credential.build(facts, base_url),
        private,
        verification_method=credential.verification_method_id(base_url, key.kid),
        created=now,
        as_set=True,  # Open Badges 3.0: `proof` is a list
    )
