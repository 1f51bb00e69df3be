"""Issuing's decision (the pipeline's *decide (ladder)* step, DESIGN §3, R6): ISSUED,
PENDING_PRIOR or REJECTED for each submission of a batch, in input order.

The rules are core/ladder.py's ``decide``, pure; this step gathers what they need in a few
queries per batch (the documents named by code, and every stored document of the batch's
persons), checks a named prior's holder (named_prior.py), and hands the outcome on: issued
documents to new_documents.py, the decided rows to submission_rows.py. A document issued
early in a batch already serves as the prior of a later one (a bachelor's row before its
master's row in one file).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sehat.core.ladder import DocStatus, Outcome, PriorDoc, decide, waiting_reason
from sehat.reference.models import Reference
from sehat.services.evidence import Evidence
from sehat.services.id_checks import IdCheckCaller
from sehat.services.issuance.in_lists import VALUES, chunks
from sehat.services.issuance.named_prior import check_named
from sehat.services.issuance.new_documents import new_document, store_documents
from sehat.services.issuance.submission_rows import (
    Decided,
    Row,
    backfill_row,
    foreign_row,
    write_decisions,
    write_requests,
)
from sehat.services.submissions import Item
from sehat.store import schema as t
from sehat.store.ids import take_ids


def decide_and_issue(
    conn: sa.Connection,
    reference: Reference,
    evidence: Evidence,
    id_checks: IdCheckCaller | None,
    now: datetime,
    items: list[Item],
    actor: str,
    *,
    resolving: bool = False,
    approved: set[int] | None = None,
) -> None:
    """Apply the ladder in order; issue, park or reject. ``resolving``: re-deciding
    waiting submissions, which stay as they are unless they can now be issued."""
    today = now.date()
    valid = [it for it in items if it.record is not None]
    by_code, candidates = prefetch(conn, valid)
    refused = {} if resolving else check_named(conn, id_checks, now, valid, by_code, actor)
    # Ids taken up front (store/ids.py): one plain insert per batch, and a document whose
    # prior is issued earlier in the same batch points at it from the start.
    doc_ids = iter(take_ids(conn, t.documents, len(valid)))
    docs: list[dict[str, Any]] = []
    issued: list[Item] = []
    updates: list[Decided] = []
    requests: list[Row] = []
    foreign: list[Row] = []
    for it in items:
        if it.record is None:
            if resolving:
                continue
            updates.append(Decided(it, Outcome.REJECTED, [p.as_dict() for p in it.problems]))
            continue
        rec = it.record
        if it.index in refused:
            updates.append(Decided(it, Outcome.REJECTED, [refused[it.index]]))
            continue
        named = rec.degree_code if rec.kind == 8 else rec.prior_code
        decision = decide(
            rec,
            reference,
            by_code=by_code.get(named or ""),
            candidates=candidates[rec.person_key],
            foreign_approved=it.row_id in (approved or set()),
        )
        it.decision = decision
        if decision.outcome is Outcome.ISSUED:
            doc = new_document(it, it.institution, next(doc_ids), now, today)
            docs.append(doc)
            issued.append(it)
            candidates[rec.person_key].append(
                PriorDoc(
                    id=doc["id"],
                    code=doc["code"],
                    person_key=rec.person_key,
                    institution=it.institution,
                    kind=rec.kind,
                    seminary_level=rec.seminary_level,
                    status=DocStatus.VALID,
                    student_number=rec.student_number,
                )
            )
        elif resolving and decision.outcome is Outcome.PENDING_PRIOR:
            continue
        elif decision.outcome is Outcome.PENDING_PRIOR:
            reason = waiting_reason(decision, reference, rec)  # in both languages
            updates.append(Decided(it, Outcome.PENDING_PRIOR, [reason.as_dict()]))
            requests.append(backfill_row(it, decision, it.institution, now))
            if rec.prior_foreign is not None and rec.kind != 8:
                foreign.append(foreign_row(it, now))
        else:
            updates.append(Decided(it, Outcome.REJECTED, [p.as_dict() for p in decision.reasons]))
    for it, doc in zip(issued, docs, strict=True):
        updates.append(Decided(it, Outcome.ISSUED, [], document_id=doc["id"]))
    # The submissions first: one that lost a race to another transaction fails the batch
    # here (submission_rows.write_decisions), before anything is signed.
    write_decisions(conn, updates, now)
    store_documents(conn, evidence, docs, issued, actor, now)
    write_requests(conn, requests, foreign)


def prefetch(
    conn: sa.Connection, items: list[Item]
) -> tuple[dict[str, PriorDoc], dict[str, list[PriorDoc]]]:
    """What the ladder needs for ``items`` (valid records only): the documents they name
    by code, and every stored document of their persons, by person key."""
    codes = {c for it in items for c in (it.record.prior_code, it.record.degree_code) if c}  # type: ignore[union-attr]
    person_ids = {it.person_id for it in items if it.person_id is not None}
    by_code = {d.code: d for d in load_docs(conn, t.documents.c.code, list(codes))}
    candidates: dict[str, list[PriorDoc]] = defaultdict(list)
    for doc in load_docs(conn, t.documents.c.person_id, list(person_ids)):
        candidates[doc.person_key].append(doc)
    return by_code, candidates


def load_docs(conn: sa.Connection, column: sa.Column[Any], values: list[Any]) -> list[PriorDoc]:
    """Documents whose ``column`` is in ``values``, as ladder inputs."""
    d, p = t.documents.c, t.persons.c
    out: list[PriorDoc] = []
    for chunk in chunks(values):
        rows = conn.execute(
            sa.select(
                d.id,
                d.code,
                d.institution,
                d.kind,
                d.seminary_level,
                d.status,
                d.student_number,
                d.person_id,
                p.national_id,
                p.foreign_id,
            )
            .join(t.persons, t.persons.c.id == d.person_id)
            .where(column.in_(VALUES)),
            {"values": list(chunk)},
        )
        out.extend(
            PriorDoc(
                id=r.id,
                code=r.code,
                person_key=r.national_id if r.national_id else f"F{r.foreign_id}",
                institution=r.institution,
                kind=r.kind,
                seminary_level=r.seminary_level or None,
                status=DocStatus(r.status),
                student_number=r.student_number,
                person_id=r.person_id,
            )
            for r in rows
        )
    return out
