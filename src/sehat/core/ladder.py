"""The prior-degree ladder (R6, DESIGN §3): may a document be issued given what is known?

Pure: the caller looks up the candidate prior documents; :func:`decide` says ISSUE (with the
prior it relied on), PENDING (what is wanted, and from whom) or REJECT (every reason).
The rules themselves are the reference table ``ladder.csv``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sehat.core.persian import to_persian_digits
from sehat.core.record import GraduationRecord
from sehat.core.record_checks import SEMINARY, SEMINARY_DOMAINS
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
    suspended_prior: str | None = None  # PENDING on the named prior's suspension: its code


def kind_names(reference: Reference, reqs: Sequence[PriorRequirement]) -> tuple[str, str]:
    """The acceptable prior documents by name, in English and in Persian, as a registrar says
    them (``Bachelor's degree or seminary level 2`` / ``کارشناسی یا سطح ۲ حوزه``).

    The Persian names are bare: a sentence puts them after «مدرک» (``مدرک کارشناسی``), so a
    name never repeats that word, and levels are written in Persian digits.
    """
    en, fa = [], []
    for req in reqs:
        kind = reference.kinds.get(req.kind)
        if req.seminary_level:
            en.append(f"seminary level {req.seminary_level}")
            fa.append(f"سطح {to_persian_digits(str(req.seminary_level))} حوزه")
        elif kind is not None:
            en.append(kind.name_en)
            # The reference names the seminary kind «مدرک سطح حوزوی»; the sentence says «مدرک».
            fa.append(kind.name_fa.removeprefix("مدرک "))
        else:
            en.append(f"kind {req.kind}")
            fa.append(f"نوع {to_persian_digits(str(req.kind))}")
    return " or ".join(en), " یا ".join(fa)


def asked_of(
    wanted: tuple[PriorRequirement, ...], institution: str | None, named_code: str | None = None
) -> tuple[PriorRequirement, ...]:
    """Of the acceptable priors, those ``institution`` can have granted: a university is asked
    for a university degree, never a seminary level, and a seminary the reverse; a named code
    says its own kind (digit 8). All of ``wanted`` when none fits or nothing is known."""
    narrowed = wanted
    if named_code and len(named_code) == 20 and named_code.isdigit():
        narrowed = tuple(w for w in narrowed if w.kind == int(named_code[7])) or narrowed
    if institution and institution[:1].isdigit():
        seminary = int(institution[0]) in SEMINARY_DOMAINS
        narrowed = tuple(w for w in narrowed if (w.kind == SEMINARY) == seminary) or narrowed
    return narrowed


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
        target = named_code[:5]
        return Decision(
            Outcome.PENDING_PRIOR,
            wanted=asked_of(wanted, target, named_code),
            target_institution=target,
        )
    problems = _named_prior_problems(record, reference, wanted, named_code, by_code)
    if problems:
        return Decision(Outcome.REJECTED, reasons=tuple(problems))
    if by_code.status is DocStatus.SUSPENDED:
        return Decision(
            Outcome.PENDING_PRIOR,
            wanted=asked_of(wanted, by_code.institution, named_code),
            target_institution=by_code.institution,
            suspended_prior=by_code.code,
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
    code_fa = to_persian_digits(named_code)
    problems: list[Problem] = []
    if by_code.person_key != record.person_key:
        problems.append(
            Problem(
                field_name,
                f"{named_code} belongs to another person",
                f"مدرک {code_fa} متعلق به شخص دیگری است",
                "give the code of this graduate's own prior document",
                "کد صحت مدرک قبلی همین دانش‌آموخته را وارد کنید",
            )
        )
    if not _fits(by_code, wanted):
        if record.kind == TRANSCRIPT:
            problems.append(
                Problem(
                    field_name,
                    f"{named_code} is not a degree (a transcript belongs to a degree)",
                    f"مدرک {code_fa} مدرک تحصیلی نیست (ریزنمرات متعلق به یک مدرک تحصیلی است)",
                    "give the code of the degree this transcript belongs to",
                    "کد صحت مدرک تحصیلی‌ای را که این ریزنمرات به آن تعلق دارد وارد کنید",
                )
            )
        else:
            want_en, want_fa = kind_names(reference, wanted)
            problems.append(
                Problem(
                    field_name,
                    f"{named_code} cannot be this document's prior: the prior must be a {want_en}",
                    f"مدرک {code_fa} نمی‌تواند مدرک قبلی این مدرک باشد؛ "
                    f"مدرک قبلی باید {want_fa} باشد",
                    f"give the code of the holder's {want_en}",
                    f"کد صحت مدرک {want_fa} دارنده را وارد کنید",
                )
            )
    if by_code.status is DocStatus.REVOKED:
        problems.append(
            Problem(
                field_name,
                f"{named_code} is revoked",
                f"مدرک {code_fa} ابطال شده است",
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
    return Decision(
        Outcome.PENDING_PRIOR, wanted=asked_of(wanted, target), target_institution=target
    )


def _institution_names(reference: Reference, code: str) -> tuple[str, str]:
    """``institution 10001 (University of Tehran)`` and ``موسسه ۱۰۰۰۱ (دانشگاه تهران)``."""
    known = reference.institutions.get(code)
    en, fa = f"institution {code}", f"موسسه {to_persian_digits(code)}"
    if known is None:
        return en, fa
    return f"{en} ({known.name_en})", f"{fa} ({known.name_fa})"


def waiting_reason(decision: Decision, reference: Reference, record: GraduationRecord) -> Problem:
    """Why a PENDING_PRIOR document waits and what happens next, in English and Persian: for
    the domain office's approval of a foreign degree, for a suspended prior, for a prior its
    institution was asked to register (a backfill request), or for a prior no one was asked
    for because the record names no institution."""
    field_name = "degree_code" if record.kind == TRANSCRIPT else "prior_code"
    names_en, names_fa = kind_names(reference, decision.wanted)
    later_en = "nothing to do: the document is issued by itself once"
    later_fa = "اقدامی لازم نیست؛"
    if record.prior_foreign is not None and record.kind != TRANSCRIPT:
        return Problem(
            field_name,
            "waiting for the domain office to approve the foreign prior degree as equivalent "
            f"to a {names_en}",
            f"در انتظار تأیید مدرک خارجی قبلی، به‌عنوان هم‌ارز {names_fa}، از سوی دفتر حوزه",
            f"{later_en} it is approved",
            f"{later_fa} پس از تأیید، این مدرک خودکار صادر می‌شود",
        )
    if record.kind == TRANSCRIPT:
        want_en, want_fa = "the degree this transcript belongs to", "تحصیلی این ریزنمرات"
    else:
        want_en, want_fa = f"the holder's {names_en}", f"{names_fa} دارنده"
    if decision.suspended_prior:
        code = decision.suspended_prior
        return Problem(
            field_name,
            f"the prior document {code} is suspended (under investigation); this document "
            "waits until it is reinstated",
            f"مدرک قبلی {to_persian_digits(code)} تعلیق شده (در دست بررسی) است؛ این مدرک "
            "تا رفع تعلیق آن در انتظار می‌ماند",
            f"{later_en} the prior document is reinstated",
            f"{later_fa} با رفع تعلیق مدرک قبلی، این مدرک خودکار صادر می‌شود",
        )
    if decision.target_institution is None:
        return Problem(
            field_name,
            f"waiting for {want_en}: it is not registered, and the record does not say "
            "which institution granted it",
            f"در انتظار ثبت مدرک {want_fa}؛ این مدرک ثبت نشده و در رکورد نیامده که کدام "
            "موسسه آن را صادر کرده است",
            "give prior_institution (the institution that granted it) or prior_code and "
            "submit again; or wait: the document is issued by itself once the prior degree "
            "is registered",
            "کد موسسه صادرکننده مدرک قبلی (prior_institution) یا کد صحت آن (prior_code) را "
            "وارد کنید و دوباره بفرستید؛ یا منتظر بمانید: با ثبت مدرک قبلی، این مدرک خودکار "
            "صادر می‌شود",
        )
    where_en, where_fa = _institution_names(reference, decision.target_institution)
    return Problem(
        field_name,
        f"waiting for {want_en} from {where_en}; that institution was asked to register it "
        "(a backfill request)",
        f"در انتظار ثبت مدرک {want_fa} در {where_fa}؛ از آن موسسه خواسته شد این مدرک را "
        "ثبت کند (درخواست ثبت مدرک قبلی)",
        f"{later_en} the prior degree is registered",
        f"{later_fa} با ثبت مدرک قبلی، این مدرک خودکار صادر می‌شود",
    )
