"""The issuing pipeline run for one batch of submissions, in one transaction (DESIGN §3, §9).

:class:`Issuer` checks that each institution's principal is its registrar, then runs the
steps in order, each in the file named for it:

    intake.py          validate each record; find an earlier submission of it (a replay)
    submission_rows.py a row id for each new submission; one repeated in the batch is
                       the first's replay (intake.py)
    persons.py         the graduates' person rows, locked
    decide.py          the ladder, in input order (a named prior checked: named_prior.py)
    submission_rows.py each submission stored with its decision (one that lost a race to
                       another transaction fails the batch, which is retried: store/tx.py)
    new_documents.py   codes, document rows and first versions; signed and logged by
                       services/evidence.py and services/transparency.py
    services/waiting.py  documents that waited for what was just issued issue now
    results.py         the answers, as stored (replays and waiting ones read back)

Built for bulk: a few queries per batch, whatever its size, and rows written with
executemany. A single submission is a batch of one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa

from sehat.reference.models import Reference
from sehat.services.evidence import Evidence
from sehat.services.id_checks import IdCheckCaller
from sehat.services.issuance.decide import decide_and_issue as decide_batch
from sehat.services.issuance.intake import match_earlier, prepare, settle_repeats
from sehat.services.issuance.persons import upsert_persons
from sehat.services.issuance.results import SubmissionResult, results
from sehat.services.issuance.submission_rows import new_submission_ids
from sehat.services.principal import Principal
from sehat.services.submissions import Item, Submission
from sehat.services.waiting import resolve_waiting

MAX_BATCH = 5000


class Issuer:
    """Issues documents for one institution's submissions, in one transaction per batch."""

    def __init__(
        self,
        conn: sa.Connection,
        reference: Reference,
        now: datetime,
        evidence: Evidence,
        id_checks: IdCheckCaller | None = None,
    ) -> None:
        self.conn = conn
        self.reference = reference
        self.evidence = evidence
        self.now = now
        self.today = now.date()
        # A registrar's prior_code / degree_code is a national-ID check on that document
        # (DESIGN §5); None: the system itself (re-deciding waiting submissions, the demo).
        self.id_checks = id_checks

    def submit(
        self, principal: Principal, institution: str, submissions: Sequence[Submission]
    ) -> list[SubmissionResult]:
        """Store and decide every submission; results in input order."""
        return self.submit_mixed(lambda _: principal, [(institution, s) for s in submissions])

    def submit_mixed(
        self,
        principal_of: Callable[[str], Principal],
        submissions: Sequence[tuple[str, Submission]],
    ) -> list[SubmissionResult]:
        """:meth:`submit` for submissions of several institutions at once (a national
        backfill file), each by ``principal_of(institution)``: one pass of every step,
        however many institutions the batch spans. Results in input order."""
        actor = _registrars(principal_of, {i for i, _ in submissions})
        items = [
            prepare(i, s, inst, self.reference, self.today)
            for i, (inst, s) in enumerate(submissions)
        ]
        match_earlier(self.conn, items)
        new_submission_ids(self.conn, items)
        settle_repeats(items)
        new = [it for it in items if it.replay_of is None]
        upsert_persons(self.conn, [it for it in new if it.record is not None], self.now)
        self.decide_and_issue(new, actor)
        issued = [it for it in new if it.document_id and it.person_id and it.record]
        resolve_waiting(  # PENDING_PRIOR documents whose prior degree has now arrived
            self,
            {it.person_id for it in issued if it.person_id},
            kinds={it.record.kind for it in issued if it.record},
        )
        return results(self.conn, items)

    def decide_and_issue(
        self,
        items: list[Item],
        actor: str,
        *,
        resolving: bool = False,
        approved: set[int] | None = None,
    ) -> None:
        """Decide ``items`` by the ladder and store what follows (decide.py); also how
        services/waiting.py re-decides waiting submissions (``resolving``)."""
        decide_batch(
            self.conn,
            self.reference,
            self.evidence,
            self.id_checks,
            self.now,
            items,
            actor,
            resolving=resolving,
            approved=approved,
        )


def _registrars(principal_of: Callable[[str], Principal], institutions: set[str]) -> str:
    """The acting account, after checking that each institution's principal is its
    registrar (the first in institution order acts for the batch's records)."""
    actor = ""
    for institution in sorted(institutions):
        principal = principal_of(institution)
        principal.require(
            principal.may_manage_institution(institution) and principal.role.value == "registrar",
            f"submit graduations for institution {institution}",
            f"ثبت دانش‌آموختگی برای موسسه {institution}",
        )
        actor = actor or principal.account_id
    return actor
