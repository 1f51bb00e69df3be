"""Holder shares (DESIGN §5): the holder's consent to show chosen fields of one document to
whoever holds a link, until it expires or the holder revokes it; and the holder's own view
of their documents."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from sehat.core.persian import to_persian_digits
from sehat.errors import GoneError, InputError, NotFoundError, Problem
from sehat.reference.models import Reference
from sehat.services import access_log
from sehat.services.access_log import PUBLIC_FIELDS, Access, Channel
from sehat.services.documents import find_document
from sehat.services.evidence import Evidence
from sehat.services.principal import Principal, Role
from sehat.services.verification import SHAREABLE_FIELDS, details_of, look_up, named
from sehat.store import schema as t

MIN_EXPIRY = 60  # seconds
MAX_EXPIRY = 366 * 24 * 3600  # a year (and a day, for leap years)
TOKEN_PREFIX = "shr_"


def hash_token(token: str) -> str:
    """What is stored of a share token: its SHA-256 (the token itself is shown once)."""
    return hashlib.sha256(token.strip().encode()).hexdigest()


@dataclass(frozen=True)
class NewShare:
    """A share just made: the token (shown once) and what it discloses until when."""

    token: str
    id: str
    code: str
    fields: list[str]
    created_at: datetime
    expires_at: datetime


def _require_holder(principal: Principal, what_en: str, what_fa: str) -> None:
    principal.require_role(Role.HOLDER, what_en=what_en, what_fa=what_fa)


def _scope(fields: Sequence[str]) -> list[str]:
    problems = []
    out: list[str] = []
    for index, name in enumerate(fields):
        if name not in SHAREABLE_FIELDS:
            problems.append(
                Problem(
                    f"fields[{index}]",
                    f"{name!r} is not a field that can be shared",
                    f"«{name}» فیلد قابل اشتراک نیست",
                    fix="use some of: " + ", ".join(SHAREABLE_FIELDS),
                    fix_fa="از این‌ها استفاده کنید: " + "، ".join(SHAREABLE_FIELDS),
                )
            )
        elif name not in out:
            out.append(name)
    if problems:
        raise InputError(problems)
    return out


def create(
    conn: sa.Connection,
    principal: Principal,
    code: str,
    expires_in: int,
    fields: Sequence[str],
    now: datetime,
) -> NewShare:
    """Share ``fields`` of the holder's document ``code`` for ``expires_in`` seconds."""
    _require_holder(principal, "create share links", "ساختن پیوند اشتراکی")
    now = now.replace(microsecond=0)
    if not MIN_EXPIRY <= expires_in <= MAX_EXPIRY:
        raise InputError(
            Problem(
                "expires_in",
                f"{expires_in} seconds is outside {MIN_EXPIRY} … {MAX_EXPIRY} (one minute to "
                "a year)",
                f"{expires_in} ثانیه خارج از بازه یک دقیقه تا یک سال است",
                fix="give the link's lifetime in seconds, e.g. 604800 for a week",
                fix_fa="عمر پیوند را به ثانیه بدهید؛ مثلاً ۶۰۴۸۰۰ برای یک هفته",
            )
        )
    scope = _scope(fields)
    doc = find_document(conn, code)
    principal.require(
        doc.person_national_id == principal.national_id,
        f"share document {doc.code}, which is not yours",
        f"اشتراک مدرک {to_persian_digits(doc.code)} که به نام شما نیست",
    )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    share = NewShare(
        token, str(uuid.uuid4()), doc.code, scope, now, now + timedelta(seconds=expires_in)
    )
    conn.execute(
        t.shares.insert().values(
            public_id=share.id,
            token_hash=hash_token(token),
            document_id=doc.id,
            person_id=doc.person_id,
            fields=scope,
            created_at=now,
            expires_at=share.expires_at,
        )
    )
    return share


