"""The holder's pages (``/me``): sign in, my documents (QR image, credential), share links
with an expiry and chosen fields, and who verified my documents and when.

Signing in takes a holder token (``sehat token create --role holder --national-id N``, or
the one ``sehat demo`` prints), or — in development and demo modes only — a national ID and
a one-time code printed to the server's log (services/sign_in_codes.py); a national single
sign-on plugs in where the API's does (docs/holders.md). The token is kept in an HttpOnly,
SameSite=Strict cookie; every form that changes something is a POST from this site's own
pages (its Origin is checked).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from sehat.api.runtime import runtime
from sehat.errors import GoneError, InputError, MissingPartError, SehatError
from sehat.services import (
    access_log,
    certificate_pdf,
    credentials,
    documents,
    shares,
    sign_in_codes,
)
from sehat.services.id_checks import guards_of_person
from sehat.services.principal import Principal, Role
from sehat.services.verification import SHAREABLE_FIELDS
from sehat.store.tx import in_transaction
from sehat.web.pages import NO_STORE, lang_of, render
from sehat.web.session import end_session, keep_session, refusal, same_origin, signed_in
from sehat.web.words import words

router = APIRouter(include_in_schema=False)
log = logging.getLogger("sehat.web.signin")
LIFETIMES = {"86400": "day", "604800": "week", "2592000": "month"}


def _suffix(request: Request) -> str:
    return "?lang=en" if lang_of(request) == "en" else ""


def _me(request: Request, principal: Principal, status: int = 200, **extra: Any) -> HTMLResponse:
    state = runtime(request)
    now = datetime.now(UTC)
    # The checks still queued go to the log first, on the buffer's own connection: flushed
    # from inside the connection below, the write would wait for this request's own lock
    # (on SQLite every transaction here begins IMMEDIATE) until the busy timeout ran out.
    state.access_buffer.flush()
    with state.engine.connect() as conn:
        mine = shares.my_documents(conn, state.reference, principal)
        links = shares.list_mine(conn, principal, now)
        person = access_log.person_id_of(conn, principal)
        log = [] if person is None else access_log.entries(conn, person_id=person, limit=50)
        guards = (
            [] if person is None else guards_of_person(conn, person, now, state.settings.id_checks)
        )
    return render(
        request,
        "me.html",
        status,
        documents=mine,
        shares=links,
        log=log,
        guards=guards,
        fields=SHAREABLE_FIELDS,
        lifetimes=LIFETIMES,
        **extra,
    )


@router.get("/me", response_class=HTMLResponse)
def me_page(request: Request) -> Response:
    """Sign in, or my documents, shares and access log."""
    principal = signed_in(request, Role.HOLDER)
    if principal is None:
        return _signin(request)
    return _me(request, principal)


def _signin(request: Request, status: int = 200, **extra: Any) -> HTMLResponse:
    """The holder's sign-in: a token, or (development and demo modes) a national ID and a
    one-time code; in production that second door says it is closed."""
    door = "closed" if runtime(request).settings.production else "open"
    return render(request, "signin.html", status, nid_door=door, **extra)


@router.post("/me/code", response_class=HTMLResponse)
def ask_code(request: Request, national_id: str = Form(max_length=40)) -> Response:
    """A one-time code for this national ID, printed to the server's log (never the ID)."""
    w = words(lang_of(request))
    if runtime(request).settings.production:
        return _signin(request, 403, nid_error=w["nid_closed"])
    if not same_origin(request):
        return _signin(request, 403, nid_error=w["bad_origin"])
    try:
        challenge = in_transaction(
            runtime(request).engine,
            lambda c: sign_in_codes.request_code(c, national_id, datetime.now(UTC)),
        )
    except SehatError as exc:
        status = 422 if isinstance(exc, InputError) else 429
        return _signin(request, status, nid_error=_said(request, exc))
    reference = challenge.challenge_id[:8]
    # The demo's stand-in for a text message: the code and a reference shown on the page,
    # never the national ID (no personal data in the server's log).
    log.warning(
        "demo holder sign-in: one-time code %s for reference %s (valid %d minutes, once)",
        challenge.code,
        reference,
        int(sign_in_codes.LIFETIME.total_seconds() // 60),
    )
    return _signin(request, challenge=challenge.challenge_id, reference=reference)


@router.post("/me/code/confirm", response_class=HTMLResponse)
def confirm_code(
    request: Request, challenge: str = Form(max_length=36), code: str = Form(max_length=20)
) -> Response:
    """The right code signs the holder in (a holder token in the session cookie)."""
    w = words(lang_of(request))
    if runtime(request).settings.production:
        return _signin(request, 403, nid_error=w["nid_closed"])
    if not same_origin(request):
        return _signin(request, 403, nid_error=w["bad_origin"])
    outcome = in_transaction(
        runtime(request).engine,
        lambda c: sign_in_codes.redeem(c, challenge, code, datetime.now(UTC)),
    )
    if isinstance(outcome, GoneError):
        return _signin(request, 410, nid_error=_said(request, outcome))
    if isinstance(outcome, SehatError):
        return _signin(
            request,
            422,
            challenge=challenge,
            reference=challenge[:8],
            otp_error=_said(request, outcome),
        )
    return keep_session(request, outcome, "/me" + _suffix(request))


def _said(request: Request, exc: SehatError) -> str:
    if isinstance(exc, InputError):
        p = exc.problems[0]
        text, fix = (p.message_fa, p.fix_fa) if lang_of(request) == "fa" else (p.message, p.fix)
        return f"{text} — {fix}" if fix else text
    return exc.message_fa if lang_of(request) == "fa" else exc.message


@router.post("/me/sign-in", response_class=HTMLResponse)
def sign_in(request: Request, token: str = Form(max_length=200)) -> Response:
    """Check the holder token; keep it in the session cookie."""
    refused = refusal(request, token.strip(), (Role.HOLDER,))
    if refused is not None:
        status, word = refused
        said = words(lang_of(request))["not_holder" if word == "wrong_role" else word]
        return _signin(request, status, error=said)
    return keep_session(request, token.strip(), "/me" + _suffix(request))


@router.post("/me/sign-out")
def sign_out(request: Request) -> Response:
    """Forget the session."""
    return end_session("/me" + _suffix(request))


@router.post("/me/shares", response_class=HTMLResponse)
def make_share(
    request: Request,
    code: str = Form(max_length=80),
    expires_in: str = Form(max_length=10),
    fields: list[str] | None = Form(default=None),
) -> Response:
    """Make a share link; its address is shown once, on the answer page."""
    principal = signed_in(request, Role.HOLDER)
    if principal is None:
        return RedirectResponse("/me" + _suffix(request), status_code=303)
    if not same_origin(request):
        return _me(request, principal, 403, error=words(lang_of(request))["bad_origin"])
    lifetime = int(expires_in) if expires_in in LIFETIMES else 0
    state = runtime(request)
    try:
        new = in_transaction(
            state.engine,
            lambda c: shares.create(c, principal, code, lifetime, fields or [], datetime.now(UTC)),
        )
    except SehatError as exc:
        message = exc.message_fa if lang_of(request) == "fa" else exc.message
        return _me(request, principal, 422, error=message)
    url = f"{state.settings.public_url.rstrip('/')}/s/{new.token}"
    return _me(request, principal, new_share=url)


@router.post("/me/shares/{share_id}/revoke")
def revoke_share(request: Request, share_id: str) -> Response:
    """Revoke a share link: it stops working at once."""
    principal = signed_in(request, Role.HOLDER)
    if principal is not None and same_origin(request):
        # Not this holder's share: nothing to do; the list shows what is theirs.
        with contextlib.suppress(SehatError):
            in_transaction(
                runtime(request).engine,
                lambda c: shares.revoke(c, principal, share_id, datetime.now(UTC)),
            )
    return RedirectResponse("/me" + _suffix(request), status_code=303)


@router.get("/me/documents/{code}/qr.png")
def my_qr(request: Request, code: str) -> Response:
    """The document's signed QR as an image, to print or show."""
    principal = signed_in(request, Role.HOLDER)
    if principal is None:
        return RedirectResponse("/me" + _suffix(request), status_code=303)
    try:
        with runtime(request).engine.connect() as conn:
            text = documents.qr_text(conn, principal, code)
    except SehatError:
        return Response(status_code=404, headers=NO_STORE)
    png = documents.qr_png(text)
    return Response(png, media_type="image/png", headers=NO_STORE)


@router.get("/me/documents/{code}/credential.json")
def my_credential(request: Request, code: str) -> Response:
    """The document as a W3C Verifiable Credential, to keep in a wallet."""
    principal = signed_in(request, Role.HOLDER)
    if principal is None:
        return RedirectResponse("/me" + _suffix(request), status_code=303)
    state = runtime(request)
    try:
        with state.engine.connect() as conn:
            signed = credentials.verifiable_credential(
                conn,
                principal,
                state.evidence,
                state.reference,
                code,
                state.settings.public_url,
                datetime.now(UTC),
            )
    except SehatError as exc:
        return JSONResponse({"error": exc.message, "error_fa": exc.message_fa}, 409)
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="sehat-{code}.json"'}
    return JSONResponse(signed, media_type="application/vc", headers=headers)


@router.get("/me/documents/{code}/certificate.pdf")
def my_certificate(request: Request, code: str) -> Response:
    """The document's printable certificate (PDF), with its code and QR."""
    principal = signed_in(request, Role.HOLDER)
    if principal is None:
        return RedirectResponse("/me" + _suffix(request), status_code=303)
    state = runtime(request)
    try:
        with state.engine.connect() as conn:
            cert = certificate_pdf.certificate(
                conn, principal, state.evidence, state.reference, code, state.settings.public_url
            )
        pdf = certificate_pdf.render(cert)
    except SehatError as exc:
        status = 503 if isinstance(exc, MissingPartError) else 409
        return JSONResponse({"error": exc.message, "error_fa": exc.message_fa}, status)
    headers = {
        **NO_STORE,
        "Content-Disposition": f'attachment; filename="{certificate_pdf.filename(cert)}"',
    }
    return Response(pdf, media_type="application/pdf", headers=headers)
