"""A real `sehat serve` on a test database (``tests/servers.py`` starts and stops it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from sehat.reference.loader import load_reference
from tests.servers import KEK, start_server

from .registry_helpers import sync_institutions


def server_env(engine: sa.Engine, data_dir: Path) -> dict[str, str]:
    """The environment of a server on ``engine``'s database, with no rate limits."""
    return os.environ | {
        "SEHAT_DATA_DIR": str(data_dir),
        "SEHAT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "SEHAT_KEK": KEK,
        "SEHAT_RATE_LIMIT_PUBLIC": "off",
        "SEHAT_RATE_LIMIT_ORG": "off",
    }


@contextmanager
def running_server(
    engine: sa.Engine,
    data_dir: Path,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> Iterator[str]:
    """Start `sehat serve` on ``engine``'s database; yields its base URL, stops it after.

    ``env`` is added to ``server_env``. Everything the server prints (its logs) goes to
    ``log``, by default ``<data_dir>-server.log`` beside the data directory.
    """
    sync_institutions(engine, load_reference())
    data_dir.mkdir(parents=True, exist_ok=True)
    log = log or data_dir.parent / f"{data_dir.name}-server.log"
    with start_server(server_env(engine, data_dir) | (env or {}), log, workers=workers) as server:
        yield server.base