def _status(row: Any, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if row.expires_at <= now else "active"


def _describe(row: Any, now: datetime) -> dict[str, Any]:
    return {
        "id": row.public_id,
        "code": row.code,
        "fields": list(row.fields),
        "created_at": row.created_at.isoformat(),
        "expires_at": row.expires_at.isoformat(),
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
        "status": _status(row, now),
    }


_SHARE = sa.select(
    t.shares.c.id,
    t.shares.c.public_id,
    t.shares.c.person_id,
    t.shares.c.document_id,
    t.shares.c.fields,
    t.shares.c.created_at,
    t.shares.c.expires_at,
    t.shares.c.revoked_at,
    t.documents.c.code,
).join(t.documents, t.documents.c.id == t.shares.c.document_id)


def list_mine(conn: sa.Connection, principal: Principal, now: datetime) -> list[dict[str, Any]]:
    """The holder's shares, newest first (tokens are never shown again; ids identify them)."""
    _require_holder(principal, "list share links", "فهرست پیوندهای اشتراکی")
    person = access_log.person_id_of(conn, principal)
    if person is None:
        return []
    rows = conn.execute(
        _SHARE.where(t.shares.c.person_id == person).order_by(
            t.shares.c.created_at.desc(), t.shares.c.id.desc()
        )
    )
    return [_describe(r, now) for r in rows]


def revoke(
    conn: sa.Connection, principal: Principal, token_or_id: str, now: datetime
) -> dict[str, Any]:
    """Revoke one of the holder's shares, by its token or its id; revoking twice is harmless."""
    _require_holder(principal, "revoke share links", "لغو پیوند اشتراکی")
    s = t.shares.c
    row = conn.execute(
        _SHARE.where(sa.or_(s.token_hash == hash_token(token_or_id), s.public_id == token_or_id))
    ).first()
    person = access_log.person_id_of(conn, principal)
    if row is None or row.person_id != person:
        # Another holder's share is as unknown to this one as a made-up token.
        raise NotFoundError(
            "no share link of yours has this token or id",
            "پیوند اشتراکی با این توکن یا شناسه از آنِ شما نیست",
        )
    if row.revoked_at is None:
        conn.execute(t.shares.update().where(s.id == row.id).values(revoked_at=now))
        row = conn.execute(_SHARE.where(s.id == row.id)).one()
    return _describe(row, now)


def open_share(
    conn: sa.Connection,
    reference: Reference,
    evidence: Evidence,
    token: str,
    now: datetime,
    viewer: Principal | None,
) -> dict[str, Any]:
    """What a share discloses: the public answer and the shared fields; logs the access."""
    row = conn.execute(_SHARE.where(t.shares.c.token_hash == hash_token(token))).first()
    if row is None:
        raise NotFoundError(
            "no share link has this token; check it was copied whole",
            "پیوند اشتراکی با این توکن وجود ندارد؛ بررسی کنید کامل کپی شده باشد",
        )
    state = _status(row, now)
    if state != "active":
        verb_en = "was revoked by its holder" if state == "revoked" else "has expired"
        verb_fa = "توسط دارنده لغو شده است" if state == "revoked" else "منقضی شده است"
        raise GoneError(
            f"this share link {verb_en}; ask the holder for a new one",
            f"این پیوند اشتراکی {verb_fa}؛ از دارنده مدرک پیوند تازه بخواهید",
        )
    found = look_up(conn, reference, evidence, row.code)
    answer = dict(found.answer)
    disclosed = list(PUBLIC_FIELDS)
    if found.content is not None:
        answer["details"] = details_of(found.content, row.fields)
        disclosed += list(row.fields)
    answer["share"] = {
        "id": row.public_id,
        "fields": list(row.fields),
        "expires_at": row.expires_at.isoformat(),
    }
    access_log.record(
        conn,
        [
            Access(
                row.document_id,
                row.person_id,
                now,
                Channel.SHARE,
                viewer.account_id if viewer else None,
                tuple(disclosed),
                share_id=row.id,
            )
        ],
    )
    return answer


def my_documents(
    conn: sa.Connection, reference: Reference, principal: Principal
) -> list[dict[str, Any]]:
    """The holder's documents, newest first, with what a holder wants at a glance."""
    _require_holder(principal, "list a holder's documents", "فهرست مدارک دارنده")
    person = access_log.person_id_of(conn, principal)
    if person is None:
        return []
    d, v = t.documents.c, t.document_versions.c
    rows = conn.execute(
        sa.select(
            d.code,
            d.status,
            d.kind,
            d.institution,
            d.issued_year,
            d.issued_at,
            d.version,
            d.seminary_level,
            d.status_reason,
            v.content,
        )
        .join(
            t.document_versions,
            sa.and_(v.document_id == d.id, v.version == d.version),
        )
        .where(d.person_id == person)
        .order_by(d.issued_at.desc(), d.id.desc())
    )
    out = []
    for r in rows:
        content = r.content or {}
        out.append(
            {
                "code": r.code,
                "status": r.status,
                "status_reason": r.status_reason,
                **named(reference, r.kind, r.institution),
                "year": r.issued_year,
                "issued_at": r.issued_at.isoformat(),
                "version": r.version,
                "seminary_level": r.seminary_level or None,
                "field_code": content.get("field_code"),
                "field_name": content.get("field_name"),
                "graduation_date": content.get("graduation_date"),
            }
        )
    return out
