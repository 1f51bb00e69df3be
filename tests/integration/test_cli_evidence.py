"""The evidence commands as an operator runs them: demo data, keys, audit, production refusal."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from sehat.cli.main import app

runner = CliRunner()


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"SEHAT_DATA_DIR": str(tmp_path / "data"), "SEHAT_DATABASE_URL": "", **extra}


def test_demo_then_audit_then_rotate_then_tamper(tmp_path: Path) -> None:
    env = _env(tmp_path)
    seeded = runner.invoke(app, ["demo", "--no-serve", "--rows", "300"], env=env)
    assert seeded.exit_code == 0, seeded.output
    assert "registrar" in seeded.output and "sehat_" in seeded.output
    # The waiting documents are explained, in both languages: what they wait for, how they
    # get issued, and which registrar token sees the requests.
    said = " ".join(seeded.output.split())  # as printed, without the terminal's wrapping
    assert "(now)" not in said
    assert "PENDING_PRIOR / در انتظار مدرک قبلی" in said
    assert "documents wait for the holder's earlier degree" in said
    assert "when that institution registers it, the waiting document is issued by itself" in said
    assert "مدرک منتظر ثبت مدرک قبلی دارنده‌اند" in said
    assert "با ثبت مدرک قبلی در آن موسسه، مدرک منتظر خودکار صادر می‌شود" in said
    clean = runner.invoke(app, ["audit"], env=env)
    assert clean.exit_code == 0, clean.output
    assert "all checks out" in clean.output
    listed = runner.invoke(app, ["keys", "list"], env=env)
    assert listed.exit_code == 0 and "issuing" in listed.output and "root" in listed.output
    rotated = runner.invoke(
        app, ["keys", "rotate", "--purpose", "issuing", "--domain", "1"], env=env
    )
    assert rotated.exit_code == 0, rotated.output
    assert runner.invoke(app, ["audit"], env=env).exit_code == 0  # the rotation was logged
    bad = runner.invoke(app, ["keys", "rotate", "--purpose", "issuing"], env=env)
    assert bad.exit_code == 2
    db = sqlite3.connect(tmp_path / "data" / "sehat.db")
    code = db.execute("SELECT d.code FROM documents d ORDER BY d.id LIMIT 1").fetchone()[0]
    db.execute(
        "UPDATE document_versions SET content = json_set(content, '$.first_name', 'جعلی') "
        "WHERE document_id = (SELECT id FROM documents WHERE code = ?)",
        (code,),
    )
    db.commit()
    db.close()
    tampered = runner.invoke(app, ["audit"], env=env)
    assert tampered.exit_code == 1
    assert f"{code}: version 1: the stored content differs" in tampered.output


def test_production_refuses_to_serve_without_a_kek(tmp_path: Path) -> None:
    env = _env(tmp_path, SEHAT_MODE="production")
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    result = runner.invoke(app, ["serve", "--port", "0"], env=env)
    assert result.exit_code == 2
    assert "SEHAT_KEK" in result.output


def test_reseal_restores_missing_seals_and_refuses_a_tampered_version(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert runner.invoke(app, ["demo", "--no-serve", "--rows", "200"], env=env).exit_code == 0
    db = sqlite3.connect(tmp_path / "data" / "sehat.db")
    total = db.execute("SELECT count(*) FROM version_evidence").fetchone()[0]
    db.execute("UPDATE version_evidence SET seal = NULL")  # as rows from before the seal
    code = db.execute("SELECT code FROM documents ORDER BY id LIMIT 1").fetchone()[0]
    db.execute(
        "UPDATE document_versions SET content = json_set(content, '$.gpa', '20.00') "
        "WHERE document_id = (SELECT id FROM documents WHERE code = ?)",
        (code,),
    )
    db.commit()
    bad = db.execute(  # every version of that document was edited
        "SELECT count(*) FROM document_versions WHERE document_id = "
        "(SELECT id FROM documents WHERE code = ?)",
        (code,),
    ).fetchone()[0]
    resealed = runner.invoke(app, ["db", "reseal"], env=env)
    assert resealed.exit_code == 1, resealed.output
    assert f"sealed {total - bad}, unchanged 0, refused {bad}" in resealed.output
    assert f"{code} v1: the stored content differs" in resealed.output
    unsealed = db.execute("SELECT count(*) FROM version_evidence WHERE seal IS NULL").fetchone()
    assert unsealed[0] == bad  # only the tampered ones
    again = runner.invoke(app, ["db", "reseal"], env=env)
    assert f"sealed 0, unchanged {total - bad}, refused {bad}" in again.output
    db.close()
