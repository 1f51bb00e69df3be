"""The FastAPI application: built from settings, refusing a database it cannot serve."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sehat import __version__
from sehat.api import errors
from sehat.api.routes import (
    admin,
    audit,
    documents,
    graduations,
    log,
    reference,
    registrar,
    trust,
    verify,
)
from sehat.config import Settings
from sehat.keystore import KeyStore, resolve_kek
from sehat.reference.loader import load_reference
from sehat.services.evidence import Evidence
from sehat.services.institutions import sync_from_reference
from sehat.services.key_events import sync_key_events
from sehat.store.db import check_schema, make_engine

MAX_BODY = 20 * 1024 * 1024  # a 5,000-record batch with transcripts fits comfortably


class BodyLimit:
    """413 for request bodies over ``limit`` bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(send, self.limit)
            return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counting, send)
        except _TooLarge:
            await _too_large(send, self.limit)


class _TooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "error": {
                "type": "too_large",
                "message": f"the request body is over {limit // (1024 * 1024)} MB; "
                "split it into smaller batches",
                "message_fa": "بدنه درخواست بیش از حد بزرگ است؛ آن را در دسته‌های کوچک‌تر بفرستید",
            }
        },
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(
    settings: Settings, *, engine: sa.Engine | None = None, keystore: KeyStore | None = None
) -> FastAPI:
    """The API for ``settings``; raises InfrastructureError for an unusable database."""
    engine = engine or make_engine(settings.database_url)
    check_schema(engine)
    ref = load_reference()
    with engine.begin() as conn:
        sync_from_reference(conn, ref, datetime.now(UTC))
    if keystore is None:
        kek, _generated = resolve_kek(
            settings.data_dir, settings.kek, production=settings.production
        )
        keystore = KeyStore(settings.data_dir / "keys", kek)
        keystore.ensure(datetime.now(UTC))
    with engine.begin() as conn:
        sync_key_events(conn, keystore, datetime.now(UTC))

    app = FastAPI(
        title="Sehat / صحت",
        version=__version__,
        description="The national authenticity-code system for academic documents. "
        "سامانه ملی کد صحت مدارک تحصیلی.",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.reference = ref
    app.state.keystore = keystore
    app.state.evidence = Evidence(keystore, ref)
    errors.install(app)
    routers = (reference, graduations, documents, verify, registrar, admin, log, trust, audit)
    for module in routers:
        app.include_router(module.router)
    app.add_middleware(BodyLimit)
    return app
