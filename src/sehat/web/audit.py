"""The inspector's page (``/audit``): the latest checkpoint, the log's entries page by page,
and the audit run on demand with its report — the same services as ``GET /api/v1/log/…``
and ``GET /api/v1/audit`` (auditor only, like the API's audit)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from sehat.api.runtime import runtime
from sehat.core.log_entry import parse_leaf
from sehat.services import transparency
from sehat.services.audit import run_audit
from sehat.services.principal import Principal, Role
from sehat.store.tx import in_transaction, snapshot
from sehat.web.pages import lang_of, render
from sehat.web.session import end_session, same_origin, signed_in
from sehat.web.staff import sign_in, signin_page, suffix
from sehat.web.words import words

router = APIRouter(include_in_schema=False)
PATH = "/audit"
ROLES = (Role.AUDITOR,)
PAGE = 50


def _signin(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
    return signin_page(request, PATH, "audit_signin", "audit_token_hint", status, error)


def _entry(item: dict[str, Any]) -> dict[str, Any]:
    leaf = base64.b64decode(item["leaf_input"])
    try:
        fields = parse_leaf(leaf)
    except ValueError:
        fields = {}
    return {
        "index": item["index"],
        "event": str(fields.get("event", "")),
        "code": str(fields.get("code", "") or ""),
        "version": fields.get("version"),
        "time": str(fields.get("time", "")),
        "leaf": json.dumps(fields, ensure_ascii=False, sort_keys=True) if fields else leaf[:200],
    }


def _page(request: Request, principal: Principal, status: int = 200, **extra: Any) -> HTMLResponse:
    state = runtime(request)
    now = datetime.now(UTC)
    keys = state.evidence.keys()
    note = in_transaction(
        state.engine,
        lambda c: transparency.latest_checkpoint(c, keys, state.settings.log_origin, now),
    )
    lines = note.split("\n")
    size = int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else 0
    try:
        start = max(0, int(request.query_params.get("start", "0")))
    except ValueError:
        start = 0
    start = min(start, max(0, size - 1))
    entries: list[dict[str, Any]] = []
    if size:
        with state.engine.connect() as conn:
            found = transparency.entries(conn, start, min(size, start + PAGE))
        entries = [_entry(e) for e in found["entries"]]
    return render(
        request,
        "audit.html",
        status,
        principal=principal,
        note=note,
        origin=lines[0] if lines else "",
        size=size,
        root=lines[2] if len(lines) > 2 else "",
        entries=entries,
        start=start,
        page=PAGE,
        **extra,
    )


@router.get(PATH, response_class=HTMLResponse)
def audit_page(request: Request) -> Response:
    """Sign in, or the checkpoint, a page of entries and the button that runs the audit."""
    principal = signed_in(request, *ROLES)
    if principal is None:
        return _signin(request)
    return _page(request, principal)


@router.post(PATH + "/sign-in", response_class=HTMLResponse)
def audit_sign_in(request: Request, token: str = Form(max_length=200)) -> Response:
    """Check the auditor's token; keep it in the session cookie."""
    return sign_in(request, token, ROLES, PATH, "audit_signin", "audit_token_hint", "not_auditor")


@router.post(PATH + "/sign-out")
def audit_sign_out(request: Request) -> Response:
    """Forget the session."""
    return end_session(PATH + suffix(request))


@router.post(PATH + "/run", response_class=HTMLResponse)
def audit_run(request: Request) -> Response:
    """Recompute the log, check every checkpoint, re-verify every document version."""
    principal = signed_in(request, *ROLES)
    if principal is None:
        return _signin(request, 401)
    if not same_origin(request):
        return _page(request, principal, 403, error=words(lang_of(request))["bad_origin"])
    state = runtime(request)

    def work() -> dict[str, Any]:
        with snapshot(state.engine) as conn:
            return run_audit(
                conn, state.keystore, state.reference, state.settings.log_origin
            ).as_dict()

    report = work()
    return _page(request, principal, report=report, checked_at=datetime.now(UTC).isoformat())
