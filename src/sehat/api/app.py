"""The FastAPI application: built from settings, refusing a database it cannot serve."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sehat import __version__
from sehat.api import docs_pages, errors
from sehat.api.allow import HeadAsGet
from sehat.api.answer_headers import AnswerHeaders
from sehat.api.fastpath import PublicVerify
from sehat.api.input_guard import InputGuard
from sehat.api.openapi import declare_errors
from sehat.api.ratelimit import RateLimit, TokenAccounts, parse_limit
from sehat.api.request_log import RequestLines, RequestLog
from sehat.api.routes import (
    access_log,
    admin,
    audit,
    documents,
    graduations,
    imports,
    log,
    me,
    reference,
    registrar,
    shares,
    trust,
    verify,
)
from sehat.api.runtime import Runtime
from sehat.config import Settings
from sehat.core.persian import to_persian_digits
from sehat.keystore import KeyStore, resolve_kek
from sehat.reference.loader import load_reference
from sehat.services import verification
from sehat.services.access_log import AccessBuffer
from sehat.services.access_retention import DailyCompaction
from sehat.services.evidence import Evidence
from sehat.services.imports import ImportThreads
from sehat.services.institutions import sync_from_reference
from sehat.services.key_events import sync_key_events
from sehat.store.db import check_schema, make_engine, sqlite_files
from sehat.store.files import check_private
from sehat.store.prewarm import Prewarm
from sehat.web import admin as admin_pages
from sehat.web import audit as audit_pages
from sehat.web import holder as holder_pages
from sehat.web import org as org_pages
from sehat.web import pages
from sehat.web import registrar as registrar_pages

WEB_STATIC = Path(pages.__file__).parent / "static"

# DESIGN §7 batches (5,000 records with transcripts) fit comfortably in 20 MB; a backfill
# file sent to POST /api/v1/imports may be far larger (it is streamed to disk).
MAX_BODY = 20 * 1024 * 1024
UPLOADS = {"/api/v1/imports": imports.MAX_UPLOAD}
# Seconds of failed access-log writes before /readyz says the database is away: a command
# beside the server may hold SQLite's write lock for a few seconds without it being news.
DATABASE_AWAY = 10.0


class BodyLimit:
    """413, in the JSON error shape, for a request body over ``limit`` bytes.

    A declared ``Content-Length`` over the limit is refused before anything is read; a
    streamed body is counted as it arrives and refused at the first byte over, so an
    oversized upload never sits whole in memory. (Starlette's own limit answers in plain
    text, which clients of this API could not parse.)
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.default = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = UPLOADS.get(scope["path"], self.default)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0
        started = refused = False

        async def counting() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    refused = True
                    if not started:
                        await self._refuse(scope, receive, send, limit)
                    # The app sees a client that went away and stops reading.
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is already out; the app's own answer is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting, guarded)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        mb = limit // (1024 * 1024)
        body = errors.error_body(
            "too_large",
            f"the request body is over {mb} MB; split it into smaller batches",
            f"بدنه درخواست بیش از {to_persian_digits(str(mb))} مگابایت است؛ "
            "آن را در دسته‌های کوچک‌تر بفرستید",
            scope=scope,
        )
        await JSONResponse(body, 413, headers={"Connection": "close"})(scope, receive, send)


class SehatApp(FastAPI):
    """FastAPI with layers of our own *outside* its whole middleware stack.

    ``outer`` wraps the stack FastAPI builds (its error and exception layers included), so
    the request log, the rate limiter and the public-verification fast path run before any
    of the framework's per-request work; each handles its own failures.
    """

    outer: Callable[[ASGIApp], ASGIApp] | None = None
    runtime: Runtime  # set once by create_app; read through api/runtime.runtime()

    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()
        return self.outer(inner) if self.outer is not None else inner


