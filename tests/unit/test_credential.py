"""The credential of a document: a VC 2.0 that is an Open Badges 3.0 OpenBadgeCredential,
valid by the 1EdTech schema, with resolvable URLs and nothing personal beyond the name."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sehat.core import credential
from sehat.core.code import AuthCode
from sehat.core.credential import DocumentFacts, build
from sehat.core.data_integrity import add_proof, verify_proof

BASE = "https://sehat.example/"
FACTS = DocumentFacts(
    code=AuthCode("10001052348068574304"),
    holder_name="زهرا احمدی",
    holder_name_latin="Zahra Ahmadi",
    kind_slug="bachelor",
    kind_name_fa="کارشناسی",
    kind_name_en="Bachelor's degree",
    field_of_study="مهندسی کامپیوتر",
    field_of_study_en="Computer engineering",
    institution="10001",
    institution_name_fa="دانشگاه تهران",
    institution_name_en="University of Tehran",
    graduation_date=date(2019, 7, 22),
    awarded_at=datetime(2026, 1, 31, 8, 0, tzinfo=UTC),
    version_signed_at=datetime(2026, 2, 2, 9, 30, 15, 999, tzinfo=UTC),
)


@pytest.fixture(scope="module")
def schema(vectors_dir: Path) -> jsonschema_rs.Draft201909Validator:
    path = vectors_dir / "6-vc-openbadges/openbadges-3.0/ob_v3p0_achievementcredential_schema.json"
    return jsonschema_rs.Draft201909Validator(json.loads(path.read_text()), validate_formats=True)


def _errors(validator: jsonschema_rs.Draft201909Validator, document: dict[str, Any]) -> list[str]:
    return [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_the_schema_tells_a_valid_badge_from_an_invalid_one(
    schema: jsonschema_rs.Draft201909Validator, vectors_dir: Path
) -> None:
    # The validator as configured here accepts 1EdTech's examples and refuses a broken one.
    folder = vectors_dir / "6-vc-openbadges/openbadges-3.0"
    for name in ("minimal_valid_obv3.json", "full_ex.json"):
        assert _errors(schema, json.loads((folder / name).read_text())) == [], name
    broken = json.loads((folder / "minimal_valid_obv3.json").read_text())
    broken["validFrom"] = "1405/04/31"
    assert _errors(schema, broken)


def test_the_credential_is_an_open_badge_by_the_schema_signed_or_not(
    schema: jsonschema_rs.Draft201909Validator,
) -> None:
    unsigned = build(FACTS, BASE)
    assert _errors(schema, unsigned) == []
    key = Ed25519PrivateKey.generate()
    method = credential.verification_method_id(BASE, "00112233aabbccdd")
    signed = add_proof(
        unsigned, key, verification_method=method, created=FACTS.awarded_at, as_set=True
    )
    assert _errors(schema, signed) == []
    assert verify_proof(signed, lambda m: key.public_key() if m == method else None)
    # Open Badges 3.0 wants the proof in a list, even one proof.
    single = add_proof(unsigned, key, verification_method=method, created=FACTS.awarded_at)
    assert any("proof" in e for e in _errors(schema, single))


def test_a_schema_id_in_the_credential_is_the_schemas_own(vectors_dir: Path) -> None:
    path = vectors_dir / "6-vc-openbadges/openbadges-3.0/ob_v3p0_achievementcredential_schema.json"
    [declared] = build(FACTS, BASE)["credentialSchema"]
    assert declared == {
        "id": json.loads(path.read_text())["$id"],
        "type": credential.OB_SCHEMA_TYPE,
    }


def test_types_contexts_and_urls() -> None:
    vc = build(FACTS, BASE)
    assert vc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"] == "https://sehat.example/api/v1/verify/10001052348068574304"
    assert vc["issuer"]["id"] == "https://sehat.example/api/v1/trust-list"
    assert credential.verification_method_id(BASE, "ab") == vc["issuer"]["id"] + "#ab"
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["id"] == vc["id"] + "#achievement"
    assert achievement["creator"]["id"] == "https://sehat.example/api/v1/institutions#10001"
    assert achievement["achievementType"] == "BachelorDegree"
    assert achievement["name"] == "کارشناسی مهندسی کامپیوتر"
    assert vc["name"] == "کارشناسی مهندسی کامپیوتر — دانشگاه تهران"
    assert "1000-1052-3480-6857-4304" in vc["description"]
    # Open Badges: validFrom tells versions apart, awardedDate keeps the first issue.
    assert vc["validFrom"] == "2026-02-02T09:30:15Z"
    assert vc["awardedDate"] == "2026-01-31T08:00:00Z"
    assert vc["credentialSubject"]["activityEndDate"] == "2019-07-22T00:00:00Z"


def test_the_holder_is_named_and_nothing_else_about_them() -> None:
    subject = build(FACTS, BASE)["credentialSubject"]
    assert "id" not in subject
    assert subject["identifier"] == [
        {"type": "IdentityObject", "identityHash": n, "identityType": "name", "hashed": False}
        for n in ("زهرا احمدی", "Zahra Ahmadi")
    ]
    without_latin = build(replace(FACTS, holder_name_latin=None), BASE)["credentialSubject"]
    assert [i["identityHash"] for i in without_latin["identifier"]] == ["زهرا احمدی"]


def test_a_seminary_level_is_named_and_unknown_kinds_are_plain_achievements() -> None:
    seminary = replace(
        FACTS,
        kind_slug="seminary-level",
        kind_name_fa="مدرک سطح حوزوی",
        kind_name_en="Seminary level certificate",
        seminary_level_fa="سطح دو",
        seminary_level_en="Level 2",
    )
    achievement = build(seminary, BASE)["credentialSubject"]["achievement"]
    assert achievement["name"] == "مدرک سطح حوزوی (سطح دو) مهندسی کامپیوتر"
    assert achievement["description"].startswith("Seminary level certificate (Level 2) in")
    assert achievement["achievementType"] == "ext:SeminaryLevelCertificate"
    later = build(replace(FACTS, kind_slug="a-kind-added-later"), BASE)
    assert later["credentialSubject"]["achievement"]["achievementType"] == "Achievement"


def test_a_time_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        build(replace(FACTS, awarded_at=datetime(2026, 1, 31)), BASE)
