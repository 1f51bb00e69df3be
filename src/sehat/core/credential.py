"""A document as a W3C Verifiable Credential 2.0 that is an Open Badges 3.0
``OpenBadgeCredential`` (DESIGN §7 ``GET /api/v1/documents/{code}/vc``).

Pure: the facts of one signed document version in, the unsecured credential (a JSON object)
out; ``sehat.core.data_integrity`` adds the ``eddsa-jcs-2022`` proof. What it carries, what it
leaves out and how its URLs resolve: docs/adr/0005-verifiable-credential.md.

- ``id``: the document's public verification URL, ``{base}/api/v1/verify/{code}``: the same
  for every version (Open Badges tells versions apart by ``validFrom``), and it answers
  anyone with the document's current status.
- ``issuer.id``: the trust list, ``{base}/api/v1/trust-list``, which lists the issuing keys
  as Multikey verification methods ``{base}/api/v1/trust-list#{kid}``.
- ``credentialSubject``: the holder by name only; no national ID, not even hashed (a
  10-digit ID with its check digit is about 10⁹ guesses from any published hash).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Final

from sehat.core.code import AuthCode, format_code
from sehat.core.data_integrity import datetime_stamp

VC_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA: Final = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json-ld/"
    "ob_v3p0_achievementcredential_schema.json"
)
OB_SCHEMA_TYPE: Final = "1EdTechJsonSchemaValidator2019"
ISSUER_NAME: Final = "سامانه ملی صحت مدارک تحصیلی (Sehat)"
ISSUER_DESCRIPTION: Final = (
    "The national registry of academic-document authenticity codes; it signs every "
    "document version that an institution's registrar records."
)
# Open Badges 3.0 AchievementType by document kind (reference/data/kinds.csv slug); kinds
# the vocabulary has no term for use its ``ext:`` extension form, a kind added later the
# generic ``Achievement``.
ACHIEVEMENT_TYPES: Final = {
    "associate": "AssociateDegree",
    "bachelor": "BachelorDegree",
    "master": "MasterDegree",
    "professional-doctorate": "ProfessionalDoctorate",
    "phd": "ResearchDoctorate",
    "specialty": "ext:MedicalSpecialty",
    "seminary-level": "ext:SeminaryLevelCertificate",
    "transcript": "ext:Transcript",
    "other": "Certificate",
}


@dataclass(frozen=True, kw_only=True)
class DocumentFacts:
    """What a credential says of one document version: what its QR shows those who may see
    it, less the birth date (DESIGN §4, §7)."""

    code: AuthCode
    holder_name: str  # Persian, as on the document
    holder_name_latin: str | None = None
    kind_slug: str
    kind_name_fa: str
    kind_name_en: str
    seminary_level_fa: str | None = None
    seminary_level_en: str | None = None
    field_of_study: str  # Persian, as on the document
    field_of_study_en: str
    institution: str  # 5 digits
    institution_name_fa: str
    institution_name_en: str
    graduation_date: date
    awarded_at: datetime  # when the code was issued
    version_signed_at: datetime  # when this version was signed (valid from)


def trust_list_url(base_url: str) -> str:
    """The trust list's URL: the issuer's id and the controller of its keys."""
    return f"{base_url.rstrip('/')}/api/v1/trust-list"


def verification_method_id(base_url: str, kid: str) -> str:
    """The URL of an issuing key as a verification method: the trust list, ``#`` its kid."""
    return f"{trust_list_url(base_url)}#{kid}"


def credential_id(base_url: str, code: str) -> str:
    """The credential's id: the document's public verification URL."""
    return f"{base_url.rstrip('/')}/api/v1/verify/{code}"


def _midnight(day: date) -> str:
    return datetime_stamp(datetime.combine(day, time(), UTC))


def _identity(name: str) -> dict[str, Any]:
    # Open Badges 3.0 IdentityObject: "name" is one of its identity types; a name is shown
    # on the document anyway, so hashing it would hide nothing.
    return {"type": "IdentityObject", "identityHash": name, "identityType": "name", "hashed": False}


def build(facts: DocumentFacts, base_url: str) -> dict[str, Any]:
    """The unsecured credential of ``facts``, its URLs under ``base_url`` (the registry's
    public URL).

    Raises:
        ValueError: a time without a time zone.
    """
    base = base_url.rstrip("/")
    identifier = credential_id(base, facts.code)
    kind_fa, kind_en = facts.kind_name_fa, facts.kind_name_en
    if facts.seminary_level_fa:
        kind_fa = f"{kind_fa} ({facts.seminary_level_fa})"
        kind_en = f"{kind_en} ({facts.seminary_level_en or facts.seminary_level_fa})"
    achievement_fa = f"{kind_fa} {facts.field_of_study}"
    achievement_en = f"{kind_en} in {facts.field_of_study_en}"
    shown = format_code(facts.code)
    names = [facts.holder_name] + ([facts.holder_name_latin] if facts.holder_name_latin else [])
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": identifier,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{achievement_fa} — {facts.institution_name_fa}",
        "description": f"{achievement_en}, {facts.institution_name_en}. Authenticity code {shown}.",
        "issuer": {
            "id": trust_list_url(base),
            "type": ["Profile"],
            "name": ISSUER_NAME,
            "description": ISSUER_DESCRIPTION,
            "url": base,
        },
        "validFrom": datetime_stamp(facts.version_signed_at),
        "awardedDate": datetime_stamp(facts.awarded_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [_identity(name) for name in names],
            "activityEndDate": _midnight(facts.graduation_date),
            "achievement": {
                "id": f"{identifier}#achievement",
                "type": ["Achievement"],
                "achievementType": ACHIEVEMENT_TYPES.get(facts.kind_slug, "Achievement"),
                "name": achievement_fa,
                "description": f"{achievement_en}, {facts.institution_name_en}.",
                "criteria": {
                    "narrative": "دانش‌آموختگی ثبت‌شده در سامانه ملی صحت مدارک تحصیلی "
                    f"به دست {facts.institution_name_fa}، با کد صحت {shown}. / Graduation "
                    f"recorded in the national registry by {facts.institution_name_en}, "
                    f"authenticity code {shown}.",
                },
                "fieldOfStudy": facts.field_of_study,
                "inLanguage": "fa",
                "creator": {
                    "id": f"{base}/api/v1/institutions#{facts.institution}",
                    "type": ["Profile"],
                    "name": facts.institution_name_fa,
                    "description": facts.institution_name_en,
                },
            },
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": OB_SCHEMA_TYPE}],
    }
