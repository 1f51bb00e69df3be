"""The prior-degree ladder (R6, DESIGN §3): may a document be issued given what is known?

Pure: the caller looks up the candidate prior documents; :func:`decide` says ISSUE (with the
prior it relied on), PENDING (what is wanted, and from whom) or REJECT (every reason).
The rules themselves are the reference table ``ladder.csv``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sehat.core.record import GraduationRecord
from sehat.errors import Problem
from sehat.reference.models import PriorRequirement, Reference

TRANSCRIPT = 8


class Outcome(StrEnum):
    """The three answers to a graduation submission (DESIGN §3)."""

    ISSUED = "ISSUED"
    PENDING_PRIOR = "PENDING_PRIOR"
    REJECTED = "REJECTED"


class DocStatus(StrEnum):
    """A document's status as verification reports it."""

    VALID = "VALID"
    REVOKED = "REVOKED"
    SUSPENDED = "SUSPENDED"


@dataclass(frozen=True)
class PriorDoc:
    """A stored document that may serve as the prior degree."""

    id: int
    code: str
    person_key: str
    institution: str
    kind: int
    seminary_level: int | None
    status: DocStatus
    student_number: str = ""
    person_id: int | None = None  # the holder's row (for their access log); None if unsaved


@dataclass(frozen=True)
class Decision:
    """What issuing decided for one record."""

    outcome: Outcome
    prior: PriorDoc | None = None
    wanted: tuple[PriorRequirement, ...] = ()
    target_institution: str | None = None
    reasons: tuple[Problem, ...] = field(default_factory=tuple)


def kind_names(reference: Reference, reqs: Sequence[PriorRequirement]) -> tuple[str, str]:
    """The acceptable prior documents by name, in English and in Persian (``bachelor or
    seminary level 2``), for a reason or a backfill request to say what is wanted."""
    en, fa = [], []
    for req in reqs:
        kind = reference.kinds.get(req.kind)
        label_en = kind.name_en if kind else str(req.kind)
        label_fa = kind.name_fa if kind else str(req.kind)
        if req.seminary_level:
            label_en += f" level {req.seminary_level}"
            label_fa += f" سطح {req.seminary_level}"
        en.append(label_en)
        fa.append(label_fa)
    return " or ".join(en), " یا ".join(fa)


def _fits(doc: PriorDoc, reqs: Sequence[PriorRequirement]) -> bool:
    return any(
        doc.kind == req.kind
        and (req.seminary_level is None or doc.seminary_level == req.seminary_level)
        for req in reqs
    )


def requirements(record: GraduationRecord, reference: Reference) -> tuple[PriorRequirement, ...]:
    """The acceptable prior documents for ``record`` (empty: nothing needed)."""
    rule = reference.rule_for(record.kind, record.program_type, record.seminary_level)
    if rule is None:
        return ()
    if rule.needs_own_degree:
        return tuple(PriorRequirement(kind=k.code) for k in reference.kinds.values() if k.is_degree)
    return rule.alternatives


def decide(
    record: GraduationRecord,
    reference: Reference,
    *,
    by_code: PriorDoc | None,
    candidates: Sequence[PriorDoc],
    foreign_approved: bool = False,
) -> Decision:
    """Apply the ladder to one record.

    Args:
        record: the validated record.
        by_code: the document named by ``prior_code`` (``degree_code`` for a transcript),
            or None when the record names none or it is not stored.
        candidates: the same person's stored documents (any status).
        foreign_approved: a foreign prior degree was approved by the domain admin.
    """
    wanted = requirements(record, reference)
    if not wanted:
        return Decision(Outcome.ISSUED)
    named_code = record.degree_code if record.kind == TRANSCRIPT else record.prior_code
    if named_code:
        return _decide_by_code(record, reference, wanted, named_code, by_code)
    return _decide_by_candidates(record, wanted, candidates, foreign_approved)


