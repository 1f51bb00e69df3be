"""Bulk verification: 1,000 code + national ID pairs in one call, JSON and CSV, through a
real `sehat serve` on loopback (issue 5 item 2: answered in under one second).

    .venv/bin/python bench/verify_batch.py [--items 1000] [--rounds 7] [--rows 2600]

A demo registry (`sehat demo --no-serve`, SQLite) is seeded in a temporary directory; the
items are distinct real codes (a batch may name a code once) with their holders' national
IDs, one in a hundred with someone else's (an honest organisation's typos, inside the 2%
budget of DESIGN §5). The same batch is sent many times from one address, more than any
organisation would in a day, so the server runs with a raised daily cap of wrong IDs
(SEHAT_ID_CHECK_FAIL_MAX): every check is still counted and written as in production. The
baseline, in the same run against the same server, is the same 1,000 pairs sent one by one
as `POST /api/v1/verify` over one keep-alive connection.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from integration.server_helpers import running_server  # noqa: E402
from sehat.config import default_database_url  # noqa: E402
from sehat.services import accounts  # noqa: E402
from sehat.services.principal import Role  # noqa: E402
from sehat.store import schema as t  # noqa: E402
from sehat.store.db import make_engine  # noqa: E402


def _pairs(engine: sa.Engine, n: int) -> list[tuple[str, str]]:
    d, p = t.documents.c, t.persons.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(d.code, p.national_id)
            .join(t.persons, p.id == d.person_id)
            .where(p.national_id.is_not(None))
            .order_by(d.id)
        ).all()
    if len(rows) < n:
        raise SystemExit(f"the registry has {len(rows)} documents; give --rows for {n} items")
    rng = random.Random(1405)
    picked = [(r.code, r.national_id) for r in rng.sample(rows, n)]
    ids = [nid for _, nid in picked]
    return [(c, rng.choice(ids) if i % 100 == 99 else nid) for i, (c, nid) in enumerate(picked)]


def _timed(call: object) -> float:
    started = time.perf_counter()
    call()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--rows", type=int, default=2600)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sehat-bench-") as tmp:
        data = Path(tmp) / "data"
        env = os.environ | {"SEHAT_DATA_DIR": str(data)}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sehat.cli.main",
                "demo",
                "--no-serve",
                "--rows",
                str(args.rows),
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        engine = make_engine(default_database_url(data))
        pairs = _pairs(engine, args.items)
        with engine.begin() as conn:
            account = accounts.create_account(conn, Role.VERIFIER, "bench bank", datetime.now(UTC))
            token, _ = accounts.create_token(conn, account, datetime.now(UTC))
        headers = {"Authorization": f"Bearer {token}"}
        body = {"items": [{"code": c, "national_id": n} for c, n in pairs]}
        csv = ("code,national_id\n" + "\n".join(f"{c},{n}" for c, n in pairs)).encode()
        # An empty SEHAT_KEK: the server uses the demo's generated key-encryption key.
        server_env = {
            "SEHAT_LOG_LEVEL": "warning",
            "SEHAT_KEK": "",
            "SEHAT_ID_CHECK_FAIL_MAX": "1000000",
        }

        with running_server(engine, data, env=server_env) as base:
            client = httpx.Client(base_url=f"{base}/api/v1", timeout=60)

            def json_batch() -> None:
                answer = client.post("/verify/batch", json=body, headers=headers)
                assert answer.status_code == 200, answer.text[:300]
                results = answer.json()["results"]
                assert len(results) == len(pairs) and results[0]["status"] == "VALID"

            def csv_batch() -> None:
                answer = client.post(
                    "/verify/batch/csv",
                    content=csv,
                    headers={**headers, "Content-Type": "text/csv"},
                )
                assert answer.status_code == 200, answer.text[:300]
                assert answer.text.count("\n") == len(pairs) + 1

            def one_by_one() -> None:
                for code, nid in pairs:
                    answer = client.post("/verify", json={"code": code, "national_id": nid})
                    assert answer.status_code == 200

            json_batch()  # warm-up: caches, connections
            json_times = [_timed(json_batch) for _ in range(args.rounds)]
            csv_times = [_timed(csv_batch) for _ in range(args.rounds)]
            single = _timed(one_by_one)

    n = len(pairs)
    print(f"bulk verification of {n} items, {args.rounds} rounds, registry of {args.rows} rows")
    for name, times in (("JSON /verify/batch", json_times), ("CSV /verify/batch/csv", csv_times)):
        median = statistics.median(times)
        print(
            f"  {name:24} median {median * 1000:7.1f} ms  worst {max(times) * 1000:7.1f} ms  "
            f"{n / median:8.0f} items/s  {'OK' if max(times) < 1 else 'OVER'} (target < 1 s)"
        )
    print(
        f"  baseline: {n} single POST /verify {single * 1000:7.1f} ms ({n / single:6.0f} items/s)"
    )
    print(f"  ratio single/bulk (JSON median): {single / statistics.median(json_times):.1f}x")


if __name__ == "__main__":
    main()
