"""``sehat keys list|rotate|revoke|kek-new``: the signing keys (DESIGN §4) and a fresh
key-encryption key for them."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from sehat.config import load_settings
from sehat.errors import SehatError
from sehat.keystore import KeyStore, Purpose, new_kek, now_utc, resolve_kek

app = typer.Typer(help="Signing keys / کلیدهای امضا", no_args_is_help=True)
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _store() -> KeyStore:
    settings = load_settings()
    kek, generated = resolve_kek(settings.data_dir, settings.kek, production=settings.production)
    if generated:
        err.print(
            "[yellow]using the demo key-encryption key in the data directory; set SEHAT_KEK "
            "for real keys / کلید رمزگذاری آزمایشی[/yellow]"
        )
    return KeyStore(settings.data_dir / "keys", kek)


def _fail(exc: SehatError) -> None:
    err.print(f"[red]{exc.diagnostics()}[/red]")
    raise typer.Exit(2)


@app.command("list")
def list_keys() -> None:
    """Every key: id, purpose, domain, validity and status."""
    try:
        keys = _store().all()
    except SehatError as exc:
        _fail(exc)
        return
    table = Table(title="کلیدها / keys")
    for col in ("kid", "purpose", "domain", "valid from", "valid until", "status"):
        table.add_column(col)
    for key in keys:
        table.add_row(
            key.kid,
            key.purpose.value,
            str(key.domain or ""),
            key.valid_from.date().isoformat(),
            key.valid_until.date().isoformat(),
            key.status.value,
        )
    console.print(table)


@app.command()
def rotate(
    purpose: Purpose = typer.Option(..., "--purpose", help="root, issuing or log"),
    domain: int | None = typer.Option(None, "--domain", help="domain 1-5 (issuing keys)"),
) -> None:
    """Make a new active key; the old one retires but still verifies what it signed."""
    if (purpose is Purpose.ISSUING) != (domain is not None) or (
        domain is not None and not 1 <= domain <= 5
    ):
        err.print(
            "[red]--domain 1-5 is required for issuing keys and only for them / "
            "حوزه فقط برای کلید صدور و الزامی است[/red]"
        )
        raise typer.Exit(2)
    try:
        key = _store().create(purpose, domain, now_utc())
    except SehatError as exc:
        _fail(exc)
        return
    from sehat.services.key_events import log_key_changes

    log_key_changes()
    console.print(f"new {purpose.value} key {key.kid} / کلید جدید {key.kid} ساخته شد")


@app.command()
def revoke(kid: str, reason: str = typer.Option(..., "--reason", help="e.g. compromised")) -> None:
    """Distrust a key."""
    try:
        _store().revoke(kid, reason, now_utc())
    except SehatError as exc:
        _fail(exc)
        return
    from sehat.services.key_events import log_key_changes

    log_key_changes()
    console.print(f"key {kid} revoked / کلید {kid} ابطال شد")


@app.command("kek-new")
def kek_new() -> None:
    """Print a fresh random key-encryption key for SEHAT_KEK (256 bits); nothing is stored."""
    typer.echo(new_kek())  # alone on stdout, so a script can capture it
    err.print(
        "a new key-encryption key: keep it in your secret store and set it as SEHAT_KEK "
        "before the registry's first start; keys sealed under another KEK open only with "
        "that one / کلید رمزگذاری تازه: آن را در گاوصندوق اسرار نگه دارید و پیش از نخستین "
        "راه‌اندازی در SEHAT_KEK بگذارید؛ کلیدهایی که با کلید دیگری رمز شده‌اند فقط با همان "
        "باز می‌شوند"
    )
