"""The registry's files are its operator's alone: a new registry is made 0700 (folders) and
0600 (database files, keys), and production refuses to serve files other users of the
machine can read, naming the command that fixes them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from sehat.api.app import create_app
from sehat.cli.main import app as cli
from sehat.config import Settings
from sehat.errors import InfrastructureError
from sehat.keystore import new_kek
from tests.servers import free_port

runner = CliRunner()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_registry_is_readable_by_its_owner_alone(tmp_path: Path) -> None:
    data = tmp_path / "srv" / "sehat-data"  # neither folder exists yet
    env = {"SEHAT_DATA_DIR": str(data), "SEHAT_DATABASE_URL": ""}
    old_umask = os.umask(0o022)  # the usual one, which made 0755 folders and 0644 files
    try:
        assert runner.invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
        made = runner.invoke(cli, ["keys", "rotate", "--purpose", "log"], env=env)
        assert made.exit_code == 0, made.output
    finally:
        os.umask(old_umask)
    files = [p for p in data.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"sehat.db", "sehat-access.db", "kek.demo"} <= names
    assert any(p.suffix == ".json" for p in files)  # the signing keys
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    for folder in (data.parent, data, data / "keys"):
        assert _mode(folder) == 0o700, folder


def test_production_refuses_files_others_can_read_and_names_the_fix(
    blank_database_url: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    kek = new_kek()
    env = {"SEHAT_DATA_DIR": str(data), "SEHAT_DATABASE_URL": blank_database_url}
    assert runner.invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    settings = Settings(
        data_dir=data, database_url=blank_database_url, kek=kek, production=True, prewarm=False
    )
    create_app(settings).runtime.engine.dispose()  # private files: it starts, keys made
    # What a copy, an archive unpacked or a careless chmod leaves: readable by everyone.
    exposed = [data, data / "keys"]
    os.chmod(data, 0o755)
    os.chmod(data / "keys", 0o755)
    registry = sa.make_url(blank_database_url).database
    if blank_database_url.startswith("sqlite"):
        exposed.append(Path(registry or ""))
        os.chmod(exposed[-1], 0o644)

    server = subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", "serve", "--port", str(free_port())],
        env=os.environ | env | {"SEHAT_KEK": kek, "SEHAT_MODE": "production"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert server.returncode == 2
    output = " ".join(server.stderr.split())  # the console wraps long lines
    assert "other users of this machine can read" in output
    assert "chmod 700" in output and str(data) in output
    assert "برای دیگر کاربران این رایانه خواندنی است" in output

    with pytest.raises(InfrastructureError) as refused:
        create_app(settings)
    command = refused.value.message.rsplit(": ", 1)[1]
    assert command in refused.value.message_fa
    for path in exposed:
        assert str(path) in command
    subprocess.run(["sh", "-c", command], check=True)
    assert all(_mode(path) & 0o077 == 0 for path in exposed)
    create_app(settings).runtime.engine.dispose()

    # Development starts anyway: the refusal is production's.
    os.chmod(data, 0o755)
    create_app(
        Settings(data_dir=data, database_url=blank_database_url, kek=kek, prewarm=False)
    ).runtime.engine.dispose()
