"""Domain errors to HTTP: the only place status codes are chosen. Never a 5xx for input.

Every error body has one shape (docs/api.md)::

    {"error": {"type": "...", "message": "...", "message_fa": "...", "problems": [...]}}

``problems`` (input errors only) names each field path (``items[3].code``), what is wrong and
how to fix it, in Persian and English.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sehat.errors import (
    AuthenticationError,
    ConflictError,
    GoneError,
    InfrastructureError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    SehatError,
)

log = logging.getLogger("sehat.api")

_STATUS: tuple[tuple[type[SehatError], int, str], ...] = (
    (InputError, 422, "invalid_input"),
    (AuthenticationError, 401, "unauthenticated"),
    (PermissionDeniedError, 403, "forbidden"),
    (GoneError, 410, "gone"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
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
    kind: str, message: str, message_fa: str, problems: list[Problem] | None = None
) -> dict[str, Any]:
    """The one error shape every 4xx/5xx answer has."""
    error: dict[str, Any] = {"type": kind, "message": message, "message_fa": message_fa}
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
                    + (f" (نویسه {pos + 1})" if pos is not None else ""),
                    "send one valid JSON document (UTF-8)",
                    "یک سند JSON معتبر با رمزگذاری UTF-8 بفرستید",
                    None if pos is None else pos + 1,
                )
            )
            continue
        field = field_path(loc)
        if kind == "extra_forbidden":
            message, fix = "is not a known field", "remove it; /openapi.json lists the fields"
            message_fa, fix_fa = (
                "فیلد ناشناخته است",
                "آن را حذف کنید؛ فیلدها در /openapi.json آمده‌اند",
            )
        elif kind == "missing":
            message, fix = "is required", f"give {field}"
            message_fa, fix_fa = "الزامی است", f"فیلد {field} را بفرستید"
        else:
            message = str(err.get("msg", "is not valid"))
            fix = "correct the value's type or format (see /openapi.json)"
            message_fa = "مقدار یا نوع آن نامعتبر است"
            fix_fa = "نوع یا قالب مقدار را اصلاح کنید (/openapi.json)"
        problems.append(Problem(field, message, message_fa, fix, fix_fa))
    return problems or [
        Problem(
            "request",
            "is not valid",
            "درخواست نامعتبر است",
            "see /openapi.json",
            "/openapi.json را ببینید",
        )
    ]


def route_of(scope: Scope) -> str:
    # The route template (``/api/v1/shares/{token}``), not the raw path: a path may carry
    # a share token or a national ID, and neither may reach a log.
    route = scope.get("route")
    return str(getattr(route, "path", "")) or "(no route)"


class HideUnexpected:
    """Turns any unexpected exception into a generic bilingual 500.

    Only the exception type and the route template are logged: an exception's message or
    traceback may hold personal data. The exception is not re-raised, so the server prints
    no traceback either (Starlette's own error middleware would re-raise it).
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
            log.error(
                "unexpected %s on %s %s", type(exc).__name__, scope["method"], route_of(scope)
            )
            if started:
                return  # the answer is on its way; the server closes the connection
            response = JSONResponse(
                error_body(
                    "internal",
                    "an internal error occurred; it was logged without your data — try again later",
                    "خطای داخلی رخ داد و بدون داده‌های شما ثبت شد؛ بعداً دوباره تلاش کنید",
                ),
                500,
            )
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """Register the handlers and the last-resort middleware on ``app``."""

    async def _sehat(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SehatError)
        status, kind = _status_of(exc)
        if status >= 500:
            # The server's fault: the message may name hosts or files, so it stays here.
            log.error("%s on %s %s", type(exc).__name__, request.method, route_of(request.scope))
            return JSONResponse(
                error_body(
                    kind,
                    "the service is unavailable for the moment; try again later",
                    "سامانه موقتاً در دسترس نیست؛ بعداً دوباره تلاش کنید",
                ),
                status,
            )
        problems = exc.problems if isinstance(exc, InputError) else None
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(
            error_body(kind, exc.message, exc.message_fa, problems), status, headers=headers
        )

    async def _invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = _validation_problems(exc)
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            err = InputError(problems)
            return JSONResponse(
                error_body("malformed_json", err.message, err.message_fa, problems), 400
            )
        err = InputError(problems)
        return JSONResponse(error_body("invalid_input", err.message, err.message_fa, problems), 422)

    async def _http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 413:
            message = "the request body is too large; split it into smaller batches"
        else:
            message = exc.detail if isinstance(exc.detail, str) else "the request is not valid"
        return JSONResponse(
            error_body("http", message, _HTTP_FA.get(exc.status_code, "درخواست نامعتبر است")),
            exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    app.add_exception_handler(SehatError, _sehat)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_middleware(HideUnexpected)
