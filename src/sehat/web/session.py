"""Signing in to the pages: a token (a holder's, an organisation's) kept in an HttpOnly,
SameSite=Strict cookie, looked up again on every request (a revoked token stops at once).
Every form that changes something must come from this site's own pages."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import RedirectResponse

from sehat.api.runtime import runtime
from sehat.errors import AuthenticationError
from sehat.services.accounts import authenticate
from sehat.services.principal import Principal, Role

COOKIE = "sehat_session"
LIFETIME = 8 * 3600  # seconds: a working day


def signed_in(request: Request, *roles: Role) -> Principal | None:
    """The signed-in caller when it has one of ``roles``, else None."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        with runtime(request).engine.connect() as conn:
            principal = authenticate(conn, token, datetime.now(UTC))
    except AuthenticationError:
        return None
    return principal if principal.role in roles else None


def same_origin(request: Request) -> bool:
    """A form that changes something must come from this site's own page."""
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


def refusal(request: Request, token: str, roles: tuple[Role, ...]) -> tuple[int, str] | None:
    """Why a sign-in form is refused — (status, word: ``bad_origin``, ``bad_token`` or
    ``wrong_role``) — or None when ``token`` is valid for one of ``roles``."""
    if not same_origin(request):
        return 403, "bad_origin"
    try:
        with runtime(request).engine.connect() as conn:
            principal = authenticate(conn, token, datetime.now(UTC))
    except AuthenticationError:
        return 401, "bad_token"
    return None if principal.role in roles else (403, "wrong_role")


def keep_session(request: Request, token: str, then: str) -> RedirectResponse:
    """Signed in: keep the token in the session cookie and go on to ``then`` (relative)."""
    response = RedirectResponse(then, status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=LIFETIME,
        path="/",
    )
    return response


def end_session(then: str) -> RedirectResponse:
    """Forget the session and go on to ``then``."""
    response = RedirectResponse(then, status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