def create_app(
    settings: Settings, *, engine: sa.Engine | None = None, keystore: KeyStore | None = None
) -> SehatApp:
    """The API for ``settings``.

    Raises InfrastructureError, before anything is served, for a database that is not
    migrated or is newer than this version (``sehat db upgrade`` / upgrade Sehat), and in
    production for a data directory, keys or registry files that other users may read
    (naming the ``chmod`` that fixes them; store/files.py).
    Reference institutions missing from the database are added; existing rows are kept.
    """
    if settings.production:
        check_private(
            settings.data_dir,
            sqlite_files(engine.url if engine is not None else settings.database_url),
        )
    public_limit = parse_limit(settings.rate_limit_public, "SEHAT_RATE_LIMIT_PUBLIC")
    token_limit = parse_limit(settings.rate_limit_org, "SEHAT_RATE_LIMIT_ORG")
    if engine is None:
        engine = make_engine(settings.database_url)
        try:
            check_schema(engine)
        except Exception:
            engine.dispose()
            raise
    else:
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

    buffer = AccessBuffer(engine)
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    evidence = Evidence(keystore, ref)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        reference=ref,
        keystore=keystore,
        evidence=evidence,
        public_read=verification.reader(engine),
        # SQLite reads are local and take microseconds: the public verification reads on
        # the event loop. Anything over a network goes through the thread pool.
        inline_reads=engine.dialect.name == "sqlite",
        access_buffer=buffer,
        # Once a day, public-tier rows past SEHAT_ACCESS_LOG_DAYS are folded into daily
        # counts (services/access_retention.py); nothing runs when it is 0.
        compaction=DailyCompaction(
            engine, settings.access_log_days, first_after=settings.access_log_compact_after
        ),
        prewarm=(
            Prewarm(Path(database))
            if settings.prewarm and database and database != ":memory:" and Path(database).exists()
            else None
        ),
        key_refresher=evidence.refresher(),
        request_lines=RequestLines(),
        imports=ImportThreads(),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        running = app.runtime
        running.start()
        try:
            yield
        finally:
            running.stop()  # what the access log holds is written before the process ends

    app = SehatApp(
        lifespan=lifespan,
        title="Sehat / صحت",
        version=__version__,
        description="The national authenticity-code system for academic documents. "
        "سامانه ملی کد صحت مدارک تحصیلی.",
        openapi_url="/openapi.json",
        # Served from the package, not a CDN (api/docs_pages.py).
        docs_url=None,
        redoc_url=None,
    )
    app.runtime = runtime
    errors.install(app)
    routers = (
        verify,  # first: the busiest route is matched without trying the others
        reference,
        graduations,
        documents,
        shares,
        me,
        registrar,
        admin,
        log,
        trust,
        audit,
        access_log,
        imports,
    )
    for module in routers:
        app.include_router(module.router)
    # The pages (web/): the same services, server-rendered; their files from the package.
    app.include_router(pages.router)
    app.include_router(holder_pages.router)
    app.include_router(org_pages.router)
    app.include_router(registrar_pages.router)
    app.include_router(audit_pages.router)
    app.include_router(admin_pages.router)
    app.mount("/static", StaticFiles(directory=WEB_STATIC), name="static")
    docs_pages.install(app, "/openapi.json")
    declare_errors(app, (module.router for module in routers))

    @app.get("/healthz", tags=["service / سامانه"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers (not rate-limited; for load balancers)."""
        return {"status": "ok", "version": __version__}

    @app.get(
        "/readyz",
        tags=["service / سامانه"],
        responses={
            503: {
                "description": "Still reading the registry into memory, or the database "
                "refusing writes / در حال آماده‌شدن یا پایگاه داده در دسترس نیست",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        },
    )
    def readyz() -> JSONResponse:
        """Readiness: 200 once the registry is in memory (SQLite, store/prewarm.py), 503 while
        it is still being read, or while the database has refused the access log's writes
        for DATABASE_AWAY seconds; for load balancers that should wait. Not rate-limited."""
        buffer = app.runtime.access_buffer
        away = buffer.failing_for(time.monotonic())
        if away is not None and away >= DATABASE_AWAY:
            seconds, dropped = str(round(away)), str(buffer.dropped)
            body = errors.error_body(
                "unavailable",
                f"the database has refused writes for {seconds} s (the access log is kept "
                "in memory and written when it accepts them again; "
                f"{dropped} rows dropped over the buffer's limit since start)",
                f"پایگاه داده {to_persian_digits(seconds)} ثانیه است که نوشتن را نمی‌پذیرد "
                "(گزارش دسترسی‌ها در حافظه نگه داشته و پس از آن نوشته می‌شود؛ "
                f"{to_persian_digits(dropped)} ردیف بیش از گنجایش حافظه کنار گذاشته شد)",
            )
            return JSONResponse(body, 503, headers={"Retry-After": "5"})
        warm = app.runtime.prewarm
        if warm is None or warm.done.is_set():
            return JSONResponse({"status": "ready", "version": __version__})
        percent = round(warm.progress() * 100)
        body = errors.error_body(
            "warming",
            f"the registry is being read into memory ({percent}%); try again in a few seconds",
            f"سامانه در حال بارگذاری دفتر مدارک در حافظه است ({to_persian_digits(str(percent))}٪)؛ "
            "چند ثانیه دیگر دوباره تلاش کنید",
        )
        return JSONResponse(body, 503, headers={"Retry-After": "2"})

    app.add_middleware(InputGuard)  # inside BodyLimit: it never buffers an oversized body
    app.add_middleware(BodyLimit)
    app.outer = lambda inner: RequestLog(  # refused requests are logged too
        # HEAD wherever GET is served, counted and limited as the GET it is.
        HeadAsGet(
            # A refused request costs no body reading, no database and no thread.
            RateLimit(
                # The busiest path, before the framework is entered; then no-store, nosniff and
                # relative redirects on every other answer.
                PublicVerify(AnswerHeaders(inner), app),
                public=public_limit,
                token=token_limit,
                redis_url=settings.redis_url,
                namespace=settings.rate_limit_namespace,
                accounts=TokenAccounts(engine, inline=runtime.inline_reads),
            ),
            lambda: app.router.routes,
        ),
        runtime.request_lines,
    )
    return app
