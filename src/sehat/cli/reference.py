"""``sehat reference list|check|manifest``: the reference data (R3, R18)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from sehat.errors import ReferenceDataError
from sehat.reference.loader import load_reference, refresh_manifest

app = typer.Typer(help="Reference data / داده‌های مرجع", no_args_is_help=True)
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class What(StrEnum):
    """Which table to list."""

    INSTITUTIONS = "institutions"
    FIELDS = "fields"
    KINDS = "kinds"
    LADDER = "ladder"
    DOMAINS = "domains"
    LEVELS = "levels"


def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


@app.command("list")
def list_(
    what: What, domain: int | None = typer.Option(None, "--domain", help="only this domain")
) -> None:
    """List one reference table."""
    ref = load_reference()
    if what is What.INSTITUTIONS:
        rows = [
            [i.code, i.name_fa, i.name_en, i.city_en, i.category, "yes" if i.active else "no"]
            for i in ref.institutions.values()
            if domain is None or i.domain == domain
        ]
        _table(
            f"institutions / موسسات ({len(rows)})",
            ["code", "نام", "name", "city", "category", "active"],
            rows,
        )
    elif what is What.FIELDS:
        rows = [
            [f.code, f.name_fa, f.name_en, f.isced_f, ";".join(map(str, f.domains))]
            for f in ref.fields.values()
            if domain is None or domain in f.domains
        ]
        _table(
            f"fields / رشته‌ها ({len(rows)})", ["code", "نام", "name", "ISCED-F", "domains"], rows
        )
    elif what is What.KINDS:
        _table(
            "kinds / انواع مدرک",
            ["code", "نام", "name", "ISCED 2011", "degree"],
            [
                [str(k.code), k.name_fa, k.name_en, k.isced_level, "yes" if k.is_degree else "no"]
                for k in ref.kinds.values()
            ],
        )
    elif what is What.DOMAINS:
        _table(
            "domains / حوزه‌ها",
            ["code", "نام", "name"],
            [[str(d.code), d.name_fa, d.name_en] for d in ref.domains.values()],
        )
    elif what is What.LEVELS:
        _table(
            "seminary levels / سطوح حوزوی",
            ["level", "نام", "name", "equivalent kind", "ISCED"],
            [
                [str(s.level), s.name_fa, s.name_en, str(s.equivalent_kind or ""), s.isced_level]
                for s in ref.seminary_levels.values()
            ],
        )
    else:
        rows = []
        for rule in ref.ladder:
            needs = (
                "its own degree"
                if rule.needs_own_degree
                else " or ".join(
                    f"{ref.kinds[a.kind].name_en}"
                    + (f" level {a.seminary_level}" if a.seminary_level else "")
                    for a in rule.alternatives
                )
                or "nothing"
            )
            rows.append(
                [
                    ref.kinds[rule.kind].name_en,
                    rule.program_type.value if rule.program_type else "any",
                    str(rule.seminary_level or ""),
                    needs,
                    rule.note_fa,
                ]
            )
        _table(
            "prior-degree ladder / نردبان مدارک",
            ["document", "programme", "level", "needs", "توضیح"],
            rows,
        )


@app.command()
def check(directory: Path) -> None:
    """Validate a reference data directory: exit 0 when valid, 1 listing every problem."""
    try:
        ref = load_reference(directory)
    except ReferenceDataError as exc:
        err.print(f"[red]✗ {len(exc.problems)} problem(s) / مشکل[/red]")
        for p in exc.problems:
            err.print(f"  {p.field}: {p.message_fa} / {p.message}\n    → {p.fix_fa} / {p.fix}")
        raise typer.Exit(1) from None
    console.print(
        f"✓ valid / معتبر: version {ref.version}, {len(ref.institutions)} institutions, "
        f"{len(ref.fields)} fields, {len(ref.ladder)} ladder rules"
    )


@app.command()
def manifest(directory: Path, version: str | None = typer.Option(None, "--version")) -> None:
    """Rewrite the manifest's checksums (and version) after editing the files."""
    console.print(f"manifest written, version {refresh_manifest(directory, version)}")
