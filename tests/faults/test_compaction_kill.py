"""`sehat access-log compact` killed with SIGKILL at random moments on a large access log,
then run again to the end: every public-tier row is counted exactly once (nothing lost,
nothing twice), the evidence rows are all there, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from sehat.store import schema as t
from sehat.store.db import access_log_path

ROWS = 300_000
DOCS = 47
STEP = 17  # seconds between two rows: ROWS * STEP ≈ 59 days
START = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 5, tzinfo=UTC)  # 90 days back: 2026-09-06, after every row
KILLS = 3

# Row i: document i % DOCS + 1 at START + i * STEP seconds; every tenth a national-ID check
# (evidence, kept), the others public-tier.
SEED_SQLITE = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :rows - 1)
INSERT INTO access_log (document_id, person_id, at, channel, account, share_id, matched, fields)
SELECT i % :docs + 1, i % :docs + 1001,
       strftime('%Y-%m-%d %H:%M:%S', :start + i * :step, 'unixepoch') || '.000000',
       CASE WHEN i % 10 = 0 THEN 'national_id' ELSE 'public' END, NULL, NULL,
       CASE WHEN i % 10 = 0 THEN 1 END, '["status","kind","institution","year"]'
FROM n
"""
SEED_POSTGRES = """
INSERT INTO access_log (document_id, person_id, at, channel, account, share_id, matched, fields)
SELECT i % :docs + 1, i % :docs + 1001, to_timestamp(:start + i * :step),
       CASE WHEN i % 10 = 0 THEN 'national_id' ELSE 'public' END, NULL, NULL,
       CASE WHEN i % 10 = 0 THEN true END, '["status","kind","institution","year"]'::jsonb
FROM generate_series(0, :rows - 1) AS i
"""


def _expected() -> Counter[tuple[int, date]]:
    out: Counter[tuple[int, date]] = Counter()
    for i in range(ROWS):
        if i % 10:
            out[(i % DOCS + 1, (START + timedelta(seconds=i * STEP)).date())] += 1
    return out


def _seed(engine: sa.Engine) -> None:
    values = {"rows": ROWS, "docs": DOCS, "start": int(START.timestamp()), "step": STEP}
    path = access_log_path(engine.url)
    if path is None:
        with engine.begin() as conn:
            conn.execute(sa.text(SEED_POSTGRES), values)
        return
    alone = sa.create_engine(f"sqlite:///{path}")
    with alone.begin() as conn:
        conn.execute(sa.text(SEED_SQLITE), values)
    alone.dispose()


def _folded(engine: sa.Engine) -> int:
    c = t.access_counts.c
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(c.count), 0))).scalar())


def _compact(engine: sa.Engine, data_dir: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "SEHAT_DATA_DIR": str(data_dir),
        "SEHAT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }
    command = [sys.executable, "-m", "sehat.cli.main", "access-log", "compact"]
    command += ["--now", NOW.isoformat(), "--batch", "500"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_compaction_killed_at_random_moments_and_run_again_counts_every_row_once(
    engine: sa.Engine, data_dir: Path
) -> None:
    _seed(engine)
    expected = _expected()
    rng = random.Random()
    kills = 0
    for _ in range(KILLS):
        before = _folded(engine)
        proc = _compact(engine, data_dir)
        # Wait until it is folding, then kill it a random moment later, mid-batch or between.
        deadline = time.monotonic() + 60
        while _folded(engine) == before and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=30)
    assert kills >= 1, "every run ended before it could be killed: make the log larger"
    assert 0 < _folded(engine) < sum(expected.values())

    finished = _compact(engine, data_dir)
    out, err = finished.communicate(timeout=300)
    assert finished.returncode == 0, err.decode()
    assert "folded / خلاصه شد" in out.decode()

    c, a = t.access_counts.c, t.access_log.c
    with engine.connect() as conn:
        counts = Counter(
            {
                (doc, day.date()): n
                for doc, day, n in conn.execute(sa.select(c.document_id, c.day, c.count))
            }
        )
        left = conn.execute(
            sa.select(a.channel, sa.func.count()).select_from(t.access_log).group_by(a.channel)
        ).all()
    assert counts == expected
    assert dict(left) == {"national_id": ROWS // 10}
