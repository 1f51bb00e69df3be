"""``sehat access-log compact``: fold public-tier access rows older than
``SEHAT_ACCESS_LOG_DAYS`` into daily counts, remove evidence past 10 years (DESIGN §5,
services/access_retention.py). The server does the same once a day; safe beside it, and to
stop and run again at any moment."""

from __future__ import annotations

from datetime import UTC, date, datetime

import typer
from rich.console import Console

from sehat.cli.server import engine_for, guarded
from sehat.config import load_settings
from sehat.core import retention
from sehat.errors import InputError, Problem
from sehat.services.access_retention import Compaction
from sehat.services.access_retention import compact as run_compaction
from sehat.store.db import check_schema

app = typer.Typer(help="The access log / گزارش دسترسی", no_args_is_help=True)
console = Console(highlight=False)


def _moment(raw: str | None) -> datetime:
    if raw is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InputError(
            Problem(
                "--now",
                f"{raw!r} is not a date or time",
                f"مقدار {raw!r} تاریخ یا زمان نیست",
                fix="write it as 2026-12-05 or 2026-12-05T03:00:00+00:00",
                fix_fa="مانند 2026-12-05 یا 2026-12-05T03:00:00+00:00 بنویسید",
            )
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command("compact")
def compact(
    days: int | None = typer.Option(
        None,
        "--days",
        min=0,
        max=retention.MAX_DAYS,
        help="keep this many whole UTC days row by row (default SEHAT_ACCESS_LOG_DAYS, 90); "
        "0 folds nothing",
    ),
    now: str | None = typer.Option(
        None, "--now", help="count the days back from this moment (ISO 8601; default now)"
    ),
    batch: int = typer.Option(
        20_000, "--batch", min=100, max=1_000_000, help="rows per transaction"
    ),
) -> None:
    """Fold old public-tier rows into per-document daily counts; print what was folded."""
    settings = guarded(load_settings)
    keep = settings.access_log_days if days is None else days
    moment = guarded(lambda: _moment(now))
    if keep == 0:
        console.print(
            "SEHAT_ACCESS_LOG_DAYS=0: public-tier rows are kept one by one; nothing folded / "
            "ردیف‌های عمومی یک‌به‌یک نگه داشته می‌شوند؛ چیزی خلاصه نشد",
            markup=False,
        )
        return
    engine = guarded(lambda: engine_for(settings))
    shown = _DayLines()

    def run() -> Compaction:
        check_schema(engine)
        return run_compaction(engine, now=moment, days=keep, batch_rows=batch, progress=shown)

    try:
        done = guarded(run)
    finally:
        engine.dispose()
    shown.end()
    before = retention.fold_before(moment, keep).date().isoformat()
    console.print(
        f"folded / خلاصه شد: {done.folded_rows:,} public-tier rows from before {before} into "
        f"daily counts, over {len(done.folded):,} days; removed past 10 years: "
        f"{done.expired_rows:,} evidence rows, {done.expired_counts:,} daily counts",
        markup=False,
        soft_wrap=True,
    )


class _DayLines:
    """One line per day folded, printed once the run has moved past that day."""

    def __init__(self) -> None:
        self.day: date | None = None
        self.rows = 0

    def __call__(self, day: date, rows: int) -> None:
        if day != self.day:
            self.end()
            self.day, self.rows = day, 0
        self.rows += rows

    def end(self) -> None:
        if self.day is not None:
            console.print(f"{self.day.isoformat()}: {self.rows:,} rows folded", markup=False)
        self.day = None
