"""The `sehat` command as a registrar or operator types it."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from sehat.cli.main import app
from sehat.core import code as authcode
from sehat.core.jalali import jalali_year_of
from sehat.core.persian import to_persian_digits
from sehat.reference.loader import default_directory

runner = CliRunner()
CODE = authcode.build(1, 1, 1405, 2, 12345)


def test_code_check_explains_every_field_and_exits_0() -> None:
    result = runner.invoke(app, ["code", "check", CODE])
    assert result.exit_code == 0
    assert "University of Tehran" in result.output and "Bachelor" in result.output
    persian = runner.invoke(app, ["code", "check", to_persian_digits(authcode.format_code(CODE))])
    assert persian.exit_code == 0


def test_code_check_names_the_position_of_a_typo_and_exits_1() -> None:
    typo = CODE[:5] + str((int(CODE[5]) + 1) % 10) + CODE[6:]
    result = runner.invoke(app, ["code", "check", typo])
    assert result.exit_code == 1
    assert "19-20" in result.output and "INVALID" in result.output
    letter = runner.invoke(app, ["code", "check", CODE[:3] + "x" + CODE[3:]])
    assert letter.exit_code == 1 and "character 4" in letter.output


def test_code_format_and_generate() -> None:
    persian = runner.invoke(app, ["code", "format", CODE, "--persian"])
    assert persian.output.strip() == to_persian_digits(authcode.format_code(CODE))
    made = runner.invoke(
        app, ["code", "generate", "--domain", "1", "--institution", "0001", "--kind", "2"]
    )
    assert made.exit_code == 0
    parsed = authcode.parse(made.output.strip())
    assert parsed.institution_code == "10001" and parsed.kind == 2
    assert parsed.year == jalali_year_of(date.today()) % 100
    assert (
        runner.invoke(
            app, ["code", "generate", "--domain", "7", "--institution", "1", "--kind", "2"]
        ).exit_code
        == 2
    )
    assert (
        runner.invoke(
            app, ["code", "generate", "--domain", "1", "--institution", "1", "--kind", "0"]
        ).exit_code
        == 2
    )


def test_reference_commands(tmp_path: Path) -> None:
    seminaries = runner.invoke(app, ["reference", "list", "institutions", "--domain", "4"])
    assert seminaries.exit_code == 0 and "Qom Seminary" in seminaries.output
    assert "University of Tehran" not in seminaries.output
    assert runner.invoke(app, ["reference", "list", "ladder"]).exit_code == 0
    assert runner.invoke(app, ["reference", "check", str(default_directory())]).exit_code == 0
    broken = tmp_path / "data"
    shutil.copytree(default_directory(), broken)
    (broken / "fields.csv").write_text("code,name\n1,x\n", encoding="utf-8")
    result = runner.invoke(app, ["reference", "check", str(broken)])
    assert result.exit_code == 1 and "fields.csv:1" in result.output


def test_synth_writes_the_record_fields_reproducibly(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for out in (first, second):
        assert (
            runner.invoke(
                app, ["synth", "--count", "50", "--out", str(out), "--seed", "3"]
            ).exit_code
            == 0
        )
    assert first.read_bytes() == second.read_bytes()
    with first.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 50
    assert list(rows[0])[:3] == ["national_id", "first_name", "last_name"]


def test_db_and_tokens_from_the_command_line(tmp_path: Path) -> None:
    env = {"SEHAT_DATA_DIR": str(tmp_path / "data"), "SEHAT_DATABASE_URL": ""}
    refused = runner.invoke(app, ["token", "list"], env=env)
    assert refused.exit_code == 2 and "sehat db upgrade" in refused.output
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    made = runner.invoke(
        app, ["token", "create", "--role", "registrar", "--institution", "10001"], env=env
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[0]
    assert token.startswith("sehat_")
    missing = runner.invoke(app, ["token", "create", "--role", "registrar"], env=env)
    assert missing.exit_code == 2 and "institution" in missing.output
    listed = runner.invoke(app, ["token", "list"], env=env)
    assert listed.exit_code == 0 and "registrar" in listed.output and token not in listed.output
