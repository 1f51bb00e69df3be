"""The ``sehat`` command: one Typer app, a sub-command group per concern."""

from __future__ import annotations

import sys
from typing import Any

import typer

from sehat.cli import access_log as access_log_cli
from sehat.cli import audit as audit_cli
from sehat.cli import code as code_cli
from sehat.cli import database as database_cli
from sehat.cli import demo as demo_cli
from sehat.cli import importer as import_cli
from sehat.cli import keys as keys_cli
from sehat.cli import reference as reference_cli
from sehat.cli import server as server_cli
from sehat.cli import synth as synth_cli
from sehat.errors import SehatError
from sehat.faults import describe, new_error_id


class SehatTyper(typer.Typer):
    """The Typer app with a last resort for a fault of ours.

    A command's own exits (``typer.Exit``, click's usage errors) pass through unchanged. A
    SehatError that no command caught is printed as the commands print theirs (exit 2).
    Anything else is printed as an error id, its type and the file:line of its frames — no
    message, argument or value, which may hold personal data — and exits 1.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except SehatError as exc:
            print(exc.diagnostics(), file=sys.stderr)
            raise SystemExit(2) from None
        except Exception as exc:
            error_id = new_error_id()
            print(
                f"خطای پیش‌بینی‌نشده رخ داد (شناسه {error_id})؛ سطر بعد جای آن را در کد، "
                "بدون هیچ داده‌ای، نشان می‌دهد — آن را به پشتیبانی بدهید",
                file=sys.stderr,
            )
            print(
                f"unexpected error, shown without its data: error_id={error_id} {describe(exc)}",
                file=sys.stderr,
            )
            raise SystemExit(1) from None


app = SehatTyper(
    name="sehat",
    help="Sehat (صحت): the national authenticity-code system for academic documents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(code_cli.app, name="code")
app.add_typer(reference_cli.app, name="reference")
server_cli.db_app.command("check")(database_cli.db_check)
server_cli.db_app.command("backup")(database_cli.db_backup)
app.add_typer(server_cli.db_app, name="db")
app.add_typer(server_cli.token_app, name="token")
app.add_typer(server_cli.account_app, name="account")
app.add_typer(keys_cli.app, name="keys")
app.add_typer(access_log_cli.app, name="access-log")
app.command("synth")(synth_cli.synth)
app.command("serve")(server_cli.serve)
app.command("demo")(demo_cli.demo)
app.command("audit")(audit_cli.audit)
app.command("import")(import_cli.import_file)


if __name__ == "__main__":  # pragma: no cover
    app()
