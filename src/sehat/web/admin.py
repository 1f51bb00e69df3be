"""The administrator's page (``/admin``): institutions, accounts, tokens and keys — the same
services and roles as ``/api/v1/admin/…``: the operator everything, a domain admin its own
domain's institutions and registrars, the auditor reads and changes nothing. Keys are the
key store's public facts (what the trust list publishes); they are made and revoked with
``sehat keys`` on the server, never from a page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from sehat.api.runtime import runtime
from sehat.core.persian import normalize_digits_field
from sehat.errors import InputError, PermissionDeniedError, Problem, SehatError
from sehat.services import accounts, institutions
from sehat.services.principal import Principal, Role
from sehat.store.tx import in_transaction
from sehat.web.pages import lang_of, render
from sehat.web.session import end_session, same_origin, signed_in
from sehat.web.staff import by_field, problems_of, sign_in, signin_page, suffix
from sehat.web.words import words

router = APIRouter(include_in_schema=False)
PATH = "/admin"
ROLES = (Role.OPERATOR, Role.DOMAIN_ADMIN, Role.AUDITOR)
WRITERS = (Role.OPERATOR, Role.DOMAIN_ADMIN)
MAX_DAYS = 5 * 365


def _signin(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
    return signin_page(request, PATH, "admin_signin", "admin_token_hint", status, error)


def _page(request: Request, principal: Principal, status: int = 200, **extra: Any) -> HTMLResponse:
    state = runtime(request)
    domain = principal.domain if principal.role is Role.DOMAIN_ADMIN else None
    with state.engine.connect() as conn:
        found = institutions.list_institutions(conn, domain)
        people = accounts.list_accounts(conn, principal)
        tokens = accounts.list_tokens(conn, principal)
    roles = [Role.REGISTRAR] if principal.role is Role.DOMAIN_ADMIN else list(Role)
    return render(
        request,
        "admin.html",
        status,
        principal=principal,
        writes=principal.role in WRITERS,
        institutions=found,
        accounts=people,
        manageable=[a for a in people if a.active and principal.role in WRITERS],
        tokens=tokens,
        keys=state.keystore.all(),  # public facts: the trust list publishes them
        roles=roles,
        values=extra.pop("values", {}),
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get(PATH, response_class=HTMLResponse)
def admin_page(request: Request) -> Response:
    """Sign in, or institutions, accounts, tokens and keys."""
    principal = signed_in(request, *ROLES)
    if principal is None:
        return _signin(request)
    return _page(request, principal)


@router.post(PATH + "/sign-in", response_class=HTMLResponse)
def admin_sign_in(request: Request, token: str = Form(max_length=200)) -> Response:
    """Check the token (operator, domain admin or auditor); keep it in the session cookie."""
    return sign_in(request, token, ROLES, PATH, "admin_signin", "admin_token_hint", "not_admin")


@router.post(PATH + "/sign-out")
def admin_sign_out(request: Request) -> Response:
    """Forget the session."""
    return end_session(PATH + suffix(request))


def _writer(request: Request) -> tuple[Principal | None, Response | None]:
    """The signed-in administrator who may change things, or the answer refusing."""
    principal = signed_in(request, *ROLES)
    if principal is None:
        return None, _signin(request, 401)
    w = words(lang_of(request))
    if not same_origin(request):
        return None, _page(request, principal, 403, error=w["bad_origin"])
    if principal.role not in WRITERS:
        return None, _page(request, principal, 403, error=w["read_only"])
    return principal, None


def _refused(
    request: Request, principal: Principal, form: str, exc: SehatError, values: dict[str, str]
) -> HTMLResponse:
    found = by_field(request, problems_of(exc))
    errors = {f"{form}-{k}" if k else form: v for k, v in found.items()}
    status = 409
    if isinstance(exc, InputError):
        status = 422
    elif isinstance(exc, PermissionDeniedError):
        status = 403
    return _page(request, principal, status, errors=errors, values=values)


@router.post(PATH + "/accounts", response_class=HTMLResponse)
def create_account(
    request: Request,
    role: str = Form(default="", max_length=20),
    name: str = Form(default="", max_length=200),
    institution: str = Form(default="", max_length=20),
    domain: str = Form(default="", max_length=5),
    national_id: str = Form(default="", max_length=20),
) -> Response:
    """A new account (a domain admin: registrars of its own domain only)."""
    principal, refused = _writer(request)
    if principal is None:
        assert refused is not None
        return refused
    values = {"role": role, "name": name, "institution": institution, "domain": domain}
    institution = normalize_digits_field(institution).strip()
    domain_text = normalize_digits_field(domain).strip()
    try:
        if role not in {r.value for r in Role}:
            raise InputError(Problem("role", "choose a role", "نقش را انتخاب کنید", "", ""))
        if domain_text and not domain_text.isdigit():
            raise InputError(
                Problem("domain", "is a digit from 1 to 5", "شماره حوزه از ۱ تا ۵ است", "", "")
            )
        chosen = Role(role)
        scope_domain = (
            int(institution[0])
            if institution[:1].isdigit()
            else (int(domain_text) if domain_text else None)
        )
        accounts.require_may_administer(principal, chosen, scope_domain)
        now = datetime.now(UTC)
        in_transaction(
            runtime(request).engine,
            lambda c: accounts.create_account(
                c,
                chosen,
                name,
                now,
                institution=institution or None,
                domain=int(domain_text) if domain_text else None,
                national_id=national_id.strip() or None,
            ),
        )
    except SehatError as exc:
        return _refused(request, principal, "account", exc, values)
    return _page(request, principal, notice=words(lang_of(request))["account_made"])


@router.post(PATH + "/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    account_id: str = Form(default="", max_length=36),
    label: str = Form(default="", max_length=200),
    days: str = Form(default="", max_length=6),
) -> Response:
    """A new token for an account this administrator manages; shown on this page only."""
    principal, refused = _writer(request)
    if principal is None:
        assert refused is not None
        return refused
    values = {"account_id": account_id, "label": label, "days": days}
    now = datetime.now(UTC)
    lifetime = normalize_digits_field(days).strip()
    try:
        if lifetime and not (lifetime.isdigit() and 1 <= int(lifetime) <= MAX_DAYS):
            raise InputError(
                Problem(
                    "days",
                    f"is a whole number of days from 1 to {MAX_DAYS}, or empty",
                    f"شمار روزها عددی درست از ۱ تا {MAX_DAYS} است، یا خالی",
                    "",
                    "",
                )
            )
        expires = now + timedelta(days=int(lifetime)) if lifetime else None

        def work(conn: Any) -> str:
            account = accounts.get_account(conn, principal, account_id)
            token, _ = accounts.create_token(
                conn, account.account_id, now, label=label.strip(), expires_at=expires
            )
            return token

        token = in_transaction(runtime(request).engine, work)
    except SehatError as exc:
        return _refused(request, principal, "token", exc, values)
    return _page(request, principal, new_token=token)


@router.post(PATH + "/tokens/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, token_id: str = Form(max_length=36)) -> Response:
    """Revoke a token; it stops working on its next request."""
    principal, refused = _writer(request)
    if principal is None:
        assert refused is not None
        return refused
    try:
        in_transaction(
            runtime(request).engine,
            lambda c: accounts.revoke_token(c, principal, token_id, datetime.now(UTC)),
        )
    except SehatError as exc:
        return _refused(request, principal, "revoke", exc, {})
    return _page(request, principal, notice=words(lang_of(request))["token_revoked"])
