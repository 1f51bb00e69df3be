"""A graduate's own request for a code (DESIGN §3, person-centric backfill).

A holder whose old document has no code asks for one, naming the institution, kind, field,
student number and graduation year. The request waits in that institution's registrar
queue until the registrar either confirms it from the archive — submitting the full record,
which is issued with assurance ``attested`` like any submission (and may itself wait for
its own prior degree) — or declines it with a reason. The holder follows each state.

    OPEN ──confirm──▶ CONFIRMED (its submission: ISSUED, PENDING_PRIOR …)
      └───decline──▶ DECLINED (with the registrar's reason)
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sehat.core.jalali import jalali_year_of
from sehat.core.national_id import parse_foreign_id, parse_national_id
from sehat.core.persian import normalize_digits_field, to_persian_digits
from sehat.core.record import Assurance
from sehat.errors import ConflictError, InputError, NotFoundError, Problem
from sehat.reference.models import Reference
from sehat.services.evidence import Evidence
from sehat.services.id_checks import IdCheckCaller
from sehat.services.issuance import Issuer, Submission
from sehat.services.principal import Principal, Role
from sehat.store import schema as t

PAGE = 500
FIRST_YEAR = 1300  # Solar Hijri: older archives are not in any institution's records


def _bad(field: str, en: str, fa: str, fix: str, fix_fa: str) -> Problem:
    return Problem(field, en, fa, fix, fix_fa)


def _text(raw: Mapping[str, object], name: str) -> str:
    value = raw.get(name)
    return normalize_digits_field(str(value)).strip() if value not in (None, "") else ""


def create(
    conn: sa.Connection,
    principal: Principal,
    reference: Reference,
    raw: Mapping[str, object],
    now: datetime,
) -> tuple[dict[str, Any], bool]:
    """File the holder's request; returns it and whether it is new (an open request for the
    same graduation is returned as it is, never filed twice)."""
    principal.require_role(
        Role.HOLDER, what_en="ask for a code for an old document", what_fa="درخواست کد مدرک قدیمی"
    )
    problems: list[Problem] = []
    institution = _text(raw, "institution")
    if institution not in reference.institutions:
        problems.append(
            _bad(
                "institution",
                f"{institution!r} is not a known institution code"
                if institution
                else "is required",
                "کد موسسه شناخته‌شده نیست" if institution else "کد موسسه الزامی است",
                "give the 5-digit code from GET /api/v1/institutions",
                "کد پنج‌رقمی موسسه را از فهرست موسسات بردارید",
            )
        )
    kind_text = _text(raw, "kind")
    kind = int(kind_text) if kind_text.isdigit() else None
    if kind is None or kind not in reference.kinds:
        problems.append(
            _bad(
                "kind",
                f"{kind_text!r} is not a document kind (1-9)",
                "نوع مدرک باید عددی از ۱ تا ۹ باشد",
                "give the kind's number from GET /api/v1/kinds",
                "شماره نوع مدرک را از فهرست انواع بردارید",
            )
        )
    field_code = _text(raw, "field") or _text(raw, "field_code")
    if field_code not in reference.fields:
        problems.append(
            _bad(
                "field",
                f"{field_code!r} is not a known field of study code",
                "کد رشته شناخته‌شده نیست",
                "give the field's code from GET /api/v1/fields",
                "کد رشته را از فهرست رشته‌ها بردارید",
            )
        )
    student_number = _text(raw, "student_number")
    if not student_number or len(student_number) > 40:
        problems.append(
            _bad(
                "student_number",
                "is required (at most 40 characters)",
                "شماره دانشجویی الزامی است (حداکثر ۴۰ نویسه)",
                "give the student number on your old certificate",
                "شماره دانشجویی درج‌شده در مدرک قدیمی را بنویسید",
            )
        )
    year_text = _text(raw, "graduation_year")
    year = int(year_text) if year_text.isdigit() else None
    this_year = jalali_year_of(now.date())
    if year is None or not FIRST_YEAR <= year <= this_year:
        problems.append(
            _bad(
                "graduation_year",
                f"{year_text!r} is not a graduation year from {FIRST_YEAR} to {this_year}",
                to_persian_digits(f"سال دانش‌آموختگی باید از {FIRST_YEAR} تا {this_year} باشد"),
                "give the Solar Hijri (Jalali) year, e.g. 1385 rather than 2006",
                "سال شمسی را بنویسید (مثلاً ۱۳۸۵)",
            )
        )
    if problems:
        raise InputError(problems)
    assert kind is not None and year is not None and principal.national_id is not None
    h = t.holder_requests.c
    existing = conn.execute(
        sa.select(h.public_id)
        .where(h.holder_key == principal.national_id)
        .where(h.institution == institution, h.kind == kind, h.student_number == student_number)
        .where(h.status == "OPEN")
    ).scalar()
    if existing is not None:
        return _one(conn, existing), False
    public_id = str(uuid.uuid4())
    conn.execute(
        t.holder_requests.insert().values(
            public_id=public_id,
            holder_key=principal.national_id,
            institution=institution,
            kind=kind,
            field_code=field_code,
            student_number=student_number,
            graduation_year=year,
            status="OPEN",
            created_at=now,
        )
    )
    return _one(conn, public_id), True


def _query() -> sa.Select[Any]:
    h, s, d = t.holder_requests.c, t.submissions.c, t.documents.c
    return (
        sa.select(
            h.public_id,
            h.holder_key,
            h.institution,
            h.kind,
            h.field_code,
            h.student_number,
            h.graduation_year,
            h.status,
            h.reason,
            h.created_at,
            h.closed_at,
            s.status.label("submission_status"),
            s.public_id.label("submission_id"),
            d.code,
        )
        .select_from(
            t.holder_requests.outerjoin(t.submissions, s.id == h.submission_id).outerjoin(
                t.documents, d.id == s.document_id
            )
        )
        .order_by(h.id.desc())
    )


def _as_dict(row: Any, *, with_holder: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "request_id": row.public_id,
        "institution": row.institution,
        "kind": row.kind,
        "field": row.field_code,
        "student_number": row.student_number,
        "graduation_year": row.graduation_year,
        "status": row.status,
        "reason": row.reason,
        "created_at": row.created_at.isoformat(),
        "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        # Once confirmed: the registered document's progress and, when issued, its code.
        "submission_id": row.submission_id,
        "submission_status": row.submission_status,
        "code": row.code,
    }
    if with_holder:
        key = str(row.holder_key)
        out["holder"] = {"foreign_id": key[1:]} if key.startswith("F") else {"national_id": key}
    return out


def _one(conn: sa.Connection, public_id: str) -> dict[str, Any]:
    row = conn.execute(_query().where(t.holder_requests.c.public_id == public_id)).one()
    return _as_dict(row)


def for_holder(conn: sa.Connection, principal: Principal) -> list[dict[str, Any]]:
    """The holder's requests, newest first, each with its state."""
    principal.require_role(
        Role.HOLDER, what_en="read a holder's requests", what_fa="مشاهده درخواست‌های دارنده"
    )
    query = _query().where(t.holder_requests.c.holder_key == principal.national_id).limit(PAGE)
    return [_as_dict(r) for r in conn.execute(query)]


