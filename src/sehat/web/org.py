"""The organisation's page (``/org``): upload a CSV of codes and national IDs, see the answers
in a table, download them as CSV — the same bulk verification as the API, under the same
limits (DESIGN §5), written to each holder's access log."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from sehat.api import bulk_csv
from sehat.api.deps import client_address
from sehat.api.runtime import runtime
from sehat.core.persian import to_persian_digits
from sehat.errors import IdCheckLimitError, InputError, Problem
from sehat.services import bulk_verification
from sehat.services.principal import Role
from sehat.web.pages import lang_of, render
from sehat.web.session import end_session, keep_session, refusal, same_origin, signed_in
from sehat.web.words import words

router = APIRouter(include_in_schema=False)
ROLES = (Role.VERIFIER, Role.OPERATOR)
MAX_ROWS = 10_000
MAX_FILE = 20 * 1024 * 1024


def _suffix(request: Request) -> str:
    return "?lang=en" if lang_of(request) == "en" else ""


def _signin(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
    w = words(lang_of(request))
    return render(
        request,
        "signin.html",
        status,
        error=error,
        action="/org/sign-in",
        heading=w["org_signin_title"],
        hint=w["org_token_hint"],
    )


@router.get("/org", response_class=HTMLResponse)
def org_page(request: Request) -> Response:
    """Sign in with the organisation's token, or the upload form."""
    if signed_in(request, *ROLES) is None:
        return _signin(request)
    return render(request, "org.html")


@router.post("/org/sign-in", response_class=HTMLResponse)
def org_sign_in(request: Request, token: str = Form(max_length=200)) -> Response:
    """Check the organisation's token; keep it in the session cookie."""
    refused = refusal(request, token.strip(), ROLES)
    if refused is not None:
        status, word = refused
        said = words(lang_of(request))["not_org" if word == "wrong_role" else word]
        return _signin(request, status, said)
    return keep_session(request, token.strip(), "/org" + _suffix(request))


@router.post("/org/sign-out")
def org_sign_out(request: Request) -> Response:
    """Forget the session."""
    return end_session("/org" + _suffix(request))


@router.post("/org/check", response_class=HTMLResponse)
async def org_check(request: Request, file: UploadFile) -> Response:
    """Check every row of the uploaded CSV; the answers as a table and a CSV to download."""
    principal = signed_in(request, *ROLES)
    if principal is None:
        return _signin(request, 401)
    lang = lang_of(request)
    if not same_origin(request):
        return render(request, "org.html", 403, error=words(lang)["bad_origin"])
    raw = await file.read(MAX_FILE + 1)
    state = runtime(request)
    try:
        if len(raw) > MAX_FILE:
            raise InputError(
                Problem(
                    "file",
                    f"the file is over {MAX_FILE // 2**20} MB",
                    f"پرونده بیش از {to_persian_digits(str(MAX_FILE // 2**20))} مگابایت است",
                    "split it into smaller files",
                    "آن را به پرونده‌های کوچک‌تر تقسیم کنید",
                )
            )
        table = bulk_csv.read(raw, MAX_ROWS)
        results = await run_in_threadpool(
            bulk_verification.check,
            state.engine,
            state.reference,
            state.evidence,
            state.settings,
            principal,
            client_address(request),
            table.items,
            [f"line {line}" for line in table.lines],
        )
    except InputError as exc:
        said = exc.message_fa if lang == "fa" else exc.message
        return render(request, "org.html", 422, error=said)
    except IdCheckLimitError as exc:
        said = exc.message_fa if lang == "fa" else exc.message
        return render(request, "org.html", 429, error=said)
    answer = bulk_csv.write(table.lines, results)
    download = "data:text/csv;charset=utf-8;base64," + base64.b64encode(answer).decode()
    rows = list(zip(table.lines, results, strict=True))
    return render(request, "org.html", rows=rows, download=download, file=file.filename or "")
