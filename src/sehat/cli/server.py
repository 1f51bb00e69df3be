"""``sehat serve``, ``sehat db upgrade|current``, ``sehat account create|list`` and
``sehat token create|list|revoke``.

Settings come from the environment (SEHAT_DATA_DIR, SEHAT_DATABASE_URL). A problem the
operator can fix (an unmigrated database, a wrong scope) is printed in Persian and English
without a traceback, and the command exits 2.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, TypeVar

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sehat.config import Settings, load_settings
from sehat.core.persian import to_persian_digits
from sehat.errors import InfrastructureError, SehatError
from sehat.reference.loader import load_reference
from sehat.services import accounts
from sehat.services.institutions import sync_from_reference
from sehat.services.principal import Principal, Role
from sehat.spawning import spawned_without_main
from sehat.store.db import check_schema, current_revision, head_revision, make_engine, upgrade
from sehat.store.tx import in_transaction

db_app = typer.Typer(help="Database migrations / مهاجرت پایگاه داده", no_args_is_help=True)
token_app = typer.Typer(help="API tokens / توکن‌ها", no_args_is_help=True)
account_app = typer.Typer(help="Accounts / حساب‌ها", no_args_is_help=True)
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)
CLI_OPERATOR = Principal(role=Role.OPERATOR, account_id="cli", name="command line")
T = TypeVar("T")


def _fail(exc: SehatError) -> NoReturn:
    err.print(exc.diagnostics(), style="red", markup=False)
    raise typer.Exit(2)


def guarded(step: Callable[[], T]) -> T:
    """Run ``step``; a SehatError or an unreachable database exits 2 with a clear message."""
    try:
        return step()
    except SehatError as exc:
        _fail(exc)
    except sa.exc.SQLAlchemyError as exc:
        # The driver's text names host and user but never the password; no traceback.
        _fail(
            InfrastructureError(
                f"the database cannot be used ({type(exc).__name__}: "
                f"{str(getattr(exc, 'orig', None) or exc).splitlines()[0]}); "
                "check SEHAT_DATABASE_URL and that the server is running",
                "پایگاه داده در دسترس نیست؛ SEHAT_DATABASE_URL و روشن بودن سرور را بررسی کنید",
            )
        )


def engine_for(settings: Settings, *, memory_map: bool = True, bulk: bool = False) -> sa.Engine:
    """An engine for the configured database (``bulk``: for ``sehat import``, see
    :func:`make_engine`); a URL that is not one is an InfrastructureError."""
    try:
        return make_engine(settings.database_url, memory_map=memory_map, bulk=bulk)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise InfrastructureError(
            f"SEHAT_DATABASE_URL is not a database URL ({exc}); use sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST/DB",
            "SEHAT_DATABASE_URL نشانی پایگاه داده معتبری نیست",
        ) from None


def _ready() -> sa.Engine:
    """The database named by the environment, refused unless it is at the newest revision."""
    engine = engine_for(load_settings())
    check_schema(engine)
    return engine


def serve_app(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Run the API with uvicorn on ``host:port``; exits 2 for a database it cannot serve."""
    import uvicorn

    from sehat.api.app import create_app
    from sehat.api.asgi import settle_process

    if "SEHAT_PUBLIC_URL" not in os.environ and port:
        # Links the API hands out (share links) point at this server unless told otherwise.
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        settings = replace(settings, public_url=f"http://{shown}:{port}")
        os.environ["SEHAT_PUBLIC_URL"] = settings.public_url  # for worker processes
    # Built once here even with several workers: it checks the database, makes missing keys
    # and logs key events before any worker starts, so workers never race on them.
    app = guarded(lambda: create_app(settings))
    if workers > 1:
        # The workers build their own; this process only supervises them and must hold no
        # connection (nor, on SQLite, a lock) of its own while they serve.
        app.runtime.engine.dispose()
        os.environ["SEHAT_DATA_DIR"] = str(settings.data_dir)
        os.environ["SEHAT_DATABASE_URL"] = settings.database_url
        with spawned_without_main():
            uvicorn.run(
                "sehat.api.asgi:app_factory",
                factory=True,
                workers=workers,
                host=host,
                port=port,
                log_config=log_config(),
                access_log=False,  # paths can carry share tokens: sehat.requests logs templates
                server_header=False,
                # uvicorn kills a worker that does not answer its health check within this
                # many seconds, counted from the worker's spawn: a new interpreter must start
                # and import uvicorn before its answering thread exists. Its 5 s was exceeded
                # on a loaded 2-core machine (up to 9 s measured; workers killed at start, no
                # traceback). 30 s by default: over three times that, and a graceful restart
                # (SIGHUP), which waits this long for each new worker's whole start-up, took
                # 10-25 s there. A worker that really hangs is still replaced, after this long.
                timeout_worker_healthcheck=settings.worker_healthcheck_timeout,
                **proxy_options(settings),
            )
        return
    settle_process()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=log_config(),
        access_log=False,
        server_header=False,
        **proxy_options(settings),
    )


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy settings from SEHAT_TRUSTED_PROXIES.

    uvicorn believes ``X-Forwarded-For`` from 127.0.0.1 unless told otherwise, so any local
    caller (or a proxy that passes the header through) could choose its client address, and
    with it its rate limit. Only the named proxies are believed; with none, the client
    address is the socket's.
    """
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(settings.trusted_proxies)}


def log_config() -> dict[str, Any]:
    """uvicorn's logging, plus Sehat's own loggers (one line per request, warnings, errors)
    at SEHAT_LOG_LEVEL (default info); applied in every worker process."""
    from uvicorn.config import LOGGING_CONFIG

    level = os.environ.get("SEHAT_LOG_LEVEL", "info").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        level = "INFO"
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["sehat"] = {
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        "datefmt": "%Y-%m-%dT%H:%M:%S%z",
    }
    config["handlers"]["sehat"] = {
        "formatter": "sehat",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["sehat"] = {"handlers": ["sehat"], "level": level, "propagate": False}
    config["loggers"]["uvicorn"]["level"] = level
    return config


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="0: any free port"),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="worker processes"),
) -> None:
    """Serve the API (refuses an unmigrated or newer database, exit 2)."""
    serve_app(guarded(load_settings), host, port, workers)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema and add missing reference institutions."""

    def step() -> tuple[str, int]:
        engine = engine_for(load_settings())
        revision = upgrade(engine)
        with engine.begin() as conn:
            added = sync_from_reference(conn, load_reference(), datetime.now(UTC))
        engine.dispose()
        return revision, added

    revision, added = guarded(step)
    console.print(f"database at revision {revision} / پایگاه داده به‌روز شد")
    if added:
        console.print(
            f"{added} institutions added from the reference data / "
            f"{to_persian_digits(str(added))} موسسه از داده‌های مرجع افزوده شد"
        )


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision and the newest one this version knows."""
    engine = guarded(lambda: engine_for(load_settings()))
    current = guarded(lambda: current_revision(engine))
    head = head_revision()
    if current == head:
        try:
            check_schema(engine)  # on SQLite, also where the access log is
            state = "up to date / به‌روز"
        except SehatError as exc:
            state = f"{exc.message} / {exc.message_fa}"
    elif current is None:
        state = "not migrated: run `sehat db upgrade` / مهاجرت داده نشده"
    else:
        state = "differs from this version: see `sehat serve` / با این نسخه یکی نیست"
    console.print(f"database: {current or '-'}; newest known: {head}; {state}", markup=False)


@db_app.command("reseal")
def db_reseal(
    everything: bool = typer.Option(
        False, "--all", help="recompute every seal, not only missing or stale ones"
    ),
) -> None:
    """Seal every signed version whose signatures check out (rows from before the seal, or
    after a KEK change), so verification takes the fast path again. Exit 1 if any version's
    signatures do not check out: it is listed and left unsealed."""
    from sehat.keystore import KeyStore, resolve_kek
    from sehat.services.evidence import Evidence, reseal

    def step() -> Any:
        settings = load_settings()
        engine = _ready()
        kek, _ = resolve_kek(settings.data_dir, settings.kek, production=settings.production)
        evidence = Evidence(KeyStore(settings.data_dir / "keys", kek), load_reference())
        with engine.begin() as conn:
            report = reseal(conn, evidence, everything=everything)
        engine.dispose()
        return report

    report = guarded(step)
    console.print(
        f"sealed {report.sealed}, unchanged {report.unchanged}, refused {len(report.refused)} "
        "/ مهر شد"
    )
    for code, version, why in report.refused:
        console.print(f"{code} v{version}: {why}", markup=False)
    if report.refused:
        raise typer.Exit(1)


@account_app.command("create")
def account_create(
    role: Role = typer.Option(..., "--role"),
    name: str = typer.Option(..., "--name", help="who holds it, e.g. 'Registrar, Univ. X'"),
    institution: str | None = typer.Option(None, "--institution", help="registrar: NNNNN"),
    domain: int | None = typer.Option(None, "--domain", help="domain admin: 1-5"),
    national_id: str | None = typer.Option(None, "--national-id", help="holder"),
) -> None:
    """Create an account; prints its id (give it to `sehat token create --account`)."""
    now = datetime.now(UTC)
    engine = guarded(_ready)
    account_id = guarded(
        lambda: in_transaction(
            engine,
            lambda c: accounts.create_account(
                c, role, name, now, institution=institution, domain=domain, national_id=national_id
            ),
        )
    )
    console.print(account_id)


@account_app.command("list")
def account_list() -> None:
    """Every account (no national IDs)."""
    engine = guarded(_ready)
    with engine.connect() as conn:
        items = accounts.list_accounts(conn, CLI_OPERATOR)
    table = Table(title="accounts / حساب‌ها", box=None, title_justify="left")
    for col in ("account_id", "role", "scope", "name", "active"):
        table.add_column(col, no_wrap=col in ("account_id", "role"))
    for a in items:
        table.add_row(
            a.account_id,
            a.role.value,
            a.institution or (f"domain {a.domain}" if a.domain else ""),
            Text(a.name),
            "yes" if a.active else "no",
        )
    console.print(table)


@token_app.command("create")
def token_create(
    role: Role | None = typer.Option(None, "--role", help="makes a new account of this role"),
    institution: str | None = typer.Option(None, "--institution", help="registrar: NNNNN"),
    domain: int | None = typer.Option(None, "--domain", help="domain admin: 1-5"),
    national_id: str | None = typer.Option(None, "--national-id", help="holder"),
    account: str | None = typer.Option(None, "--account", help="an existing account's id"),
    label: str = typer.Option("", "--label"),
    name: str = typer.Option("", "--name", help="name of the new account"),
    days: int | None = typer.Option(None, "--days", min=1, help="expires after this many days"),
) -> None:
    """Create a token (and, with --role, its account); the token is printed once."""
    if (role is None) == (account is None):
        err.print(
            "give either --role (a new account) or --account ID (an existing one) / "
            "یا --role یا --account را بدهید",
            style="red",
            markup=False,
        )
        raise typer.Exit(2)
    now = datetime.now(UTC)
    engine = guarded(_ready)

    def work(conn: sa.Connection) -> str:
        account_id = account
        if role is not None:
            account_id = accounts.create_account(
                conn,
                role,
                name or role.value,
                now,
                institution=institution,
                domain=domain,
                national_id=national_id,
            )
        assert account_id is not None
        expires = now + timedelta(days=days) if days else None
        token, _ = accounts.create_token(conn, account_id, now, label=label, expires_at=expires)
        return token

    token = guarded(lambda: in_transaction(engine, work))
    console.print(token, markup=False)
    err.print("shown once: store it now / فقط همین یک بار نمایش داده می‌شود", markup=False)


@token_app.command("list")
def token_list() -> None:
    """Tokens (never their secrets)."""
    engine = guarded(_ready)
    with engine.connect() as conn:
        items = accounts.list_tokens(conn, CLI_OPERATOR)
    table = Table(title="tokens / توکن‌ها", box=None, title_justify="left")
    for col in ("token_id", "prefix", "role", "scope", "label", "state"):
        # Ids stay whole on one line so they can be copied into `sehat token revoke`.
        table.add_column(col, no_wrap=col in ("token_id", "prefix", "role"))
    for i in items:
        if i.revoked_at:
            state = "revoked"
        elif i.expires_at:
            state = "expires " + i.expires_at.date().isoformat()
        else:
            state = "active"
        table.add_row(
            i.token_id,
            i.prefix + "…",
            i.role.value,
            i.institution or (f"domain {i.domain}" if i.domain else ""),
            Text(i.label),
            state,
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: str) -> None:
    """Revoke a token by its id (see `sehat token list`); it stops working at once."""
    engine = guarded(_ready)
    now = datetime.now(UTC)
    guarded(
        lambda: in_transaction(
            engine, lambda c: accounts.revoke_token(c, CLI_OPERATOR, token_id, now)
        )
    )
    console.print("revoked / باطل شد")
