"""SQLite: the access log in a file of its own beside the registry (store/db.py) — where new
rows go, how a registry from before the move is brought over without losing or doubling a
row, and a clear refusal when the file is missing or not yet moved. (PostgreSQL keeps the
access log as a table of the registry: nothing of this applies to it.)"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from sehat.cli.main import app as cli
from sehat.errors import InfrastructureError
from sehat.services.access_log import PUBLIC_FIELDS, Access, AccessBuffer, Channel, record
from sehat.store import schema as t
from sehat.store.db import access_log_path, check_schema, make_engine, upgrade

BASE = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def _accesses(first: int, count: int) -> list[Access]:
    return [
        Access(i, 100 + i, BASE + timedelta(seconds=i), Channel.PUBLIC, None, PUBLIC_FIELDS)
        for i in range(first, first + count)
    ]


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _rows(path: Path) -> list[tuple[int, int]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT id, document_id FROM access_log ORDER BY id").fetchall()


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    path = tmp_path / "sehat.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def _old_layout(registry: Path, rows: list[Access]) -> None:
    """The registry as it was before the move: the access log a table of its own file."""
    access_log_path(f"sqlite:///{registry}").unlink()  # type: ignore[union-attr]
    alone = make_engine(f"sqlite:///{registry}", attach_access=False)
    t.access_log.create(alone)
    with alone.begin() as conn:
        record(conn, rows)
    alone.dispose()


def test_the_access_log_file_sits_beside_the_registry_file() -> None:
    assert access_log_path("sqlite:////srv/sehat/sehat.db") == Path("/srv/sehat/sehat-access.db")
    assert access_log_path("sqlite:///data/registry") == Path("data/registry-access.db")
    assert access_log_path("sqlite://") is None
    assert access_log_path("sqlite:///:memory:") is None
    assert access_log_path("postgresql+psycopg://u@h/db") is None


def test_access_rows_are_written_to_their_own_file_and_read_through_the_registry(
    registry: Path,
) -> None:
    engine = make_engine(f"sqlite:///{registry}")
    buffer = AccessBuffer(engine)
    for access in _accesses(1, 3):
        buffer.add(access)
    buffer.close()  # writes what is queued
    with engine.begin() as conn:  # a request's own rows, in its transaction
        record(conn, _accesses(4, 1))
    with engine.connect() as conn:
        seen = conn.execute(sa.select(sa.func.count()).select_from(t.access_log)).scalar()
    engine.dispose()

    own = access_log_path(f"sqlite:///{registry}")
    assert own is not None and [doc for _, doc in _rows(own)] == [1, 2, 3, 4]
    assert "access_log" not in _tables(registry)
    assert seen == 4


def test_upgrade_moves_an_access_log_kept_in_the_registry_file(registry: Path) -> None:
    _old_layout(registry, _accesses(1, 5))
    engine = make_engine(f"sqlite:///{registry}")
    with pytest.raises(InfrastructureError) as refused:
        check_schema(engine)
    assert "sehat db upgrade" in str(refused.value) and "registry file" in str(refused.value)

    env = {"SEHAT_DATA_DIR": str(registry.parent), "SEHAT_DATABASE_URL": f"sqlite:///{registry}"}
    current = CliRunner().invoke(cli, ["db", "current"], env=env)
    assert "still inside the registry file" in " ".join(current.output.split())

    upgrade(engine)
    check_schema(engine)
    engine.dispose()
    own = access_log_path(f"sqlite:///{registry}")
    assert own is not None and [doc for _, doc in _rows(own)] == [1, 2, 3, 4, 5]
    assert "access_log" not in _tables(registry)
    current = CliRunner().invoke(cli, ["db", "current"], env=env)
    assert "up to date" in current.output, current.output


def test_a_move_cut_short_is_finished_without_doubling_a_row(registry: Path) -> None:
    """A crash after the rows were committed to the new file, before the registry's table
    was dropped: both hold rows; the next upgrade copies only what is missing."""
    _old_layout(registry, _accesses(1, 6))
    own = access_log_path(f"sqlite:///{registry}")
    assert own is not None
    alone = make_engine(f"sqlite:///{own}", attach_access=False)
    t.access_log.create(alone)
    with alone.begin() as conn:
        record(conn, _accesses(1, 4))  # the same first four rows (ids 1-4)
    alone.dispose()

    engine = make_engine(f"sqlite:///{registry}")
    upgrade(engine)
    engine.dispose()
    assert [row_id for row_id, _ in _rows(own)] == [1, 2, 3, 4, 5, 6]


def test_a_missing_access_log_file_is_refused_until_restored_or_recreated(
    registry: Path,
) -> None:
    own = access_log_path(f"sqlite:///{registry}")
    assert own is not None
    own.unlink()
    engine = make_engine(f"sqlite:///{registry}")
    with pytest.raises(InfrastructureError) as refused:
        check_schema(engine)
    message = str(refused.value)
    assert str(own) in message and "restore it" in message and "sehat db upgrade" in message
    assert "گزارش دسترسی" in refused.value.message_fa

    upgrade(engine)  # the operator's choice: start an empty log
    check_schema(engine)
    engine.dispose()
    assert _rows(own) == []


def test_an_access_log_left_from_another_registry_is_refused_and_kept(tmp_path: Path) -> None:
    """A registry file replaced by a new one while the old access log stayed beside it:
    its rows would name the new registry's documents by the old one's ids."""
    path = tmp_path / "sehat.db"
    own = access_log_path(f"sqlite:///{path}")
    assert own is not None
    alone = make_engine(f"sqlite:///{own}", attach_access=False)
    t.access_log.create(alone)
    with alone.begin() as conn:
        record(conn, _accesses(1, 3))
    alone.dispose()

    engine = make_engine(f"sqlite:///{path}")  # a new, empty registry
    with pytest.raises(InfrastructureError) as refused:
        upgrade(engine)
    engine.dispose()
    assert "3 access rows that are not this registry's" in str(refused.value)
    assert [doc for _, doc in _rows(own)] == [1, 2, 3]  # nothing of them lost
