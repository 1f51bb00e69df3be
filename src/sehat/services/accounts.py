"""Accounts and API tokens (DESIGN §1, §7): random, shown once, stored hashed, scoped.

A token is ``sehat_`` + 43 URL-safe characters (256 bits from ``secrets``). Only its SHA-256
is stored, with the first characters for recognising it in a list. Each token carries the
scope of its account: a registrar one institution, a domain admin one domain, a holder one
national ID; operators, verifiers and auditors no scope. Nothing secret is cached: every
request looks its token up again, so a revocation takes effect on the next request.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sehat.core.national_id import parse_national_id
from sehat.core.persian import to_persian_digits
from sehat.errors import AuthenticationError, InputError, NotFoundError, Problem
from sehat.services.principal import Principal, Role
from sehat.store import schema as t

TOKEN_PREFIX = "sehat_"
TOKEN_BYTES = 32  # 256 bits
SHOWN_PREFIX = len(TOKEN_PREFIX) + 4  # what lists show to recognise a token
DOMAINS = range(1, 6)  # DESIGN §2: domains 1-5 exist, 6-9 are reserved


@dataclass(frozen=True)
class Account:
    """An account as administrators see it (no national ID: lists carry no personal data)."""

    account_id: str
    role: Role
    name: str
    institution: str | None
    domain: int | None
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class TokenInfo:
    """A token without its secret."""

    token_id: str
    prefix: str
    role: Role
    institution: str | None
    domain: int | None
    label: str
    account_id: str
    account_name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


def hash_token(token: str) -> str:
    """SHA-256 of a token, as stored.

    A fast unsalted hash is right here: a token carries 256 random bits, so there is nothing
    to brute-force or look up in a table, and the check must stay cheap on every request.
    Guessable secrets such as passwords would need a slow, salted KDF; Sehat has none. The
    lookup by hash also makes a constant-time comparison unnecessary.
    """
    return hashlib.sha256(token.encode()).hexdigest()


def _problem(field: str, en: str, fa: str, fix: str, fix_fa: str) -> InputError:
    return InputError(Problem(field, en, fa, fix, fix_fa))


def _check_registrar(conn: sa.Connection, institution: str | None) -> str:
    if not institution:
        raise _problem(
            "institution",
            "a registrar account needs an institution",
            "حساب کارشناس دانش‌آموختگی به کد موسسه نیاز دارد",
            "give the 5-digit institution code (--institution NNNNN)",
            "کد پنج‌رقمی موسسه را بدهید (--institution NNNNN)",
        )
    found = conn.execute(
        sa.select(t.institutions.c.code).where(t.institutions.c.code == institution)
    ).first()
    if found is None:
        raise _problem(
            "institution",
            f"{institution!r} is not a known institution",
            f"موسسه‌ای با کد {institution!r} ثبت نشده است",
            "use a code from GET /api/v1/institutions, or add the institution first",
            "کدی از فهرست موسسات به کار ببرید یا ابتدا موسسه را ثبت کنید",
        )
    return institution


def _refuse_extra(role: Role, field: str, option: str, given: object) -> None:
    if given is not None and given != "":
        raise _problem(
            field,
            f"a {role.value} account has no {field}",
            f"حساب با نقش {role.value} {field} ندارد",
            f"leave {option} out",
            f"گزینه {option} را حذف کنید",
        )


def check_scope(
    conn: sa.Connection,
    role: Role,
    institution: str | None,
    domain: int | None,
    national_id: str | None,
) -> tuple[str | None, int | None, str | None]:
    """Validate that the scope fits the role; returns (institution, domain, national ID).

    A registrar needs an existing institution (its domain follows from the code), a domain
    admin a domain 1-5, a holder a valid national ID; operator, verifier and auditor none.
    """
    if role is Role.REGISTRAR:
        _refuse_extra(role, "national_id", "--national-id", national_id)
        code = _check_registrar(conn, institution)
        if domain is not None and domain != int(code[0]):
            raise _problem(
                "domain",
                f"institution {code} is in domain {code[0]}, not {domain}",
                to_persian_digits(f"موسسه {code} در حوزه {code[0]} است نه {domain}"),
                "leave the domain out: it follows from the institution code",
                "حوزه را حذف کنید؛ از کد موسسه معلوم است",
            )
        return code, int(code[0]), None
    _refuse_extra(role, "institution", "--institution", institution)
    if role is Role.DOMAIN_ADMIN:
        _refuse_extra(role, "national_id", "--national-id", national_id)
        if domain not in DOMAINS:
            raise _problem(
                "domain",
                "a domain admin account needs a domain from 1 to 5"
                + (f", not {domain}" if domain is not None else ""),
                "حساب مدیر حوزه به شماره حوزه (۱ تا ۵) نیاز دارد",
                "give the domain digit (--domain D)",
                "شماره حوزه را بدهید (--domain D)",
            )
        return None, domain, None
    _refuse_extra(role, "domain", "--domain", domain)
    if role is Role.HOLDER:
        if not national_id:
            raise _problem(
                "national_id",
                "a holder account needs the holder's national ID",
                "حساب دارنده مدرک به کد ملی او نیاز دارد",
                "give the 10-digit national ID (--national-id N)",
                "کد ملی ده‌رقمی را بدهید (--national-id N)",
            )
        return None, None, str(parse_national_id(national_id))
    _refuse_extra(role, "national_id", "--national-id", national_id)
    return None, None, None


def create_account(
    conn: sa.Connection,
    role: Role,
    name: str,
    now: datetime,
    *,
    institution: str | None = None,
    domain: int | None = None,
    national_id: str | None = None,
) -> str:
    """A new account with a validated scope; returns its public id."""
    institution, domain, national_id = check_scope(conn, role, institution, domain, national_id)
    public_id = str(uuid.uuid4())
    conn.execute(
        t.accounts.insert().values(
            public_id=public_id,
            role=role.value,
            name=name.strip() or role.value,
            institution=institution,
            domain=domain,
            national_id=national_id,
            created_at=now,
        )
    )
    return public_id


def create_token(
    conn: sa.Connection,
    account_id: str,
    now: datetime,
    *,
    label: str = "",
    expires_at: datetime | None = None,
) -> tuple[str, str]:
    """A new token for an active account: (the token, shown once and never again; its id)."""
    if expires_at is not None and _aware(expires_at, now) <= now:
        raise _problem(
            "expires_at",
            "the expiry is in the past",
            "تاریخ انقضا گذشته است",
            "give a time in the future, or none for a token that does not expire",
            "زمانی در آینده بدهید یا آن را خالی بگذارید",
        )
    account = conn.execute(
        sa.select(t.accounts).where(t.accounts.c.public_id == account_id)
    ).first()
    if account is None or not account.active:
        raise NotFoundError(f"no active account {account_id}", f"حساب فعال {account_id} یافت نشد")
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    public_id = str(uuid.uuid4())
    conn.execute(
        t.tokens.insert().values(
            public_id=public_id,
            account_id=account.id,
            token_hash=hash_token(token),
            prefix=token[:SHOWN_PREFIX],
            role=account.role,
            institution=account.institution,
            domain=account.domain,
            national_id=account.national_id,
            label=label,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return token, public_id


def _aware(moment: datetime, now: datetime) -> datetime:
    # SQLite hands timestamps back without a zone; they were stored in UTC like ``now``.
    return moment.replace(tzinfo=now.tzinfo) if moment.tzinfo is None else moment


def authenticate(conn: sa.Connection, token: str, now: datetime) -> Principal:
    """The principal a bearer token stands for; AuthenticationError when it cannot be used."""
    k, a = t.tokens.c, t.accounts.c
    row = conn.execute(
        sa.select(
            k.role,
            k.institution,
            k.domain,
            k.national_id,
            k.expires_at,
            k.revoked_at,
            a.public_id,
            a.name,
            a.active,
        )
        .join(t.accounts, a.id == k.account_id)
        .where(k.token_hash == hash_token(token.strip()))
    ).first()
    if row is None:
        raise AuthenticationError(
            "the token is not known; check that it was copied whole, or ask your "
            "administrator for a new one",
            "توکن شناخته نشد؛ بررسی کنید کامل کپی شده باشد یا از مدیر سامانه توکن تازه بگیرید",
        )
    if row.revoked_at is not None or not row.active:
        raise AuthenticationError(
            "the token was revoked; ask your administrator for a new one",
            "توکن باطل شده است؛ از مدیر سامانه توکن تازه بگیرید",
        )
    if row.expires_at is not None and _aware(row.expires_at, now) <= now:
        raise AuthenticationError(
            "the token has expired; ask your administrator for a new one",
            "توکن منقضی شده است؛ از مدیر سامانه توکن تازه بگیرید",
        )
    role = Role(row.role)
    return Principal(
        role=role,
        account_id=row.public_id,
        name=row.name,
        institution=row.institution,
        domain=row.domain if role is Role.DOMAIN_ADMIN else None,
        national_id=row.national_id,
    )


def account_of_token(conn: sa.Connection, token: str, now: datetime) -> str | None:
    """The public id of the account a usable token stands for; None for any other token
    (unknown, revoked, expired, or of a disabled account)."""
    try:
        return authenticate(conn, token, now).account_id
    except AuthenticationError:
        return None


def _may_administer(principal: Principal, role: Role, domain: int | None) -> bool:
    if principal.role is Role.OPERATOR:
        return True
    if principal.role is Role.DOMAIN_ADMIN:
        # DESIGN §1: a domain admin manages its institutions and their registrars only.
        return role is Role.REGISTRAR and domain is not None and domain == principal.domain
    return False


def _may_see(principal: Principal, role: Role, domain: int | None) -> bool:
    return principal.role is Role.AUDITOR or _may_administer(principal, role, domain)


def require_may_administer(principal: Principal, role: Role, domain: int | None) -> None:
    """Operators manage any account; a domain admin only registrars of its own domain."""
    principal.require(
        _may_administer(principal, role, domain),
        f"manage {role.value} accounts" + (f" of domain {domain}" if domain else ""),
        f"مدیریت حساب‌های {role.value}"
        + (f" حوزه {to_persian_digits(str(domain))}" if domain else "")
        + " را",
    )


def _account(row: Any) -> Account:
    return Account(
        account_id=row.public_id,
        role=Role(row.role),
        name=row.name,
        institution=row.institution,
        domain=row.domain,
        active=bool(row.active),
        created_at=row.created_at,
    )


def list_accounts(conn: sa.Connection, principal: Principal) -> list[Account]:
    """Accounts an administrator manages (the auditor sees all), oldest first."""
    rows = conn.execute(sa.select(t.accounts).order_by(t.accounts.c.id))
    return [_account(r) for r in rows if _may_see(principal, Role(r.role), r.domain)]


def get_account(conn: sa.Connection, principal: Principal, account_id: str) -> Account:
    """One account this administrator manages (403 for another's, 404 for none)."""
    row = conn.execute(sa.select(t.accounts).where(t.accounts.c.public_id == account_id)).first()
    if row is None:
        raise NotFoundError(f"no account {account_id}", f"حسابی با شناسه {account_id} یافت نشد")
    require_may_administer(principal, Role(row.role), row.domain)
    return _account(row)


def list_tokens(conn: sa.Connection, principal: Principal) -> list[TokenInfo]:
    """Tokens without their secrets, oldest first."""
    k, a = t.tokens.c, t.accounts.c
    rows = conn.execute(
        sa.select(t.tokens, a.public_id.label("account_public_id"), a.name.label("account_name"))
        .join(t.accounts, a.id == k.account_id)
        .order_by(k.id)
    )
    return [
        TokenInfo(
            token_id=r.public_id,
            prefix=r.prefix,
            role=Role(r.role),
            institution=r.institution,
            domain=r.domain,
            label=r.label,
            account_id=r.account_public_id,
            account_name=r.account_name,
            created_at=r.created_at,
            expires_at=r.expires_at,
            revoked_at=r.revoked_at,
        )
        for r in rows
        if _may_see(principal, Role(r.role), r.domain)
    ]


def revoke_token(conn: sa.Connection, principal: Principal, token_id: str, now: datetime) -> None:
    """Revoke a token (operator: any; domain admin: its registrars'). Revoking twice is fine."""
    k = t.tokens.c
    row = conn.execute(
        sa.select(k.id, k.role, k.domain, k.revoked_at).where(k.public_id == token_id)
    ).first()
    if row is None:
        raise NotFoundError(
            f"no token {token_id}; see GET /api/v1/admin/tokens",
            f"توکنی با شناسه {token_id} یافت نشد",
        )
    require_may_administer(principal, Role(row.role), row.domain)
    if row.revoked_at is None:
        conn.execute(t.tokens.update().where(k.id == row.id).values(revoked_at=now))
