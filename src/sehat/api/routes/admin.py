"""``/api/v1/admin``: institutions, accounts and tokens (operator, domain admins; auditor reads)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from sehat.api.deps import EngineDep, PrincipalDep, ReferenceDep
from sehat.errors import NotFoundError
from sehat.services import accounts, institutions
from sehat.services.principal import Principal, Role
from sehat.store.tx import in_transaction

router = APIRouter(prefix="/api/v1/admin", tags=["administration / مدیریت"])

_ADMINS = (Role.OPERATOR, Role.DOMAIN_ADMIN)
_READERS = (Role.OPERATOR, Role.DOMAIN_ADMIN, Role.AUDITOR)


class InstitutionCreate(BaseModel):
    """A new institution in a domain."""

    model_config = ConfigDict(extra="forbid")
    domain: int = Field(ge=1, le=9)
    number: int = Field(ge=1, le=9999)
    name_fa: str = Field(min_length=2, max_length=200)
    name_en: str = Field(min_length=2, max_length=200)
    city_fa: str | None = Field(default=None, max_length=100)
    city_en: str | None = Field(default=None, max_length=100)
    category: str | None = Field(default=None, max_length=40)


class InstitutionUpdate(BaseModel):
    """Fields to change on an institution."""

    model_config = ConfigDict(extra="forbid")
    name_fa: str | None = Field(default=None, min_length=2, max_length=200)
    name_en: str | None = Field(default=None, min_length=2, max_length=200)
    category: str | None = Field(default=None, max_length=40)
    active: bool | None = None


class AccountCreate(BaseModel):
    """A person or system that will hold tokens."""

    model_config = ConfigDict(extra="forbid")
    role: Role
    name: str = Field(min_length=1, max_length=200)
    institution: str | None = Field(default=None, pattern=r"^[1-9][0-9]{4}$")
    domain: int | None = Field(default=None, ge=1, le=9)
    national_id: str | None = Field(default=None, max_length=20)


class TokenCreate(BaseModel):
    """A token for an account; the token is in the answer once and never again."""

    model_config = ConfigDict(extra="forbid")
    account_id: str = Field(max_length=36)
    label: str = Field(default="", max_length=200)
    expires_in: int | None = Field(default=None, ge=60, le=5 * 365 * 86400)


def _now() -> datetime:
    return datetime.now(UTC)


def _readers(principal: Principal) -> None:
    principal.require_role(
        *_READERS, what_en="read administration data", what_fa="مشاهده اطلاعات مدیریتی"
    )


@router.get("/institutions")
def list_institutions(engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """Institutions (a domain admin sees its domain)."""
    _readers(principal)
    domain = principal.domain if principal.role is Role.DOMAIN_ADMIN else None
    with engine.connect() as conn:
        return {"items": institutions.list_institutions(conn, domain)}


@router.post("/institutions", status_code=201)
def create_institution(
    body: InstitutionCreate, engine: EngineDep, reference: ReferenceDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Add an institution (operator: any domain; domain admin: its own)."""
    principal.require_role(*_ADMINS, what_en="add institutions", what_fa="افزودن موسسه")
    now = _now()
    return in_transaction(
        engine,
        lambda c: institutions.create_institution(c, principal, reference, body.model_dump(), now),
    )


@router.patch("/institutions/{code}")
def update_institution(
    code: str, body: InstitutionUpdate, engine: EngineDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Rename, activate or deactivate an institution."""
    principal.require_role(*_ADMINS, what_en="change institutions", what_fa="تغییر موسسه")
    return in_transaction(
        engine,
        lambda c: institutions.update_institution(
            c, principal, code, body.model_dump(exclude_none=True)
        ),
    )


@router.get("/accounts")
def list_accounts(engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """Accounts this administrator manages (the auditor sees all)."""
    _readers(principal)
    with engine.connect() as conn:
        return {"items": accounts.list_accounts(conn, principal)}


@router.post("/accounts", status_code=201)
def create_account(
    body: AccountCreate, engine: EngineDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Create an account (a domain admin: registrars of its own domain only)."""
    principal.require_role(*_ADMINS, what_en="create accounts", what_fa="ایجاد حساب")
    domain = int(body.institution[0]) if body.institution else body.domain
    accounts.require_may_administer(principal, body.role, domain)
    now = _now()
    account_id = in_transaction(
        engine,
        lambda c: accounts.create_account(
            c,
            body.role,
            body.name,
            now,
            institution=body.institution,
            domain=body.domain,
            national_id=body.national_id,
        ),
    )
    return {"account_id": account_id, "role": body.role.value}


@router.get("/tokens")
def list_tokens(engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """Tokens without their secrets."""
    _readers(principal)
    with engine.connect() as conn:
        return {"items": accounts.list_tokens(conn, principal)}


@router.post("/tokens", status_code=201)
def create_token(body: TokenCreate, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """A new token for an account this administrator manages; shown once."""
    principal.require_role(*_ADMINS, what_en="create tokens", what_fa="ایجاد توکن")
    now = _now()

    def work(conn: Any) -> dict[str, Any]:
        listed = {a["account_id"]: a for a in accounts.list_accounts(conn, principal)}
        account = listed.get(body.account_id)
        if account is None:
            raise NotFoundError(
                f"no account {body.account_id} for this administrator",
                f"حساب {body.account_id} یافت نشد",
            )
        expires = None
        if body.expires_in:
            expires = now + timedelta(seconds=body.expires_in)
        token, token_id = accounts.create_token(
            conn, body.account_id, now, label=body.label, expires_at=expires
        )
        return {
            "token": token,
            "token_id": token_id,
            "role": account["role"],
            "expires_at": expires.isoformat() if expires else None,
        }

    return in_transaction(engine, work)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: str, engine: EngineDep, principal: PrincipalDep) -> None:
    """Revoke a token."""
    principal.require_role(*_ADMINS, what_en="revoke tokens", what_fa="ابطال توکن")
    now = _now()
    in_transaction(engine, lambda c: accounts.revoke_token(c, principal, token_id, now))
