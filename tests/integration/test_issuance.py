"""Issuing on both databases: stored first, the prior-degree ladder, idempotency, lifecycle."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from sehat.core import code as authcode
from sehat.core.jalali import jalali_year_of
from sehat.errors import ConflictError, InputError, PermissionDeniedError
from sehat.reference.loader import load_reference
from sehat.services import documents, registrar
from sehat.services.issuance import Issuer, Submission, SubmissionResult
from sehat.services.principal import Principal, Role
from sehat.services.verification import verify_public
from sehat.store import schema as t
from sehat.store.tx import in_transaction

from .registry_helpers import (
    EVIDENCE,
    Places,
    new_national_id,
    places,
    record,
    submit,
    sync_institutions,
)
from .registry_helpers import (
    registrar as reg,
)

REF = load_reference()
P: Places = places(REF)
NOW = datetime.now(UTC)


@pytest.fixture(autouse=True)
def _institutions(engine: sa.Engine) -> None:
    sync_institutions(engine, REF)


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _status(engine: sa.Engine, code: str) -> str:
    with engine.connect() as conn:
        return verify_public(conn, REF, code, EVIDENCE)["status"]


def test_a_bachelor_issues_a_code_with_its_institution_year_and_kind(engine: sa.Engine) -> None:
    [result] = submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science))
    assert result.status == "ISSUED" and result.reasons == []
    parsed = authcode.parse(result.code or "")
    assert parsed.institution_code == P.uni_a
    assert parsed.kind == 2
    assert parsed.year == jalali_year_of(NOW.date()) % 100
    assert _status(engine, parsed.code) == "VALID"


def test_resubmitting_the_same_graduation_returns_the_first_result(engine: sa.Engine) -> None:
    rec = record(P.uni_a, 2, P.field_science)
    [first] = submit(engine, P.uni_a, rec)
    [again] = submit(engine, P.uni_a, dict(rec, gpa="19"))
    assert again.replayed and (again.submission_id, again.code) == (first.submission_id, first.code)
    assert _count(engine, t.documents) == 1


def test_the_same_idempotency_key_returns_the_first_result(engine: sa.Engine) -> None:
    [first] = submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science), key="k-1")
    [again] = submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science), key="k-1")
    assert again.code == first.code and again.submission_id == first.submission_id
    assert _count(engine, t.documents) == 1


def test_a_graduation_repeated_in_one_batch_is_stored_once_and_answers_as_the_first(
    engine: sa.Engine,
) -> None:
    rec = record(P.uni_a, 2, P.field_science)
    first, again, other = submit(
        engine, P.uni_a, rec, dict(rec, gpa="19"), record(P.uni_a, 2, P.field_science)
    )
    assert first.status == "ISSUED" and not first.replayed
    assert again.replayed and (again.submission_id, again.status, again.code) == (
        first.submission_id,
        first.status,
        first.code,
    )
    assert other.status == "ISSUED" and other.code != first.code
    assert _count(engine, t.submissions) == 2 and _count(engine, t.documents) == 2


def test_an_idempotency_key_repeated_in_one_batch_answers_as_the_first(engine: sa.Engine) -> None:
    reference = load_reference()
    subs = [
        Submission(record(P.uni_a, 2, P.field_science), "k-batch"),
        Submission(record(P.uni_a, 2, P.field_science), "k-batch"),
    ]
    first, again = in_transaction(
        engine,
        lambda conn: Issuer(conn, reference, NOW, EVIDENCE).submit(reg(P.uni_a), P.uni_a, subs),
    )
    assert again.replayed and (again.submission_id, again.code) == (first.submission_id, first.code)
    assert _count(engine, t.submissions) == 1 and _count(engine, t.documents) == 1


def test_a_rejected_record_corrected_twice_in_one_batch_issues_once(engine: sa.Engine) -> None:
    rec = record(P.uni_a, 2, P.field_science, gpa="21")
    [rejected] = submit(engine, P.uni_a, rec)
    assert rejected.status == "REJECTED"
    fixed = dict(rec, gpa="18")
    first, again = submit(engine, P.uni_a, fixed, fixed)
    assert first.submission_id == again.submission_id == rejected.submission_id
    assert first.status == again.status == "ISSUED" and first.code == again.code
    assert _count(engine, t.submissions) == 1 and _count(engine, t.documents) == 1


def test_the_same_graduation_stored_by_two_transactions_at_once_issues_once(
    engine: sa.Engine, backend: str
) -> None:
    """The second of two transactions storing the same graduation issues nothing and answers
    with the first's result. On PostgreSQL it looked before the first committed, waits on
    the graduate's row, then fails on the unique constraint and is retried whole; SQLite
    lets it begin only once the first has committed."""
    reference = load_reference()
    rec = record(P.uni_a, 2, P.field_science)
    stored, go = threading.Event(), threading.Event()
    first: list[SubmissionResult] = []
    second: list[SubmissionResult] = []
    attempts = 0

    def hold(conn: sa.Connection) -> list[SubmissionResult]:
        out = Issuer(conn, reference, NOW, EVIDENCE).submit(
            reg(P.uni_a), P.uni_a, [Submission(rec)]
        )
        stored.set()
        go.wait(60)  # not committed until the second transaction is under way
        return out

    def race(conn: sa.Connection) -> list[SubmissionResult]:
        nonlocal attempts
        attempts += 1
        return Issuer(conn, reference, NOW, EVIDENCE).submit(
            reg(P.uni_a), P.uni_a, [Submission(dict(rec, gpa="19"))]
        )

    holder = threading.Thread(target=lambda: first.extend(in_transaction(engine, hold)))
    holder.start()
    assert stored.wait(60)
    racer = threading.Thread(target=lambda: second.extend(in_transaction(engine, race)))
    racer.start()
    _until_one_waits(engine, backend)
    go.set()
    holder.join(60)
    racer.join(60)
    [won], [lost] = first, second
    assert attempts == (2 if backend == "postgresql" else 1)
    assert won.status == "ISSUED" and not won.replayed
    assert lost.replayed and (lost.submission_id, lost.status, lost.code) == (
        won.submission_id,
        won.status,
        won.code,
    )
    assert _count(engine, t.submissions) == 1 and _count(engine, t.documents) == 1
    assert _count(engine, t.log_entries) == 1


def _until_one_waits(engine: sa.Engine, backend: str) -> None:
    """Until a transaction waits for another's lock (PostgreSQL); a moment on SQLite, where
    the second transaction waits to begin."""
    if backend != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + 30
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            conn.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the second transaction never waited for the first")


def test_a_rejected_record_is_stored_with_every_reason(engine: sa.Engine) -> None:
    rec = record(
        P.uni_a, 2, P.field_science, national_id="0012345678", birth_date="1402/12/30", gpa="21"
    )
    [result] = submit(engine, P.uni_a, rec)
    assert result.status == "REJECTED" and result.code is None
    fields = {r["field"] for r in result.reasons}
    assert {"national_id", "birth_date", "gpa"} <= fields
    assert all(r["problem"] and r["problem_fa"] and r["fix"] for r in result.reasons)
    assert _count(engine, t.submissions) == 1
    # The registrar fixes the record and sends it again: the same submission now issues.
    fixed = dict(rec, national_id=new_national_id(), birth_date="1376/01/01", gpa="18")
    [again] = submit(engine, P.uni_a, fixed)
    assert again.submission_id == result.submission_id and again.status == "ISSUED"


def test_persian_digits_and_arabic_letters_are_accepted_everywhere(engine: sa.Engine) -> None:
    nid = new_national_id()
    persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    rec = record(
        P.uni_a,
        2,
        P.field_science,
        national_id=nid.translate(persian),
        first_name="علي",
        last_name="كريمي",
        birth_date="۱۳۷۵/۰۶/۱۵",
        graduation_date="۱۳۹۸/۰۴/۳۱",
        gpa="۱۷٫۵",
    )
    rec["institution"] = P.uni_a.translate(persian)
    [result] = submit(engine, P.uni_a, rec)
    assert result.status == "ISSUED", result.reasons
    with engine.connect() as conn:
        person = conn.execute(sa.select(t.persons)).one()
    assert person.national_id == nid and person.first_name == "علی" and person.last_name == "کریمی"


def test_a_master_waits_for_its_bachelor_then_issues_by_itself(engine: sa.Engine) -> None:
    nid = new_national_id()
    [master] = submit(
        engine, P.uni_b, record(P.uni_b, 3, P.field_science, nid, prior_institution=P.uni_a)
    )
    assert master.status == "PENDING_PRIOR" and master.code is None
    assert master.reasons[0]["field"] == "prior_code"
    with engine.connect() as conn:
        asked = registrar.backfill_requests(conn, reg(P.uni_a), None)
    assert [r["person"]["national_id"] for r in asked] == [nid]
    [bachelor] = submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science, nid))
    assert bachelor.status == "ISSUED"
    with engine.connect() as conn:
        now_master = conn.execute(
            sa.select(t.submissions.c.status, t.submissions.c.document_id).where(
                t.submissions.c.public_id == master.submission_id
            )
        ).one()
        closed = conn.execute(sa.select(t.backfill_requests.c.status)).scalars().all()
    assert now_master.status == "ISSUED" and now_master.document_id is not None
    assert closed == ["FULFILLED"]


def test_a_whole_ladder_issues_in_a_cascade_when_the_bottom_arrives(engine: sa.Engine) -> None:
    nid = new_national_id()
    [phd] = submit(engine, P.uni_a, record(P.uni_a, 5, P.field_science, nid))
    [master] = submit(engine, P.uni_a, record(P.uni_a, 3, P.field_science, nid))
    assert phd.status == master.status == "PENDING_PRIOR"
    submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science, nid))
    with engine.connect() as conn:
        statuses = conn.execute(sa.select(t.submissions.c.status)).scalars().all()
    assert statuses == ["ISSUED", "ISSUED", "ISSUED"]


def test_a_batch_may_hold_a_whole_history_in_any_order(engine: sa.Engine) -> None:
    nid = new_national_id()
    results = submit(
        engine,
        P.uni_a,
        record(P.uni_a, 3, P.field_science, nid),
        record(P.uni_a, 2, P.field_science, nid),
    )
    with engine.connect() as conn:
        statuses = (
            conn.execute(sa.select(t.submissions.c.status).order_by(t.submissions.c.id))
            .scalars()
            .all()
        )
    assert results[1].status == "ISSUED" and statuses == ["ISSUED", "ISSUED"]


def test_a_prior_code_of_another_person_is_rejected(engine: sa.Engine) -> None:
    [other] = submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science))
    [master] = submit(engine, P.uni_a, record(P.uni_a, 3, P.field_science, prior_code=other.code))
    assert master.status == "REJECTED"
    assert [r["field"] for r in master.reasons] == ["prior_code"]
    assert "another person" in master.reasons[0]["problem"]


def test_a_revoked_prior_cannot_support_a_new_degree(engine: sa.Engine) -> None:
    nid = new_national_id()
    [bachelor] = submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science, nid))
    in_transaction(
        engine,
        lambda c: documents.revoke(
            c, EVIDENCE, reg(P.uni_a), bachelor.code or "", "fraud", None, NOW
        ),
    )
    [master] = submit(
        engine, P.uni_a, record(P.uni_a, 3, P.field_science, nid, prior_code=bachelor.code)
    )
    assert master.status == "REJECTED" and "revoked" in master.reasons[0]["problem"]
    # Without a prior_code, a revoked bachelor is not used either: the master waits.
    [master2] = submit(engine, P.uni_b, record(P.uni_b, 3, P.field_science, nid))
    assert master2.status == "PENDING_PRIOR"


def test_a_discontinuous_bachelor_needs_an_associate_and_integrated_programmes_are_exempt(
    engine: sa.Engine,
) -> None:
    [disc] = submit(
        engine, P.uni_a, record(P.uni_a, 2, P.field_science, program_type="discontinuous")
    )
    [integ] = submit(
        engine, P.uni_a, record(P.uni_a, 3, P.field_science, program_type="integrated")
    )
    assert (disc.status, integ.status) == ("PENDING_PRIOR", "ISSUED")


def test_seminary_level_n_needs_level_n_minus_1(engine: sa.Engine) -> None:
    nid = new_national_id()
    [l2] = submit(
        engine, P.seminary, record(P.seminary, 7, P.field_seminary, nid, seminary_level=2)
    )
    assert l2.status == "PENDING_PRIOR"
    [l1] = submit(
        engine, P.seminary, record(P.seminary, 7, P.field_seminary, nid, seminary_level=1)
    )
    assert l1.status == "ISSUED"
    with engine.connect() as conn:
        assert verify_public(conn, REF, l1.code or "", EVIDENCE)["seminary_level"] == 1
        level2 = conn.execute(
            sa.select(t.submissions.c.status).where(t.submissions.c.public_id == l2.submission_id)
        ).scalar()
    assert level2 == "ISSUED"


def test_a_specialty_needs_a_professional_doctorate(engine: sa.Engine) -> None:
    nid = new_national_id()
    [spec] = submit(engine, P.medical, record(P.medical, 6, P.field_medical, nid))
    assert spec.status == "PENDING_PRIOR"
    [md] = submit(engine, P.medical, record(P.medical, 4, P.field_medical, nid))
    assert md.status == "ISSUED"


def test_a_transcript_needs_its_degree(engine: sa.Engine) -> None:
    nid = new_national_id()
    courses = [{"code": "101", "name": "ریاضی عمومی ۱", "credits": 3, "grade": "17.5"}]
    degree = record(P.uni_a, 2, P.field_science, nid)
    transcript = dict(
        record(P.uni_a, 8, P.field_science, nid, courses=courses),
        student_number=degree["student_number"],
    )
    [early] = submit(engine, P.uni_a, transcript)
    assert early.status == "PENDING_PRIOR"
    [deg] = submit(engine, P.uni_a, degree)
    assert deg.status == "ISSUED"
    with engine.connect() as conn:
        status = conn.execute(
            sa.select(t.submissions.c.status).where(
                t.submissions.c.public_id == early.submission_id
            )
        ).scalar()
    assert status == "ISSUED"


def test_another_institutions_record_is_refused(engine: sa.Engine) -> None:
    with pytest.raises(PermissionDeniedError):
        submit(engine, P.uni_a, record(P.uni_b, 2, P.field_science))
    assert _count(engine, t.submissions) == 0


def test_revocation_is_final_and_needs_a_known_reason(engine: sa.Engine) -> None:
    [doc] = submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science))
    code = doc.code or ""
    with pytest.raises(InputError):
        in_transaction(
            engine, lambda c: documents.revoke(c, EVIDENCE, reg(P.uni_a), code, "bored", None, NOW)
        )
    with pytest.raises(PermissionDeniedError):
        in_transaction(
            engine, lambda c: documents.revoke(c, EVIDENCE, reg(P.uni_b), code, "fraud", None, NOW)
        )
    in_transaction(
        engine,
        lambda c: documents.revoke(c, EVIDENCE, reg(P.uni_a), code, "issued_in_error", None, NOW),
    )
    with pytest.raises(ConflictError):
        in_transaction(
            engine, lambda c: documents.revoke(c, EVIDENCE, reg(P.uni_a), code, "fraud", None, NOW)
        )
    with engine.connect() as conn:
        answer = verify_public(conn, REF, code, EVIDENCE)
    assert answer["status"] == "REVOKED" and answer["reason"] == "issued_in_error"
    assert answer["revoked_at"] == NOW.date().isoformat()


def test_suspension_is_reversible(engine: sa.Engine) -> None:
    [doc] = submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science))
    code = doc.code or ""
    in_transaction(
        engine, lambda c: documents.suspend(c, EVIDENCE, reg(P.uni_a), code, "inquiry", NOW)
    )
    assert _status(engine, code) == "SUSPENDED"
    in_transaction(engine, lambda c: documents.unsuspend(c, EVIDENCE, reg(P.uni_a), code, NOW))
    assert _status(engine, code) == "VALID"


def test_a_correction_keeps_the_code_adds_a_version_and_keeps_the_history(
    engine: sa.Engine,
) -> None:
    [doc] = submit(engine, P.uni_a, record(P.uni_a, 2, P.field_science))
    code = doc.code or ""
    out = in_transaction(
        engine,
        lambda c: documents.correct(
            c,
            EVIDENCE,
            reg(P.uni_a),
            REF,
            code,
            {"last_name": "احمدی‌نژاد"},
            "typo in the archive",
            NOW,
        ),
    )
    assert out == {"code": code, "version": 2, "status": "VALID"}
    with engine.connect() as conn:
        seen = documents.details(conn, reg(P.uni_a), code)
    assert [h["version"] for h in seen["history"]] == [1, 2]
    assert seen["history"][0]["content"]["last_name"] == "احمدی"
    assert seen["content"]["last_name"] == "احمدی‌نژاد"
    with pytest.raises(InputError) as info:
        in_transaction(
            engine,
            lambda c: documents.correct(
                c, EVIDENCE, reg(P.uni_a), REF, code, {"national_id": new_national_id()}, "x", NOW
            ),
        )
    assert info.value.problems[0].field == "national_id"


def test_a_foreign_prior_waits_for_the_domain_office(engine: sa.Engine) -> None:
    foreign = {
        "country": "Germany",
        "institution": "TU München",
        "degree": "B.Sc.",
        "equivalence_ref": "EQ-1404-0091",
    }
    [master] = submit(engine, P.uni_a, record(P.uni_a, 3, P.field_science, prior_foreign=foreign))
    assert master.status == "PENDING_PRIOR"
    other_admin = Principal(role=Role.DOMAIN_ADMIN, account_id="d2", domain=2)
    admin = Principal(role=Role.DOMAIN_ADMIN, account_id="d1", domain=1)
    with engine.connect() as conn:
        [waiting] = registrar.foreign_priors(conn, admin, None)
        assert registrar.foreign_priors(conn, other_admin, None) == []
    with pytest.raises(PermissionDeniedError):
        in_transaction(
            engine,
            lambda c: registrar.decide_foreign(
                c, EVIDENCE, other_admin, REF, waiting["public_id"], True, "", NOW
            ),
        )
    with pytest.raises(PermissionDeniedError):  # registrar_denied: 403, not 404
        in_transaction(
            engine,
            lambda c: registrar.decide_foreign(
                c, EVIDENCE, reg(P.uni_a), REF, waiting["public_id"], True, "", NOW
            ),
        )
    out = in_transaction(
        engine,
        lambda c: registrar.decide_foreign(
            c, EVIDENCE, admin, REF, waiting["public_id"], True, "checked", NOW
        ),
    )
    assert out["documents_issued"] == 1


def test_a_batch_of_a_thousand_with_bad_records_keeps_order_and_the_good_ones(
    engine: sa.Engine,
) -> None:
    records = [record(P.uni_a, 2, P.field_science) for _ in range(1000)]
    for i in range(0, 1000, 97):
        records[i]["national_id"] = "1111111111"
    results = submit(engine, P.uni_a, *records)
    assert len(results) == 1000
    for i, result in enumerate(results):
        assert result.status == ("REJECTED" if i % 97 == 0 else "ISSUED"), i
    codes = [r.code for r in results if r.code]
    assert len(codes) == len(set(codes)) == 1000 - len(range(0, 1000, 97))
