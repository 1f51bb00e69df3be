"""Issuing's submission rows (the pipeline's *store* step, DESIGN §3, R7): before deciding,
and after it.

Every submission is stored before anything is decided — graduation never waits for a code —
as RECEIVED, or, for a rejected one being corrected, its row is reset to RECEIVED. Once the
ladder has decided (decide.py), each row gets its status, reasons and what it issued or waits
on, in one statement per batch; a waiting one adds a backfill request to the prior's
institution, and a foreign prior one to the domain office's queue.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sehat.core.ladder import Decision, Outcome
from sehat.services.issuance.in_lists import VALUES, chunks
from sehat.services.submissions import Item
from sehat.store import schema as t
from sehat.store.bulk import execute_many, insert_many
from sehat.store.ids import take_ids
from sehat.store.upsert import insert_ignore

Row = dict[str, Any]


def insert_submissions(conn: sa.Connection, items: list[Item], now: datetime) -> None:
    """Store ``items`` as RECEIVED and set their ``row_id``; an item that lost a race to
    the same submission stored meanwhile (or repeated in its batch) becomes its replay."""
    inserts = []
    for it in items:
        if it.reevaluate:
            conn.execute(
                t.submissions.update()
                .where(t.submissions.c.id == it.row_id)
                .values(
                    record=_jsonable(it.sub.raw),
                    person_id=it.person_id,
                    updated_at=now,
                    status="RECEIVED",
                    reasons=[],
                )
            )
            continue
        student, kind, level, field_code = it.key or (f"~{it.public_id}", 0, 0, "")
        inserts.append(
            {
                "public_id": it.public_id,
                "institution": it.institution,
                "student_number": student,
                "kind": kind,
                "seminary_level": level,
                "field_code": field_code,
                "program_type": it.record.program_type.value if it.record else "",
                "idempotency_key": it.sub.idempotency_key,
                "status": "RECEIVED",
                "reasons": [],
                "record": _jsonable(it.sub.raw),
                "person_id": it.person_id,
                "assurance": it.record.assurance.value if it.record else "born_digital",
                "created_at": now,
                "updated_at": now,
            }
        )
    if not inserts:
        return
    ids = take_ids(conn, t.submissions, len(inserts))
    for row, row_id in zip(inserts, ids, strict=True):
        row["id"] = row_id
    s = t.submissions.c
    got: dict[str, int] = {}
    if insert_many(conn, t.submissions, inserts, ignore_conflicts=True) == len(inserts):
        got = {str(r["public_id"]): row_id for r, row_id in zip(inserts, ids, strict=True)}
    else:  # some clashed with a submission stored meanwhile: see which went in
        for chunk in chunks([r["public_id"] for r in inserts]):
            got.update(
                (r.public_id, r.id)
                for r in conn.execute(
                    sa.select(s.public_id, s.id).where(s.public_id.in_(VALUES)),
                    {"values": list(chunk)},
                )
            )
    for it in items:
        if it.reevaluate:
            continue
        if it.public_id in got:
            it.row_id = got[it.public_id]
            continue
        # Lost a race (or repeated inside this batch): answer with the stored submission.
        query = sa.select(s.id).where(s.institution == it.institution)
        if it.sub.idempotency_key:
            existing = conn.execute(
                query.where(s.idempotency_key == it.sub.idempotency_key)
            ).scalar()
        else:
            existing = None
        if existing is None and it.key:
            existing = conn.execute(
                query.where(
                    s.student_number == it.key[0],
                    s.kind == it.key[1],
                    s.seminary_level == it.key[2],
                    s.field_code == it.key[3],
                )
            ).scalar()
        if existing is None:  # pragma: no cover - a conflict always has a winner
            raise RuntimeError("submission conflict without a stored submission")
        it.replay_of = existing


def decided_row(
    it: Item,
    outcome: Outcome,
    reasons: list[dict[str, object]],
    document_id: int | None = None,
) -> Row:
    """The values that record ``it`` as decided: ``outcome``, its reasons, its document."""
    prior = it.decision.prior if it.decision else None
    return {
        "b_id": it.row_id,
        "b_status": outcome.value,
        "b_reasons": reasons,
        "b_document_id": document_id,
        "b_prior": prior.id if prior else None,
        "b_person": it.person_id,
    }


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
    conn: sa.Connection, updates: list[Row], requests: list[Row], foreign: list[Row], now: datetime
) -> None:
    """Store a batch's decisions: the submission rows, then the backfill requests and the
    foreign prior degrees they opened."""
    if updates:
        execute_many(conn, _DECIDED, [u | {"b_updated": now} for u in updates])
    if requests:
        conn.execute(t.backfill_requests.insert(), requests)
    if foreign:
        conn.execute(insert_ignore(conn, t.foreign_priors), foreign)


# A submission decided: its status, reasons and what it issued or waits on.
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
