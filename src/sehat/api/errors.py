"""Domain errors to HTTP: the only place status codes are chosen. Never a 5xx for input.

Every error body has one shape (docs/api.md)::

    {"error": {"type": "...", "message": "...", "message_fa": "...", "error_id": "...",
               "problems": [...]}}

``problems`` (input errors only) names each field path (``items[3].code``), what is wrong and
how to fix it, in Persian and English. ``error_id`` is new for every answer: the request log
line carries it, and for a 5xx so does one line naming the exception's type and the file:line
of its frames — never its message, arguments or values (``sehat.faults``), which may hold
personal data. A caller quotes the id; the operator finds the fault.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import psycopg
import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sehat.api.allow import allowed_methods
from sehat.core.persian import to_persian_digits
from sehat.errors import (
    AuthenticationError,
    ConflictError,
    GoneError,
    IdCheckLimitError,
    InfrastructureError,
    InputError,
    MissingPartError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    SehatError,
)
from sehat.faults import describe, new_error_id

log = logging.getLogger("sehat.api")
ERROR_ID = "sehat.error_id"  # scope key: the error id of this request's answer (request log)

_STATUS: tuple[tuple[type[SehatError], int, str], ...] = (
    (InputError, 422, "invalid_input"),
    (AuthenticationError, 401, "unauthenticated"),
    (PermissionDeniedError, 403, "forbidden"),
    (GoneError, 410, "gone"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (IdCheckLimitError, 429, "id_check_budget"),
    (InfrastructureError, 503, "unavailable"),
)

_HTTP_FA = {
    404: "این نشانی وجود ندارد",
    405: "این روش (method) برای این نشانی مجاز نیست",
    413: "بدنه درخواست بیش از حد بزرگ است؛ آن را در دسته‌های کوچک‌تر بفرستید",
}


def _status_of(exc: SehatError) -> tuple[int, str]:
    for cls, status, kind in _STATUS:
        if isinstance(exc, cls):
            return status, kind
    return 500, "internal"  # a SehatError without a mapping of its own is the server's fault


def error_body(
    kind: str,
    message: str,
    message_fa: str,
    problems: list[Problem] | None = None,
    *,
    scope: Scope | None = None,
    error_id: str | None = None,
) -> dict[str, Any]:
    """The one error shape every 4xx/5xx answer has, with a new ``error_id`` (or the one
    given); noted in ``scope``, when given, for the request log line."""
    error_id = error_id or new_error_id()
    if scope is not None:
        scope[ERROR_ID] = error_id
    error: dict[str, Any] = {
        "type": kind,
        "message": message,
        "message_fa": message_fa,
        "error_id": error_id,
    }
    if problems is not None:
        error["problems"] = [p.as_dict() for p in problems]
    return {"error": error}


def field_path(loc: tuple[Any, ...]) -> str:
    """Pydantic's error location as a path a person reads: ``items[3].code``."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or (str(loc[0]) if loc else "request")


# Pydantic's error types, in Persian and English, with the fix; {x} are its context values.
_SHAPE: dict[str, tuple[str, str, str, str]] = {
    "extra_forbidden": (
        "is not a known field",
        "فیلد ناشناخته است",
        "remove it; /openapi.json lists the fields",
        "آن را حذف کنید؛ فیلدها در /openapi.json آمده‌اند",
    ),
    "missing": ("is required", "الزامی است", "give {field}", "فیلد {field} را بفرستید"),
    "string_too_long": (
        "is longer than {max_length} characters",
        "بیش از {max_length} نویسه است",
        "shorten it",
        "آن را کوتاه کنید",
    ),
    "string_too_short": (
        "is shorter than {min_length} characters",
        "کمتر از {min_length} نویسه است",
        "give the whole value",
        "مقدار کامل را بفرستید",
    ),
    "too_long": (
        "has more than {max_length} items",
        "بیش از {max_length} مورد دارد",
        "split it into several requests",
        "آن را در چند درخواست بفرستید",
    ),
    "too_short": (
        "has fewer than {min_length} items",
        "کمتر از {min_length} مورد دارد",
        "give at least {min_length}",
        "دست‌کم {min_length} مورد بفرستید",
    ),
    "greater_than_equal": (
        "must be at least {ge}",
        "باید دست‌کم {ge} باشد",
        "give a number from {ge} up",
        "عددی از {ge} به بالا بدهید",
    ),
    "less_than_equal": (
        "must be at most {le}",
        "باید حداکثر {le} باشد",
        "give a number up to {le}",
        "عددی تا {le} بدهید",
    ),
    "int_parsing": (
        "is not a whole number",
        "عدد صحیح نیست",
        "give digits only, e.g. 3600",
        "فقط رقم بنویسید؛ مثلاً ۳۶۰۰",
    ),
    "int_type": (
        "must be a whole number",
        "باید عدد صحیح باشد",
        "give a number without quotes",
        "عدد را بدون گیومه بفرستید",
    ),
    "string_type": (
        "must be text",
        "باید متن باشد",
        'put the value in quotes: "…"',
        "مقدار را در گیومه بگذارید",
    ),
    "list_type": (
        "must be a list",
        "باید فهرست باشد",
        "send a JSON array: [ … ]",
        "یک آرایه JSON بفرستید: [ … ]",
    ),
    "dict_type": (
        "must be an object",
        "باید شیء باشد",
        "send a JSON object: { … }",
        "یک شیء JSON بفرستید: { … }",
    ),
    "model_type": (
        "must be an object",
        "باید شیء باشد",
        "send a JSON object: { … }",
        "یک شیء JSON بفرستید: { … }",
    ),
}


