"""The registrar's desk (``/registrar``): submit one graduation, the queues (waiting for a
prior degree; graduates' requests for old documents; other institutions' backfill requests)
and one document's correction, suspension and revocation.

The same services and rules as the API (``POST /api/v1/graduations``, ``/registrar/…``,
``/documents/{code}/…``). The graduation form works without JavaScript — the server's answer
writes each field's problem beside the field — and with it (static/registrar.js) each field
is checked as it is typed against the same validation (``POST /registrar/check``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from sehat.api.deps import client_address
from sehat.api.runtime import runtime
from sehat.core.jalali import to_jalali
from sehat.core.record import validate_record
from sehat.errors import IdCheckLimitError, InputError, PermissionDeniedError, SehatError
from sehat.services import documents, holder_requests, issuance, registrar
from sehat.services.documents import CORRECTABLE, RevocationReason
from sehat.services.id_checks import IdCheckCaller, subjects_of
from sehat.services.principal import Principal, Role
from sehat.store.tx import in_transaction
from sehat.web.pages import lang_of, render
from sehat.web.session import end_session, same_origin, signed_in
from sehat.web.staff import by_field, problems_of, said, sign_in, signin_page, suffix
from sehat.web.words import words

router = APIRouter(include_in_schema=False)
PATH = "/registrar"
ROLES = (Role.REGISTRAR,)
MAX_VALUE = 200  # characters of one field, as the record allows

# The form's fields, in DESIGN §3's order: (name, widget, required).
FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("national_id", "id", True),
    ("foreign_id", "id", False),
    ("first_name", "text", True),
    ("last_name", "text", True),
    ("first_name_latin", "latin", False),
    ("last_name_latin", "latin", False),
    ("father_name", "text", False),
    ("birth_date", "date", True),
    ("gender", "select", False),
    ("kind", "select", True),
    ("seminary_level", "select", False),
    ("field_code", "select", True),
    ("program_type", "select", False),
    ("student_number", "latin", True),
    ("entry_date", "date", False),
    ("graduation_date", "date", True),
    ("gpa", "number", False),
    ("prior_code", "code", False),
    ("prior_institution", "number", False),
)
NAMES = tuple(name for name, _, _ in FIELDS)
LABELS = {"national_id": "national_id_field", "kind": "kind", "field_code": "field_code"}
CORRECTABLE_FIELDS = tuple(
    name for name in NAMES if name in CORRECTABLE
)  # courses are corrected over the API


def _labels(request: Request) -> dict[str, str]:
    """Each field's label on this page, for messages that name fields."""
    w = words(lang_of(request))
    return {name: w[LABELS.get(name, name)] for name in NAMES}


