"""An import's worker processes load no database code: each is a process of its own, and
what it imports it holds in memory for the whole import (bench/RESULTS.md)."""

from __future__ import annotations

import subprocess
import sys


def test_a_worker_imports_no_database_code() -> None:
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, sehat.importer.workers; "
            "print(sorted(m for m in ('sqlalchemy', 'alembic', 'psycopg') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == "[]"