def problem_of(err: Any, field: str) -> Problem:
    """One pydantic error as a bilingual problem naming ``field`` and the fix."""
    known = _SHAPE.get(str(err.get("type", "")))
    if known is None:
        return Problem(
            field,
            str(err.get("msg", "is not valid")),
            "مقدار یا نوع آن نامعتبر است",
            "correct the value's type or format (see /openapi.json)",
            "نوع یا قالب مقدار را اصلاح کنید (/openapi.json)",
        )
    values = {str(k): v for k, v in (err.get("ctx") or {}).items()} | {"field": field}
    # Persian text prints its numbers in Persian digits (۶۰, not 60).
    values_fa = {
        k: to_persian_digits(str(v)) if isinstance(v, int | float) else v for k, v in values.items()
    }
    try:
        texts = [text.format(**(values_fa if i % 2 else values)) for i, text in enumerate(known)]
    except (KeyError, IndexError):
        texts = list(known)
    return Problem(field, texts[0], texts[1], texts[2], texts[3])


def _validation_problems(exc: RequestValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        kind = err.get("type", "")
        if kind == "json_invalid":
            # FastAPI puts the character offset of the decode error in the location.
            pos = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
            reason = (err.get("ctx") or {}).get("error", "not JSON")
            where = f" at character {pos + 1}" if pos is not None else ""
            problems.append(
                Problem(
                    "body",
                    f"the body is not valid JSON{where}: {reason}",
                    "بدنه درخواست JSON معتبر نیست"
                    + (f" (نویسه {to_persian_digits(str(pos + 1))})" if pos is not None else ""),
                    "send one valid JSON document (UTF-8)",
                    "یک سند JSON معتبر با رمزگذاری UTF-8 بفرستید",
                    None if pos is None else pos + 1,
                )
            )
            continue
        problems.append(problem_of(err, field_path(loc)))
    return problems or [
        Problem(
            "request",
            "is not valid",
            "درخواست نامعتبر است",
            "see /openapi.json",
            "/openapi.json را ببینید",
        )
    ]


def log_fault(exc: BaseException, scope: Scope, status: int) -> str:
    """One line for a 5xx: a new error id, the status, the exception's type, the method and
    route template, and the file:line of each frame; returns the id for the answer."""
    error_id = new_error_id()
    log.error(
        "error_id=%s %d %s %s: %s",
        error_id,
        status,
        scope.get("method", "-"),
        route_of(scope),
        describe(exc),
    )
    return error_id


def route_of(scope: Scope) -> str:
    # The route template (``/api/v1/shares/{token}``), not the raw path: a path may carry
    # a share token or a national ID, and neither may reach a log.
    route = scope.get("route")
    return str(getattr(route, "path", "")) or "(no route)"


class HideUnexpected:
    """Turns any unexpected exception into a generic bilingual 500.

    Only an error id, the exception type, the route template and the file:line of each frame
    are logged (:func:`log_fault`): an exception's message or values may hold personal data.
    The exception is not re-raised, so the server prints no traceback either (Starlette's own
    error middleware would re-raise it).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = outer_failed = False

        async def tracking(message: Message) -> None:
            nonlocal started, outer_failed
            if message["type"] == "http.response.start":
                started = True
            try:
                await send(message)
            except BaseException:
                outer_failed = True  # the layers around us signal through send; not ours
                raise

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if outer_failed:
                raise
            if started:
                log_fault(exc, scope, fault_status(exc))
                return  # the answer is on its way; the server closes the connection
            await fault_answer(exc, scope)(scope, receive, send)


def fault_answer(exc: BaseException, scope: Scope) -> JSONResponse:
    """The logged answer to an unexpected exception: 503/507 when the database is away or
    full (nothing was stored; try again), else the generic 500."""
    status = fault_status(exc)
    error_id = log_fault(exc, scope, status)
    if status == 500:
        return JSONResponse(unexpected_body(scope, error_id), 500)
    body, headers = unavailable_body(scope, error_id, status)
    return JSONResponse(body, status, headers=headers)


def fault_status(exc: BaseException) -> int:
    """507 when the database's disk is full, 503 when the database cannot be reached (or is
    busy past its wait), else 500: a fault of ours. Takes SQLAlchemy's wrapped errors and
    the drivers' own (the public fast path reads at the driver level)."""
    wrapped = isinstance(exc, sa.exc.DBAPIError)
    orig = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
    driver = type(orig).__module__.split(".")[0]
    if not wrapped and driver not in ("psycopg", "sqlite3"):
        return 500
    text = str(orig).lower()
    if getattr(orig, "sqlstate", None) == "53100" or "disk is full" in text:
        return 507
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return 503
    if isinstance(orig, sqlite3.OperationalError):
        # SQLite says OperationalError for a wrong query too: only these mean "away".
        away = ("database is locked", "disk i/o error", "unable to open database")
        return 503 if any(a in text for a in away) else 500
    if isinstance(orig, psycopg.OperationalError | psycopg.InterfaceError):
        return 503  # the server cannot be reached, shut down, or dropped the connection
    return 500