def _signin(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
    return signin_page(request, PATH, "registrar_signin", "registrar_token_hint", status, error)


def _options(request: Request, principal: Principal) -> dict[str, list[tuple[str, str]]]:
    """The choices of each select, in the page's language."""
    ref = runtime(request).reference
    fa = lang_of(request) == "fa"
    w = words(lang_of(request))
    assert principal.institution is not None
    domain = int(principal.institution[0])
    fields = sorted(
        (f for f in ref.fields.values() if domain in f.domains),
        key=lambda f: f.name_fa if fa else f.name_en,
    )
    return {
        "gender": [("female", w["female"]), ("male", w["male"])],
        "kind": [(str(k.code), k.name_fa if fa else k.name_en) for k in ref.kinds.values()],
        "seminary_level": [
            (str(s.level), s.name_fa if fa else s.name_en) for s in ref.seminary_levels.values()
        ],
        "field_code": [(f.code, f.name_fa if fa else f.name_en) for f in fields],
        "program_type": [(p, w[p]) for p in ("continuous", "discontinuous", "integrated")],
    }


def _form_values(form: Any) -> dict[str, str]:
    return {name: str(form.get(name) or "")[:MAX_VALUE] for name in NAMES}


def _record(values: dict[str, str], institution: str) -> dict[str, object]:
    """The record as the API would receive it: the filled fields, and the token's institution."""
    raw: dict[str, object] = {k: v.strip() for k, v in values.items() if v.strip()}
    raw["institution"] = institution
    return raw


def _queues(request: Request, principal: Principal) -> dict[str, Any]:
    with runtime(request).engine.connect() as conn:
        return {
            "pending": registrar.pending(conn, principal, None),
            "holder_requests": holder_requests.for_institution(conn, principal, None, "OPEN"),
            "backfill": registrar.backfill_requests(conn, principal, None, "OPEN"),
        }


def _desk(request: Request, principal: Principal, status: int = 200, **extra: Any) -> HTMLResponse:
    ref = runtime(request).reference
    assert principal.institution is not None
    institution = ref.institutions.get(principal.institution)
    return render(
        request,
        "registrar.html",
        status,
        principal=principal,
        institution=institution,
        fields=FIELDS,
        labels=LABELS,
        options=_options(request, principal),
        values=extra.pop("values", {}),
        errors=extra.pop("errors", {}),
        kinds=ref.kinds,
        levels=ref.seminary_levels,
        ref=ref,
        **_queues(request, principal),
        **extra,
    )


def _prefill(request: Request, principal: Principal) -> dict[str, Any]:
    """The form filled from a graduate's request (``?request=``) or another institution's
    backfill request (``?backfill=``): what the request already says."""
    query = request.query_params
    with runtime(request).engine.connect() as conn:
        if query.get("request"):
            for r in holder_requests.for_institution(conn, principal, None, "OPEN"):
                if r["request_id"] == query["request"]:
                    values = {
                        "national_id": r["holder"].get("national_id", ""),
                        "foreign_id": r["holder"].get("foreign_id", ""),
                        "kind": str(r["kind"]),
                        "field_code": r["field"],
                        "student_number": r["student_number"],
                    }
                    return {"values": values, "request_id": r["request_id"]}
        if query.get("backfill"):
            for r in registrar.backfill_requests(conn, principal, None, "OPEN"):
                if r["request_id"] == query["backfill"]:
                    person = r["person"]
                    wanted = r["wanted"][0] if r["wanted"] else {}
                    values = {
                        "national_id": person.get("national_id") or "",
                        "foreign_id": person.get("foreign_id") or "",
                        "first_name": person.get("first_name") or "",
                        "last_name": person.get("last_name") or "",
                        "birth_date": _jalali(person.get("birth_date")),
                        "kind": str(wanted.get("kind") or ""),
                        "seminary_level": str(wanted.get("seminary_level") or ""),
                    }
                    return {"values": values, "backfill_id": r["request_id"]}
    return {}


def _jalali(iso: str | None) -> str:
    if not iso:
        return ""
    from datetime import date

    return to_jalali(date.fromisoformat(iso[:10]))


@router.get(PATH, response_class=HTMLResponse)
def desk(request: Request) -> Response:
    """Sign in, or the desk: the form, the queues, a document to open."""
    principal = signed_in(request, *ROLES)
    if principal is None:
        return _signin(request)
    return _desk(request, principal, **_prefill(request, principal))


@router.post(PATH + "/sign-in", response_class=HTMLResponse)
def desk_sign_in(request: Request, token: str = Form(max_length=200)) -> Response:
    """Check the registrar's token; keep it in the session cookie."""
    return sign_in(
        request, token, ROLES, PATH, "registrar_signin", "registrar_token_hint", "not_registrar"
    )


@router.post(PATH + "/sign-out")
def desk_sign_out(request: Request) -> Response:
    """Forget the session."""
    return end_session(PATH + suffix(request))


@router.post(PATH + "/check")
async def check(request: Request) -> Response:
    """The form's problems so far, field by field, by the same validation as a submission
    (the ladder and the database are consulted on submission only). For the page's script."""
    values = _form_values(await request.form())
    return await run_in_threadpool(_check, request, values)


def _check(request: Request, values: dict[str, str]) -> Response:
    principal = signed_in(request, *ROLES)
    if principal is None or not same_origin(request):
        return JSONResponse({"problems": {}}, 403)
    assert principal.institution is not None
    raw = _record(values, principal.institution)
    try:
        validate_record(raw, runtime(request).reference, today=datetime.now(UTC).date())
    except InputError as exc:
        return JSONResponse({"problems": by_field(request, exc.problems, _labels(request))})
    return JSONResponse({"problems": {}})


@router.post(PATH + "/graduations", response_class=HTMLResponse)
async def submit(request: Request) -> Response:
    """Submit one graduation (or confirm a graduate's request with it): ISSUED, PENDING_PRIOR,
    or REJECTED with each field's problem beside the field."""
    form = await request.form()
    values = _form_values(form)
    request_id = str(form.get("request_id") or "")[:36]
    backfill_id = str(form.get("backfill_id") or "")[:36]
    # The database work and the page off the event loop, as the API's sync routes are.
    return await run_in_threadpool(_submit, request, values, request_id, backfill_id)


def _submit(
    request: Request, values: dict[str, str], request_id: str, backfill_id: str
) -> Response:
    principal = signed_in(request, *ROLES)
    if principal is None:
        return _signin(request, 401)
    keep = {"values": values, "request_id": request_id, "backfill_id": backfill_id}
    if not same_origin(request):
        return _desk(request, principal, 403, error=words(lang_of(request))["bad_origin"], **keep)
    assert principal.institution is not None
    state = runtime(request)
    raw = _record(values, principal.institution)
    now = datetime.now(UTC)
    caller = IdCheckCaller(
        state.settings.id_checks, tuple(subjects_of(principal, client_address(request)))
    )
    try:
        if request_id:
            answer = in_transaction(
                state.engine,
                lambda c: holder_requests.confirm(
                    c, state.reference, state.evidence, principal, caller, request_id, raw, now
                ),
            )
            result = answer["submission"]
        else:
            [one] = in_transaction(
                state.engine,
                lambda c: issuance.Issuer(c, state.reference, now, state.evidence, caller).submit(
                    principal, principal.institution or "", [issuance.Submission(raw)]
                ),
            )
            result = one.as_dict()
    except InputError as exc:
        return _desk(
            request,
            principal,
            422,
            errors=by_field(request, exc.problems, _labels(request)),
            **keep,
        )
    except SehatError as exc:
        status = 429 if isinstance(exc, IdCheckLimitError) else 409
        return _desk(request, principal, status, error=said(request, exc), **keep)
    if result["status"] == "REJECTED":
        return _desk(
            request,
            principal,
            422,
            errors=by_field(request, result["reasons"], _labels(request)),
            **keep,
        )
    reasons = by_field(request, result["reasons"], _labels(request))
    return _desk(request, principal, result=result, result_reasons=list(reasons.values()))


@router.post(PATH + "/holder-requests/decline", response_class=HTMLResponse)
def decline_holder_request(
    request: Request,
    request_id: str = Form(max_length=36),
    reason: str = Form(default="", max_length=2000),
) -> Response:
    """Not in the archive: close a graduate's request with a reason they read."""
    return _decline(request, request_id, reason, holder_requests.decline)


@router.post(PATH + "/backfill-requests/decline", response_class=HTMLResponse)
def decline_backfill(
    request: Request,
    request_id: str = Form(max_length=36),
    reason: str = Form(default="", max_length=2000),
) -> Response:
    """No such degree in the archive: close another institution's request with a reason."""
    return _decline(request, request_id, reason, registrar.decline_backfill)


def _decline(request: Request, request_id: str, reason: str, step: Any) -> Response:
    principal = signed_in(request, *ROLES)
    if principal is None:
        return _signin(request, 401)
    if not same_origin(request):
        return _desk(request, principal, 403, error=words(lang_of(request))["bad_origin"])
    try:
        in_transaction(
            runtime(request).engine,
            lambda c: step(c, principal, request_id, reason, datetime.now(UTC)),
        )
    except SehatError as exc:
        errors = {f"decline-{request_id}": by_field(request, problems_of(exc)).popitem()[1]}
        status = 422 if isinstance(exc, InputError) else 409
        return _desk(request, principal, status, errors=errors)
    return _desk(request, principal, notice=words(lang_of(request))["declined"])


# -- one document ----------------------------------------------------------------------------


def _document_page(
    request: Request, principal: Principal, code: str, status: int = 200, **extra: Any
) -> HTMLResponse:
    try:
        with runtime(request).engine.connect() as conn:
            doc = documents.details(conn, principal, code[:80])
    except SehatError as exc:
        status = 404
        if isinstance(exc, InputError):
            status = 422
        elif isinstance(exc, PermissionDeniedError):
            status = 403
        return _desk(request, principal, status, doc_code=code, errors={"code": said(request, exc)})
    return render(
        request,
        "registrar_document.html",
        status,
        doc=doc,
        reasons=[r.value for r in RevocationReason],
        correctable=CORRECTABLE_FIELDS,
        labels=LABELS,
        errors=extra.pop("errors", {}),
        ref=runtime(request).reference,
        **extra,
    )


@router.get(PATH + "/document", response_class=HTMLResponse)
def document(request: Request, code: str = "") -> Response:
    """One of this institution's documents: its record, versions and what may be done."""
    principal = signed_in(request, *ROLES)
    if principal is None:
        return _signin(request)
    if not code.strip():
        return RedirectResponse(PATH + suffix(request), status_code=303)
    return _document_page(request, principal, code.strip())


def _act(request: Request, code: str, action: str, step: Any) -> Response:
    """Run one lifecycle step on the document and show it again, with what happened or why
    not (beside the form that asked)."""
    principal = signed_in(request, *ROLES)
    if principal is None:
        return _signin(request, 401)
    if not same_origin(request):
        return _document_page(
            request, principal, code, 403, errors={action: words(lang_of(request))["bad_origin"]}
        )
    state = runtime(request)
    try:
        in_transaction(state.engine, lambda c: step(c, principal, datetime.now(UTC)))
    except SehatError as exc:
        errors: dict[str, str] = {}
        for name, text in by_field(request, problems_of(exc), _labels(request)).items():
            # A correction's new value is checked as the record's field it changes.
            if action == "correct" and name not in ("", "reason"):
                name = "value"
            key = f"{action}-{name}" if name else action
            errors[key] = f"{errors[key]}; {text}" if key in errors else text
        status = 422 if isinstance(exc, InputError) else 409
        if isinstance(exc, PermissionDeniedError):
            status = 403
        return _document_page(request, principal, code, status, errors=errors)
    done = words(lang_of(request))[f"done_{action}"]
    return _document_page(request, principal, code, notice=done)


@router.post(PATH + "/document/revoke", response_class=HTMLResponse)
def revoke(
    request: Request,
    code: str = Form(max_length=80),
    reason: str = Form(default="", max_length=40),
    note: str = Form(default="", max_length=2000),
) -> Response:
    """Revoke (final), with one of the API's reason codes."""
    evidence = runtime(request).evidence
    return _act(
        request,
        code,
        "revoke",
        lambda c, p, now: documents.revoke(c, evidence, p, code, reason, note or None, now),
    )


@router.post(PATH + "/document/suspend", response_class=HTMLResponse)
def suspend(
    request: Request, code: str = Form(max_length=80), note: str = Form(default="", max_length=2000)
) -> Response:
    """Suspend while under investigation."""
    evidence = runtime(request).evidence
    return _act(
        request,
        code,
        "suspend",
        lambda c, p, now: documents.suspend(c, evidence, p, code, note or None, now),
    )


@router.post(PATH + "/document/unsuspend", response_class=HTMLResponse)
def unsuspend(request: Request, code: str = Form(max_length=80)) -> Response:
    """Lift a suspension this level may lift."""
    evidence = runtime(request).evidence
    return _act(
        request,
        code,
        "unsuspend",
        lambda c, p, now: documents.unsuspend(c, evidence, p, code, now),
    )


@router.post(PATH + "/document/correct", response_class=HTMLResponse)
def correct(
    request: Request,
    code: str = Form(max_length=80),
    field: str = Form(default="", max_length=40),
    value: str = Form(default="", max_length=MAX_VALUE),
    reason: str = Form(default="", max_length=2000),
) -> Response:
    """A new version with one field corrected; the code stays, the history is kept."""
    state = runtime(request)
    changes: dict[str, object] = {field: value.strip()} if field else {}
    return _act(
        request,
        code,
        "correct",
        lambda c, p, now: documents.correct(
            c, state.evidence, p, state.reference, code, changes, reason, now
        ),
    )
