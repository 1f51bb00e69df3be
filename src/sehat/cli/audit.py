"""``sehat audit``: recompute the log and re-verify every document; exit 0 only when all is well."""

from __future__ import annotations

import typer
from rich.console import Console

from sehat.config import load_settings
from sehat.core.persian import to_persian_digits
from sehat.errors import SehatError
from sehat.keystore import KeyStore, resolve_kek
from sehat.reference.loader import load_reference
from sehat.services.audit import run_audit
from sehat.store.db import check_schema, make_engine
from sehat.store.tx import snapshot

console = Console(highlight=False)


def audit() -> None:
    """Audit the registry: log, checkpoints, every signed version, keys."""
    settings = load_settings()
    try:
        engine = make_engine(settings.database_url)
        check_schema(engine)
        kek, _ = resolve_kek(settings.data_dir, settings.kek, production=settings.production)
        keystore = KeyStore(settings.data_dir / "keys", kek)
        with snapshot(engine) as conn:
            report = run_audit(conn, keystore, load_reference(), settings.log_origin)
    except SehatError as exc:
        console.print(f"[red]{exc.diagnostics()}[/red]")
        raise typer.Exit(2) from None
    console.print(
        f"leaves {report.leaves}, checkpoints {report.checkpoints}, documents "
        f"{report.documents}, versions {report.versions}"
    )
    if report.ok:
        console.print("[green]✓ all checks out / همه چیز درست است[/green]")
        return
    count = len(report.mismatches)
    console.print(f"[red]✗ {count} mismatch(es) / {to_persian_digits(str(count))} ناهمخوانی[/red]")
    for m in report.mismatches:
        detail = f" (expected {m.expected}, found {m.found})" if m.expected or m.found else ""
        console.print(f"{m.subject}: {m.what}{detail}", soft_wrap=True, markup=False)
    raise typer.Exit(1)
