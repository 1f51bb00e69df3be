"""Verification (DESIGN §5): the public tier by code alone (status, kind, institution, year;
nothing personal), the holder tier with the holder's national ID, and the fields a share
discloses."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sehat.core import code as authcode
from sehat.core.id_checks import IdCheckPolicy
from sehat.core.national_id import parse_national_id
from sehat.errors import CodeFormatError
from sehat.reference.models import Reference
from sehat.services import access_log
from sehat.services.access_log import PUBLIC_FIELDS, Access, Channel
from sehat.services.evidence import Evidence
from sehat.services.id_checks import IdChecks, Outcome, limit_error
from sehat.services.principal import Principal
from sehat.store import schema as t
from sehat.store.prepared import PreparedRead

_COLUMNS = (
    t.documents.c.id,
    t.documents.c.person_id,
    t.documents.c.code,
    t.documents.c.version,
    t.document_versions.c.content,
    t.version_evidence.c.cose,
    t.version_evidence.c.content_signature,
    t.version_evidence.c.kid,
    t.version_evidence.c.seal,
    t.documents.c.salt,
    t.documents.c.status,
    t.documents.c.kind,
    t.documents.c.institution,
    t.documents.c.issued_year,
    t.documents.c.seminary_level,
    t.documents.c.status_changed_at,
    t.documents.c.status_reason,
)
_JOINED = t.documents.join(
    t.document_versions,
    sa.and_(
        t.document_versions.c.document_id == t.documents.c.id,
        t.document_versions.c.version == t.documents.c.version,
    ),
    isouter=True,
).join(
    t.version_evidence,
    t.version_evidence.c.version_id == t.document_versions.c.id,
    isouter=True,
)
_ONE = sa.select(*_COLUMNS).select_from(_JOINED).where(t.documents.c.code == sa.bindparam("code"))
_MANY = (
    sa.select(*_COLUMNS)
    .select_from(_JOINED)
    .where(t.documents.c.code.in_(sa.bindparam("codes", expanding=True)))
)
_CHUNK = 500  # codes per IN (...) query in bulk verification

# The detail fields a holder can disclose, by the name a share's scope uses.
DETAIL_FIELDS: tuple[str, ...] = (
    "holder_name",
    "birth_date",
    "field",
    "program_type",
    "graduation_date",
    "gpa",
    "seminary_level",
)
# A share may also show these (the holder tier by national ID does not need them).
SHAREABLE_FIELDS: tuple[str, ...] = (*DETAIL_FIELDS, "entry_date", "courses")


@dataclass(frozen=True)
class Found:
    """One code looked up: the public answer, and for a document whose signatures check out,
    its content and row ids (for the access log)."""

    answer: dict[str, Any]
    content: dict[str, Any] | None = None
    document_id: int | None = None
    person_id: int | None = None


def verify_public(
    conn: sa.Connection, reference: Reference, text: str, evidence: Evidence
) -> dict[str, Any]:
    """The public answer for one code: VALID, REVOKED, SUSPENDED, UNKNOWN or MALFORMED."""
    return look_up(conn, reference, evidence, text).answer


def verify_with_holder(
    conn: sa.Connection, reference: Reference, evidence: Evidence, text: str, national_id: str
) -> dict[str, Any]:
    """The public answer plus the document's details when ``national_id`` is its holder's.

    Raises:
        InputError: ``national_id`` is not a valid national ID (says nothing of the document).
    """
    wanted = str(parse_national_id(national_id))
    return holder_answer(look_up(conn, reference, evidence, text), wanted)


def checked_answer(
    found: Found, wanted: str, checks: IdChecks
) -> tuple[dict[str, Any], Outcome | None]:
    """:func:`holder_answer`, counted against the national-ID check limits (DESIGN §5).

    Returns the answer and the check's outcome (None when there was no document to compare
    with). A locked document, or a caller whose budget ran out in this request, answers
    ``LOCKED`` or ``LIMITED`` with nothing of the document, whatever the ID.
    """
    if found.content is None or found.document_id is None:
        return holder_answer(found, wanted), None
    stored = str(found.content.get("national_id") or "")
    matched = bool(stored) and hmac.compare_digest(stored.encode(), wanted.encode())
    outcome = checks.check(found.document_id, matched)
    if outcome is Outcome.LOCKED:
        until = checks.locked_until(found.document_id)
        return {
            "status": "LOCKED",
            "code": found.answer.get("code"),
            "match": None,
            "locked_until": until.isoformat() if until else None,
            "message": "too many national IDs that did not match were given for this document "
            "lately; national-ID checks on it are paused (its holder can see the attempts)",
            "message_fa": "برای این مدرک اخیراً شماره‌های ملی نادرست بسیاری فرستاده شده است؛ "
            "استعلام آن با شماره ملی موقتاً متوقف است و دارنده مدرک این تلاش‌ها را می‌بیند",
        }, outcome
    if outcome is Outcome.LIMITED:
        error = limit_error(checks.now)
        return {
            "status": "LIMITED",
            "code": found.answer.get("code"),
            "match": None,
            "retry_after": error.retry_after,
            "message": error.message,
            "message_fa": error.message_fa,
        }, outcome
    return holder_answer(found, wanted), outcome


def holder_answer(found: Found, wanted: str) -> dict[str, Any]:
    """``found``'s public answer with ``match`` and, when ``wanted`` (a parsed national ID)
    is the holder's, the details.

    A wrong national ID gets exactly the public answer and ``match: false``; both paths do the
    same work (one query, one signature check, one constant-time comparison), so the time
    taken tells nothing about the holder.
    """
    content = found.content
    stored = str(content.get("national_id") or "") if content else ""
    # compare_digest on equal-length strings: a dummy when there is nothing to compare.
    match = hmac.compare_digest((stored or "\0" * len(wanted)).encode(), wanted.encode())
    answer = dict(found.answer)
    answer["match"] = bool(match and content)
    if answer["match"] and content is not None:
        answer["details"] = details_of(content, DETAIL_FIELDS)
    return answer


def details_of(content: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The disclosed part of a record: the keys of each named detail field."""
    out: dict[str, Any] = {}
    for name in fields:
        if name == "holder_name":
            out["holder_name_fa"] = (
                f"{content.get('first_name', '')} {content.get('last_name', '')}"
            ).strip()
            out["holder_name_latin"] = (
                f"{content.get('first_name_latin') or ''} {content.get('last_name_latin') or ''}"
            ).strip() or None
        elif name == "field":
            out["field_code"] = content.get("field_code")
            out["field_name"] = content.get("field_name")
        elif name == "courses":
            out["courses"] = content.get("courses") or []
        else:
            out[name] = content.get(name)
    return out


