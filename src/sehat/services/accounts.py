"""Accounts and API tokens (DESIGN §1, §7): random, shown once, stored hashed, scoped."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sehat.core.national_id import parse_national_id
from sehat.errors import AuthenticationError, InputError, NotFoundError, Problem
from sehat.services.principal import Principal, Role
from sehat.store import schema as t

TOKEN_PREFIX = "sehat_"


def hash_token(token: str) -> str:
    """SHA-256 of a token.

    A fast hash is right here: tokens carry 256 random bits, so there is nothing to
    brute-force, and verification must stay cheap on every request. (Passwords, which are
    guessable, would need a slow KDF; we have none.)
    """
    return hashlib.sha256(token.encode()).hexdigest()


def _problem(field: str, en: str, fa: str, fix: str, fix_fa: str) -> InputError:
    return InputError(Problem(field, en, fa, fix, fix_fa))


def check_scope(
    conn: sa.Connection,
    role: Role,
    institution: str | None,
    domain: int | None,
    national_id: str | None,
) -> tuple[str | None, int | None, str | None]:
    """Validate that the scope fits the role; returns the normalised scope."""
    if role is Role.REGISTRAR:
        if not institution:
            raise _problem(
                "institution",
                "a registrar token needs an institution",
                "توکن کارشناس موسسه لازم دارد",
                "give --institution NNNNN",
                "کد پنج‌رقمی موسسه را بدهید",
            )
        found = conn.execute(
            sa.select(t.institutions.c.active).where(t.institutions.c.code == institution)
        ).first()
        if found is None:
            raise _problem(
                "institution",
                f"{institution!r} is not a known institution",
                "موسسه شناخته نیست",
                "use a code from GET /api/v1/institutions",
                "کدی از فهرست موسسات",
            )
        return institution, int(institution[0]), None
    if institution:
        raise _problem(
            "institution",
            f"a {role.value} token has no institution",
            "این نقش موسسه ندارد",
            "leave --institution out",
            "موسسه را حذف کنید",
        )
    if role is Role.DOMAIN_ADMIN:
        if domain is None or not 1 <= domain <= 5:
            raise _problem(
                "domain",
                "a domain admin token needs a domain 1-5",
                "توکن مدیر حوزه، حوزه (۱ تا ۵) لازم دارد",
                "give --domain D",
                "حوزه را بدهید",
            )
        return None, domain, None
    if domain is not None:
        raise _problem(
            "domain",
            f"a {role.value} token has no domain",
            "این نقش حوزه ندارد",
            "leave --domain out",
            "حوزه را حذف کنید",
        )
    if role is Role.HOLDER:
        if not national_id:
            raise _problem(
                "national_id",
                "a holder token needs the holder's national ID",
                "توکن دارنده کد ملی لازم دارد",
                "give --national-id",
                "کد ملی را بدهید",
            )
        return None, None, str(parse_national_id(national_id))
    if national_id:
        raise _problem(
            "national_id",
            f"a {role.value} token has no national ID",
            "این نقش کد ملی ندارد",
            "leave --national-id out",
            "کد ملی را حذف کنید",
        )
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
    """A new account; returns its public id."""
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
    """A new token for an account: (the token, shown once; its public id)."""
    a = t.accounts.c
    account = conn.execute(sa.select(t.accounts).where(a.public_id == account_id)).first()
    if account is None or not account.active:
        raise NotFoundError(f"no active account {account_id}", f"حساب فعال {account_id} یافت نشد")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    public_id = str(uuid.uuid4())
    conn.execute(
        t.tokens.insert().values(
            public_id=public_id,
            account_id=account.id,
            token_hash=hash_token(token),
            prefix=token[: len(TOKEN_PREFIX) + 4],
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


def authenticate(conn: sa.Connection, token: str, now: datetime) -> Principal:
    """The principal a bearer token stands for."""
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
        .join(t.accounts, t.accounts.c.id == k.account_id)
        .where(k.token_hash == hash_token(token.strip()))
    ).first()
    if row is None:
        raise AuthenticationError(
            "the token is not known; ask your administrator for a token",
            "توکن شناخته نیست؛ از مدیر سامانه توکن بگیرید",
        )
    if row.revoked_at is not None or not row.active:
        raise AuthenticationError("the token was revoked", "توکن باطل شده است")
    expires = row.expires_at
    if expires is not None:
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=now.tzinfo)
        if expires <= now:
            raise AuthenticationError("the token has expired", "توکن منقضی شده است")
    return Principal(
        role=Role(row.role),
        account_id=row.public_id,
        name=row.name,
        institution=row.institution,
        domain=row.domain if row.role == Role.DOMAIN_ADMIN.value else None,
        national_id=row.national_id,
    )


def revoke_token(conn: sa.Connection, principal: Principal, token_id: str, now: datetime) -> None:
    """Revoke a token (operator: any; domain admin: its domain's)."""
    k = t.tokens.c
    row = conn.execute(
        sa.select(k.id, k.role, k.domain, k.revoked_at).where(k.public_id == token_id)
    ).first()
    if row is None or not _may_administer(principal, Role(row.role), row.domain):
        raise NotFoundError(
            f"no token {token_id} for this administrator", f"توکن {token_id} یافت نشد"
        )
    if row.revoked_at is None:
        conn.execute(t.tokens.update().where(k.id == row.id).values(revoked_at=now))


def list_tokens(conn: sa.Connection, principal: Principal) -> list[dict[str, Any]]:
    """Tokens without their secrets."""
    k, a = t.tokens.c, t.accounts.c
    rows = conn.execute(
        sa.select(
            k.public_id,
            k.prefix,
            k.role,
            k.institution,
            k.domain,
            k.label,
            k.created_at,
            k.expires_at,
            k.revoked_at,
            a.name,
        )
        .join(t.accounts, t.accounts.c.id == k.account_id)
        .order_by(k.id)
    )
    return [
        {
            "token_id": r.public_id,
            "prefix": r.prefix,
            "role": r.role,
            "institution": r.institution,
            "domain": r.domain,
            "label": r.label,
            "account": r.name,
            "created_at": r.created_at.isoformat(),
            "expires_at": r.expires_at.isoformat() if r.expires_at else None,
            "revoked": r.revoked_at is not None,
        }
        for r in rows
        if _may_see(principal, Role(r.role), r.domain)
    ]


def list_accounts(conn: sa.Connection, principal: Principal) -> list[dict[str, Any]]:
    """Accounts an administrator (or the auditor) may see."""
    a = t.accounts.c
    rows = conn.execute(sa.select(t.accounts).order_by(a.id))
    return [
        {
            "account_id": r.public_id,
            "role": r.role,
            "name": r.name,
            "institution": r.institution,
            "domain": r.domain,
            "active": r.active,
            "created_at": r.created_at.isoformat(),
        }
        for r in rows
        if _may_see(principal, Role(r.role), r.domain)
    ]


def _may_administer(principal: Principal, role: Role, domain: int | None) -> bool:
    if principal.role is Role.OPERATOR:
        return True
    if principal.role is Role.DOMAIN_ADMIN:
        return role is Role.REGISTRAR and domain == principal.domain
    return False


def _may_see(principal: Principal, role: Role, domain: int | None) -> bool:
    return principal.role is Role.AUDITOR or _may_administer(principal, role, domain)


def require_may_administer(principal: Principal, role: Role, domain: int | None) -> None:
    """Operators create any account; a domain admin only registrars of its own domain."""
    principal.require(
        _may_administer(principal, role, domain),
        f"create {role.value} accounts" + (f" in domain {domain}" if domain else ""),
        f"ایجاد حساب {role.value}",
    )
