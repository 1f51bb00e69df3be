"""``sehat synth``: write realistic synthetic graduation records as a backfill CSV."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console

from sehat.reference.loader import load_reference
from sehat.synth import write_csv

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def synth(
    count: int = typer.Option(..., "--count", min=0, help="rows to write / تعداد ردیف"),
    out: Path = typer.Option(..., "--out", help="CSV file to write / فایل خروجی"),
    seed: int = typer.Option(0, "--seed", help="same seed, same file / بذر تصادفی"),
) -> None:
    """Write --count synthetic graduation records (whole education histories) to the CSV file
    --out, e.g. `sehat synth --count 1000 --out graduations.csv`.

    Field names are those of the graduation record; dates are Jalali; national IDs are
    valid; the same seed and reference data give a byte-identical file.
    """
    reference = load_reference()
    start = time.perf_counter()
    try:
        written = write_csv(out, reference, count, seed)
    except OSError as exc:
        err_console.print(
            f"[red]--out: cannot write {str(out)!r}: {exc.strerror or exc}[/red]\n"
            "فایل خروجی قابل نوشتن نیست؛ مسیر و دسترسی را بررسی کنید"
        )
        raise typer.Exit(2) from None
    seconds = time.perf_counter() - start
    rate = f" ({written / seconds:,.0f} rows/s)" if seconds > 0 and written else ""
    console.print(f"{written:,} rows → {out}{rate}, seed {seed} / {written:,} ردیف نوشته شد")