def look_up(conn: sa.Connection, reference: Reference, evidence: Evidence, text: str) -> Found:
    """The public answer for one code, with the content when its signatures check out."""
    try:
        code = _parse(reference, text)
    except CodeFormatError as exc:
        return _malformed(exc)
    return _answer(reference, evidence, code, conn.execute(_ONE, {"code": code}).first())


def reader(engine: sa.Engine) -> PreparedRead:
    """The public lookup prepared for ``engine`` (see :func:`look_up_with`); on SQLite it
    keeps a connection of its own (the event loop reads inline, one read at a time)."""
    return PreparedRead(engine, _ONE, own_connection=engine.dialect.name == "sqlite")


def look_up_with(read: PreparedRead, reference: Reference, evidence: Evidence, text: str) -> Found:
    """:func:`look_up` through a prepared driver-level read: the same answer, for the
    busiest path (``GET /verify/{code}``)."""
    try:
        code = _parse(reference, text)
    except CodeFormatError as exc:
        return _malformed(exc)
    return _answer(reference, evidence, code, read.first(code=code))


def look_up_many(
    conn: sa.Connection, reference: Reference, evidence: Evidence, texts: Sequence[str]
) -> list[Found]:
    """:func:`look_up` for many codes in a few queries; results in the order of ``texts``."""
    codes: list[str | CodeFormatError] = []
    for text in texts:
        try:
            codes.append(_parse(reference, text))
        except CodeFormatError as exc:
            codes.append(exc)
    wanted = sorted({c for c in codes if isinstance(c, str)})
    rows: dict[str, Any] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows.update((r.code, r) for r in conn.execute(_MANY, {"codes": chunk}))
    return [
        _malformed(c)
        if isinstance(c, CodeFormatError)
        else _answer(reference, evidence, c, rows.get(c))
        for c in codes
    ]


def _parse(reference: Reference, text: str) -> str:
    parsed = authcode.parse(text, domains=reference.domains.keys(), kinds=reference.kinds.keys())
    return parsed.code


def _malformed(exc: CodeFormatError) -> Found:
    return Found(
        {
            "status": "MALFORMED",
            "code": None,
            "message": exc.message,
            "message_fa": exc.message_fa,
            "problems": [p.as_dict() for p in exc.problems],
        }
    )


