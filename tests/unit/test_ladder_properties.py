"""Properties of the prior-degree ladder (core/ladder.py ``decide``; DESIGN §3, R6).

The rules are the reference table ``ladder.csv``: a master's needs a bachelor's or seminary
level 2, a PhD a master's, a professional doctorate or level 3, a specialty a professional
doctorate, seminary level n level n-1, a discontinuous bachelor's an associate degree, a
transcript its own degree; integrated programmes are exempt. The prior must be VALID and the
same person's. Hypothesis draws a person's stored documents and checks what issuing decides.
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sehat.core import code as authcode
from sehat.core.ladder import (
    DocStatus,
    Outcome,
    PriorDoc,
    asked_of,
    decide,
    kind_names,
    requirements,
)
from sehat.core.record import GraduationRecord, validate_record
from sehat.reference.loader import load_reference
from sehat.reference.models import ProgramType
from sehat.synth import iter_records

REF = load_reference()
TODAY = date(2026, 11, 28)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BASE = validate_record(next(iter_records(REF, 1, seed=3)), REF, today=TODAY)
ME, SOMEONE_ELSE = (
    BASE.person_key,
    "0013542419" if BASE.person_key != "0013542419" else "0084575948",
)
OTHER_INSTITUTION = next(code for code in sorted(REF.institutions) if code != BASE.institution)

BACHELOR, MASTER, PROF_DOCTORATE, PHD, SPECIALTY, SEMINARY, TRANSCRIPT = 2, 3, 4, 5, 6, 7, 8


def _record(kind: int, program: ProgramType, level: int | None) -> GraduationRecord:
    return dataclasses.replace(
        BASE,
        kind=kind,
        program_type=program,
        seminary_level=level,
        prior_code=None,
        degree_code=None,
        prior_institution="10001",
        prior_foreign=None,
    )


@st.composite
def records(draw: st.DrawFn) -> GraduationRecord:
    kind = draw(st.integers(1, 9))
    level = draw(st.integers(1, 4)) if kind == SEMINARY else None
    program = ProgramType.CONTINUOUS
    if kind != SEMINARY:
        program = draw(st.sampled_from(list(ProgramType)))
    return _record(kind, program, level)


@st.composite
def stored(draw: st.DrawFn, doc_id: int) -> PriorDoc:
    """A stored document: mostly the same person's, of any kind, level and status."""
    kind = draw(st.integers(1, 9))
    return PriorDoc(
        id=doc_id,
        code=authcode.build(1, 1, 1400, kind, doc_id),
        person_key=draw(st.sampled_from([ME, ME, ME, SOMEONE_ELSE])),
        institution=draw(st.sampled_from([BASE.institution, OTHER_INSTITUTION])),
        kind=kind,
        seminary_level=draw(st.integers(1, 4)) if kind == SEMINARY else None,
        status=draw(st.sampled_from(list(DocStatus))),
        student_number=draw(st.sampled_from([BASE.student_number, "1"])),
    )


@st.composite
def histories(draw: st.DrawFn) -> list[PriorDoc]:
    count = draw(st.integers(0, 6))
    ids = draw(st.lists(st.integers(1, 10**6), min_size=count, max_size=count, unique=True))
    return [draw(stored(doc_id)) for doc_id in ids]


def _serves(doc: PriorDoc, record: GraduationRecord) -> bool:
    """Whether ``doc`` may be the prior of ``record`` by DESIGN §3's words."""
    wanted = requirements(record, REF)
    fits = any(
        doc.kind == req.kind and (req.seminary_level in (None, doc.seminary_level))
        for req in wanted
    )
    same_degree = record.kind != TRANSCRIPT or (
        doc.institution == record.institution and doc.student_number == record.student_number
    )
    return fits and same_degree and doc.status is DocStatus.VALID and doc.person_key == ME


@PROPERTY
@given(records(), histories(), st.randoms(use_true_random=False))
def test_the_order_of_stored_documents_does_not_matter(
    record: GraduationRecord, docs: list[PriorDoc], rng: random.Random
) -> None:
    shuffled = list(docs)
    rng.shuffle(shuffled)
    first = decide(record, REF, by_code=None, candidates=docs)
    assert decide(record, REF, by_code=None, candidates=shuffled) == first


@PROPERTY
@given(records(), histories())
def test_issued_exactly_when_nothing_is_needed_or_a_valid_prior_of_the_same_person_fits(
    record: GraduationRecord, docs: list[PriorDoc]
) -> None:
    decision = decide(record, REF, by_code=None, candidates=docs)
    serving = [d for d in docs if _serves(d, record)]
    if not requirements(record, REF):
        assert decision.outcome is Outcome.ISSUED and decision.prior is None
    elif serving:
        assert decision.outcome is Outcome.ISSUED
        assert decision.prior == max(serving, key=lambda d: d.id)  # the latest one
    else:
        assert decision.outcome is Outcome.PENDING_PRIOR
        # What the prior's institution is asked for: of the acceptable priors, those it can
        # have granted (a university is never asked for a seminary level).
        wanted = requirements(record, REF)
        assert decision.wanted == asked_of(wanted, decision.target_institution)
        assert set(decision.wanted) <= set(wanted) and decision.wanted


