"""Migrations: `sehat db upgrade` on both databases, and a server that refuses to run on a
database that is unmigrated, older or newer than itself — clearly, in both languages, with
exit code 2 and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from sehat.api.app import create_app
from sehat.cli.main import app as cli
from sehat.config import Settings
from sehat.errors import InfrastructureError
from sehat.services.institutions import update_institution
from sehat.services.principal import Principal, Role
from sehat.store import schema as t
from sehat.store.db import ACCESS_SCHEMA, ACCESS_TABLES, head_revision, make_engine, upgrade
from tests.servers import free_port

from .api_helpers import KEK, REF

runner = CliRunner()
OPERATOR = Principal(role=Role.OPERATOR, account_id="test")
_NOW = datetime(2026, 12, 6, tzinfo=UTC)


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    return {"SEHAT_DATA_DIR": str(tmp_path / "data"), "SEHAT_DATABASE_URL": url}


def _stamp(url: str, revision: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def test_db_upgrade_migrates_a_blank_database_once(blank_database_url: str, tmp_path: Path) -> None:
    env = _env(blank_database_url, tmp_path)
    before = runner.invoke(cli, ["db", "current"], env=env)
    assert before.exit_code == 0 and "not migrated" in before.output
    first = runner.invoke(cli, ["db", "upgrade"], env=env)
    assert first.exit_code == 0, first.output
    assert head_revision() in first.output
    assert f"{len(REF.institutions)} institutions added" in first.output
    engine = make_engine(blank_database_url)
    with engine.begin() as conn:
        update_institution(conn, OPERATOR, "10001", active=False)
    second = runner.invoke(cli, ["db", "upgrade"], env=env)
    assert second.exit_code == 0 and "institutions added" not in second.output
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.institutions.c.code, t.institutions.c.active)).all()
    engine.dispose()
    assert len(rows) == len(REF.institutions)
    assert dict(rows)["10001"] is False  # an administrator's change survives the upgrade
    after = runner.invoke(cli, ["db", "current"], env=env)
    assert "up to date" in after.output and head_revision() in after.output


def test_the_app_refuses_an_unmigrated_database_and_touches_nothing(
    blank_database_url: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=blank_database_url, kek=KEK)
    with pytest.raises(InfrastructureError, match="sehat db upgrade") as refused:
        create_app(settings)
    assert "sehat db upgrade" in refused.value.message_fa
    engine = make_engine(blank_database_url)
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()
    assert not (tmp_path / "keys").exists()


@pytest.mark.parametrize(("revision", "words"), [("9999", "newer"), ("0001", "older")])
def test_the_app_refuses_a_database_at_another_revision(
    blank_database_url: str, tmp_path: Path, revision: str, words: str
) -> None:
    _migrate(blank_database_url)
    _stamp(blank_database_url, revision)
    settings = Settings(data_dir=tmp_path, database_url=blank_database_url, kek=KEK)
    with pytest.raises(InfrastructureError, match=words) as refused:
        create_app(settings)
    assert refused.value.message_fa != refused.value.message


def _serve(url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`sehat serve` as an operator runs it; a server that starts would hit the timeout."""
    env = os.environ | _env(url, tmp_path) | {"SEHAT_KEK": KEK}
    return subprocess.run(
        [sys.executable, "-m", "sehat.cli.main", "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_sehat_serve_refuses_an_unmigrated_database_with_exit_2(
    blank_database_url: str, tmp_path: Path
) -> None:
    result = _serve(blank_database_url, tmp_path)
    assert result.returncode == 2
    assert "sehat db upgrade" in result.stderr and "مهاجرت" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_sehat_serve_refuses_a_newer_database_with_exit_2(
    blank_database_url: str, tmp_path: Path
) -> None:
    _migrate(blank_database_url)
    _stamp(blank_database_url, "9999")
    result = _serve(blank_database_url, tmp_path)
    assert result.returncode == 2 and "newer" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_an_unreachable_database_is_a_clear_exit_2(tmp_path: Path) -> None:
    url = "postgresql+psycopg://sehat@127.0.0.1:1/nothing"  # port 1: nobody listens
    env = _env(url, tmp_path)
    for command in (["db", "upgrade"], ["db", "current"], ["token", "list"]):
        result = runner.invoke(cli, command, env=env)
        assert result.exit_code == 2, (command, result.output)
        assert "SEHAT_DATABASE_URL" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_session_database_is_at_the_newest_revision(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        stamped = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        tables = set(sa.inspect(conn).get_table_names())
    assert stamped == head_revision()
    assert {"institutions", "accounts", "tokens"} <= tables


def test_the_migrations_create_exactly_the_tables_the_code_uses(
    engine: sa.Engine, backend: str
) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from sehat.store.schema import metadata

    own_file = {table.name for table in ACCESS_TABLES}

    def in_registry_file(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
        # SQLite: the access log and its counts are in a file of their own (store/db.py),
        # compared below.
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return backend != "sqlite" or table is None or table.name not in own_file

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": in_registry_file}
        )
        assert compare_metadata(context, metadata) == []
        if backend != "sqlite":
            return
        inspector = sa.inspect(conn)
        for table in ACCESS_TABLES:
            assert table.name not in inspector.get_table_names()
            columns = inspector.get_columns(table.name, schema=ACCESS_SCHEMA)
            assert [(c["name"], str(c["type"]), c["nullable"]) for c in columns] == [
                (c.name, str(c.type.compile(dialect=conn.dialect)), c.nullable)
                for c in table.columns
            ]
            indexes = inspector.get_indexes(table.name, schema=ACCESS_SCHEMA)
            assert {(i["name"], tuple(i["column_names"])) for i in indexes} == {
                (i.name, tuple(c.name for c in i.columns)) for i in table.indexes
            }


def test_the_log_tables_rebuilt_by_0015_keep_every_leaf_and_node(tmp_path: Path) -> None:
    """SQLite: a registry with a transparency log at 0014 comes out of 0015 with the same
    leaves and nodes, the leaf index now the rowid and the nodes in their key's B-tree; and
    goes back to 0014 with them too."""
    from alembic import command
    from alembic.config import Config

    from sehat.store.log_store import append

    url = f"sqlite:///{tmp_path / 'sehat.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        append(conn, [(b"leaf %d" % i, "issue", f"code{i}", 1) for i in range(37)], _NOW)

    def shape(conn: sa.Connection) -> tuple[list[Any], list[Any], set[str]]:
        entries = conn.execute(sa.select(t.log_entries).order_by(t.log_entries.c.idx)).all()
        nodes = conn.execute(
            sa.select(t.log_nodes).order_by(t.log_nodes.c.level, t.log_nodes.c.idx)
        ).all()
        sql = conn.exec_driver_sql(
            "SELECT name, coalesce(sql, '') FROM sqlite_master "
            "WHERE tbl_name IN ('log_entries', 'log_nodes')"
        )
        return [tuple(e) for e in entries], [tuple(n) for n in nodes], {" ".join(r) for r in sql}

    def migrate(to: str) -> None:
        with engine.begin() as conn:
            cfg = Config()
            cfg.set_main_option("script_location", "sehat.store:migrations")
            cfg.attributes["connection"] = conn
            if to == "0014":
                command.downgrade(cfg, to)
            else:
                command.upgrade(cfg, to)

    with engine.connect() as conn:
        entries, nodes, new_sql = shape(conn)
    assert len(entries) == 37 and len(nodes) > 37
    assert not any(s.startswith("sqlite_autoindex") for s in new_sql)  # one B-tree each
    assert any("WITHOUT ROWID" in s for s in new_sql)
    assert not any(s.startswith("ix_log_entries_code") for s in new_sql)
    assert any(s.startswith("ix_log_entries_key_events") for s in new_sql)
    migrate("0014")
    with engine.connect() as conn:
        old_entries, old_nodes, old_sql = shape(conn)
    assert (old_entries, old_nodes) == (entries, nodes)
    assert any(s.startswith("sqlite_autoindex_log_entries") for s in old_sql)
    assert any(s.startswith("ix_log_entries_code") for s in old_sql)
    migrate("head")
    with engine.connect() as conn:
        assert shape(conn) == (entries, nodes, new_sql)
    engine.dispose()


def test_the_key_events_are_read_through_their_index_not_a_scan_of_the_log(
    engine: sa.Engine, backend: str
) -> None:
    """Every start reads the log's key events (services/key_events.py); on a national log of
    tens of millions of leaves that must not read them all."""
    from sehat.core.log_entry import Event

    assert f"event = '{Event.KEY.value}'" == t.KEY_EVENTS
    query = (
        sa.select(t.log_entries.c.leaf_input)
        .where(sa.text(t.KEY_EVENTS))
        .order_by(t.log_entries.c.idx)
    )
    with engine.connect() as conn:
        if backend == "sqlite":
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(r) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "ix_log_entries_key_events" in plan, plan
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(r) for r in conn.exec_driver_sql("EXPLAIN " + sql))
            assert "ix_log_entries_key_events" in plan, plan