def named(reference: Reference, kind: int, institution: str) -> dict[str, Any]:
    """A document's kind and institution with their Persian and English names."""
    k = reference.kinds.get(kind)
    i = reference.institutions.get(institution)
    return {
        "kind": kind,
        "kind_name_fa": k.name_fa if k else "",
        "kind_name_en": k.name_en if k else "",
        "institution": institution,
        "institution_name_fa": i.name_fa if i else "",
        "institution_name_en": i.name_en if i else "",
    }


def _row_matches_code(row: Any) -> bool:
    code = str(row.code)
    return (
        row.institution == code[:5]
        and int(row.kind) == int(code[7])
        and int(row.issued_year) % 100 == int(code[5:7])
    )


def _answer(reference: Reference, evidence: Evidence, code: str, row: Any | None) -> Found:
    if row is None:
        return Found(
            {
                "status": "UNKNOWN",
                "code": code,
                "message": "no document with this code was issued",
                "message_fa": "مدرکی با این کد صادر نشده است",
            }
        )
    if row.cose is None or row.content is None:
        problem: str | None = "the stored version has no signature"
    else:
        problem = evidence.check(
            bytes(row.cose),
            bytes(row.content_signature),
            row.content,
            row.version,
            salt=bytes(row.salt),
            code=row.code,
            kid=row.kid,
            stored_seal=bytes(row.seal) if row.seal is not None else None,
        )
        if problem is None and row.content.get("code") != row.code:
            problem = "the stored version belongs to another document"
        if problem is None and not _row_matches_code(row):
            # The public answer reads kind, institution and year from the row: they must be
            # what the (signed) code says, or an edited column would change the answer.
            problem = "the stored kind, institution or year differs from the code"
    if problem is not None:
        # DESIGN §7 item: never VALID unless the stored content still matches its signature.
        return Found(
            {
                "status": "TAMPERED",
                "code": code,
                "message": "the registry's record of this document does not match its "
                "signature, so it cannot be confirmed; report it to the registry",
                "message_fa": "سابقه این مدرک در سامانه با امضای آن نمی‌خواند و قابل تأیید نیست",
            },
            document_id=row.id,
            person_id=row.person_id,
        )
    out: dict[str, Any] = {
        "status": row.status,
        "code": row.code,
        **named(reference, row.kind, row.institution),
        "year": row.issued_year,
    }
    if row.seminary_level:
        out["seminary_level"] = row.seminary_level
    if row.status == "REVOKED":
        out["revoked_at"] = (
            row.status_changed_at.date().isoformat() if row.status_changed_at else None
        )
        out["reason"] = row.status_reason
    elif row.status == "SUSPENDED":
        out["suspended_at"] = (
            row.status_changed_at.date().isoformat() if row.status_changed_at else None
        )
    return Found(out, dict(row.content), row.id, row.person_id)


def access_of(
    found: Found,
    channel: Channel,
    who: Principal | None,
    now: datetime,
    matched: bool | None,
    outcome: Outcome | None = None,
) -> Access | None:
    """The access-log row for one verification of ``found`` (None when it names no document:
    MALFORMED or UNKNOWN belong to nobody; LIMITED compared nothing)."""
    if found.document_id is None or found.person_id is None:
        return None
    if outcome is Outcome.LIMITED:
        return None
    if outcome is Outcome.LOCKED:
        fields: tuple[str, ...] = ()  # answered LOCKED: nothing disclosed; matched stays None
    else:
        fields = PUBLIC_FIELDS + DETAIL_FIELDS if matched else PUBLIC_FIELDS
    return Access(
        found.document_id,
        found.person_id,
        now,
        channel,
        who.account_id if who else None,
        fields,
        matched=matched if outcome is not Outcome.LOCKED else None,
    )


def holder_check(
    conn: sa.Connection,
    reference: Reference,
    evidence: Evidence,
    policy: IdCheckPolicy,
    subjects: Sequence[str],
    who: Principal | None,
    text: str,
    wanted: str,
    now: datetime,
) -> dict[str, Any]:
    """One code + national ID check (``POST /verify`` and the verification page), counted
    against the limits of DESIGN §5 and written to the holder's access log before the answer
    is returned. ``wanted`` is a parsed national ID.

    Raises:
        IdCheckLimitError: the caller's budget of wrong IDs is spent.
    """
    checks = IdChecks.begin(conn, policy, subjects, now)
    found = look_up(conn, reference, evidence, text)
    answer, outcome = checked_answer(found, wanted, checks)
    checks.finish()
    access = access_of(found, Channel.NATIONAL_ID, who, now, answer.get("match"), outcome)
    access_log.record(conn, [access] if access else [])
    return answer
