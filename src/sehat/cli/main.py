"""The ``sehat`` command: one Typer app, a sub-command group per concern."""

from __future__ import annotations

import typer

from sehat.cli import audit as audit_cli
from sehat.cli import code as code_cli
from sehat.cli import demo as demo_cli
from sehat.cli import importer as import_cli
from sehat.cli import keys as keys_cli
from sehat.cli import reference as reference_cli
from sehat.cli import server as server_cli
from sehat.cli import synth as synth_cli

app = typer.Typer(
    name="sehat",
    help="Sehat (صحت): the national authenticity-code system for academic documents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(code_cli.app, name="code")
app.add_typer(reference_cli.app, name="reference")
app.add_typer(server_cli.db_app, name="db")
app.add_typer(server_cli.token_app, name="token")
app.add_typer(server_cli.account_app, name="account")
app.add_typer(keys_cli.app, name="keys")
app.command("synth")(synth_cli.synth)
app.command("serve")(server_cli.serve)
app.command("demo")(demo_cli.demo)
app.command("audit")(audit_cli.audit)
app.command("import")(import_cli.import_file)


if __name__ == "__main__":  # pragma: no cover
    app()
