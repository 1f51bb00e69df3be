"""Issuing's intake (the pipeline's *validate* step, DESIGN §3): each submission validated
into an :class:`Item`, and matched with an earlier submission of the same graduation.

Validation itself is core/record.py's (normalise, then check every field against the
reference data); a record an import's worker already validated is taken as it is. Matching
finds the first result a resubmission must get: the same idempotency key, or the same
graduation (institution, student number, kind, seminary level, field) — a replay — or a
rejected submission being corrected, which is decided again.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from sehat.core.ladder import Outcome
from sehat.core.persian import normalize_digits_field
from sehat.core.persian import to_persian_digits as fa
from sehat.core.record import GraduationRecord, check_record
from sehat.errors import PermissionDeniedError, Problem
from sehat.reference.models import Reference
from sehat.services.submissions import Item, Submission, graduation_key
from sehat.store import schema as t
from sehat.store.given import given_rows
from sehat.store.ids import time_ordered_uuid


def prepare(
    index: int, sub: Submission, institution: str, reference: Reference, today: date
) -> Item:
    """Submission ``index`` of ``institution`` validated, with a fresh public id.

    Raises:
        PermissionDeniedError: the record names another known institution.
    """
    record: GraduationRecord | None = None
    problems: list[Problem] = []
    if sub.checked is not None:
        record, problems = sub.checked[0], list(sub.checked[1])
    else:
        record, problems = check_record(sub.raw, reference, today)
    given = normalize_digits_field(str(sub.raw.get("institution") or ""))
    if given and given != institution and given in reference.institutions:
        raise PermissionDeniedError(
            f"record {index}: institution {given} is not the token's institution {institution}",
            f"رکورد {fa(str(index))}: موسسه {fa(given)} با موسسه توکن ({fa(institution)}) یکی نیست",
        )
    return Item(
        index,
        sub,
        record,
        problems,
        time_ordered_uuid(),
        graduation_key(sub.raw, record),
        institution,
    )


def match_earlier(conn: sa.Connection, items: list[Item]) -> None:
    """Find each item's earlier submission: the same idempotency key, or the same
    graduation (a replay), or a rejected one being corrected. Two queries per batch,
    whatever the number of institutions it spans (a national backfill file spans many),
    each an exact probe of its unique index by (institution, …) pairs."""
    s = t.submissions.c
    keys = sorted(
        {(it.institution, it.sub.idempotency_key) for it in items if it.sub.idempotency_key}
    )
    by_key: dict[tuple[str, str], tuple[int, str]] = {}
    if keys:
        pairs = given_rows(conn, ("institution", "key"), keys)
        rows = conn.execute(
            sa.select(s.id, s.institution, s.idempotency_key, s.status).join_from(
                pairs,
                t.submissions,
                sa.and_(s.institution == pairs.c.institution, s.idempotency_key == pairs.c.key),
            )
        )
        by_key.update(((r.institution, r.idempotency_key), (r.id, r.status)) for r in rows)
    students = sorted({(it.institution, it.key[0]) for it in items if it.key})
    by_grad: dict[tuple[str, tuple[str, int, int, str]], tuple[int, str]] = {}
    if students:
        pairs = given_rows(conn, ("institution", "student"), students)
        rows = conn.execute(
            sa.select(
                s.id,
                s.institution,
                s.student_number,
                s.kind,
                s.seminary_level,
                s.field_code,
                s.status,
            ).join_from(
                pairs,
                t.submissions,
                sa.and_(
                    s.institution == pairs.c.institution,
                    s.student_number == pairs.c.student,
                ),
            )
        )
        by_grad.update(
            (
                (r.institution, (r.student_number, r.kind, r.seminary_level, r.field_code)),
                (r.id, r.status),
            )
            for r in rows
        )
    for it in items:
        given = it.sub.idempotency_key
        if given and (it.institution, given) in by_key:
            it.replay_of = by_key[(it.institution, given)][0]
        elif it.key and (it.institution, it.key) in by_grad:
            row_id, status = by_grad[(it.institution, it.key)]
            if status == Outcome.REJECTED:
                it.reevaluate, it.row_id = True, row_id  # a corrected resubmission
            else:
                it.replay_of = row_id


def settle_repeats(items: list[Item]) -> None:
    """A submission repeated inside its batch — the same idempotency key or the same
    graduation as an earlier one of the batch — is that one's replay, as it would be sent
    after it (the unique constraints of ``submissions`` allow one row for it)."""
    by_key: dict[tuple[str, str], int] = {}
    by_grad: dict[tuple[str, tuple[str, int, int, str]], int] = {}
    for it in items:
        if it.replay_of is not None or it.row_id is None:
            continue
        given = it.sub.idempotency_key
        first = None
        if given and not it.reevaluate:  # a corrected row keeps the key it was stored with
            first = by_key.get((it.institution, given))
        if first is None and it.key:
            first = by_grad.get((it.institution, it.key))
        if first is not None:
            it.replay_of, it.row_id, it.new, it.reevaluate = first, None, False, False
            continue
        if given and not it.reevaluate:
            by_key[(it.institution, given)] = it.row_id
        if it.key:
            by_grad[(it.institution, it.key)] = it.row_id
