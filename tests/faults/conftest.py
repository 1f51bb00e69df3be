"""Fault tests: a real server and real services, broken on purpose. The database fixtures
are the integration tests' (both backends, never skipped)."""

from tests.integration.conftest import (  # noqa: F401 - fixtures, found by pytest by name
    backend,
    clean,
    data_dir,
    database_url,
    engine,
    session_engine,
)
