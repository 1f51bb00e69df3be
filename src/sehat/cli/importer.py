"""``sehat import FILE``: a registrar's old spreadsheet or export into the registry (DESIGN §7).

Exit 0 when the whole file was processed, whatever was rejected; 2 for a file or header it
cannot read (nothing stored), a database it cannot use, or a row further down it cannot read
(the rows before it are stored: fix the file and run the same command again).
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from sehat.cli.server import engine_for, guarded
from sehat.config import load_settings
from sehat.core.persian import to_persian_digits
from sehat.core.record import Assurance
from sehat.importer.run import ImportOptions, ImportReport, run_import
from sehat.importer.workers import default_workers
from sehat.keystore import KeyStore, resolve_kek
from sehat.reference.loader import load_reference
from sehat.services.evidence import Evidence
from sehat.services.institutions import sync_from_reference
from sehat.services.key_events import sync_key_events
from sehat.store.db import check_schema
from sehat.store.tx import in_transaction

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)
PLAIN_EVERY = 5.0  # seconds between progress lines when not on a terminal
POOL_FROM = 5_000  # rows: a smaller file is done before worker processes would have started
POOL_FROM_BYTES = 1 << 20  # an XLSX (rows not counted beforehand) of this size or more


def _rows_in(path: Path) -> int | None:
    """Data rows of a CSV, counted by lines (quick; an estimate for the ETA), or None."""
    if path.suffix.lower() != ".csv":
        return None
    with path.open("rb") as f:
        return max(0, sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b"")) - 1)


def import_file(
    file: Path = typer.Argument(..., help="CSV or XLSX / پرونده CSV یا XLSX"),
    results: Path | None = typer.Option(
        None, "--results", help="results CSV (default: FILE-results.csv) / پرونده نتیجه"
    ),
    institution: str | None = typer.Option(
        None, "--institution", help="every row is this institution's (NNNNN) / کد موسسه"
    ),
    assurance: Assurance | None = typer.Option(
        None, "--assurance", help="for rows that do not say (default digitised) / سطح اطمینان"
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=0,
        help="processes that validate and sign (default: one per core for files of "
        f"{POOL_FROM:,} rows or more; 0: none) / تعداد پردازه‌های کمکی",
    ),
) -> None:
    """Import a backfill file: each row ISSUED, PENDING_PRIOR or REJECTED, one results line
    per row (row,status,code,reasons). Running it again changes nothing."""
    out = results or file.with_name(f"{file.stem}-results.csv")
    settings = guarded(load_settings)
    reference = load_reference()
    if institution is not None and institution not in reference.institutions:
        err.print(
            f"--institution {institution!r} is not a known institution code\n"
            f"کد موسسه «{institution}» شناخته‌شده نیست",
            style="red",
            markup=False,
        )
        raise typer.Exit(2)
    total = _rows_in(file) if file.exists() else None
    if workers is None:
        large = (total or 0) >= POOL_FROM or (
            total is None and file.exists() and file.stat().st_size >= POOL_FROM_BYTES
        )
        workers = default_workers() if large else 0
    options = ImportOptions(
        institution=institution,
        assurance=assurance or Assurance.DIGITISED,
        workers=workers,
        own_process=True,
    )

    def prepare() -> tuple[sa.Engine, Evidence]:
        engine = engine_for(settings, bulk=True)  # flat memory however large
        check_schema(engine)
        kek, _ = resolve_kek(settings.data_dir, settings.kek, production=settings.production)
        keystore = KeyStore(settings.data_dir / "keys", kek)
        now = datetime.now(UTC)
        keystore.ensure(now)
        in_transaction(engine, lambda c: sync_from_reference(c, reference, now))
        in_transaction(engine, lambda c: sync_key_events(c, keystore, now))
        return engine, Evidence(keystore, reference)

    engine, evidence = guarded(prepare)
    started = time.monotonic()

    def header(report: ImportReport) -> None:
        err.print(f"{file.name}: {report.description}", markup=False)
        if report.ignored_columns:
            shown = ", ".join(report.ignored_columns)
            err.print(
                f"ignored columns (not record fields): {shown}\nستون‌های نادیده گرفته‌شده: {shown}",
                style="yellow",
                markup=False,
            )

    if sys.stderr.isatty():
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} rows"),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=err,
        )
        with progress:
            task = progress.add_task("importing / ورود", total=total, rate="")

            def tick(rows: int) -> None:
                rate = rows / max(time.monotonic() - started, 1e-6)
                progress.update(task, completed=rows, rate=f"{rate:,.0f} rows/s")

            report = guarded(
                lambda: run_import(
                    engine,
                    reference,
                    evidence,
                    file,
                    out,
                    options,
                    on_header=header,
                    on_progress=tick,
                )
            )
    else:
        last = [started]

        def line(rows: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PLAIN_EVERY:
                last[0] = now
                rate = rows / max(now - started, 1e-6)
                eta = f", about {(total - rows) / rate:,.0f}s left" if total and rate else ""
                err.print(f"{rows:,} rows, {rate:,.0f} rows/s{eta}", markup=False)

        report = guarded(
            lambda: run_import(
                engine,
                reference,
                evidence,
                file,
                out,
                options,
                on_header=header,
                on_progress=line,
            )
        )
    seconds = time.monotonic() - started
    rate = report.rows / max(seconds, 1e-6)
    counts = ", ".join(f"{status} {n:,}" for status, n in sorted(report.counts.items()))
    console.print(
        f"{report.rows:,} rows in {seconds:,.1f}s ({rate:,.0f} rows/s): "
        f"{counts or 'nothing'} → {out}\n"
        f"{to_persian_digits(f'{report.rows:,}')} ردیف پردازش شد؛ نتیجه در {out}",
        markup=False,
    )
