"""The ``sehat`` command: one Typer app, a sub-command group per concern."""

from __future__ import annotations

import typer

from sehat.cli import code as code_cli
from sehat.cli import synth as synth_cli

app = typer.Typer(
    name="sehat",
    help="Sehat (صحت): the national authenticity-code system for academic documents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(code_cli.app, name="code")
app.command("synth")(synth_cli.synth)


if __name__ == "__main__":  # pragma: no cover
    app()
