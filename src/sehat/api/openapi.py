"""The error answers in ``/openapi.json``: declared once here for every operation.

FastAPI documents a route's success answer and its own 422 (with a body we never send).
Every error answer of this API has the one shape of ``errors.error_body``; this module puts
that shape in the description as ``components.schemas.Error`` and declares, per operation,
the statuses it can answer with, from what the route takes:

=========================================  =================================================
every operation                            429 (``Retry-After``), 503
a parameter or a body                      422
a JSON body                                400 (not JSON), 413 (over the size limit)
an optional bearer token (public routes)   401 (a malformed, unknown or revoked token)
a required bearer token                    401, 403, 404 (what it names may not exist)
a path parameter                           404
POST, PUT, PATCH, DELETE with a token      409
=========================================  =================================================

It also says what the request schemas alone cannot:

- every text a request carries is free of U+0000 (NUL), which no field may hold
  (api/input_guard.py): a string without a pattern of its own gets ``^[^\\u0000]*$``;
- the fields an operation may still refuse for their meaning (``x-sehat-refuses``, see
  api/shapes.py) are listed in its description, in words;
- OpenAPI links from what an operation creates to the operations that use it (a submission's
  code to the document, a share link's token to opening and revoking it, …), which clients
  and the stateful tests follow.

Schemathesis checks every answer against this (tests/integration/test_openapi_fuzz.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from sehat.api.deps import get_optional_principal, get_principal

_REF = "#/components/schemas/Error"

_PROBLEM: dict[str, Any] = {
    "title": "ErrorProblem",
    "description": "One thing wrong with the input: where, what, and how to fix it.",
    "type": "object",
    "properties": {
        "field": {"type": "string", "description": "the field path, e.g. items[3].code"},
        "problem": {"type": "string"},
        "problem_fa": {"type": "string"},
        "fix": {"type": "string"},
        "fix_fa": {"type": "string"},
        "position": {
            "type": "integer",
            "minimum": 1,
            "description": "1-based position of the fault in a code or a JSON body",
        },
    },
    "required": ["field", "problem", "problem_fa", "fix", "fix_fa"],
    "additionalProperties": False,
}

_ERROR: dict[str, Any] = {
    "title": "Error",
    "description": "Every 4xx and 5xx answer (docs/api.md, Errors). خطا: پیام فارسی و انگلیسی.",
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "type": {
                    "type": "string",
                    "description": "invalid_input, malformed_json, unauthenticated, forbidden, "
                    "not_found, conflict, too_large, unavailable, internal, http, …",
                },
                "message": {"type": "string"},
                "message_fa": {"type": "string"},
                "error_id": {
                    "type": "string",
                    "description": "new for every answer; quote it to the operator, who "
                    "finds it in the server's log",
                },
                "problems": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/ErrorProblem"},
                    "description": "input errors only",
                },
            },
            "required": ["type", "message", "message_fa", "error_id"],
            "additionalProperties": False,
        }
    },
    "required": ["error"],
    "additionalProperties": False,
}

_WHEN = {
    400: "The body is not valid JSON (`malformed_json`, with the position) / بدنه JSON نیست",
    401: "No bearer token, or a malformed, unknown, revoked or expired one / توکن نامعتبر",
    403: "Outside the caller's role, institution or domain / خارج از نقش یا موسسه",
    404: "No such document, submission, request, account or token / یافت نشد",
    409: "Clashes with what is stored / با داده‌های ثبت‌شده تعارض دارد",
    410: "The share link expired or was revoked by its holder / پیوند منقضی یا لغو شده است",
    413: "The body is over the size limit: split it / بدنه بیش از حد بزرگ است",
    422: "A field is unknown, missing or invalid; `problems` names each / ورودی نامعتبر",
    429: "Over the rate limit: retry after `Retry-After` seconds / بیش از حد مجاز",
    503: "The database or key store cannot be used just now / موقتاً در دسترس نیست",
}

_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "always `Bearer`",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "seconds to wait",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        }
    },
}

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any] | None]:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def _flat(dependant: Dependant, kind: str) -> bool:
    if getattr(dependant, kind):
        return True
    return any(_flat(sub, kind) for sub in dependant.dependencies)


def error_statuses(route: APIRoute, method: str) -> set[int]:
    """The error statuses ``method route.path`` can answer with (the table above)."""
    calls = set(_calls(route.dependant))
    required = get_principal in calls
    optional = get_optional_principal in calls
    path = _flat(route.dependant, "path_params")
    body = route.body_field is not None
    params = body or any(
        _flat(route.dependant, kind)
        for kind in ("path_params", "query_params", "header_params", "cookie_params")
    )
    statuses = {429, 503}
    if params:
        statuses.add(422)
    if body:
        statuses |= {400, 413}
    if required or optional:
        statuses.add(401)
    if required:
        statuses |= {403, 404}
    if path:
        statuses.add(404)
    if method in _WRITES and required:
        statuses.add(409)
    return statuses | _EXTRA.get((method, route.path), set())


# What the rules above cannot see from a route's signature.
_EXTRA: dict[tuple[str, str], set[int]] = {
    # Reads its token by hand (the tokenless fast path shares its code): a bad token is 401.
    ("GET", "/api/v1/verify/{code}"): {401},
    # Reads a CSV body by hand: too large, or a file whose header cannot be used.
    ("POST", "/api/v1/verify/batch/csv"): {413, 422},
    # A share link that expired or was revoked.
    ("GET", "/api/v1/shares/{token}"): {410},
    # A credential only for a VALID document whose record matches its signatures.
    ("GET", "/api/v1/documents/{code}/vc"): {409},
}


def _response(status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": _WHEN[status],
        "content": {"application/json": {"schema": {"$ref": _REF}}},
    }
    if status in _HEADERS:
        answer["headers"] = _HEADERS[status]
    return answer


NO_NUL = "^[^\\u0000]*$"

# (method, path, status) -> {link name: (operationId-free target, parameters, description)}
_LINKS: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}


def _link(
    source: tuple[str, str, str], name: str, method: str, path: str, parameters: dict[str, str]
) -> None:
    _LINKS.setdefault(source, {})[name] = {
        "operationRef": "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method,
        "parameters": parameters,
    }


_SUBMITTED = ("post", "/api/v1/graduations", "201")
_link(
    _SUBMITTED,
    "GetSubmission",
    "get",
    "/api/v1/graduations/{submission_id}",
    {"submission_id": "$response.body#/submission_id"},
)
_link(
    _SUBMITTED, "GetDocument", "get", "/api/v1/documents/{code}", {"code": "$response.body#/code"}
)
_link(_SUBMITTED, "VerifyCode", "get", "/api/v1/verify/{code}", {"code": "$response.body#/code"})
_link(_SUBMITTED, "GetQr", "get", "/api/v1/documents/{code}/qr", {"code": "$response.body#/code"})
_SHARED = ("post", "/api/v1/me/shares", "201")
_link(_SHARED, "OpenShare", "get", "/api/v1/shares/{token}", {"token": "$response.body#/token"})
_link(
    _SHARED,
    "RevokeShare",
    "delete",
    "/api/v1/me/shares/{token}",
    {"token": "$response.body#/token"},
)
_link(
    ("post", "/api/v1/admin/tokens", "201"),
    "RevokeToken",
    "delete",
    "/api/v1/admin/tokens/{token_id}",
    {"token_id": "$response.body#/token_id"},
)
_link(
    ("post", "/api/v1/admin/institutions", "201"),
    "UpdateInstitution",
    "patch",
    "/api/v1/admin/institutions/{code}",
    {"code": "$response.body#/code"},
)
_link(
    ("post", "/api/v1/me/backfill-requests", "201"),
    "DeclineHolderRequest",
    "post",
    "/api/v1/registrar/holder-requests/{request_id}/decline",
    {"request_id": "$response.body#/request_id"},
)
_link(
    ("post", "/api/v1/imports", "202"),
    "GetImport",
    "get",
    "/api/v1/imports/{import_id}",
    {"import_id": "$response.body#/import_id"},
)


def _no_nul(schema: Any, components: dict[str, Any], seen: set[str]) -> None:
    """Give every free string in ``schema`` (and the components it names) the NUL rule."""
    if isinstance(schema, list):
        for item in schema:
            _no_nul(item, components, seen)
        return
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            _no_nul(components.get(name), components, seen)
        return
    if schema.get("type") == "string" and not {"pattern", "enum", "const", "format"} & set(schema):
        schema["pattern"] = NO_NUL
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "$defs"):
            for child in value.values():
                _no_nul(child, components, seen)
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "not"):
            _no_nul(value, components, seen)


def _requests(operation: dict[str, Any]) -> Iterator[Any]:
    for parameter in operation.get("parameters", ()):
        yield parameter.get("schema")
    for content in operation.get("requestBody", {}).get("content", {}).values():
        yield content.get("schema")


def _say_refusals(operation: dict[str, Any]) -> None:
    rules = operation.get("x-sehat-refuses")
    if not rules:
        return
    lines = "\n".join(f"- `{field}`: {rule}" for field, rule in rules.items())
    operation["description"] = (
        operation.get("description", "").rstrip()
        + "\n\nBeyond its schema, this operation may refuse (422, `problems` naming the "
        "field) only:\n" + lines
    )


def declare_errors(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Make ``app.openapi()`` declare the error answers, in the Error schema, of every
    operation of ``routers`` (as included in ``app``, without a further prefix)."""
    generate = app.openapi
    routes = [
        route
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
    ]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = generate()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas["Error"] = _ERROR
        schemas["ErrorProblem"] = _PROBLEM
        for route in routes:
            for method in route.methods or ():
                operation = spec["paths"].get(route.path_format, {}).get(method.lower())
                if operation is None:
                    continue
                responses = operation.setdefault("responses", {})
                for status in sorted(error_statuses(route, method)):
                    responses[str(status)] = _response(status)
        seen: set[str] = set()
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                for schema in _requests(operation):
                    _no_nul(schema, schemas, seen)
                _say_refusals(operation)
                for status, answer in operation.get("responses", {}).items():
                    links = _LINKS.get((method, path, status))
                    if links:
                        answer["links"] = links
        # FastAPI's own 422 body ({"detail": [...]}) is never sent: errors.install answers.
        if "#/components/schemas/HTTPValidationError" not in json.dumps(spec["paths"]):
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
