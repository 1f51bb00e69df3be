"""``sehat code generate|check|format``."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console
from rich.table import Table

from sehat.core import code as authcode
from sehat.core.jalali import jalali_year_of
from sehat.core.persian import to_persian_digits
from sehat.errors import CodeFormatError
from sehat.reference.loader import load_reference

app = typer.Typer(help="The 20-digit authenticity code / کد صحت ۲۰ رقمی", no_args_is_help=True)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


@app.command()
def generate(
    domain: int = typer.Option(..., "--domain", help="domain digit 1-5 / رقم حوزه"),
    institution: str = typer.Option(..., "--institution", help="institution number 0000-9999"),
    kind: int = typer.Option(..., "--kind", help="document kind 1-9 / نوع مدرک"),
) -> None:
    """Generate a new code with a random serial (YY = this Solar Hijri year)."""
    ref = load_reference()
    number = institution.strip()
    if len(number) == 5 and number[0] == str(domain):
        number = number[1:]
    if not (number.isascii() and number.isdigit() and len(number) <= 4):
        err_console.print(
            f"[red]--institution: {institution!r} is not an institution number (0000-9999)[/red]\n"
            "شماره موسسه باید عددی از ۰۰۰۰ تا ۹۹۹۹ باشد"
        )
        raise typer.Exit(2)
    if domain not in ref.domains:
        err_console.print(
            f"[red]--domain: {domain} is not a domain; use 1-5 / "
            f"{to_persian_digits(str(domain))} حوزه نیست؛ یکی از ۱ تا ۵ را بدهید[/red]"
        )
        raise typer.Exit(2)
    if kind not in ref.kinds:
        err_console.print(
            f"[red]--kind: {kind} is not a document kind; use 1-9 / "
            f"{to_persian_digits(str(kind))} نوع مدرک نیست؛ یکی از ۱ تا ۹ را بدهید[/red]"
        )
        raise typer.Exit(2)
    code = authcode.generate(domain, int(number), jalali_year_of(date.today()), kind)
    console.print(authcode.format_code(code))


@app.command()
def check(text: str = typer.Argument(..., help="the code, any digits and separators")) -> None:
    """Check a code: exit 0 when valid, 1 when not, explaining each field."""
    ref = load_reference()
    try:
        parsed = authcode.parse(text, domains=ref.domains.keys(), kinds=ref.kinds.keys())
    except CodeFormatError as exc:
        err_console.print(f"[red]✗ نامعتبر / INVALID[/red]\n{exc.diagnostics()}")
        for problem in exc.problems:
            if problem.fix:
                err_console.print(f"{problem.fix_fa}\n{problem.fix}")
        raise typer.Exit(1) from None
    table = Table(title=f"✓ معتبر / VALID  {authcode.format_code(parsed.code)}")
    table.add_column("positions")
    table.add_column("field")
    table.add_column("digits")
    table.add_column("meaning")
    domain = ref.domains[parsed.domain]
    institution = ref.institutions.get(parsed.institution_code)
    kind = ref.kinds[parsed.kind]
    meanings = {
        "domain": f"{domain.name_fa} / {domain.name_en}",
        "institution": (
            f"{institution.name_fa} / {institution.name_en}"
            if institution
            else (
                "the domain's own office / دفتر حوزه"
                if parsed.institution == 0
                else "not in the reference data / در داده‌های مرجع نیست"
            )
        ),
        "year": f"14{parsed.year:02d} (Solar Hijri / شمسی)",
        "kind": f"{kind.name_fa} / {kind.name_en}",
        "serial": "random / تصادفی",
        "check": "correct / درست",
    }
    for first, last, name, meaning_en, meaning_fa in authcode.FIELDS:
        table.add_row(
            f"{first}" if first == last else f"{first}-{last}",
            f"{name} ({meaning_fa})",
            parsed.code[first - 1 : last],
            meanings[name],
        )
        _ = meaning_en
    console.print(table)


@app.command("format")
def format_(
    text: str = typer.Argument(..., help="the code"),
    persian: bool = typer.Option(False, "--persian", help="Persian digits / ارقام فارسی"),
) -> None:
    """Print a code in five groups of four digits."""
    try:
        console.print(authcode.format_code(text, persian=persian))
    except CodeFormatError as exc:
        err_console.print(f"[red]{exc.diagnostics()}[/red]")
        raise typer.Exit(1) from None
