"""Integration fixtures: every test here runs against BOTH SQLite and the real PostgreSQL.

PostgreSQL comes from ``SEHAT_TEST_POSTGRES_URL`` (``.ci/run`` sets it); without it the run
FAILS — these tests never skip. Each session migrates one fresh database per backend; each
test starts from empty tables.

    database_url        a migrated database per backend, for the whole session
    engine              that database, emptied for this test
    blank_database_url  a fresh database per test that was never migrated
    app / client        the real API (create_app) on ``engine``, and a client for it
    tokens              a bearer header for every role (see ``api_helpers.Tokens``)
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sehat.store import schema
from sehat.store.db import make_engine, upgrade

from .api_helpers import Tokens, make_client, make_tokens

BACKENDS = ("sqlite", "postgresql")


def required_service_url(variable: str, service: str, example: str) -> str:
    """The URL of a real service the tests need, or a failure saying how to provide it:
    these tests never skip."""
    url = os.environ.get(variable)
    if not url:
        pytest.fail(
            f"{variable} is not set; run the tests with `make test` (or .ci/run), "
            f"which starts {service} and sets it, e.g. {example}"
        )
    return url


def postgres_admin_url() -> str:
    """The PostgreSQL server the tests use."""
    return required_service_url(
        "SEHAT_TEST_POSTGRES_URL",
        "PostgreSQL",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )


def _create_pg_database(prefix: str = "sehat_test") -> tuple[str, sa.Engine]:
    admin_url = postgres_admin_url()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name, admin


def _drop_pg_database(admin: sa.Engine, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database per backend for the whole session."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "sehat.db"
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    url, admin = _create_pg_database()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    _drop_pg_database(admin, url)


def clean(engine: sa.Engine) -> None:
    """Empty every table (keeps the schema and the migration stamp)."""
    tables = [t.name for t in reversed(schema.metadata.sorted_tables)]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for name in tables:
                conn.exec_driver_sql(f"DELETE FROM {name}")
        conn.execute(schema.log_state.insert().values(id=1, size=0))


@pytest.fixture(scope="session")
def session_engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(session_engine: sa.Engine) -> sa.Engine:
    """A migrated, empty database on the current backend."""
    clean(session_engine)
    return session_engine


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture(params=BACKENDS)
def blank_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database that was never migrated (one per test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    url, admin = _create_pg_database("sehat_blank")
    yield url
    _drop_pg_database(admin, url)


@pytest.fixture
def client(engine: sa.Engine, data_dir: Path) -> TestClient:
    """A client of the real app (``create_app``) on this test's empty database.

    Building the app seeds the reference institutions, as ``sehat serve`` does.
    """
    return make_client(engine, data_dir)


@pytest.fixture
def app(client: TestClient) -> FastAPI:
    """The application behind ``client``."""
    application = client.app
    assert isinstance(application, FastAPI)
    return application


@pytest.fixture
def tokens(client: TestClient, engine: sa.Engine) -> Tokens:
    """A bearer header per role: operator, domain admins of domains 1 and 2, registrars of
    two institutions of domain 1 and one of domain 2, holder, verifier, auditor."""
    return make_tokens(engine)
