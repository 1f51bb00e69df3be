"""``sehat reference list|check|manifest``: the reference data (R3, R18)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from sehat.core.ladder import kind_names
from sehat.core.persian import to_persian_digits
from sehat.errors import ReferenceDataError
from sehat.reference.loader import load_reference, refresh_manifest
from sehat.reference.models import LadderRule, Reference

app = typer.Typer(help="Reference data / داده‌های مرجع", no_args_is_help=True)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

DIRECTORY = typer.Argument(
    ...,
    exists=True,
    file_okay=False,
    metavar="DIR",
    help="a reference data directory / پوشه داده‌های مرجع",
)


class Listing(StrEnum):
    """The tables ``list`` can show."""

    INSTITUTIONS = "institutions"
    FIELDS = "fields"
    KINDS = "kinds"
    LADDER = "ladder"
    DOMAINS = "domains"
    LEVELS = "levels"


def _print(title: str, columns: list[str], rows: list[list[str]]) -> None:
    table = Table(title=f"{title} ({len(rows)})")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _yes(flag: bool) -> str:
    return "yes / بله" if flag else "no / خیر"


def _needs(ref: Reference, rule: LadderRule) -> tuple[str, str]:
    """What a rule asks for, in English and Persian, named as a waiting document names it."""
    if rule.needs_own_degree:
        return "its own degree", "مدرک تحصیلی خودش"
    if not rule.alternatives:
        return "nothing", "مدرک قبلی لازم ندارد"
    return kind_names(ref, rule.alternatives)


def _rows(ref: Reference, what: Listing, domain: int | None) -> tuple[list[str], list[list[str]]]:
    if what is Listing.INSTITUTIONS:
        return ["code", "نام", "name", "city", "category", "active"], [
            [i.code, i.name_fa, i.name_en, i.city_en, i.category, "✓" if i.active else "✗"]
            for i in ref.institutions.values()
            if domain is None or i.domain == domain
        ]
    if what is Listing.FIELDS:
        return ["code", "نام", "name", "ISCED-F 2013", "domains"], [
            [f.code, f.name_fa, f.name_en, f.isced_f, ";".join(map(str, f.domains))]
            for f in ref.fields.values()
            if domain is None or domain in f.domains
        ]
    if what is Listing.DOMAINS:
        return ["code", "نام", "name"], [
            [str(d.code), d.name_fa, d.name_en]
            for d in ref.domains.values()
            if domain is None or d.code == domain
        ]
    if what is Listing.KINDS:
        return ["code", "نام", "name", "ISCED 2011", "degree"], [
            [str(k.code), k.name_fa, k.name_en, k.isced_level or "-", _yes(k.is_degree)]
            for k in ref.kinds.values()
        ]
    if what is Listing.LEVELS:
        return ["level", "نام", "name", "equivalent / معادل", "ISCED 2011"], [
            [
                str(s.level),
                s.name_fa,
                s.name_en,
                ref.kinds[s.equivalent_kind].name_en if s.equivalent_kind else "-",
                s.isced_level or "-",
            ]
            for s in ref.seminary_levels.values()
        ]
    rows = []
    for rule in ref.ladder:
        needs_en, needs_fa = _needs(ref, rule)
        rows.append(
            [
                f"{ref.kinds[rule.kind].name_en} / {ref.kinds[rule.kind].name_fa}",
                rule.program_type.value if rule.program_type else "any",
                str(rule.seminary_level or "any") if rule.kind == 7 else "-",
                f"{needs_en} / {needs_fa}",
            ]
        )
    return ["document / مدرک", "programme", "level / سطح", "needs / پیش‌نیاز"], rows


@app.command("list")
def list_(
    what: Listing = typer.Argument(..., help="which table / کدام جدول"),
    domain: int | None = typer.Option(
        None, "--domain", help="institutions, fields, domains: only this domain / فقط این حوزه"
    ),
    data: Path | None = typer.Option(
        None, "--data", exists=True, file_okay=False, help="another data directory"
    ),
) -> None:
    """List one reference table, in Persian and English."""
    try:
        ref = load_reference(data)
    except ReferenceDataError as exc:
        _report(exc)
        raise typer.Exit(1) from None
    if domain is not None and domain not in ref.domains:
        known = ", ".join(map(str, ref.domains))
        known_fa = "، ".join(map(str, ref.domains))
        err_console.print(
            f"[red]--domain {domain}: not a domain; use {known} / "
            + to_persian_digits(f"{domain} حوزه نیست؛ یکی از {known_fa} را بدهید")
            + "[/red]"
        )
        raise typer.Exit(2)
    columns, rows = _rows(ref, what, domain)
    _print(f"{what.value} — data version {ref.version}", columns, rows)


def _report(exc: ReferenceDataError) -> None:
    count = len(exc.problems)
    err_console.print(f"[red]✗ {count} problem(s) / {to_persian_digits(str(count))} مشکل[/red]")
    for p in exc.problems:
        err_console.print(
            f"{p.field}: {p.message_fa}\n  {p.message}\n  → {p.fix_fa}\n  → {p.fix}",
            markup=False,
        )


@app.command()
def check(directory: Path = DIRECTORY) -> None:
    """Validate a data directory: exit 0 when valid, 1 listing every problem."""
    try:
        ref = load_reference(directory)
    except ReferenceDataError as exc:
        _report(exc)
        raise typer.Exit(1) from None
    console.print(
        f"✓ valid / معتبر — version {ref.version}: {len(ref.domains)} domains, "
        f"{len(ref.institutions)} institutions, {len(ref.fields)} fields, "
        f"{len(ref.kinds)} kinds, {len(ref.seminary_levels)} seminary levels, "
        f"{len(ref.ladder)} ladder rules"
    )


@app.command()
def manifest(
    directory: Path = DIRECTORY,
    version: str | None = typer.Option(
        None, "--version", help="the new data version (default: raise the last number)"
    ),
) -> None:
    """Rewrite manifest.json with the files' SHA-256 after an edit; then check the data."""
    written = refresh_manifest(directory, version)
    console.print(f"manifest.json written / نوشته شد — version {written}")
    check(directory)
