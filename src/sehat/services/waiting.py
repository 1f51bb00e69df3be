"""Documents waiting for their prior degree (PENDING_PRIOR) issue when it arrives (DESIGN §3)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

import sqlalchemy as sa

from sehat.core.ladder import Outcome
from sehat.core.record import validate_record
from sehat.errors import InputError
from sehat.reference.models import Reference
from sehat.services.submissions import Item, Submission, graduation_key
from sehat.store import schema as t


class Decider(Protocol):
    """What re-deciding needs of the issuing step (services/issuance/issuer.Issuer is one): the
    transaction, the reference data, the moment, and the ladder applied to a batch."""

    conn: sa.Connection
    reference: Reference
    now: datetime
    today: date

    def decide_and_issue(
        self,
        items: list[Item],
        actor: str,
        *,
        resolving: bool = False,
        approved: set[int] | None = None,
    ) -> None: ...


SYSTEM_ACTOR = "system:ladder"
MAX_ROUNDS = 16  # a ladder is at most a handful of rungs deep (associate … subspecialty)


def dependents(reference: Reference, kinds: set[int]) -> set[int]:
    """The kinds of document that a newly issued document of ``kinds`` may unblock."""
    out: set[int] = set()
    for rule in reference.ladder:
        if rule.needs_own_degree:
            if any(reference.kinds[k].is_degree for k in kinds if k in reference.kinds):
                out.add(rule.kind)
        elif any(a.kind in kinds for a in rule.alternatives):
            out.add(rule.kind)
    return out


def resolve_waiting(
    issuer: Decider,
    person_ids: set[int],
    *,
    approved: set[int] | None = None,
    kinds: set[int] | None = None,
) -> int:
    """Re-decide the waiting submissions of ``person_ids``; returns how many were issued.

    Each issue may unblock the next rung (a master arriving lets a PhD issue), so this
    repeats until nothing more moves. ``approved``: submission ids whose foreign prior
    degree a domain admin approved. ``kinds``: the kinds just issued; only waiting documents
    that such a document could unblock are re-decided (None: all).
    """
    total = 0
    conn = issuer.conn
    s = t.submissions.c
    for _ in range(MAX_ROUNDS):
        if not person_ids:
            break
        query = (
            sa.select(s.id, s.public_id, s.record, s.institution, s.person_id)
            .where(s.status == Outcome.PENDING_PRIOR.value)
            .where(s.person_id.in_(sorted(person_ids)))
            .order_by(s.id)
        )
        if kinds is not None:
            query = query.where(s.kind.in_(sorted(dependents(issuer.reference, kinds))))
        rows = conn.execute(query).all()
        items = []
        for row in rows:
            try:
                record = validate_record(row.record, issuer.reference, today=issuer.today)
            except InputError:
                continue  # reference data changed under it; it stays waiting for a registrar
            item = Item(
                0,
                Submission(row.record),
                record,
                [],
                row.public_id,
                graduation_key(row.record, record),
                row.institution,
                row_id=row.id,
                person_id=row.person_id,
            )
            items.append(item)
        issuer.decide_and_issue(items, SYSTEM_ACTOR, resolving=True, approved=approved or set())
        done = [it for it in items if it.document_id is not None]
        if done:
            conn.execute(
                t.backfill_requests.update()
                .where(t.backfill_requests.c.submission_id == sa.bindparam("b_sub"))
                .where(t.backfill_requests.c.status == "OPEN")
                .values(
                    status="FULFILLED", closed_at=issuer.now, fulfilled_by=sa.bindparam("b_doc")
                ),
                [{"b_sub": it.row_id, "b_doc": it.document_id} for it in done],
            )
        total += len(done)
        person_ids = {it.person_id for it in done if it.person_id is not None}
        if kinds is not None:
            kinds = {it.record.kind for it in done if it.record is not None}
    return total
