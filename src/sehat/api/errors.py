"""Domain errors to HTTP: the only place status codes are chosen. Never a 5xx for input."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sehat.errors import (
    AuthenticationError,
    ConflictError,
    InfrastructureError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    SehatError,
)

log = logging.getLogger("sehat.api")


def _body(
    exc: SehatError, kind: str, problems: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"type": kind, "message": exc.message, "message_fa": exc.message_fa}
    if problems is not None:
        error["problems"] = problems
    return {"error": error}


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or ".".join(str(p) for p in loc)


def _validation_problems(exc: RequestValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        field = _loc(tuple(err.get("loc", ())))
        kind = err.get("type", "")
        if kind == "json_invalid":
            position = (err.get("ctx") or {}).get("error", "")
            problems.append(
                Problem(
                    "body",
                    f"the body is not valid JSON ({position})",
                    "بدنه درخواست JSON معتبر نیست",
                    "send a valid JSON document",
                    "یک JSON معتبر بفرستید",
                )
            )
            continue
        if kind == "extra_forbidden":
            message, fix = "is not a known field", "remove it (see /openapi.json for the fields)"
            message_fa, fix_fa = "فیلد ناشناخته است", "حذفش کنید"
        elif kind == "missing":
            message, fix = "is required", f"give {field}"
            message_fa, fix_fa = "الزامی است", "این فیلد را بفرستید"
        else:
            message, fix = str(err.get("msg", "is not valid")), "correct the value's type or format"
            message_fa, fix_fa = "مقدار یا نوع آن نامعتبر است", "نوع یا قالب مقدار را اصلاح کنید"
        problems.append(Problem(field, message, message_fa, fix, fix_fa))
    return problems


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(_body(exc, "invalid_input", [p.as_dict() for p in exc.problems]), 422)

    @app.exception_handler(AuthenticationError)
    async def _auth(_: Request, exc: AuthenticationError) -> JSONResponse:
        return JSONResponse(
            _body(exc, "unauthenticated"), 401, headers={"WWW-Authenticate": "Bearer"}
        )

    @app.exception_handler(PermissionDeniedError)
    async def _denied(_: Request, exc: PermissionDeniedError) -> JSONResponse:
        return JSONResponse(_body(exc, "forbidden"), 403)

    @app.exception_handler(NotFoundError)
    async def _missing(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse(_body(exc, "not_found"), 404)

    @app.exception_handler(ConflictError)
    async def _conflict(_: Request, exc: ConflictError) -> JSONResponse:
        return JSONResponse(_body(exc, "conflict"), 409)

    @app.exception_handler(InfrastructureError)
    async def _infra(request: Request, exc: InfrastructureError) -> JSONResponse:
        log.error(
            "infrastructure error on %s %s: %s",
            request.method,
            request.url.path,
            type(exc).__name__,
        )
        return JSONResponse(_body(exc, "unavailable"), 503)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = _validation_problems(exc)
        if any(p.field == "body" and "JSON" in p.message for p in problems):
            err = InputError(problems)
            return JSONResponse(_body(err, "malformed_json", [p.as_dict() for p in problems]), 400)
        err = (
            InputError(problems)
            if problems
            else InputError(
                Problem(
                    "request",
                    "is not valid",
                    "درخواست نامعتبر است",
                    "see /openapi.json",
                    "مستندات را ببینید",
                )
            )
        )
        return JSONResponse(_body(err, "invalid_input", [p.as_dict() for p in err.problems]), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        fa = {404: "یافت نشد", 405: "این روش مجاز نیست", 413: "درخواست بیش از حد بزرگ است"}.get(
            exc.status_code, "درخواست نامعتبر است"
        )
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        return JSONResponse(
            {"error": {"type": "http", "message": detail, "message_fa": fa}},
            exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Only the type and the path: never the message (it may hold personal data).
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return JSONResponse(
            {
                "error": {
                    "type": "internal",
                    "message": "an internal error occurred; it was logged without your data",
                    "message_fa": "خطای داخلی رخ داد",
                }
            },
            500,
        )
