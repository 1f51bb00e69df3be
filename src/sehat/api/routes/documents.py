"""``/api/v1/documents/{code}``: details, correction, suspension and revocation (DESIGN §3, §7)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from sehat.api.deps import EngineDep, EvidenceDep, PrincipalDep, ReferenceDep, SettingsDep
from sehat.api.routes.graduations import GraduationIn
from sehat.api.shapes import CODE_RULE, NOT_BLANK, code_schema, refuses
from sehat.services import certificate_pdf, credentials, documents
from sehat.services.documents import RevocationReason
from sehat.store.tx import in_transaction

router = APIRouter(prefix="/api/v1/documents", tags=["documents / مدارک"])

# Described, not enforced by the framework: the server's own parser names the position.
CodePath = Annotated[str, Path(json_schema_extra=code_schema())]
CODE_REFUSED = refuses({"code": CODE_RULE})


class RevokeIn(BaseModel):
    """Why the document is revoked: one of the reason codes, and an optional note."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        max_length=40,
        json_schema_extra={"enum": [r.value for r in RevocationReason]},
        description="the reason code, published as a category by public verification (case, "
        "spaces and hyphens are forgiven: `Issued-In-Error` is `issued_in_error`)",
    )
    note: str | None = Field(default=None, max_length=2000)


class SuspendIn(BaseModel):
    """Why the document is under investigation."""

    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=2000)


def _changes_schema() -> dict[str, Any]:
    """The correctable fields, each with its schema in a graduation record."""
    record = GraduationIn.model_json_schema(ref_template="#/components/schemas/{model}")
    return {
        "minProperties": 1,
        "additionalProperties": False,
        "properties": {name: record["properties"][name] for name in sorted(documents.CORRECTABLE)},
    }


class CorrectionIn(BaseModel):
    """Fields to change and why; the code stays and a version is added."""

    model_config = ConfigDict(extra="forbid")
    changes: dict[str, Any] = Field(
        json_schema_extra=_changes_schema(),
        description="the fields to change (record fields of DESIGN §3) and their new values",
    )
    reason: str = Field(
        max_length=2000, json_schema_extra={"pattern": NOT_BLANK}, description="why; not blank"
    )


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/{code}", openapi_extra=CODE_REFUSED)
def get_document(code: CodePath, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """A document and its history (holder, its registrar, domain admin, operator, auditor)."""
    with engine.connect() as conn:
        return documents.details(conn, principal, code)


def _qr_text(engine: EngineDep, principal: PrincipalDep, code: str) -> str:
    with engine.connect() as conn:
        return documents.qr_text(conn, principal, code)


@router.get("/{code}/qr", openapi_extra=CODE_REFUSED, response_class=PlainTextResponse)
def qr_text(code: CodePath, engine: EngineDep, principal: PrincipalDep) -> str:
    """The signed QR text (``SEHAT1:…``) of the current version; it carries personal data."""
    return _qr_text(engine, principal, code)


@router.get("/{code}/qr.png", openapi_extra=CODE_REFUSED, response_class=Response)
def qr_png(code: CodePath, engine: EngineDep, principal: PrincipalDep) -> Response:
    """The QR as a PNG image (error correction level M)."""
    text = _qr_text(engine, principal, code)
    png = documents.qr_png(text)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})


class CredentialResponse(JSONResponse):
    """A Verifiable Credential 2.0 with an embedded proof (IANA media type ``application/vc``)."""

    media_type = "application/vc"


@router.get("/{code}/vc", openapi_extra=CODE_REFUSED, response_class=CredentialResponse)
def verifiable_credential(
    code: CodePath,
    engine: EngineDep,
    evidence: EvidenceDep,
    reference: ReferenceDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> CredentialResponse:
    """The current version as a W3C Verifiable Credential 2.0 (an Open Badges 3.0
    OpenBadgeCredential) with an ``eddsa-jcs-2022`` DataIntegrityProof; it carries personal
    data. 409 for a document that is not VALID."""
    with engine.connect() as conn:
        signed = credentials.verifiable_credential(
            conn, principal, evidence, reference, code, settings.public_url, _now()
        )
    return CredentialResponse(signed, headers={"Cache-Control": "private, no-store"})


class PdfResponse(Response):
    """A PDF document."""

    media_type = "application/pdf"


@router.get(
    "/{code}/pdf",
    openapi_extra=CODE_REFUSED,
    response_class=PdfResponse,
    responses={
        200: {
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            "description": "One A4 page: Persian first, English beside it; the code and the QR.",
        },
        409: {"description": "The document is not VALID, or no longer matches its signatures."},
        503: {"description": "The certificate font is not installed on this server."},
    },
)
def certificate(
    code: CodePath,
    engine: EngineDep,
    evidence: EvidenceDep,
    reference: ReferenceDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> PdfResponse:
    """The printable certificate of the current version (same callers as the QR and the
    credential; it carries personal data): holder, degree, field, institution, graduation
    date in Jalali, the code and the signed QR. 409 for a document that is not VALID."""
    with engine.connect() as conn:
        cert = certificate_pdf.certificate(
            conn, principal, evidence, reference, code, settings.public_url
        )
    return PdfResponse(
        certificate_pdf.render(cert),
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'attachment; filename="{certificate_pdf.filename(cert)}"',
        },
    )


@router.post("/{code}/revoke", openapi_extra=CODE_REFUSED)
def revoke(
    code: CodePath,
    body: RevokeIn,
    engine: EngineDep,
    evidence: EvidenceDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Revoke (final): issued_in_error, fraud, superseded, court_order, duplicate or other."""
    now = _now()
    return in_transaction(
        engine,
        lambda c: documents.revoke(c, evidence, principal, code, body.reason, body.note, now),
    )


@router.post("/{code}/suspend", openapi_extra=CODE_REFUSED)
def suspend(
    code: CodePath,
    body: SuspendIn,
    engine: EngineDep,
    evidence: EvidenceDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Suspend while under investigation; verifies as SUSPENDED until lifted. The suspender's
    role is kept: a suspension is lifted by that level or above."""
    now = _now()
    return in_transaction(
        engine, lambda c: documents.suspend(c, evidence, principal, code, body.note, now)
    )


@router.post("/{code}/unsuspend", openapi_extra=CODE_REFUSED)
def unsuspend(
    code: CodePath, engine: EngineDep, evidence: EvidenceDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Lift a suspension: 403 below the suspender's level (operator > domain admin > registrar)."""
    now = _now()
    return in_transaction(engine, lambda c: documents.unsuspend(c, evidence, principal, code, now))


@router.post(
    "/{code}/corrections",
    openapi_extra=refuses(
        {"code": CODE_RULE}
        | {
            field: "the corrected record is judged by the rules of a submission (DESIGN §3)"
            for name in sorted(documents.CORRECTABLE)
            for field in (name, f"changes.{name}")
        }
    ),
)
def correct(
    code: CodePath,
    body: CorrectionIn,
    engine: EngineDep,
    evidence: EvidenceDep,
    reference: ReferenceDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Correct a document: same code, a new version, the history kept; 409 while suspended by
    the domain admin or the operator."""
    now = _now()
    return in_transaction(
        engine,
        lambda c: documents.correct(
            c, evidence, principal, reference, code, body.changes, body.reason, now
        ),
    )
