"""Issuing: store every graduation first, then decide ISSUED / PENDING_PRIOR / REJECTED.

Built for bulk (DESIGN §9): one transaction per batch, prefetching what the ladder needs in
a few queries and writing with executemany. A single submission is a batch of one.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sehat.core.jalali import jalali_year_of
from sehat.core.ladder import Decision, DocStatus, Outcome, PriorDoc, decide, waiting_reason
from sehat.core.persian import normalize_digits_field
from sehat.core.persian import to_persian_digits as fa
from sehat.core.record import GraduationRecord, check_record
from sehat.errors import NotFoundError, PermissionDeniedError, Problem
from sehat.reference.models import Reference
from sehat.services import access_log
from sehat.services.access_log import PUBLIC_FIELDS, Access, Channel
from sehat.services.evidence import Evidence, MadeVersion, VersionToSign
from sehat.services.id_checks import IdCheckCaller, limit_error
from sehat.services.id_checks import Outcome as CheckOutcome
from sehat.services.presigned import Presigned, new_code, new_salt
from sehat.services.principal import Principal
from sehat.services.submissions import Item, graduation_key
from sehat.services.submissions import Submission as Submission  # part of issuing's interface
from sehat.services.waiting import resolve_waiting
from sehat.store import schema as t
from sehat.store.bulk import JsonText, execute_many, insert_many
from sehat.store.given import given_rows
from sehat.store.ids import take_ids
from sehat.store.upsert import insert_ignore

MAX_BATCH = 5000
# Lists of values bound at execution (one cached statement, whatever the list's length):
# building a bind parameter per value cost more than the query itself on a 1,000-row batch.
_VALUES: sa.BindParameter[Any] = sa.bindparam("values", expanding=True)


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


def _pending_reason(decision: Decision, reference: Reference, record: GraduationRecord) -> Problem:
    """Why the document waits, in both languages (core/ladder.py words it for every kind)."""
    return waiting_reason(decision, reference, record)


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

    # -- public ---------------------------------------------------------------------------
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
        actor = ""
        for institution in sorted({i for i, _ in submissions}):
            principal = principal_of(institution)
            principal.require(
                principal.may_manage_institution(institution)
                and principal.role.value == "registrar",
                f"submit graduations for institution {institution}",
                f"ثبت دانش‌آموختگی برای موسسه {institution}",
            )
            actor = actor or principal.account_id
        items = [self._prepare(i, s, inst) for i, (inst, s) in enumerate(submissions)]
        self._match_existing(items)
        fresh = [it for it in items if it.replay_of is None]
        self._upsert_persons([it for it in fresh if it.record is not None])
        self._insert_submissions(fresh)
        new = [it for it in fresh if it.replay_of is None]
        self.decide_and_issue(new, actor)
        issued = [it for it in new if it.document_id and it.person_id and it.record]
        self._resolve_waiting(
            {it.person_id for it in issued if it.person_id},
            {it.record.kind for it in issued if it.record},
        )
        return self._results(items)

    # -- steps ----------------------------------------------------------------------------
    def _prepare(self, index: int, sub: Submission, institution: str) -> Item:
        record: GraduationRecord | None = None
        problems: list[Problem] = []
        if sub.checked is not None:
            record, problems = sub.checked[0], list(sub.checked[1])
        else:
            record, problems = check_record(sub.raw, self.reference, self.today)
        given = normalize_digits_field(str(sub.raw.get("institution") or ""))
        if given and given != institution and given in self.reference.institutions:
            raise PermissionDeniedError(
                f"record {index}: institution {given} is not the token's institution {institution}",
                f"رکورد {fa(str(index))}: موسسه {fa(given)} با موسسه توکن "
                f"({fa(institution)}) یکی نیست",
            )
        return Item(
            index,
            sub,
            record,
            problems,
            str(uuid.uuid4()),
            graduation_key(sub.raw, record),
            institution,
        )

    def _match_existing(self, items: list[Item]) -> None:
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
            pairs = given_rows(self.conn, ("institution", "key"), keys)
            rows = self.conn.execute(
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
            pairs = given_rows(self.conn, ("institution", "student"), students)
            rows = self.conn.execute(
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

    def _upsert_persons(self, items: list[Item]) -> None:
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
                "created_at": self.now,
            }
            for r in people.values()
        ]
        insert_many(self.conn, t.persons, rows, ignore_conflicts=True)
        ids = self.person_ids(list(people))
        for it in items:
            assert it.record is not None
            it.person_id = ids[it.record.person_key]

    def person_ids(self, keys: Sequence[str]) -> dict[str, int]:
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
        lock = self.conn.dialect.name == "postgresql"
        out: dict[str, int] = {}
        for column, values, prefix in ((p.national_id, national, ""), (p.foreign_id, foreign, "F")):
            for chunk in _chunks(values):
                query = (
                    sa.select(p.id, column.label("key")).where(column.in_(_VALUES)).order_by(p.id)
                )
                if lock:
                    query = query.with_for_update()
                rows = self.conn.execute(query, {"values": list(chunk)})
                out.update((f"{prefix}{r.key}", r.id) for r in rows)
        return out

    def _insert_submissions(self, items: list[Item]) -> None:
        inserts = []
        for it in items:
            if it.reevaluate:
                self.conn.execute(
                    t.submissions.update()
                    .where(t.submissions.c.id == it.row_id)
                    .values(
                        record=_jsonable(it.sub.raw),
                        person_id=it.person_id,
                        updated_at=self.now,
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
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
        if not inserts:
            return
        ids = take_ids(self.conn, t.submissions, len(inserts))
        for row, row_id in zip(inserts, ids, strict=True):
            row["id"] = row_id
        s = t.submissions.c
        got: dict[str, int] = {}
        if insert_many(self.conn, t.submissions, inserts, ignore_conflicts=True) == len(inserts):
            got = {str(r["public_id"]): row_id for r, row_id in zip(inserts, ids, strict=True)}
        else:  # some clashed with a submission stored meanwhile: see which went in
            for chunk in _chunks([r["public_id"] for r in inserts]):
                got.update(
                    (r.public_id, r.id)
                    for r in self.conn.execute(
                        sa.select(s.public_id, s.id).where(s.public_id.in_(_VALUES)),
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
                existing = self.conn.execute(
                    query.where(s.idempotency_key == it.sub.idempotency_key)
                ).scalar()
            else:
                existing = None
            if existing is None and it.key:
                existing = self.conn.execute(
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

    def decide_and_issue(
        self,
        items: list[Item],
        actor: str,
        *,
        resolving: bool = False,
        approved: set[int] | None = None,
    ) -> None:
        """Apply the ladder in order; issue, park or reject. ``resolving``: re-deciding
        waiting submissions, which stay as they are unless they can now be issued."""
        valid = [it for it in items if it.record is not None]
        by_code, candidates = self._prefetch(valid)
        refused = {} if resolving else self._check_named(valid, by_code, actor)
        # Ids taken up front (store/ids.py): one plain insert per batch, and a document whose
        # prior is issued earlier in the same batch points at it from the start.
        doc_ids = iter(take_ids(self.conn, t.documents, len(valid)))
        docs: list[dict[str, Any]] = []
        issued: list[Item] = []
        updates: list[dict[str, Any]] = []
        requests: list[dict[str, Any]] = []
        foreign: list[dict[str, Any]] = []
        for it in items:
            if it.record is None:
                if resolving:
                    continue
                updates.append(
                    self._update_row(it, Outcome.REJECTED, [p.as_dict() for p in it.problems])
                )
                continue
            rec = it.record
            if it.index in refused:
                updates.append(self._update_row(it, Outcome.REJECTED, [refused[it.index]]))
                continue
            named = rec.degree_code if rec.kind == 8 else rec.prior_code
            decision = decide(
                rec,
                self.reference,
                by_code=by_code.get(named or ""),
                candidates=candidates[rec.person_key],
                foreign_approved=it.row_id in (approved or set()),
            )
            it.decision = decision
            if decision.outcome is Outcome.ISSUED:
                doc = self._new_document(it, it.institution, next(doc_ids))
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
                reason = _pending_reason(decision, self.reference, rec)
                updates.append(self._update_row(it, Outcome.PENDING_PRIOR, [reason.as_dict()]))
                requests.append(self._backfill_row(it, decision, it.institution))
                if rec.prior_foreign is not None and rec.kind != 8:
                    foreign.append(self._foreign_row(it))
            else:
                updates.append(
                    self._update_row(it, Outcome.REJECTED, [p.as_dict() for p in decision.reasons])
                )
        self._store_documents(docs, issued, actor)
        for it in issued:
            updates.append(self._update_row(it, Outcome.ISSUED, [], document_id=it.document_id))
        if updates:
            self._apply_updates(updates)
        if requests:
            self.conn.execute(t.backfill_requests.insert(), requests)
        if foreign:
            self.conn.execute(insert_ignore(self.conn, t.foreign_priors), foreign)

    def _check_named(
        self, items: list[Item], by_code: dict[str, PriorDoc], actor: str
    ) -> dict[int, dict[str, object]]:
        """A stored document named as a graduate's prior (or a transcript's degree) is a
        claim that its holder is this graduate: a national-ID check, limited like the others
        and written to that holder's access log (DESIGN §5). Returns the reason each refused
        item is REJECTED for, by item index.

        Raises:
            IdCheckLimitError: the registrar's budget of wrong IDs is already spent.
        """
        named: list[tuple[Item, PriorDoc, bool]] = []
        for it in items:
            rec = it.record
            assert rec is not None
            code = rec.degree_code if rec.kind == 8 else rec.prior_code
            if code and code in by_code and self.id_checks is not None:
                doc = by_code[code]
                named.append((it, doc, doc.person_key == rec.person_key))
        if not named or self.id_checks is None:
            return {}
        checks = self.id_checks.begin(self.conn, self.now)
        checks.load(doc.id for _, doc, _ in named)
        refused: dict[int, dict[str, object]] = {}
        accesses: list[Access] = []
        for it, doc, matched in named:
            outcome = checks.check(doc.id, matched)
            field_name = "degree_code" if it.record and it.record.kind == 8 else "prior_code"
            if outcome is CheckOutcome.LOCKED:
                until = checks.locked_until(doc.id)
                when = until.isoformat(timespec="minutes") if until else ""
                refused[it.index] = Problem(
                    field_name,
                    f"{doc.code} cannot be checked against this graduate until {when}: too many "
                    "national IDs that did not match were given for it lately",
                    f"بررسی مدرک {fa(doc.code)} برای این دانش‌آموخته تا {fa(when)} ممکن نیست؛ اخیراً "
                    "شماره‌های ملی نادرست بسیاری برای آن فرستاده شده است",
                    "check the graduate's national ID and the prior code, and resubmit later",
                    "شماره ملی و کد مدرک قبلی را بررسی کنید و بعداً دوباره بفرستید",
                ).as_dict()
            elif outcome is CheckOutcome.LIMITED:
                error = limit_error(self.now)
                refused[it.index] = Problem(field_name, error.message, error.message_fa).as_dict()
                continue  # not compared: nothing for the holder's log
            if doc.person_id is not None:
                locked = outcome is CheckOutcome.LOCKED
                accesses.append(
                    Access(
                        doc.id,
                        doc.person_id,
                        self.now,
                        Channel.PRIOR,
                        actor,
                        () if locked else PUBLIC_FIELDS,
                        matched=None if locked else matched,
                    )
                )
        checks.finish()
        access_log.record(self.conn, accesses)
        return refused

    def _prefetch(self, items: list[Item]) -> tuple[dict[str, PriorDoc], dict[str, list[PriorDoc]]]:
        codes = {c for it in items for c in (it.record.prior_code, it.record.degree_code) if c}  # type: ignore[union-attr]
        person_ids = {it.person_id for it in items if it.person_id is not None}
        by_code = {d.code: d for d in self.load_docs(t.documents.c.code, list(codes))}
        candidates: dict[str, list[PriorDoc]] = defaultdict(list)
        for doc in self.load_docs(t.documents.c.person_id, list(person_ids)):
            candidates[doc.person_key].append(doc)
        return by_code, candidates

    def load_docs(self, column: sa.Column[Any], values: list[Any]) -> list[PriorDoc]:
        """Documents whose ``column`` is in ``values``, as ladder inputs."""
        d, p = t.documents.c, t.persons.c
        out: list[PriorDoc] = []
        for chunk in _chunks(values):
            rows = self.conn.execute(
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
                .where(column.in_(_VALUES)),
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

    def _new_document(self, it: Item, institution: str, doc_id: int) -> dict[str, Any]:
        rec = it.record
        assert rec is not None and it.decision is not None
        ahead = self._made_ahead(it)
        code = ahead.code if ahead else new_code(institution, rec.kind, self.now)
        prior = it.decision.prior
        return {
            "id": doc_id,
            "code": code,
            "institution": institution,
            "domain": int(institution[0]),
            "kind": rec.kind,
            "seminary_level": rec.seminary_level or 0,
            "person_id": it.person_id,
            "submission_id": it.row_id,
            "student_number": rec.student_number,
            "field_code": rec.field_code,
            "status": DocStatus.VALID.value,
            "version": 1,
            "issued_at": self.now,
            "issued_year": jalali_year_of(self.today),
            "graduation_date": rec.graduation_date,
            "prior_document_id": prior.id if prior else None,
            "assurance": rec.assurance.value,
            "salt": ahead.salt if ahead else new_salt(),
        }

    def _made_ahead(self, it: Item, code: str | None = None) -> Presigned | None:
        """The item's first version as made ahead, if it was made for this batch's time (and
        with ``code``, when given)."""
        ahead = it.sub.presigned
        if ahead is None or ahead.at != self.now or (code is not None and ahead.code != code):
            return None
        return ahead

    def _store_documents(self, docs: list[dict[str, Any]], issued: list[Item], actor: str) -> None:
        if not docs:
            return
        # Random serials almost never collide; when one does, draw again before inserting.
        while True:
            taken: set[str] = set()
            for chunk in _chunks([d["code"] for d in docs]):
                taken.update(
                    self.conn.execute(
                        sa.select(t.documents.c.code).where(t.documents.c.code.in_(_VALUES)),
                        {"values": list(chunk)},
                    ).scalars()
                )
            if len({d["code"] for d in docs}) < len(docs):
                seen: set[str] = set()
                for d in docs:
                    if d["code"] in seen:
                        taken.add(d["code"])
                    seen.add(d["code"])
            if not taken:
                break
            for d in docs:
                if d["code"] in taken:
                    d["code"] = new_code(d["institution"], d["kind"], self.now)
        insert_many(self.conn, t.documents, docs)
        for it, doc in zip(issued, docs, strict=True):
            it.document_id, it.code = doc["id"], doc["code"]
        versions: list[dict[str, Any]] = []
        to_sign: list[VersionToSign] = []
        made_ahead: list[MadeVersion] = []
        version_ids = take_ids(self.conn, t.document_versions, len(docs))
        for it, doc, version_id in zip(issued, docs, version_ids, strict=True):
            assert it.record is not None
            ahead = self._made_ahead(it, doc["code"])
            content: dict[str, object] | JsonText
            if ahead is not None:
                content = ahead.content
                made_ahead.append(
                    MadeVersion(version_id, ahead.code, 1, ahead.made, ahead.leaf_input)
                )
            else:
                content = it.record.content()
                content["code"] = doc["code"]
                to_sign.append(VersionToSign(version_id, doc["code"], 1, content, doc["salt"]))
            versions.append(
                {
                    "id": version_id,
                    "document_id": it.document_id,
                    "version": 1,
                    "content": content,
                    "reason": "issued",
                    "created_at": self.now,
                    "created_by": actor,
                }
            )
        insert_many(self.conn, t.document_versions, versions)
        self.evidence.sign_versions(self.conn, to_sign, self.now, made_ahead=made_ahead)

    def _update_row(
        self,
        it: Item,
        outcome: Outcome,
        reasons: list[dict[str, object]],
        document_id: int | None = None,
    ) -> dict[str, Any]:
        prior = it.decision.prior if it.decision else None
        return {
            "b_id": it.row_id,
            "b_status": outcome.value,
            "b_reasons": reasons,
            "b_document_id": document_id,
            "b_prior": prior.id if prior else None,
            "b_person": it.person_id,
        }

    def _apply_updates(self, updates: list[dict[str, Any]]) -> None:
        execute_many(self.conn, _DECIDED, [u | {"b_updated": self.now} for u in updates])

    def _backfill_row(self, it: Item, decision: Decision, institution: str) -> dict[str, Any]:
        rec = it.record
        assert rec is not None
        return {
            "public_id": str(uuid.uuid4()),
            "submission_id": it.row_id,
            "person_id": it.person_id,
            "target_institution": decision.target_institution,
            "requesting_institution": institution,
            "wanted": [
                {"kind": w.kind, "seminary_level": w.seminary_level} for w in decision.wanted
            ],
            "prior_code": rec.degree_code if rec.kind == 8 else rec.prior_code,
            "status": "OPEN",
            "created_at": self.now,
        }

    def _foreign_row(self, it: Item) -> dict[str, Any]:
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
            "created_at": self.now,
        }

    def _resolve_waiting(self, person_ids: set[int], kinds: set[int]) -> None:
        """Issue PENDING_PRIOR documents whose prior degree has now arrived (DESIGN §3)."""
        resolve_waiting(self, person_ids, kinds=kinds)

    def _results(self, items: list[Item]) -> list[SubmissionResult]:
        ids = {it.replay_of or it.row_id for it in items}
        s, d = t.submissions.c, t.documents.c
        rows: dict[int, Any] = {}
        for chunk in _chunks([i for i in ids if i is not None]):
            rows.update(
                (r.id, r)
                for r in self.conn.execute(
                    sa.select(s.id, s.public_id, s.status, s.reasons, d.code)
                    .select_from(
                        t.submissions.outerjoin(t.documents, t.documents.c.id == s.document_id)
                    )
                    .where(s.id.in_(_VALUES)),
                    {"values": list(chunk)},
                )
            )
        out = []
        for it in items:
            row = rows[it.replay_of or it.row_id]  # type: ignore[index]
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


def _chunks(values: Sequence[Any], size: int = 900) -> list[Sequence[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


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
