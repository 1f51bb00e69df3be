"""A graduation submission on its way through issuing: as received (:class:`Submission`),
and as it is decided (:class:`Item`); and what makes two submissions the same graduation.

Shared by issuing (services/issuance/) and the re-deciding of waiting submissions
(services/waiting.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sehat.core.ladder import Decision, Outcome
from sehat.core.persian import normalize_digits_field
from sehat.core.record import GraduationRecord
from sehat.errors import Problem
from sehat.services.presigned import Presigned

# A record already validated (core/record.check_record), e.g. in an import's worker process:
# the record, or None and the problems that refused it.
Checked = tuple[GraduationRecord | None, tuple[Problem, ...]]


@dataclass(frozen=True)
class Submission:
    """One graduation record as received, with its optional idempotency key."""

    raw: Mapping[str, object]
    idempotency_key: str | None = None
    checked: Checked | None = None  # ``raw`` already validated
    presigned: Presigned | None = None  # its first version made ahead (services/presigned.py)


@dataclass
class Item:
    """One submission on its way through issuing: what was sent, what it became."""

    index: int
    sub: Submission
    record: GraduationRecord | None
    problems: list[Problem]
    public_id: str
    key: tuple[str, int, int, str] | None
    institution: str
    row_id: int | None = None
    replay_of: int | None = None  # submission row id whose result this item repeats
    reevaluate: bool = False
    new: bool = False  # its row is written with its decision (``row_id`` taken ahead)
    outcome: Outcome | None = None  # as stored by this batch
    reasons: list[dict[str, object]] | None = None
    person_id: int | None = None
    decision: Decision | None = None
    document_id: int | None = None
    code: str | None = None


def graduation_key(
    raw: Mapping[str, object], record: GraduationRecord | None
) -> tuple[str, int, int, str] | None:
    """What makes two submissions the same graduation (DESIGN §3): student number, kind,
    seminary level and field; read from the raw record when it did not validate (None when
    even that cannot be read)."""
    if record is not None:
        return (record.student_number, record.kind, record.seminary_level or 0, record.field_code)
    try:
        student = normalize_digits_field(str(raw.get("student_number") or ""))
        kind = int(normalize_digits_field(str(raw.get("kind") or "")))
        level_text = normalize_digits_field(str(raw.get("seminary_level") or "0")) or "0"
        field_code = normalize_digits_field(str(raw.get("field_code") or ""))
        level = int(level_text)
    except ValueError:
        return None
    if not student or not field_code or not 1 <= kind <= 9 or not 0 <= level <= 4:
        return None
    return (student, kind, level, field_code)
