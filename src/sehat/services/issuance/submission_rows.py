"""Issuing's submission rows (the pipeline's *store* step, DESIGN §3, R7): each submission
stored once, with its decision.

Every submission is stored in the transaction that decides it — graduation never waits for a
code, and no reader ever sees one half-decided. Its row id is taken before the ladder runs
(a document it issues, a backfill request it opens name it); once the ladder has decided
(decide.py), each new row is inserted with its status, reasons and what it issued or waits on,
in one statement per batch, and a stored one (a rejected submission corrected, a waiting one
re-decided) is updated. A waiting one adds a backfill request to the prior's institution, and
a foreign prior one to the domain office's queue.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sehat.core.ladder import Decision, Outcome
from sehat.services.submissions import Item
from sehat.store import schema as t
from sehat.store.bulk import execute_many, insert_many
from sehat.store.ids import take_ids
from sehat.store.upsert import insert_ignore

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Decided:
    """One submission as the ladder decided it: the outcome, its reasons, its document."""

    item: Item
    outcome: Outcome
    reasons: list[dict[str, object]]
    document_id: int | None = None


def new_submission_ids(conn: sa.Connection, items: list[Item]) -> None:
    """Take a row id for each of ``items`` not stored yet (not a replay, not a rejected
    submission being corrected), before anything is decided: a decision and what it opens
    (a document, a backfill request) name the submission by it, and the row is written once,
    with its decision (:func:`write_decisions`)."""
    new = [it for it in items if it.replay_of is None and not it.reevaluate]
    for it, row_id in zip(new, take_ids(conn, t.submissions, len(new)), strict=True):
        it.row_id, it.new = row_id, True


def backfill_row(it: Item, decision: Decision, institution: str, now: datetime) -> Row:
    """A backfill request to the institution of the prior degree ``it`` waits for."""
    rec = it.record
    assert rec is not None
    return {
        "public_id": str(uuid.uuid4()),
        "submission_id": it.row_id,
        "person_id": it.person_id,
        "target_institution": decision.target_institution,
        "requesting_institution": institution,
        "wanted": [{"kind": w.kind, "seminary_level": w.seminary_level} for w in decision.wanted],
        "prior_code": rec.degree_code if rec.kind == 8 else rec.prior_code,
        "status": "OPEN",
        "created_at": now,
    }


def foreign_row(it: Item, now: datetime) -> Row:
    """A foreign prior degree for its domain office to approve (DESIGN §3)."""
    rec = it.record
    assert rec is not None and rec.prior_foreign is not None
    f = rec.prior_foreign
    return {
        "public_id": str(uuid.uuid4()),
        "submission_id": it.row_id,
        "domain": int(rec.institution[0]),
        "country": f.country,
        "institution_name": f.institution,
        "degree": f.degree,
        "equivalence_ref": f.equivalence_ref,
        "status": "PENDING",
        "created_at": now,
    }


def write_decisions(
    conn: sa.Connection,
    decided: list[Decided],
    now: datetime,
) -> None:
    """Store a batch's decisions: each new submission inserted with its decision, in one
    statement; a stored one (corrected, or re-decided while waiting) updated.

    A new submission clashing with one stored meanwhile by another transaction (the same
    graduation or idempotency key; PostgreSQL, where writers run side by side) fails the
    whole transaction with a unique violation, which store/tx.py retries: the batch is then
    decided again and finds that submission as an earlier one, its replay.
    """
    inserts: list[Row] = []
    updates: list[Row] = []
    corrected: list[Row] = []
    for d in decided:
        it = d.item
        it.outcome, it.reasons = d.outcome, d.reasons
        prior = it.decision.prior if it.decision else None
        if it.new:
            student, kind, level, field_code = it.key or (f"~{it.public_id}", 0, 0, "")
            rec = it.record
            inserts.append(
                {
                    "id": it.row_id,
                    "public_id": it.public_id,
                    "institution": it.institution,
                    "student_number": student,
                    "kind": kind,
                    "seminary_level": level,
                    "field_code": field_code,
                    "program_type": rec.program_type.value if rec else "",
                    "idempotency_key": it.sub.idempotency_key,
                    "status": d.outcome.value,
                    "reasons": d.reasons,
                    "record": _jsonable(it.sub.raw),
                    "person_id": it.person_id,
                    "document_id": d.document_id,
                    "prior_document_id": prior.id if prior else None,
                    "assurance": rec.assurance.value if rec else "born_digital",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            continue
        row = {
            "b_id": it.row_id,
            "b_status": d.outcome.value,
            "b_reasons": d.reasons,
            "b_document_id": d.document_id,
            "b_prior": prior.id if prior else None,
            "b_person": it.person_id,
            "b_updated": now,
        }
        if it.reevaluate:
            corrected.append(row | {"b_record": _jsonable(it.sub.raw)})
        else:
            updates.append(row)
    insert_many(conn, t.submissions, inserts)
    execute_many(conn, _DECIDED, updates)
    execute_many(conn, _CORRECTED, corrected)


def write_requests(conn: sa.Connection, requests: list[Row], foreign: list[Row]) -> None:
    """Store the backfill requests and the foreign prior degrees a batch's decisions opened
    (after :func:`write_decisions`: they name their submission)."""
    if requests:
        conn.execute(t.backfill_requests.insert(), requests)
    if foreign:
        conn.execute(insert_ignore(conn, t.foreign_priors), foreign)


# A stored submission decided: its status, reasons and what it issued or waits on.
_DECIDED = (
    t.submissions.update()
    .where(t.submissions.c.id == sa.bindparam("b_id"))
    .values(
        status=sa.bindparam("b_status"),
        reasons=sa.bindparam("b_reasons"),
        document_id=sa.bindparam("b_document_id"),
        prior_document_id=sa.bindparam("b_prior"),
        person_id=sa.bindparam("b_person"),
        updated_at=sa.bindparam("b_updated"),
    )
)

# A rejected submission corrected: its new record, decided.
_CORRECTED = _DECIDED.values(record=sa.bindparam("b_record"))

_JSON_PLAIN = frozenset({str, int, float, bool, list, dict, type(None)})


def _jsonable(raw: Mapping[str, object]) -> dict[str, object]:
    """``raw`` as a JSON object: keys as text, values JSON can hold kept, others as text."""
    return {
        str(key): value if type(value) in _JSON_PLAIN else _plain_or_text(value)
        for key, value in raw.items()
    }


def _plain_or_text(value: object) -> object:
    """A value of a subclass of a JSON type kept (an enum of text, …); anything else as text."""
    if isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)
