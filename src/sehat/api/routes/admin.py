"""``/api/v1/admin``: institutions, accounts and tokens (DESIGN §1).

Operator: everything. Domain admin: its own domain's institutions and registrar accounts.
Auditor: reads every list, writes nothing. Registrar, holder, verifier: 403. No token: 401.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from sehat.api.deps import EngineDep, PrincipalDep, ReferenceDep
from sehat.api.routes.reference import InstitutionList, InstitutionPublic
from sehat.api.shapes import INSTITUTION_PATTERN, NATIONAL_ID_RULE, national_id_schema, refuses
from sehat.reference.models import Institution
from sehat.services import accounts, institutions
from sehat.services.principal import Principal, Role
from sehat.store.tx import in_transaction

router = APIRouter(prefix="/api/v1/admin", tags=["administration / مدیریت"])

_ADMINS = (Role.OPERATOR, Role.DOMAIN_ADMIN)
_READERS = (Role.OPERATOR, Role.DOMAIN_ADMIN, Role.AUDITOR)
InstitutionCode = Annotated[str, Path(pattern=r"^[1-9][0-9]{4}$", description="5 digits")]
_Name = Field(min_length=2, max_length=200)


class InstitutionCreate(BaseModel):
    """A new institution in a domain; its code is the domain digit and the 4-digit number."""

    model_config = ConfigDict(extra="forbid")
    domain: int = Field(ge=1, le=9)
    number: int = Field(ge=1, le=9999)
    name_fa: str = _Name
    name_en: str = _Name
    city_fa: str = Field(default="", max_length=100)
    city_en: str = Field(default="", max_length=100)
    category: str = Field(default="university", min_length=1, max_length=40)


class InstitutionUpdate(BaseModel):
    """What to change on an institution; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")
    name_fa: str | None = Field(default=None, min_length=2, max_length=200)
    name_en: str | None = Field(default=None, min_length=2, max_length=200)
    city_fa: str | None = Field(default=None, max_length=100)
    city_en: str | None = Field(default=None, max_length=100)
    category: str | None = Field(default=None, min_length=1, max_length=40)
    active: bool | None = None


_NONE: dict[str, Any] = {"type": "null"}


def _scoped(roles: list[str], required: list[str], **properties: Any) -> dict[str, Any]:
    """One role's shape: its scope given, every other scope absent or null."""
    others = {name: _NONE for name in ("institution", "domain", "national_id")}
    return {
        "properties": {"role": {"enum": roles}, **others, **properties},
        "required": ["role", *required],
    }


class AccountCreate(BaseModel):
    """A person or system that will hold tokens, with the scope its role needs."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                _scoped(
                    ["registrar"],
                    ["institution"],
                    institution={"type": "string", "pattern": INSTITUTION_PATTERN},
                    # the institution's own domain (its first digit), if given
                    domain={"anyOf": [{"type": "integer", "minimum": 1, "maximum": 9}, _NONE]},
                ),
                _scoped(
                    ["domain_admin"],
                    ["domain"],
                    domain={"type": "integer", "minimum": 1, "maximum": 9},
                ),
                _scoped(["holder"], ["national_id"], national_id=national_id_schema(20)),
                _scoped(["operator", "verifier", "auditor"], []),
            ]
        },
    )
    role: Role
    name: str = Field(min_length=1, max_length=200)
    institution: str | None = Field(default=None, pattern=r"^[1-9][0-9]{4}$")
    domain: int | None = Field(default=None, ge=1, le=9)
    national_id: str | None = Field(default=None, max_length=20)


class AccountPublic(BaseModel):
    """An account (never its holder's national ID)."""

    account_id: str
    role: Role
    name: str
    institution: str | None
    domain: int | None
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, account: accounts.Account) -> AccountPublic:
        return cls(
            account_id=account.account_id,
            role=account.role,
            name=account.name,
            institution=account.institution,
            domain=account.domain,
            active=account.active,
            created_at=_utc(account.created_at),
        )


class AccountList(BaseModel):
    items: list[AccountPublic]


class TokenCreate(BaseModel):
    """A token for an account this administrator manages."""

    model_config = ConfigDict(extra="forbid")
    account_id: str = Field(min_length=1, max_length=36)
    label: str = Field(default="", max_length=200)
    expires_in: int | None = Field(
        default=None, ge=60, le=5 * 365 * 86400, description="seconds; none: no expiry"
    )


class TokenPublic(BaseModel):
    """A token as lists show it: its id and first characters, never the secret."""

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
    revoked: bool

    @classmethod
    def of(cls, info: accounts.TokenInfo) -> TokenPublic:
        return cls(
            token_id=info.token_id,
            prefix=info.prefix,
            role=info.role,
            institution=info.institution,
            domain=info.domain,
            label=info.label,
            account_id=info.account_id,
            account_name=info.account_name,
            created_at=_utc(info.created_at),
            expires_at=_utc(info.expires_at) if info.expires_at else None,
            revoked=info.revoked_at is not None,
        )


class TokenCreated(BaseModel):
    """The new token: ``token`` is in this answer once and is never shown again."""

    token: str
    token_id: str
    account_id: str
    role: Role
    label: str
    expires_at: datetime | None


