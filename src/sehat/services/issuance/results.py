"""Issuing's last step, what it answers (DESIGN §7): each submission's id, status, code and
every reason, as stored — so a replay answers as its first one did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from sehat.core.ladder import Outcome
from sehat.errors import NotFoundError
from sehat.services.issuance.in_lists import VALUES, chunks
from sehat.services.principal import Principal
from sehat.services.submissions import Item
from sehat.store import schema as t


@dataclass
class SubmissionResult:
    """The answer to one submission (DESIGN §7): id, status, code and every reason."""

    submission_id: str
    status: str
    code: str | None
    reasons: list[dict[str, object]] = field(default_factory=list)
    replayed: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "submission_id": self.submission_id,
            "status": self.status,
            "code": self.code,
            "reasons": self.reasons,
        }


def results(conn: sa.Connection, items: list[Item]) -> list[SubmissionResult]:
    """Each item's result as stored (a replay's: its first submission's), in input order.

    A new submission issued or rejected by this batch answers with what was just written
    (nothing changes it before the transaction ends); the others are read back: a replay,
    a corrected submission (it keeps its first id), and one left waiting, which may have
    issued since (services/waiting.py).
    """
    ids = {
        it.replay_of or it.row_id
        for it in items
        if not it.new or it.outcome is None or it.outcome is Outcome.PENDING_PRIOR
    }
    s, d = t.submissions.c, t.documents.c
    rows: dict[int, Any] = {}
    for chunk in chunks([i for i in ids if i is not None]):
        rows.update(
            (r.id, r)
            for r in conn.execute(
                sa.select(s.id, s.public_id, s.status, s.reasons, d.code)
                .select_from(
                    t.submissions.outerjoin(t.documents, t.documents.c.id == s.document_id)
                )
                .where(s.id.in_(VALUES)),
                {"values": list(chunk)},
            )
        )
    out = []
    for it in items:
        row = rows.get(it.replay_of or it.row_id)  # type: ignore[arg-type]
        if row is None:  # decided by this batch, as in memory
            assert it.outcome is not None
            out.append(
                SubmissionResult(it.public_id, it.outcome.value, it.code, list(it.reasons or []))
            )
            continue
        out.append(
            SubmissionResult(
                row.public_id,
                row.status,
                row.code,
                list(row.reasons or []),
                replayed=it.replay_of is not None,
            )
        )
    return out


def get_submission(conn: sa.Connection, principal: Principal, public_id: str) -> SubmissionResult:
    """One submission's current result, for whoever may read its institution."""
    s, d = t.submissions.c, t.documents.c
    row = conn.execute(
        sa.select(s.public_id, s.status, s.reasons, s.institution, d.code)
        .select_from(t.submissions.outerjoin(t.documents, t.documents.c.id == s.document_id))
        .where(s.public_id == public_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no submission {public_id}", f"ثبتی با شناسه {public_id} یافت نشد")
    principal.require(
        principal.may_read_institution(row.institution),
        f"read submissions of institution {row.institution}",
        f"مشاهده ثبت‌های موسسه {row.institution}",
    )
    return SubmissionResult(row.public_id, row.status, row.code, list(row.reasons or []))
