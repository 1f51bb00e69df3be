"""``sehat serve``, ``sehat db upgrade|current``, ``sehat token create|list|revoke``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.table import Table

from sehat.config import Settings, load_settings
from sehat.errors import SehatError
from sehat.reference.loader import load_reference
from sehat.services import accounts
from sehat.services.institutions import sync_from_reference
from sehat.services.principal import Principal, Role
from sehat.store.db import check_schema, current_revision, head_revision, make_engine, upgrade

db_app = typer.Typer(help="Database migrations / مهاجرت پایگاه داده", no_args_is_help=True)
token_app = typer.Typer(help="API tokens / توکن‌ها", no_args_is_help=True)
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)
CLI_OPERATOR = Principal(role=Role.OPERATOR, account_id="cli", name="command line")


def _fail(exc: SehatError) -> None:
    err.print(f"[red]{exc.diagnostics()}[/red]")
    raise typer.Exit(2)


def serve_app(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Run the API with uvicorn on ``host:port``."""
    import uvicorn

    from sehat.api.app import create_app

    try:
        # Built once here even with several workers: it checks the database, makes missing
        # keys and logs key events before any worker starts, so workers never race on them.
        app = create_app(settings)
    except SehatError as exc:
        _fail(exc)
        return
    if workers > 1:
        import os

        os.environ["SEHAT_DATA_DIR"] = str(settings.data_dir)
        os.environ["SEHAT_DATABASE_URL"] = settings.database_url
        uvicorn.run(
            "sehat.api.asgi:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
            server_header=False,
        )
        return
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        server_header=False,
    )


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="worker processes"),
) -> None:
    """Serve the API (refuses an unmigrated or newer database)."""
    serve_app(load_settings(), host, port, workers)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    settings = load_settings()
    try:
        engine = make_engine(settings.database_url)
        revision = upgrade(engine)
        with engine.begin() as conn:
            added = sync_from_reference(conn, load_reference(), datetime.now(UTC))
    except SehatError as exc:
        _fail(exc)
        return
    console.print(f"database at revision {revision} / پایگاه داده به‌روز شد")
    if added:
        console.print(f"{added} institutions added from the reference data / موسسه افزوده شد")


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision and the newest one this version knows."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    console.print(
        f"database: {current_revision(engine) or 'not migrated'}; newest: {head_revision()}"
    )


def _engine_ready() -> sa.Engine:
    settings = load_settings()
    engine = make_engine(settings.database_url)
    check_schema(engine)
    return engine


@token_app.command("create")
def token_create(
    role: Role = typer.Option(..., "--role"),
    institution: str | None = typer.Option(None, "--institution", help="registrar: NNNNN"),
    domain: int | None = typer.Option(None, "--domain", help="domain admin: 1-5"),
    national_id: str | None = typer.Option(None, "--national-id", help="holder"),
    label: str = typer.Option("", "--label"),
    name: str = typer.Option("", "--name", help="account name"),
    days: int | None = typer.Option(None, "--days", help="expires after this many days"),
) -> None:
    """Create an account and a token for it; the token is printed once."""
    from sehat.store.tx import in_transaction

    now = datetime.now(UTC)
    try:
        engine = _engine_ready()

        def work(conn: sa.Connection) -> str:
            account = accounts.create_account(
                conn,
                role,
                name or role.value,
                now,
                institution=institution,
                domain=domain,
                national_id=national_id,
            )
            expires = now + timedelta(days=days) if days else None
            token, _ = accounts.create_token(conn, account, now, label=label, expires_at=expires)
            return token

        token = in_transaction(engine, work)
    except SehatError as exc:
        _fail(exc)
        return
    console.print(token)
    err.print("shown once: store it now / فقط یک بار نمایش داده می‌شود")


@token_app.command("list")
def token_list() -> None:
    """Tokens (never their secrets)."""
    try:
        engine = _engine_ready()
    except SehatError as exc:
        _fail(exc)
        return
    with engine.connect() as conn:
        items = accounts.list_tokens(conn, CLI_OPERATOR)
    table = Table(title="tokens / توکن‌ها")
    for col in ("token_id", "prefix", "role", "institution", "domain", "label", "revoked"):
        table.add_column(col)
    for item in items:
        table.add_row(
            *(
                str(item[c] if item[c] is not None else "")
                for c in ("token_id", "prefix", "role", "institution", "domain", "label", "revoked")
            )
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: str) -> None:
    """Revoke a token by its id."""
    from sehat.store.tx import in_transaction

    try:
        engine = _engine_ready()
        in_transaction(
            engine, lambda c: accounts.revoke_token(c, CLI_OPERATOR, token_id, datetime.now(UTC))
        )
    except SehatError as exc:
        _fail(exc)
        return
    console.print("revoked / باطل شد")
