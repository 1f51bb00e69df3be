"""The `sehat` command as a registrar or operator types it."""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sehat.cli.demo import waiting_note
from sehat.cli.main import app
from sehat.core import code as authcode
from sehat.core.jalali import jalali_year_of
from sehat.core.persian import to_persian_digits
from sehat.keystore import resolve_kek
from sehat.reference.loader import default_directory

runner = CliRunner()
CODE = authcode.build(1, 1, 1405, 2, 12345)
# DESIGN §3: the graduation record's field names, in order (the backfill file's header).
RECORD_HEADER = [
    *("national_id", "first_name", "last_name", "first_name_latin", "last_name_latin"),
    *("father_name", "birth_date", "gender", "institution", "kind", "seminary_level"),
    *("field_code", "field_name", "program_type", "student_number", "entry_date"),
    *("graduation_date", "gpa", "prior_code", "degree_code", "courses"),
]


@pytest.fixture(autouse=True)
def _data_dir_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every command's data directory and database live under tmp_path."""
    data = tmp_path / "sehat-data"
    monkeypatch.setenv("SEHAT_DATA_DIR", str(data))
    monkeypatch.setenv("SEHAT_DATABASE_URL", f"sqlite:///{data / 'sehat.db'}")
    return data


def test_code_check_explains_every_field_and_exits_0() -> None:
    result = runner.invoke(app, ["code", "check", CODE])
    assert result.exit_code == 0, result.output
    assert "VALID" in result.output and authcode.format_code(CODE) in result.output
    assert "University of Tehran" in result.output and "Bachelor" in result.output
    assert "دانشگاه تهران" in result.output and "کارشناسی" in result.output


def test_code_check_accepts_persian_digits_and_separators() -> None:
    persian = to_persian_digits(authcode.format_code(CODE))
    result = runner.invoke(app, ["code", "check", persian])
    assert result.exit_code == 0, result.output
    assert "University of Tehran" in result.output


def test_code_check_names_the_position_of_a_typo_and_exits_1() -> None:
    typo = CODE[:5] + str((int(CODE[5]) + 1) % 10) + CODE[6:]
    result = runner.invoke(app, ["code", "check", typo])
    assert result.exit_code == 1
    assert "INVALID" in result.output and "positions 19-20" in result.output
    assert "کنترلی" in result.output  # the Persian explanation is printed too
    letter = runner.invoke(app, ["code", "check", CODE[:3] + "x" + CODE[3:]])
    assert letter.exit_code == 1 and "character 4" in letter.output


def test_code_format_prints_persian_digit_groups() -> None:
    result = runner.invoke(app, ["code", "format", CODE, "--persian"])
    assert result.exit_code == 0
    assert result.output.strip() == "۱۰۰۰-۱۰۵۲-۰۰۰۰-۰۱۲۳-۴۵۷۴"
    assert to_persian_digits(authcode.format_code(CODE)) == result.output.strip()


def test_code_generate_makes_a_valid_code_of_this_year() -> None:
    made = runner.invoke(
        app, ["code", "generate", "--domain", "1", "--institution", "0001", "--kind", "2"]
    )
    assert made.exit_code == 0, made.output
    printed = made.output.strip()
    parsed = authcode.parse(printed)
    assert parsed.code.startswith("10001") and parsed.kind == 2
    assert parsed.code[5:7] == f"{jalali_year_of(date.today()) % 100:02d}"
    assert runner.invoke(app, ["code", "check", printed]).exit_code == 0


@pytest.mark.parametrize(
    ("domain", "kind", "words"), [("7", "2", "--domain"), ("1", "0", "--kind")]
)
def test_code_generate_refuses_a_bad_domain_or_kind_with_exit_2(
    domain: str, kind: str, words: str
) -> None:
    result = runner.invoke(
        app, ["code", "generate", "--domain", domain, "--institution", "0001", "--kind", kind]
    )
    assert result.exit_code == 2 and words in result.output