class TokenList(BaseModel):
    items: list[TokenPublic]


def _utc(moment: datetime) -> datetime:
    # SQLite gives back naive timestamps; every stored time is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _read(principal: Principal) -> None:
    principal.require_role(
        *_READERS, what_en="read administration data", what_fa="دیدن داده‌های مدیریتی را"
    )


def _write(principal: Principal, what_en: str, what_fa: str) -> None:
    principal.require_role(*_ADMINS, what_en=what_en, what_fa=what_fa)


@router.get("/institutions")
def list_institutions(engine: EngineDep, principal: PrincipalDep) -> InstitutionList:
    """Institutions (a domain admin sees its own domain's)."""
    _read(principal)
    domain = principal.domain if principal.role is Role.DOMAIN_ADMIN else None
    with engine.connect() as conn:
        found = institutions.list_institutions(conn, domain)
    return InstitutionList(items=[InstitutionPublic.of(i) for i in found])


@router.post(
    "/institutions",
    status_code=201,
    openapi_extra=refuses({"domain": "a domain in use (GET /api/v1/domains)"}),
)
def create_institution(
    body: InstitutionCreate, engine: EngineDep, reference: ReferenceDep, principal: PrincipalDep
) -> InstitutionPublic:
    """Add an institution (operator: any domain; domain admin: its own)."""
    _write(principal, "add institutions", "افزودن موسسه را")
    draft = Institution(code="", active=True, **body.model_dump())
    now = datetime.now(UTC)
    made = in_transaction(
        engine, lambda c: institutions.create_institution(c, principal, reference, draft, now)
    )
    return InstitutionPublic.of(made)


@router.patch("/institutions/{code}")
def update_institution(
    code: InstitutionCode, body: InstitutionUpdate, engine: EngineDep, principal: PrincipalDep
) -> InstitutionPublic:
    """Rename, re-categorise, activate or deactivate an institution."""
    _write(principal, "change institutions", "تغییر موسسه را")
    changes = body.model_dump(exclude_none=True)
    updated = in_transaction(
        engine, lambda c: institutions.update_institution(c, principal, code, **changes)
    )
    return InstitutionPublic.of(updated)


@router.get("/accounts")
def list_accounts(engine: EngineDep, principal: PrincipalDep) -> AccountList:
    """Accounts this administrator manages (the auditor sees all)."""
    _read(principal)
    with engine.connect() as conn:
        found = accounts.list_accounts(conn, principal)
    return AccountList(items=[AccountPublic.of(a) for a in found])


@router.post(
    "/accounts",
    status_code=201,
    openapi_extra=refuses(
        {
            "institution": "an institution of the registry",
            "domain": "a domain in use; a registrar's is its institution's (the first digit)",
            "national_id": NATIONAL_ID_RULE,
        }
    ),
)
def create_account(
    body: AccountCreate, engine: EngineDep, principal: PrincipalDep
) -> AccountPublic:
    """Create an account (a domain admin: registrars of its own domain only)."""
    _write(principal, "create accounts", "ایجاد حساب را")
    domain = int(body.institution[0]) if body.institution else body.domain
    accounts.require_may_administer(principal, body.role, domain)
    now = datetime.now(UTC)

    def work(conn: sa.Connection) -> accounts.Account:
        account_id = accounts.create_account(
            conn,
            body.role,
            body.name,
            now,
            institution=body.institution,
            domain=body.domain,
            national_id=body.national_id,
        )
        return accounts.get_account(conn, principal, account_id)

    return AccountPublic.of(in_transaction(engine, work))


@router.get("/tokens")
def list_tokens(engine: EngineDep, principal: PrincipalDep) -> TokenList:
    """Tokens without their secrets."""
    _read(principal)
    with engine.connect() as conn:
        found = accounts.list_tokens(conn, principal)
    return TokenList(items=[TokenPublic.of(i) for i in found])


@router.post("/tokens", status_code=201)
def create_token(
    body: TokenCreate, engine: EngineDep, principal: PrincipalDep, response: Response
) -> TokenCreated:
    """A new token for an account this administrator manages; shown in this answer only."""
    _write(principal, "create tokens", "ایجاد توکن را")
    now = datetime.now(UTC)
    expires = now + timedelta(seconds=body.expires_in) if body.expires_in else None

    def work(conn: sa.Connection) -> TokenCreated:
        account = accounts.get_account(conn, principal, body.account_id)
        token, token_id = accounts.create_token(
            conn, account.account_id, now, label=body.label, expires_at=expires
        )
        return TokenCreated(
            token=token,
            token_id=token_id,
            account_id=account.account_id,
            role=account.role,
            label=body.label,
            expires_at=expires,
        )

    # RFC 6749 §5.1: an answer carrying a credential must not be stored by caches.
    response.headers["Cache-Control"] = "no-store"
    return in_transaction(engine, work)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: str, engine: EngineDep, principal: PrincipalDep) -> None:
    """Revoke a token; it stops working on the next request."""
    _write(principal, "revoke tokens", "ابطال توکن را")
    now = datetime.now(UTC)
    in_transaction(engine, lambda c: accounts.revoke_token(c, principal, token_id, now))
