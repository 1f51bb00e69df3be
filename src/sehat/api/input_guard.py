"""Text and numbers no field may hold, refused before any route sees it (found by
schemathesis and by hand).

A NUL character (U+0000) or a lone UTF-16 surrogate can arrive in a path, a query or a
JSON string (``"\\u0000"``, ``"\\ud800"``). No code, ID, name or reason contains one, and
neither can be stored: PostgreSQL text refuses NUL and a lone surrogate cannot be encoded
for either database, so without this guard such input reached the database and failed
there, as a 5xx. A JSON body that is not UTF-8 (RFC 8259 §8.1) is refused here too, with
the position of the first bad byte. Each is answered in the one error shape: 400
``malformed_json`` for a body that is not UTF-8, otherwise 422 ``invalid_input`` naming
every field that holds such a character.

Numbers JSON does not have are refused the same way: ``NaN``, ``Infinity`` and
``-Infinity`` (Python's parser accepts them although RFC 8259 §6 does not) and a number too
large for a float (``1e400``, read as infinity). Neither is a value any field can take, and
PostgreSQL refuses both in a JSON column: without this guard a graduation carrying one
failed at the database, as a 5xx.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sehat.api.errors import error_body
from sehat.core.persian import to_persian_digits
from sehat.errors import InputError, Problem

_BODY_METHODS = {"POST", "PUT", "PATCH"}
# Only these escapes can make a NUL or a surrogate; anything else skips the full walk.
_SUSPECT = (b"\\u0000", b"\\ud", b"\\uD")
# Only these can make a number that is not finite: a bare NaN/Infinity, an exponent of three
# digits or more, or 309 digits in a row (over a float's 1.8e308).
_NOT_FINITE = re.compile(rb"NaN|Infinity|[0-9][eE][+-]?[0-9]{3}|[0-9]{309}")


class _NotFinite:
    """Where the body held a number that is not finite, as written."""

    def __init__(self, text: str) -> None:
        self.text = text


def _float(text: str) -> float | _NotFinite:
    value = float(text)
    return value if math.isfinite(value) else _NotFinite(text)


def _unstorable(text: str) -> int | None:
    """The 1-based position of the first NUL or lone surrogate in ``text``, else None."""
    for index, char in enumerate(text):
        if char == "\x00" or "\ud800" <= char <= "\udfff":
            return index + 1
    return None


def _problem(field: str, position: int | None) -> Problem:
    return Problem(
        field,
        "holds a NUL character (U+0000) or a lone surrogate, which no field may hold",
        "نویسه NUL (U+0000) یا نیمه‌جانشین تنها دارد که هیچ فیلدی نمی‌پذیرد",
        "remove that character",
        "آن نویسه را حذف کنید",
        position,
    )


def _not_finite(field: str, written: str) -> Problem:
    shown = written if len(written) <= 20 else written[:17] + "..."
    return Problem(
        field,
        f"{shown} is not a number a field can hold (NaN and Infinity are not numbers in "
        "JSON, and a number beyond 1.8e308 cannot be read)",
        f"{shown} عددی نیست که فیلدی بپذیرد (NaN و Infinity در JSON عدد نیستند و عدد "
        "بزرگ‌تر از 1.8e308 خوانده نمی‌شود)",
        "send a finite number, e.g. 17.25, or leave the field out",
        "عددی متناهی، مثلاً 17.25، بفرستید یا فیلد را نفرستید",
    )


def _walk(value: Any, path: str, out: list[Problem]) -> None:
    if isinstance(value, _NotFinite):
        out.append(_not_finite(path or "body", value.text))
    elif isinstance(value, str):
        at = _unstorable(value)
        if at is not None:
            out.append(_problem(path or "body", at))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", out)
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if _unstorable(key) is not None:
                out.append(_problem(child, None))
            _walk(item, child, out)


def target_problems(scope: Scope) -> list[Problem]:
    """NULs in the request's path or query (decoding already replaced any bad byte)."""
    problems = []
    at = _unstorable(scope.get("path", ""))
    if at is not None:
        problems.append(_problem("path", at))
    query: bytes = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                problems.append(_problem(name.replace("\x00", "?") or "query", None))
    return problems


def body_problems(body: bytes) -> list[Problem]:
    """What is wrong with a JSON body's text; its shape is for the route to judge."""
    if not any(suspect in body for suspect in _SUSPECT) and not _NOT_FINITE.search(body):
        return []
    try:
        document = json.loads(body, parse_constant=_NotFinite, parse_float=_float)
    except (ValueError, RecursionError):
        return []  # not JSON (or nested too deep to read): the route answers 400
    problems: list[Problem] = []
    _walk(document, "", problems)
    return problems


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers") or []:
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return bool(kind == b"application/json" or kind.endswith(b"+json"))
    return False


class InputGuard:
    """Refuses, in the one error shape, text no field may hold (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problems = target_problems(scope)
        if problems:
            await _refuse(scope, receive, send, problems)
            return
        if scope["method"] not in _BODY_METHODS or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        # The route reads the whole JSON body before it starts anyway.
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left, or BodyLimit has already answered 413
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            await _not_utf8(scope, receive, send, exc.start + 1)
            return
        problems = body_problems(body)
        if problems:
            await _refuse(scope, receive, send, problems)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, problems: list[Problem]) -> None:
    err = InputError(problems)
    body = error_body("invalid_input", err.message, err.message_fa, problems, scope=scope)
    await JSONResponse(body, 422)(scope, receive, send)


async def _not_utf8(scope: Scope, receive: Receive, send: Send, position: int) -> None:
    problem = Problem(
        "body",
        f"the body is not UTF-8 at byte {position}",
        f"بدنه درخواست در بایت {to_persian_digits(str(position))} با UTF-8 رمزگذاری نشده است",
        "send one valid JSON document (UTF-8)",
        "یک سند JSON معتبر با رمزگذاری UTF-8 بفرستید",
        position,
    )
    err = InputError(problem)
    body = error_body("malformed_json", err.message, err.message_fa, [problem], scope=scope)
    await JSONResponse(body, 400)(scope, receive, send)