def unavailable_body(
    scope: Scope, error_id: str, status: int
) -> tuple[dict[str, Any], dict[str, str]]:
    """The answer while the database is away (503) or its disk is full (507): nothing was
    stored; try again."""
    if status == 507:
        body = error_body(
            "insufficient_storage",
            f"the registry's storage is full; nothing was stored (error id {error_id}); "
            "try again later",
            f"فضای ذخیره‌سازی سامانه پر است و چیزی ثبت نشد (شناسه {error_id})؛ بعداً دوباره "
            "تلاش کنید",
            scope=scope,
            error_id=error_id,
        )
        return body, {"Retry-After": "60"}
    body = error_body(
        "unavailable",
        f"the registry's database cannot be reached for the moment; nothing was stored "
        f"(error id {error_id}); try again in a few seconds",
        f"پایگاه داده سامانه موقتاً در دسترس نیست و چیزی ثبت نشد (شناسه {error_id})؛ چند "
        "ثانیه دیگر دوباره تلاش کنید",
        scope=scope,
        error_id=error_id,
    )
    return body, {"Retry-After": "5"}


def unexpected_body(scope: Scope, error_id: str) -> dict[str, Any]:
    """The answer to a fault of ours: generic but for its error id."""
    return error_body(
        "internal",
        f"an internal error occurred; it was logged without your data as {error_id} "
        "— try again later, or quote that id to the operator",
        f"خطای داخلی رخ داد و بدون داده‌های شما با شناسه {error_id} ثبت شد؛ بعداً دوباره "
        "تلاش کنید یا این شناسه را به پشتیبانی بدهید",
        scope=scope,
        error_id=error_id,
    )


def install(app: FastAPI) -> None:
    """Register the handlers and the last-resort middleware on ``app``."""

    async def _sehat(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SehatError)
        status, kind = _status_of(exc)
        if status >= 500:
            # The server's fault: the message may name hosts or files, so it stays here
            # (a missing package's message names only the package, and is said as it is).
            error_id = log_fault(exc, request.scope, status)
            message = "the service is unavailable for the moment; try again later"
            message_fa = "سامانه موقتاً در دسترس نیست؛ بعداً دوباره تلاش کنید"
            if isinstance(exc, MissingPartError):
                message, message_fa = exc.message, exc.message_fa
            return JSONResponse(
                error_body(
                    kind,
                    message,
                    message_fa,
                    scope=request.scope,
                    error_id=error_id,
                ),
                status,
            )
        problems = exc.problems if isinstance(exc, InputError) else None
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, IdCheckLimitError):
            headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(
            error_body(kind, exc.message, exc.message_fa, problems, scope=request.scope),
            status,
            headers=headers,
        )

    async def _invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = _validation_problems(exc)
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            err = InputError(problems)
            return JSONResponse(
                error_body(
                    "malformed_json", err.message, err.message_fa, problems, scope=request.scope
                ),
                400,
            )
        err = InputError(problems)
        return JSONResponse(
            error_body("invalid_input", err.message, err.message_fa, problems, scope=request.scope),
            422,
        )

    async def _http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 413:
            message = "the request body is too large; split it into smaller batches"
        else:
            message = exc.detail if isinstance(exc.detail, str) else "the request is not valid"
        fa = _HTTP_FA.get(exc.status_code, "درخواست نامعتبر است")
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            allowed = allowed_methods(request.app.router.routes, request.scope)
            headers["Allow"] = ", ".join(allowed)
            message = f"{request.method} is not allowed here; this path accepts " + (
                ", ".join(allowed)
            )
        return JSONResponse(
            error_body("http", message, fa, scope=request.scope),
            exc.status_code,
            headers=headers or None,
        )

    app.add_exception_handler(SehatError, _sehat)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_middleware(HideUnexpected)