def _scope(principal: Principal, institution: str | None) -> str:
    if principal.role is Role.REGISTRAR:
        assert principal.institution is not None
        if institution not in (None, principal.institution):
            principal.require(False, "read another institution's queue", "مشاهده صف موسسه دیگر")
        return principal.institution
    principal.require(
        principal.role in (Role.OPERATOR, Role.DOMAIN_ADMIN)
        and institution is not None
        and principal.may_read_institution(institution),
        "read this queue (registrars read their own; give ?institution=)",
        "مشاهده این صف",
    )
    assert institution is not None
    return institution


def for_institution(
    conn: sa.Connection, principal: Principal, institution: str | None, status: str
) -> list[dict[str, Any]]:
    """An institution's queue of holders' requests (oldest first within the page)."""
    inst = _scope(principal, institution)
    h = t.holder_requests.c
    query = _query().where(h.institution == inst, h.status == status.upper()).limit(PAGE)
    return [_as_dict(r, with_holder=True) for r in reversed(conn.execute(query).all())]


def _open_request(conn: sa.Connection, principal: Principal, request_id: str) -> Any:
    h = t.holder_requests.c
    row = conn.execute(sa.select(t.holder_requests).where(h.public_id == request_id)).first()
    if row is None:
        raise NotFoundError(f"no request {request_id}", f"درخواست {request_id} یافت نشد")
    principal.require(
        principal.role is Role.REGISTRAR and principal.may_manage_institution(row.institution),
        "answer another institution's requests",
        "پاسخ به درخواست‌های موسسه دیگر",
    )
    if row.status != "OPEN":
        raise ConflictError(
            f"the request is already {row.status}", "به این درخواست پیش‌تر پاسخ داده شده است"
        )
    return row


