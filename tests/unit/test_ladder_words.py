"""The words a registrar reads about the ladder (core/ladder.py): what a waiting document
waits for and what a named prior is not. Persian in Persian digits with no word doubled,
degrees named as a registrar names them, a university never asked for a seminary level
(nor a seminary for a university degree), and the English saying what the Persian says.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator
from datetime import date

import pytest

from sehat.core import code as authcode
from sehat.core.ladder import (
    Decision,
    DocStatus,
    Outcome,
    PriorDoc,
    asked_of,
    decide,
    kind_names,
    requirements,
    waiting_reason,
)
from sehat.core.record import GraduationRecord, validate_record
from sehat.core.record_types import ForeignPrior
from sehat.errors import Problem
from sehat.reference.loader import load_reference
from sehat.reference.models import PriorRequirement, ProgramType
from sehat.synth import iter_records

REF = load_reference()
BASE = validate_record(next(iter_records(REF, 1, seed=3)), REF, today=date(2026, 11, 28))
UNIVERSITY, SEMINARY_SCHOOL = "10001", "40001"  # دانشگاه تهران، حوزه علمیه قم
UNKNOWN_INSTITUTION = "19999"
LATIN_DIGIT = re.compile(r"[0-9]")


def doubled_word(text: str) -> str | None:
    """The first word said twice in a row («مدرک مدرک»), or None."""
    words = [w for w in re.split(r"[\s،؛:.,;()«»]+", text) if w]
    return next((a for a, b in itertools.pairwise(words) if a == b), None)


def _record(
    kind: int, program: ProgramType, level: int | None, **extra: object
) -> GraduationRecord:
    fields: dict[str, object] = {
        "kind": kind,
        "program_type": program,
        "seminary_level": level,
        "prior_code": None,
        "degree_code": None,
        "prior_institution": None,
        "prior_foreign": None,
        **extra,
    }
    return dataclasses.replace(BASE, **fields)  # type: ignore[arg-type]


def _every_waiting_document() -> Iterator[tuple[GraduationRecord, Decision]]:
    """Each kind, level and programme of the reference data, waiting on a university, on a
    seminary, on an unknown institution, on no institution, by a named code, on a suspended
    prior and on a foreign degree."""
    foreign = ForeignPrior("DE", "TU Berlin", "Master of Science", "1403-1234")
    for kind in sorted(REF.kinds):
        for level in sorted(REF.seminary_levels) if kind == 7 else [None]:
            for program in [ProgramType.CONTINUOUS] if kind == 7 else list(ProgramType):
                plain = _record(kind, program, level)
                wanted = requirements(plain, REF)
                if not wanted:
                    continue
                for target in (UNIVERSITY, SEMINARY_SCHOOL, UNKNOWN_INSTITUTION, None):
                    rec = _record(kind, program, level, prior_institution=target)
                    yield rec, decide(rec, REF, by_code=None, candidates=[])
                for req in wanted:
                    named = authcode.build(4 if req.kind == 7 else 1, 1, 1400, req.kind, 7)
                    field = "degree_code" if kind == 8 else "prior_code"
                    rec = _record(kind, program, level, **{field: named})
                    yield rec, decide(rec, REF, by_code=None, candidates=[])
                    suspended = PriorDoc(
                        7,
                        named,
                        rec.person_key,
                        rec.institution,
                        req.kind,
                        req.seminary_level,
                        DocStatus.SUSPENDED,
                        rec.student_number,
                    )
                    yield rec, decide(rec, REF, by_code=suspended, candidates=[])
                if kind != 8:
                    rec = _record(kind, program, level, prior_foreign=foreign)
                    yield rec, decide(rec, REF, by_code=None, candidates=[])


WAITING = list(_every_waiting_document())


def _persian_is_clean(problem: Problem) -> None:
    for text in (problem.message_fa, problem.fix_fa):
        assert not LATIN_DIGIT.search(text), text
        assert doubled_word(text) is None, text


def test_every_pending_reason_reads_in_persian_digits_with_no_doubled_word() -> None:
    assert len(WAITING) > 100
    for rec, decision in WAITING:
        assert decision.outcome is Outcome.PENDING_PRIOR, (rec.kind, decision)
        reason = waiting_reason(decision, REF, rec)
        _persian_is_clean(reason)
        assert reason.message and reason.fix and reason.fix_fa
        assert doubled_word(reason.message) is None, reason.message


def test_every_ladder_name_reads_in_persian_digits_with_no_doubled_word() -> None:
    asked: set[tuple[PriorRequirement, ...]] = set()
    for rule in REF.ladder:
        asked.add(rule.alternatives)
        asked.update((alt,) for alt in rule.alternatives)
    asked.add(tuple(PriorRequirement(kind=k) for k in REF.kinds))
    for level in REF.seminary_levels:
        asked.add((PriorRequirement(kind=7, seminary_level=level),))
    for reqs in asked - {()}:
        en, fa = kind_names(REF, reqs)
        assert en and fa
        assert not LATIN_DIGIT.search(fa), fa
        assert doubled_word(fa) is None and doubled_word(en) is None, (en, fa)
        assert "مدرک" not in fa  # the sentence says «مدرک» once, before the names
        # The same levels in both languages.
        levels = [r.seminary_level for r in reqs if r.seminary_level]
        assert [int(d) for d in re.findall(r"level (\d)", en)] == levels
        assert [int(d) for d in re.findall(r"سطح ([۰-۹])", fa)] == levels  # int reads ۲


def test_a_registrar_names_degrees_and_seminary_levels() -> None:
    master = requirements(_record(3, ProgramType.CONTINUOUS, None), REF)
    assert kind_names(REF, master) == (
        "Bachelor's degree or seminary level 2",
        "کارشناسی یا سطح ۲ حوزه",
    )
    phd = requirements(_record(5, ProgramType.CONTINUOUS, None), REF)
    assert kind_names(REF, phd)[1] == "کارشناسی ارشد یا دکترای حرفه‌ای یا سطح ۳ حوزه"


def test_a_masters_waiting_on_a_university_asks_it_for_a_bachelors_only() -> None:
    rec = _record(3, ProgramType.CONTINUOUS, None, prior_institution=UNIVERSITY)
    decision = decide(rec, REF, by_code=None, candidates=[])
    assert decision.wanted == (PriorRequirement(kind=2),)
    reason = waiting_reason(decision, REF, rec)
    assert reason.field == "prior_code"
    assert reason.message_fa == (
        "در انتظار ثبت مدرک کارشناسی دارنده در موسسه ۱۰۰۰۱ (دانشگاه تهران)؛ از آن موسسه "
        "خواسته شد این مدرک را ثبت کند (درخواست ثبت مدرک قبلی)"
    )
    assert reason.message == (
        "waiting for the holder's Bachelor's degree from institution 10001 (University of "
        "Tehran); that institution was asked to register it (a backfill request)"
    )
    assert reason.fix_fa == "اقدامی لازم نیست؛ با ثبت مدرک قبلی، این مدرک خودکار صادر می‌شود"
    assert reason.fix == (
        "nothing to do: the document is issued by itself once the prior degree is registered"
    )
    assert "حوز" not in reason.message_fa and "seminary" not in reason.message


def test_a_masters_waiting_on_a_seminary_asks_it_for_level_2_only() -> None:
    rec = _record(3, ProgramType.CONTINUOUS, None, prior_institution=SEMINARY_SCHOOL)
    decision = decide(rec, REF, by_code=None, candidates=[])
    assert decision.wanted == (PriorRequirement(kind=7, seminary_level=2),)
    reason = waiting_reason(decision, REF, rec)
    assert reason.message_fa.startswith(
        "در انتظار ثبت مدرک سطح ۲ حوزه دارنده در موسسه ۴۰۰۰۱ (حوزه علمیه قم)؛"
    )
    assert reason.message.startswith(
        "waiting for the holder's seminary level 2 from institution 40001 (Qom Seminary);"
    )


def test_the_reported_seminary_reason_no_longer_doubles_a_word() -> None:
    # Was: «در انتظار مدرک مدرک سطح حوزوی سطح 1 دارنده».
    rec = _record(7, ProgramType.CONTINUOUS, 2, prior_institution=SEMINARY_SCHOOL)
    reason = waiting_reason(decide(rec, REF, by_code=None, candidates=[]), REF, rec)
    assert reason.message_fa.startswith("در انتظار ثبت مدرک سطح ۱ حوزه دارنده در موسسه ۴۰۰۰۱")
    assert reason.message.startswith("waiting for the holder's seminary level 1 from")


def test_no_institution_to_ask_says_so_and_how_to_name_one() -> None:
    rec = _record(3, ProgramType.CONTINUOUS, None)
    reason = waiting_reason(decide(rec, REF, by_code=None, candidates=[]), REF, rec)
    assert reason.message_fa == (
        "در انتظار ثبت مدرک کارشناسی یا سطح ۲ حوزه دارنده؛ این مدرک ثبت نشده و در رکورد "
        "نیامده که کدام موسسه آن را صادر کرده است"
    )
    assert "backfill" not in reason.message  # nobody was asked
    for name in ("prior_institution", "prior_code"):
        assert name in reason.fix and name in reason.fix_fa


def test_a_suspended_prior_and_a_foreign_degree_say_what_they_wait_for() -> None:
    rec = _record(3, ProgramType.CONTINUOUS, None, prior_code=authcode.build(1, 1, 1400, 2, 5))
    prior = PriorDoc(
        5, rec.prior_code or "", rec.person_key, UNIVERSITY, 2, None, DocStatus.SUSPENDED
    )
    reason = waiting_reason(decide(rec, REF, by_code=prior, candidates=[]), REF, rec)
    code_fa = (rec.prior_code or "").translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert f"مدرک قبلی {code_fa} تعلیق شده" in reason.message_fa
    assert f"the prior document {rec.prior_code} is suspended" in reason.message
    foreign = ForeignPrior("DE", "TU Berlin", "BSc", "1403-77")
    abroad = _record(3, ProgramType.CONTINUOUS, None, prior_foreign=foreign)
    said = waiting_reason(decide(abroad, REF, by_code=None, candidates=[]), REF, abroad)
    assert said.message_fa == (
        "در انتظار تأیید مدرک خارجی قبلی، به‌عنوان هم‌ارز کارشناسی یا سطح ۲ حوزه، از سوی دفتر حوزه"
    )
    assert said.message == (
        "waiting for the domain office to approve the foreign prior degree as equivalent to a "
        "Bachelor's degree or seminary level 2"
    )


@pytest.mark.parametrize(
    ("institution", "named", "kinds"),
    [
        (UNIVERSITY, None, {2}),
        (SEMINARY_SCHOOL, None, {7}),
        (None, None, {2, 7}),
        ("40003", authcode.build(4, 3, 1400, 7, 1), {7}),
        (UNIVERSITY, authcode.build(1, 1, 1400, 2, 1), {2}),
    ],
)
def test_an_institution_is_asked_only_for_what_it_can_have_granted(
    institution: str | None, named: str | None, kinds: set[int]
) -> None:
    master = requirements(_record(3, ProgramType.CONTINUOUS, None), REF)
    assert {r.kind for r in asked_of(master, institution, named)} == kinds


def test_a_named_prior_of_the_wrong_kind_is_named_in_both_languages() -> None:
    named = authcode.build(1, 1, 1400, 1, 9)  # an associate degree
    rec = _record(3, ProgramType.CONTINUOUS, None, prior_code=named)
    doc = PriorDoc(9, named, rec.person_key, UNIVERSITY, 1, None, DocStatus.VALID)
    decision = decide(rec, REF, by_code=doc, candidates=[])
    assert decision.outcome is Outcome.REJECTED
    [reason] = decision.reasons
    _persian_is_clean(reason)
    assert reason.message == (
        f"{named} cannot be this document's prior: the prior must be a Bachelor's degree or "
        "seminary level 2"
    )
    assert reason.message_fa.endswith("مدرک قبلی باید کارشناسی یا سطح ۲ حوزه باشد")
