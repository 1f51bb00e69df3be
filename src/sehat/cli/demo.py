"""``sehat demo``: a fresh demo registry in SEHAT_DATA_DIR (SQLite), then serve it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from sehat.config import default_database_url, load_settings
from sehat.core import code as authcode
from sehat.core.persian import to_persian_digits
from sehat.demo import seed
from sehat.keystore import KeyStore, resolve_kek
from sehat.reference.loader import load_reference
from sehat.services import accounts
from sehat.services.evidence import Evidence
from sehat.services.institutions import sync_from_reference
from sehat.services.key_events import sync_key_events
from sehat.services.principal import Role
from sehat.store import schema as t
from sehat.store.db import make_engine, upgrade
from sehat.store.files import make_private_dir

console = Console(highlight=False)
MARKER = ".sehat-demo"


def demo(
    port: int = typer.Option(8000, "--port"),
    host: str = typer.Option("127.0.0.1", "--host"),
    rows: int = typer.Option(2600, "--rows", help="synthetic graduations to issue"),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="serve after seeding"),
) -> None:
    """Seed a fresh demo registry (SQLite in SEHAT_DATA_DIR), print codes and tokens, serve."""
    settings = load_settings()
    data = settings.data_dir
    if data.exists() and any(data.iterdir()) and not (data / MARKER).exists():
        console.print(
            f"[red]{data} holds data that is not a demo; point SEHAT_DATA_DIR at an empty "
            f"directory / این پوشه داده غیرآزمایشی دارد[/red]"
        )
        raise typer.Exit(2)
    if data.exists():
        shutil.rmtree(data)
    make_private_dir(data)
    (data / MARKER).write_text("demo data: safe to delete\n")
    settings = replace(settings, database_url=default_database_url(data))
    engine = make_engine(settings.database_url)
    upgrade(engine)
    reference = load_reference()
    now = datetime.now(UTC)
    kek, generated = resolve_kek(data, None, production=False)
    keystore = KeyStore(data / "keys", kek)
    keystore.ensure(now)
    if generated:
        console.print(
            "[yellow]demo: generated a key-encryption key in the data directory; "
            "production needs SEHAT_KEK / کلید رمزگذاری آزمایشی ساخته شد[/yellow]"
        )
    with engine.begin() as conn:
        sync_from_reference(conn, reference, now)
        sync_key_events(conn, keystore, now)
    with Progress(console=console) as progress:
        task = progress.add_task("issuing / صدور", total=rows)
        summary = seed(
            engine,
            reference,
            Evidence(keystore, reference),
            rows=rows,
            progress=lambda n: progress.advance(task, n),
        )
    tokens, asked = _tokens(engine, now)
    _print(summary, tokens, asked)
    if serve:
        from sehat.cli.server import serve_app

        base = f"http://{host}:{port}"
        console.print(
            f"\nserving on {base}  (API: {base}/docs)  Ctrl+C to stop\n"
            "pages, each signed in with the token of its role printed above / صفحه‌ها، هر یک "
            "با توکن نقش خود:\n"
            f"  {base}/           verify a code (anyone) / استعلام\n"
            f"  {base}/me         the holder (or national ID + a one-time code in this log) / "
            "دارنده\n"
            f"  {base}/org        an organisation (verifier) / سازمان استعلام‌کننده\n"
            f"  {base}/registrar  the registrar / کارشناس دانش‌آموختگی\n"
            f"  {base}/audit      the auditor / بازرس\n"
            f"  {base}/admin      the operator / اپراتور ملی",
            markup=False,
        )
        serve_app(settings, host, port)


def _tokens(engine: sa.Engine, now: datetime) -> tuple[dict[str, str], str]:
    """A token per role, and the institution the registrar's is for: the one asked most
    often to register an earlier degree (so its backfill requests are there to see)."""
    with engine.connect() as conn:
        target = conn.execute(
            sa.select(t.backfill_requests.c.target_institution, sa.func.count())
            .where(t.backfill_requests.c.target_institution.is_not(None))
            .group_by(t.backfill_requests.c.target_institution)
            .order_by(sa.func.count().desc())
            .limit(1)
        ).first()
        holder = conn.execute(
            sa.select(t.persons.c.national_id)
            .join(t.documents, t.documents.c.person_id == t.persons.c.id)
            .where(t.persons.c.national_id.is_not(None))
            .order_by(t.documents.c.id)
            .limit(1)
        ).scalar()
    institution = target[0] if target else "10001"
    scopes: list[tuple[Role, dict[str, Any]]] = [
        (Role.OPERATOR, {}),
        (Role.DOMAIN_ADMIN, {"domain": 1}),
        (Role.REGISTRAR, {"institution": institution}),
        (Role.HOLDER, {"national_id": holder}),
        (Role.VERIFIER, {}),
        (Role.AUDITOR, {}),
    ]
    out = {}
    with engine.begin() as conn:
        for role, scope in scopes:
            account = accounts.create_account(conn, role, f"demo {role.value}", now, **scope)
            token, _ = accounts.create_token(conn, account, now, label="demo")
            shown = "" if role is Role.HOLDER else next(iter(scope.values()), "")
            label = role.value + (f" ({shown})" if shown else "")
            out[label] = token
    return out, institution


_STATUS_FA = {"ISSUED": "صادرشده", "PENDING_PRIOR": "در انتظار مدرک قبلی", "REJECTED": "ردشده"}


def waiting_note(waiting: int, institution: str) -> str:
    """What the PENDING_PRIOR rows mean and how those documents get issued, in English and
    Persian, for the person trying the demo."""
    fa_count, fa_institution = to_persian_digits(str(waiting)), to_persian_digits(institution)
    return (
        f"PENDING_PRIOR: {waiting} documents wait for the holder's earlier degree, which is not "
        "registered: the demo holds back the earlier degree of about one person in twenty. "
        "Each one sent a backfill request to the institution that granted the earlier degree; "
        "when that institution registers it, the waiting document is issued by itself. The "
        f"registrar token below is for institution {institution}, the one asked most often: "
        "it lists its requests with GET /api/v1/registrar/backfill-requests.\n"
        f"در انتظار مدرک قبلی: {fa_count} مدرک منتظر ثبت مدرک قبلی دارنده‌اند؛ این نمونه "
        "مدرک قبلی حدود یک نفر از هر بیست نفر را عمداً ثبت نمی‌کند. برای هر یک، درخواست ثبت "
        "مدرک قبلی به موسسه صادرکننده آن فرستاده شده است و با ثبت مدرک قبلی در آن موسسه، "
        "مدرک منتظر خودکار صادر می‌شود. توکن کارشناس ثبت در جدول زیر برای موسسه "
        f"{fa_institution} است که بیش از همه از آن درخواست شده است؛ درخواست‌های آن با "
        "GET /api/v1/registrar/backfill-requests دیده می‌شود."
    )


def _print(summary: object, tokens: dict[str, str], asked: str) -> None:
    from sehat.demo import DemoSummary

    assert isinstance(summary, DemoSummary)
    table = Table(title="demo registry / ثبت آزمایشی")
    table.add_column("status / وضعیت")
    table.add_column("at first / ابتدا", justify="right")
    table.add_column("now / اکنون", justify="right")
    for status in sorted(summary.statuses.keys() | summary.now.keys()):
        label = f"{status} / {_STATUS_FA.get(status, status)}"
        table.add_row(label, str(summary.statuses.get(status, 0)), str(summary.now.get(status, 0)))
    console.print(table)
    console.print(
        "at first: the answer when submitted; now: after seeding (a document whose earlier "
        "degree arrived later in the run was issued then)\n"
        "ابتدا: پاسخ هنگام ارسال؛ اکنون: پس از پایان ساخت نمونه (مدرکی که مدرک قبلی‌اش "
        "بعداً در همین اجرا رسید، همان زمان صادر شد)",
        markup=False,
    )
    waiting = summary.now.get("PENDING_PRIOR", 0)
    if waiting:
        console.print(waiting_note(waiting, asked), markup=False)
    codes = Table(title="sample codes / نمونه کدها")
    codes.add_column("what")
    codes.add_column("code")
    for label, code in sorted(summary.samples.items()):
        codes.add_row(label, authcode.format_code(code))
    console.print(codes)
    tok = Table(title="tokens (demo only) / توکن‌ها")
    tok.add_column("role")
    tok.add_column("token")
    for label, token in tokens.items():
        tok.add_row(label, token)
    console.print(tok)
