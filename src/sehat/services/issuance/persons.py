"""Issuing's persons (the first of the pipeline's *store* steps): one row per graduate
(DESIGN §3, Person), found or added, and locked for the rest of the transaction on PostgreSQL.

The person row ties a graduate's documents together: the ladder looks for a prior degree
among the documents of the same person, and waiting documents are re-decided by person.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from sehat.core.record import GraduationRecord
from sehat.services.issuance.in_lists import VALUES, chunks
from sehat.services.submissions import Item
from sehat.store import schema as t
from sehat.store.bulk import insert_many


def upsert_persons(conn: sa.Connection, items: list[Item], now: datetime) -> None:
    """Add the persons of ``items`` (valid records only) not stored yet, and set each
    item's ``person_id``; a person stored before keeps its row as it is."""
    people: dict[str, GraduationRecord] = {}
    for it in items:
        assert it.record is not None
        people.setdefault(it.record.person_key, it.record)
    if not people:
        return
    rows = [
        {
            "national_id": r.national_id,
            "foreign_id": r.foreign_id,
            "first_name": r.first_name,
            "last_name": r.last_name,
            "first_name_latin": r.first_name_latin,
            "last_name_latin": r.last_name_latin,
            "father_name": r.father_name,
            "birth_date": r.birth_date,
            "gender": r.gender,
            "created_at": now,
        }
        for r in people.values()
    ]
    insert_many(conn, t.persons, rows, ignore_conflicts=True)
    ids = person_ids(conn, list(people))
    for it in items:
        assert it.record is not None
        it.person_id = ids[it.record.person_key]


def person_ids(conn: sa.Connection, keys: Sequence[str]) -> dict[str, int]:
    """Person row ids by person key (national ID, or ``F`` + foreign ID), locked.

    The lock serialises transactions about the same person: a master and its bachelor
    submitted at the same moment by two institutions must not both miss each other
    (the bachelor's cascade would not see the master waiting, nor the master the
    bachelor). Rows are locked in id order so two batches never deadlock on them.
    SQLite needs no row lock: ``BEGIN IMMEDIATE`` already serialises writers.
    """
    national = sorted(k for k in keys if not k.startswith("F"))
    foreign = sorted(k[1:] for k in keys if k.startswith("F"))
    p = t.persons.c
    lock = conn.dialect.name == "postgresql"
    out: dict[str, int] = {}
    for column, values, prefix in ((p.national_id, national, ""), (p.foreign_id, foreign, "F")):
        for chunk in chunks(values):
            query = sa.select(p.id, column.label("key")).where(column.in_(VALUES)).order_by(p.id)
            if lock:
                query = query.with_for_update()
            rows = conn.execute(query, {"values": list(chunk)})
            out.update((f"{prefix}{r.key}", r.id) for r in rows)
    return out
