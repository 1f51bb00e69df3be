"""Building blocks for registry tests: people, records and the institutions they come from."""

from __future__ import annotations

import itertools
import random
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sehat.core.national_id import make_national_id
from sehat.keystore import KeyStore
from sehat.reference.loader import load_reference
from sehat.reference.models import Reference
from sehat.services.evidence import Evidence
from sehat.services.issuance import Issuer, Submission, SubmissionResult
from sehat.services.principal import Principal, Role
from sehat.store import schema as t
from sehat.store.tx import in_transaction

_counter = itertools.count(1)
_rng = random.Random(1405)


_KEYS = KeyStore(Path(tempfile.mkdtemp(prefix="sehat-test-keys-")), "test-kek-" + "0" * 40)
_KEYS.ensure(datetime.now(UTC))
EVIDENCE = Evidence(_KEYS, load_reference())
"""Signing keys shared by the service-level tests (the API tests make their own)."""


def new_national_id() -> str:
    """A valid national ID no other test uses."""
    while True:
        first9 = f"{_rng.randrange(1, 10**9):09d}"
        candidate = str(make_national_id(first9))
        if len(set(candidate)) > 1:
            return candidate


@dataclass(frozen=True)
class Places:
    """Institutions and fields picked from the reference data, by domain."""

    uni_a: str
    uni_b: str
    medical: str
    azad: str
    seminary: str
    field_science: str
    field_medical: str
    field_seminary: str


def places(reference: Reference) -> Places:
    """Two universities of domain 1, one of each other domain, and fitting fields."""
    by_domain: dict[int, list[str]] = {}
    for inst in sorted(reference.institutions.values(), key=lambda i: i.code):
        if inst.active and inst.number != 0:
            by_domain.setdefault(inst.domain, []).append(inst.code)

    def field_for(domain: int) -> str:
        return next(
            f.code
            for f in sorted(reference.fields.values(), key=lambda f: f.code)
            if domain in f.domains
        )

    return Places(
        uni_a=by_domain[1][0],
        uni_b=by_domain[1][1],
        medical=by_domain[2][0],
        azad=by_domain[3][0],
        seminary=by_domain[4][0],
        field_science=field_for(1),
        field_medical=field_for(2),
        field_seminary=field_for(4),
    )


def record(
    institution: str, kind: int, field_code: str, national_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A valid graduation record with a fresh student number."""
    n = next(_counter)
    out: dict[str, Any] = {
        "national_id": national_id or new_national_id(),
        "first_name": "زهرا",
        "last_name": "احمدی",
        "first_name_latin": "Zahra",
        "last_name_latin": "Ahmadi",
        "father_name": "علی",
        "birth_date": "1375/06/15",
        "gender": "female",
        "institution": institution,
        "kind": kind,
        "field_code": field_code,
        "program_type": "continuous",
        "student_number": f"S{n:07d}",
        "entry_date": "1394/07/01",
        "graduation_date": "1398/04/31",
        "gpa": "17.25",
    }
    out.update(extra)
    return out


def registrar(institution: str) -> Principal:
    """A registrar of ``institution``."""
    return Principal(role=Role.REGISTRAR, account_id=f"reg-{institution}", institution=institution)


def submit(
    engine: sa.Engine, institution: str, *records: dict[str, Any], key: str | None = None
) -> list[SubmissionResult]:
    """Submit records as the institution's registrar, in one transaction."""
    reference = load_reference()
    now = datetime.now(UTC)
    subs = [Submission(r, key) for r in records]
    return in_transaction(
        engine,
        lambda conn: Issuer(conn, reference, now, EVIDENCE).submit(
            registrar(institution), institution, subs
        ),
    )


def sync_institutions(engine: sa.Engine, reference: Reference) -> None:
    """Make the reference institutions exist in the database (the app does this at start)."""
    with engine.begin() as conn:
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
                "created_at": datetime.now(UTC),
            }
            for i in reference.institutions.values()
            if i.code not in have
        ]
        if rows:
            conn.execute(t.institutions.insert(), rows)