@PROPERTY
@given(histories())
def test_a_masters_issues_with_its_bachelors_and_otherwise_waits_naming_it(
    docs: list[PriorDoc],
) -> None:
    master = _record(MASTER, ProgramType.CONTINUOUS, None)
    others = [d for d in docs if d.kind not in (BACHELOR, SEMINARY)]
    waiting = decide(master, REF, by_code=None, candidates=others)
    assert waiting.outcome is Outcome.PENDING_PRIOR
    assert waiting.target_institution == master.prior_institution
    assert "Bachelor's degree" in kind_names(REF, waiting.wanted)[0]
    assert REF.kinds[BACHELOR].name_fa in kind_names(REF, waiting.wanted)[1]

    bachelor = PriorDoc(
        10**7, authcode.build(1, 1, 1398, 2, 1), ME, OTHER_INSTITUTION, 2, None, DocStatus.VALID
    )
    for at in range(len(others) + 1):  # wherever it stands among the others
        with_it = [*others[:at], bachelor, *others[at:]]
        issued = decide(master, REF, by_code=None, candidates=with_it)
        assert issued.outcome is Outcome.ISSUED and issued.prior == bachelor


@PROPERTY
@given(histories(), st.sampled_from([ProgramType.CONTINUOUS, ProgramType.DISCONTINUOUS]))
def test_a_doctorate_never_issues_without_a_masters_professional_doctorate_or_level_3(
    docs: list[PriorDoc], program: ProgramType
) -> None:
    phd = _record(PHD, program, None)
    decision = decide(phd, REF, by_code=None, candidates=docs)
    if decision.outcome is Outcome.ISSUED:
        prior = decision.prior
        assert prior is not None and prior.status is DocStatus.VALID and prior.person_key == ME
        assert prior.kind in (MASTER, PROF_DOCTORATE) or (prior.kind, prior.seminary_level) == (
            SEMINARY,
            3,
        )
    no_master = [d for d in docs if d.kind not in (MASTER, PROF_DOCTORATE, SEMINARY)]
    assert decide(phd, REF, by_code=None, candidates=no_master).outcome is Outcome.PENDING_PRIOR


@PROPERTY
@given(records(), histories())
def test_a_revoked_document_never_serves_as_a_prior(
    record: GraduationRecord, docs: list[PriorDoc]
) -> None:
    revoked = [dataclasses.replace(d, status=DocStatus.REVOKED) for d in docs]
    decision = decide(record, REF, by_code=None, candidates=revoked)
    assert decision.prior is None
    if requirements(record, REF):
        assert decision.outcome is Outcome.PENDING_PRIOR


@PROPERTY
@given(records(), histories())
def test_a_prior_named_by_code_that_is_revoked_is_a_reason_to_reject(
    record: GraduationRecord, docs: list[PriorDoc]
) -> None:
    wanted = requirements(record, REF)
    if not wanted:
        return
    req = wanted[0]
    named = PriorDoc(
        99,
        authcode.build(1, 1, 1399, req.kind, 99),
        ME,
        BASE.institution,
        req.kind,
        req.seminary_level,
        DocStatus.REVOKED,
        BASE.student_number,
    )
    field = "degree_code" if record.kind == TRANSCRIPT else "prior_code"
    named_record = dataclasses.replace(record, **{field: named.code})
    decision = decide(named_record, REF, by_code=named, candidates=[*docs, named])
    assert decision.outcome is Outcome.REJECTED
    assert any(p.field == field and "revoked" in p.message for p in decision.reasons)
    valid = dataclasses.replace(named, status=DocStatus.VALID)
    assert decide(named_record, REF, by_code=valid, candidates=docs).outcome is Outcome.ISSUED


def _histories() -> list[list[GraduationRecord]]:
    """Synthetic people's whole education histories (bachelor → master → PhD, seminary levels
    1 → 4, professional doctorate → specialty …), the longest of each shape."""
    by_person: dict[str, list[GraduationRecord]] = defaultdict(list)
    for row in iter_records(REF, 800, seed=7):
        record = validate_record(row, REF, today=TODAY)
        by_person[record.person_key].append(record)
    shapes: dict[frozenset[tuple[int, int | None]], list[GraduationRecord]] = {}
    for history in sorted(by_person.values(), key=len, reverse=True):
        shapes.setdefault(frozenset((r.kind, r.seminary_level) for r in history), history)
    return [h for h in shapes.values() if len(h) >= 3][:12]


HISTORIES = _histories()


def _issue_in_order(records: list[GraduationRecord]) -> list[tuple[int, int | None]]:
    """Submit ``records`` one by one as issuing does: what waits is decided again each time a
    document issues (services/waiting.py); the kinds that ended ISSUED."""
    stored: list[PriorDoc] = []
    waiting: list[GraduationRecord] = []

    def store(record: GraduationRecord) -> None:
        doc_id = len(stored) + 1
        stored.append(
            PriorDoc(
                doc_id,
                authcode.build(1, 1, 1400, record.kind, doc_id),
                record.person_key,
                record.institution,
                record.kind,
                record.seminary_level,
                DocStatus.VALID,
                record.student_number,
            )
        )

    for record in records:
        if decide(record, REF, by_code=None, candidates=stored).outcome is Outcome.ISSUED:
            store(record)
            progress = True
            while progress:
                progress = False
                for held in list(waiting):
                    if decide(held, REF, by_code=None, candidates=stored).outcome is Outcome.ISSUED:
                        waiting.remove(held)
                        store(held)
                        progress = True
        else:
            waiting.append(record)
    assert not waiting, [(r.kind, r.seminary_level) for r in waiting]
    return sorted((d.kind, d.seminary_level) for d in stored)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(HISTORIES).flatmap(st.permutations))
def test_a_whole_history_ends_issued_whatever_order_it_arrives_in(
    records: list[GraduationRecord],
) -> None:
    """A master's row before its bachelor's row (in one file or in a later one) ends ISSUED
    once the bachelor's is in (issue 12 item 3)."""
    assert _issue_in_order(records) == sorted((r.kind, r.seminary_level) for r in records)