def _decide_by_code(
    record: GraduationRecord,
    reference: Reference,
    wanted: tuple[PriorRequirement, ...],
    named_code: str,
    by_code: PriorDoc | None,
) -> Decision:
    """The record names its prior by code: that document, and no other, must serve."""
    if by_code is None:
        return Decision(Outcome.PENDING_PRIOR, wanted=wanted, target_institution=named_code[:5])
    problems = _named_prior_problems(record, reference, wanted, named_code, by_code)
    if problems:
        return Decision(Outcome.REJECTED, reasons=tuple(problems))
    if by_code.status is DocStatus.SUSPENDED:
        return Decision(
            Outcome.PENDING_PRIOR, wanted=wanted, target_institution=by_code.institution
        )
    return Decision(Outcome.ISSUED, prior=by_code)


def _named_prior_problems(
    record: GraduationRecord,
    reference: Reference,
    wanted: tuple[PriorRequirement, ...],
    named_code: str,
    by_code: PriorDoc,
) -> list[Problem]:
    """Why the document a record names cannot be its prior: another person's, the wrong
    kind, revoked, or (for a transcript) another institution's."""
    field_name = "degree_code" if record.kind == TRANSCRIPT else "prior_code"
    want_en, want_fa = kind_names(reference, wanted)
    problems: list[Problem] = []
    if by_code.person_key != record.person_key:
        problems.append(
            Problem(
                field_name,
                f"{named_code} belongs to another person",
                f"مدرک {named_code} متعلق به شخص دیگری است",
                "give the code of this graduate's own prior document",
                "کد مدرک قبلی همین دانش‌آموخته را وارد کنید",
            )
        )
    if not _fits(by_code, wanted):
        problems.append(
            Problem(
                field_name,
                f"{named_code} is not a {want_en}",
                f"مدرک {named_code} از نوع {want_fa} نیست",
                f"give the code of the {want_en} this document builds on",
                f"کد مدرک {want_fa} را وارد کنید",
            )
        )
    if by_code.status is DocStatus.REVOKED:
        problems.append(
            Problem(
                field_name,
                f"{named_code} is revoked",
                f"مدرک {named_code} ابطال شده است",
                "a revoked document cannot support a new one; ask its institution",
                "مدرک ابطال‌شده پشتوانه مدرک جدید نیست؛ با موسسه صادرکننده تماس بگیرید",
            )
        )
    if record.kind == TRANSCRIPT and by_code.institution != record.institution:
        problems.append(
            Problem(
                field_name,
                "a transcript belongs to a degree of the same institution",
                "ریزنمرات باید متعلق به مدرکی از همین موسسه باشد",
                "give the code of this institution's degree",
                "کد مدرک همین موسسه را وارد کنید",
            )
        )
    return problems


def _decide_by_candidates(
    record: GraduationRecord,
    wanted: tuple[PriorRequirement, ...],
    candidates: Sequence[PriorDoc],
    foreign_approved: bool,
) -> Decision:
    """The record names no prior: the latest VALID fitting document of the same person
    serves, or an approved foreign degree; otherwise it waits for its prior's institution."""
    usable = [
        d
        for d in candidates
        if d.status is DocStatus.VALID and d.person_key == record.person_key and _fits(d, wanted)
    ]
    if record.kind == TRANSCRIPT:
        usable = [
            d
            for d in usable
            if d.institution == record.institution and d.student_number == record.student_number
        ]
    if usable:
        # The most recent matching document (highest id) is the one the new degree builds on.
        return Decision(Outcome.ISSUED, prior=max(usable, key=lambda d: d.id))
    if record.prior_foreign is not None and record.kind != TRANSCRIPT:
        if foreign_approved:
            return Decision(Outcome.ISSUED)
        return Decision(Outcome.PENDING_PRIOR, wanted=wanted, target_institution=None)
    target = record.institution if record.kind == TRANSCRIPT else record.prior_institution
    return Decision(Outcome.PENDING_PRIOR, wanted=wanted, target_institution=target)