def test_reference_list_and_check(tmp_path: Path) -> None:
    seminaries = runner.invoke(app, ["reference", "list", "institutions", "--domain", "4"])
    assert seminaries.exit_code == 0 and "Qom Seminary" in seminaries.output
    assert "University of Tehran" not in seminaries.output
    ladder = runner.invoke(app, ["reference", "list", "ladder"])
    assert ladder.exit_code == 0 and "discontinuous" in ladder.output
    # Named as a waiting document names them: «سطح ۲ حوزه», Persian digits.
    assert "سطح ۲ حوزه" in ladder.output and "seminary level 2" in ladder.output
    shipped = runner.invoke(app, ["reference", "check", str(default_directory())])
    assert shipped.exit_code == 0 and "valid" in shipped.output
    broken = tmp_path / "data"
    shutil.copytree(default_directory(), broken)
    (broken / "fields.csv").write_text("code,name\n1,x\n", encoding="utf-8")
    result = runner.invoke(app, ["reference", "check", str(broken)])
    assert result.exit_code == 1
    assert "fields.csv:1" in result.output and "expected code,name_fa" in result.output


def test_synth_writes_the_record_fields_reproducibly(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for out in (first, second):
        result = runner.invoke(app, ["synth", "--count", "50", "--out", str(out), "--seed", "3"])
        assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()
    lines = first.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 51
    with first.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == RECORD_HEADER
        assert len(list(reader)) == 50


def test_serve_refuses_an_unmigrated_database_with_exit_2(tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    env = {"SEHAT_DATA_DIR": str(data), "SEHAT_DATABASE_URL": f"sqlite:///{data / 'x.db'}"}
    result = runner.invoke(app, ["serve", "--port", "0"], env=env)
    assert result.exit_code == 2
    assert "sehat db upgrade" in result.output and "not migrated" in result.output
    assert "مهاجرت" in result.output


def test_db_upgrade_then_tokens_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "registry"
    env = {"SEHAT_DATA_DIR": str(data), "SEHAT_DATABASE_URL": f"sqlite:///{data / 'r.db'}"}
    refused = runner.invoke(app, ["token", "list"], env=env)
    assert refused.exit_code == 2 and "sehat db upgrade" in refused.output
    upgraded = runner.invoke(app, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    assert (data / "r.db").is_file()
    made = runner.invoke(
        app, ["token", "create", "--role", "registrar", "--institution", "10001"], env=env
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[0]
    assert token.startswith("sehat_") and len(token) > 30
    missing = runner.invoke(app, ["token", "create", "--role", "registrar"], env=env)
    assert missing.exit_code == 2
    assert "a registrar account needs an institution" in missing.output
    assert "موسسه" in missing.output
    listed = runner.invoke(app, ["token", "list"], env=env)
    assert listed.exit_code == 0 and "registrar" in listed.output
    assert token[:10] in listed.output  # the prefix, to tell tokens apart
    assert token not in listed.output  # never the secret


def test_keys_kek_new_prints_a_fresh_kek_that_production_accepts(tmp_path: Path) -> None:
    first = runner.invoke(app, ["keys", "kek-new"])
    second = runner.invoke(app, ["keys", "kek-new"])
    assert first.exit_code == 0 and second.exit_code == 0
    kek = first.stdout.strip()
    assert len(kek) == 43 and "\n" not in kek  # alone on stdout: $(sehat keys kek-new)
    assert kek != second.stdout.strip()
    assert "SEHAT_KEK" in first.stderr and "گاوصندوق" in first.stderr
    assert resolve_kek(tmp_path, kek, production=True) == (kek, False)
    assert not (tmp_path / "sehat-data").exists()  # nothing stored


def test_the_demo_explains_its_waiting_documents_in_both_languages() -> None:
    note = waiting_note(79, "40003")
    english, persian = note.split("\n")
    assert english.startswith("PENDING_PRIOR: 79 documents wait for the holder's earlier degree")
    assert "registrar token below is for institution 40003" in english
    assert persian.startswith("در انتظار مدرک قبلی: ۷۹ مدرک منتظر ثبت مدرک قبلی دارنده‌اند")
    assert "موسسه ۴۰۰۰۳" in persian
    # Persian digits in the Persian sentence; only the API path keeps its own spelling.
    assert not re.search(r"[0-9]", persian.replace("/api/v1/", ""))
    for said in (english, persian):
        assert "GET /api/v1/registrar/backfill-requests" in said
