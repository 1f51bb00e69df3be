"""A realistic demo registry: synthetic graduations from ``sehat synth`` pushed through the
real issuing path, with some documents waiting, revoked and corrected, and a token per role."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from sehat.reference.models import Reference
from sehat.services import documents
from sehat.services.evidence import Evidence
from sehat.services.issuance import Issuer, Submission
from sehat.services.principal import Principal, Role
from sehat.store import schema as t
from sehat.synth import iter_records

BATCH = 500


@dataclass
class DemoSummary:
    """What the demo seeded, to print for the person trying it."""

    submitted: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # when submitted
    now: dict[str, int] = field(default_factory=dict)  # after seeding (waiting ones issued since)
    samples: dict[str, str] = field(default_factory=dict)  # label -> code
    institutions: set[str] = field(default_factory=set)


def _registrar(institution: str) -> Principal:
    return Principal(
        role=Role.REGISTRAR, account_id=f"demo-registrar-{institution}", institution=institution
    )


def seed(
    engine: sa.Engine,
    reference: Reference,
    evidence: Evidence,
    *,
    rows: int = 2600,
    seed: int = 1405,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Issue ``rows`` synthetic graduations; hold back some priors so documents wait."""
    rng = random.Random(seed)
    summary = DemoSummary()
    records = list(iter_records(reference, rows, seed))
    # Hold back the first degree of about one person in twenty: the later degrees of those
    # people wait in PENDING_PRIOR, with a backfill request to the holding institution.
    by_person: dict[str, list[dict[str, str]]] = defaultdict(list)
    for rec in records:
        by_person[rec["national_id"]].append(rec)
    held: list[dict[str, str]] = []
    for history in by_person.values():
        if len(history) > 1 and history[0]["kind"] != "8" and rng.random() < 0.05:
            prior = history[0]
            held.append(prior)
            for later in history[1:]:
                later["prior_institution"] = prior["institution"]
    held_ids = {id(r) for r in held}
    ordered = [r for r in records if id(r) not in held_ids]

    now = datetime.now(UTC)
    chunk: list[dict[str, str]] = []

    def flush() -> None:
        if not chunk:
            return
        institution = chunk[0]["institution"]
        with engine.begin() as conn:
            results = Issuer(conn, reference, now, evidence).submit(
                _registrar(institution), institution, [Submission(dict(r)) for r in chunk]
            )
        for rec, res in zip(chunk, results, strict=True):
            summary.statuses[res.status] += 1
            summary.institutions.add(institution)
            if res.code and f"kind {rec['kind']}" not in summary.samples:
                summary.samples[f"kind {rec['kind']}"] = res.code
        summary.submitted += len(chunk)
        if progress:
            progress(len(chunk))
        chunk.clear()

    for rec in ordered:
        if chunk and (rec["institution"] != chunk[0]["institution"] or len(chunk) >= BATCH):
            flush()
        chunk.append(rec)
    flush()

    with engine.connect() as conn:
        codes = conn.execute(
            sa.select(t.documents.c.code, t.documents.c.institution)
            .where(t.documents.c.status == "VALID")
            .order_by(t.documents.c.id)
        ).all()
    picks = rng.sample(codes, min(len(codes), 60))
    for i, (code, institution) in enumerate(picks):
        with engine.begin() as conn:
            if i < 25:
                reason = ["issued_in_error", "fraud", "superseded", "court_order"][i % 4]
                documents.revoke(conn, evidence, _registrar(institution), code, reason, None, now)
                summary.samples.setdefault("revoked", code)
            elif i < 30:
                documents.suspend(
                    conn, evidence, _registrar(institution), code, "demo inquiry", now
                )
                summary.samples.setdefault("suspended", code)
            else:
                documents.correct(
                    conn,
                    evidence,
                    _registrar(institution),
                    reference,
                    code,
                    {"gpa": f"{rng.randint(1400, 2000) / 100:.2f}"},
                    "grade re-entered from the archive",
                    now,
                )
                summary.samples.setdefault("corrected", code)
    with engine.connect() as conn:
        counted = conn.execute(
            sa.select(t.submissions.c.status, sa.func.count()).group_by(t.submissions.c.status)
        ).all()
    summary.now = {status: count for status, count in counted}
    return summary
