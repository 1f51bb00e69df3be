"""A large import's first versions are made ahead by its workers (services/presigned.py):
the writing process stores what they made, and falls back to signing itself when a batch
was held up; either way every version checks out in the audit."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sehat.importer import run
from sehat.importer.run import ImportOptions, run_import
from sehat.reference.loader import load_reference
from sehat.services.audit import run_audit
from sehat.services.evidence import Evidence, MadeVersion
from sehat.services.key_events import sync_key_events
from sehat.services.signing import VersionToSign
from sehat.store import schema as t
from sehat.synth import write_csv

from .registry_helpers import EVIDENCE, sync_institutions

ROWS = 400


def _import(
    engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, int, run.ImportReport]:
    """Import ROWS synthetic rows with two workers; (versions made ahead, versions signed by
    the writing process itself)."""
    reference = load_reference()
    sync_institutions(engine, reference)
    with engine.begin() as conn:
        sync_key_events(conn, EVIDENCE.keystore, datetime.now(UTC))
    source = tmp_path / "backlog.csv"
    write_csv(source, reference, ROWS, seed=11)
    counts = {"ahead": 0, "here": 0}
    original = Evidence.sign_versions

    def counting(
        self: Evidence,
        conn: sa.Connection,
        versions: Sequence[VersionToSign],
        now: datetime,
        *,
        made_ahead: Sequence[MadeVersion] = (),
    ) -> None:
        counts["ahead"] += len(made_ahead)
        counts["here"] += len(versions)
        original(self, conn, versions, now, made_ahead=made_ahead)

    monkeypatch.setattr(Evidence, "sign_versions", counting)
    evidence = Evidence(EVIDENCE.keystore, reference)
    report = run_import(
        engine,
        reference,
        evidence,
        source,
        tmp_path / "results.csv",
        ImportOptions(batch=100, workers=2),
    )
    return counts["ahead"], counts["here"], report


Graduation = tuple[str, str, int]  # institution, student number, kind


def _source_courses(source: Path) -> dict[Graduation, list[str]]:
    """Each row's course codes as the file gives them."""
    with source.open(encoding="utf-8", newline="") as f:
        return {
            (row["institution"], row["student_number"], int(row["kind"])): [
                c["code"] for c in json.loads(row["courses"] or "[]")
            ]
            for row in csv.DictReader(f)
        }


def _stored_courses(engine: sa.Engine) -> dict[Graduation, list[str]]:
    with engine.connect() as conn:
        contents = conn.execute(sa.select(t.document_versions.c.content)).scalars().all()
    stored = {
        (c["institution"], c["student_number"], c["kind"]): [x["code"] for x in c["courses"]]
        for c in contents
    }
    assert any(stored.values())  # the file has transcripts
    return stored


def _audit(engine: sa.Engine) -> Any:
    with engine.connect() as conn:
        return run_audit(conn, EVIDENCE.keystore, load_reference(), "sehat.example/log")


def test_workers_make_the_first_versions_and_the_writer_stores_them(
    engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead, here, report = _import(engine, tmp_path, monkeypatch)
    with engine.connect() as conn:
        versions = conn.execute(sa.select(sa.func.count()).select_from(t.version_evidence)).scalar()
        times = conn.execute(
            sa.select(t.documents.c.issued_at, t.document_versions.c.created_at).join(
                t.document_versions, t.document_versions.c.document_id == t.documents.c.id
            )
        ).all()
    assert report.counts["ISSUED"] > ROWS // 2
    assert ahead + here == versions == report.counts["ISSUED"]
    # Only documents issued when a later row brought their prior are signed here.
    assert ahead > 0 and here < ahead
    assert all(issued == created for issued, created in times)
    audit = _audit(engine)
    assert audit.ok, audit.mismatches[:5]


def test_a_batch_held_up_is_signed_again_at_its_own_time(
    engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every batch counts as held up: the versions made ahead carry a time that is no longer
    # the batch's, so none may be used.
    monkeypatch.setattr(run, "STALE_AFTER", timedelta(0))
    started = datetime.now(UTC)
    ahead, here, report = _import(engine, tmp_path, monkeypatch)
    assert ahead == 0 and here == report.counts["ISSUED"] > 0
    with engine.connect() as conn:
        first = conn.execute(sa.select(sa.func.min(t.documents.c.issued_at))).scalar()
    assert first is not None and first.replace(tzinfo=first.tzinfo or UTC) >= started
    # The workers send each record back without its courses (the content made ahead holds
    # them): signed again here, every version still holds its row's whole transcript.
    stored, source = _stored_courses(engine), _source_courses(tmp_path / "backlog.csv")
    assert len(stored) == report.counts["ISSUED"]
    assert stored == {number: source[number] for number in stored}
    audit = _audit(engine)
    assert audit.ok, audit.mismatches[:5]