def _mismatch(record: Mapping[str, object], row: Any) -> list[Problem]:
    """The confirmed record must be the graduation the holder asked about."""
    problems = []
    key = str(row.holder_key)
    try:
        if key.startswith("F"):
            given = "F" + str(parse_foreign_id(str(record.get("foreign_id") or "")))
        else:
            given = str(parse_national_id(str(record.get("national_id") or "")))
    except InputError:
        given = ""
    if given != key:
        name = "foreign_id" if key.startswith("F") else "national_id"
        problems.append(
            _bad(
                name,
                "is not the national ID of the holder who asked",
                "کد ملی با درخواست‌کننده یکی نیست",
                "confirm the record of the person who asked, or decline the request",
                "سابقه همان درخواست‌کننده را تأیید کنید یا درخواست را رد کنید",
            )
        )
    for name, wanted in (
        ("institution", row.institution),
        ("kind", str(row.kind)),
        ("student_number", row.student_number),
    ):
        if _text(record, name) != wanted:
            problems.append(
                _bad(
                    name,
                    f"is not {wanted!r} as in the request",
                    f"با مقدار درخواست ({wanted}) یکی نیست",
                    "confirm the graduation the holder asked about, or decline the request",
                    "همان دانش‌آموختگی درخواست‌شده را تأیید کنید یا درخواست را رد کنید",
                )
            )
    return problems


def confirm(
    conn: sa.Connection,
    reference: Reference,
    evidence: Evidence,
    principal: Principal,
    caller: IdCheckCaller | None,
    request_id: str,
    record: Mapping[str, object],
    now: datetime,
) -> dict[str, Any]:
    """Register the holder's document from the archive: the full record, issued (or waiting
    for its own prior) with assurance ``attested``. A record the ladder or validation
    rejects leaves the request open (its reasons are in the answer)."""
    row = _open_request(conn, principal, request_id)
    problems = _mismatch(record, row)
    if problems:
        raise InputError(problems)
    raw = {**record, "assurance": Assurance.ATTESTED.value}
    [result] = Issuer(conn, reference, now, evidence, caller).submit(
        principal, row.institution, [Submission(raw)]
    )
    if result.status != "REJECTED":
        submission = conn.execute(
            sa.select(t.submissions.c.id).where(t.submissions.c.public_id == result.submission_id)
        ).scalar_one()
        conn.execute(
            t.holder_requests.update()
            .where(t.holder_requests.c.id == row.id)
            .values(status="CONFIRMED", submission_id=submission, closed_at=now)
        )
    return {"request": _one(conn, request_id), "submission": result.as_dict()}


def decline(
    conn: sa.Connection, principal: Principal, request_id: str, reason: str, now: datetime
) -> dict[str, Any]:
    """No such graduate in the archive (or not this one): the request closes with a reason
    the holder reads."""
    row = _open_request(conn, principal, request_id)
    if not reason.strip():
        raise InputError(
            _bad(
                "reason",
                "a decline needs a reason the holder can read",
                "رد درخواست دلیلی لازم دارد که درخواست‌کننده بخواند",
                "say why (e.g. no graduate with this student number in the archive)",
                "دلیل را بنویسید (مثلاً چنین شماره دانشجویی در بایگانی نیست)",
            )
        )
    conn.execute(
        t.holder_requests.update()
        .where(t.holder_requests.c.id == row.id)
        .values(status="DECLINED", reason=reason.strip(), closed_at=now)
    )
    return _one(conn, request_id)
