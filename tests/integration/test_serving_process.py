"""Interpreter settings for serving (``gc.freeze``, the switch interval) are made by
``sehat serve`` for its own processes, never by building or starting an app."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from sehat.api.asgi import SWITCH_INTERVAL

from .api_helpers import make_client
from .server_helpers import KEK


def test_building_and_starting_an_app_leaves_the_interpreter_alone(
    engine: sa.Engine, data_dir: Path
) -> None:
    frozen, interval = gc.get_freeze_count(), sys.getswitchinterval()
    with make_client(engine, data_dir) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() == frozen
        assert sys.getswitchinterval() == interval
    assert interval != SWITCH_INTERVAL  # the test's own interpreter: Python's default


def test_a_worker_is_settled_for_serving(engine: sa.Engine, data_dir: Path) -> None:
    probe = (
        "import gc, sys\n"
        "from sehat.api.asgi import app_factory\n"
        "before = gc.get_freeze_count()\n"
        "app_factory()\n"
        "print(before, gc.get_freeze_count(), sys.getswitchinterval())\n"
    )
    env = os.environ | {
        "SEHAT_DATA_DIR": str(data_dir),
        "SEHAT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "SEHAT_KEK": KEK,
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    before, after, interval = done.stdout.split()
    assert int(before) == 0 and int(after) > 10_000
    assert float(interval) == SWITCH_INTERVAL
