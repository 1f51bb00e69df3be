"""Public verification under load: `GET /api/v1/verify/{code}` on a registry of a million
documents, driven by wrk from its own process on loopback, next to two ceilings measured
in the same run with the same server settings (issue 5 item 7; DESIGN §9).

    .venv/bin/python bench/verify.py [--documents 1000000] [--duration 15] [--connections 32]
                                     [--workers 2] [--threads 2] [--access-rows 0]
                                     [--compact]

With ``--access-rows 30000000 --compact`` (issue 11 item 6): the same targets on a registry
whose access log holds 30M rows over 180 days, then `sehat access-log compact` folding the
older half of them while the deployed server serves verifications, timed.

Two uvicorn workers by default, for every target: a 2-core machine runs one per core.

Needs wrk (`apt-get install wrk`). The registry is built once by bench/seed_registry.py into
bench/.data/verify-1m (git-ignored) and reused. Targets:

1. raw ASGI hello-world (bench/asgi_hello.py) under uvicorn — the ceiling of the server;
2. FastAPI hello-world (bench/fastapi_hello.py), same route shape — the framework's ceiling;
3. `sehat serve` as deployed: the rate limiter counting every request (limit set out of
   reach), one log line per request, the access log buffered;
4. `sehat serve` lean: rate limiter off, request log off — what those two cost.

Every request of 3 and 4 asks for a random real code (bench/verify.lua) and must answer 200
with status VALID. Printed: requests/s, p50 and p99 latency, and the ratios to the ceilings.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from seed_registry import KEK, seed  # noqa: E402

from sehat.store.db import access_log_path, make_engine, upgrade  # noqa: E402

DATA = ROOT / "bench" / ".data" / "verify-1m"
# A log that has served for a while: rows spread evenly over the LOG_DAYS days before now,
# for random documents; one in ten a national-ID check (evidence, kept 10 years), the rest
# public-tier (folded after 90 days: about half of them here). Written with the log's indexes
# dropped and built again after, which is several times faster than keeping them up to date.
LOG_DAYS = 180
FILL_LOG = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :rows - 1)
INSERT INTO access_log (document_id, person_id, at, channel, account, share_id, matched, fields)
SELECT d, d,
       strftime('%Y-%m-%d %H:%M:%S', (:start + i * :step) / 1000000, 'unixepoch')
           || printf('.%06d', (:start + i * :step) % 1000000),
       CASE WHEN i % 10 = 0 THEN 'national_id' ELSE 'public' END, NULL, NULL,
       CASE WHEN i % 10 = 0 THEN 1 END, '["status","kind","institution","year"]'
FROM (SELECT i, abs(random()) % :documents + 1 AS d FROM n)
"""
LUA = ROOT / "bench" / "verify.lua"


def _fill_log(
    db: sqlite3.Connection, rows: int, documents: int, without: tuple[str, ...] = ()
) -> None:
    print(f"filling the access log with {rows:,} rows over {LOG_DAYS} days …", flush=True)
    started = time.monotonic()
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'access_log' "
        "AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        db.execute(f"DROP INDEX {name}")
    now_us = int(time.time()) * 1_000_000
    span = LOG_DAYS * 86_400 * 1_000_000
    values = {"rows": rows, "documents": documents, "start": now_us - span, "step": span // rows}
    db.execute("BEGIN")
    db.execute(FILL_LOG, values)
    db.execute("COMMIT")
    for name, sql in indexes:
        if name not in without:
            db.execute(sql)
    print(f"  {rows:,} rows written and indexed in {time.monotonic() - started:.0f} s")


def _compact_beside(base: str, args: argparse.Namespace, env: dict[str, str], codes: Path) -> None:
    """Time `sehat access-log compact` on the seeded log while the deployed server serves
    verifications, and what the verifications get meanwhile."""
    command = [sys.executable, "-m", "sehat.cli.main", "access-log", "compact", "--days", "90"]
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    during = _wrk(base, args, args.duration, codes)
    out, _ = proc.communicate()
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"sehat access-log compact failed (exit {proc.returncode})")
    total = out.strip().splitlines()[-1]
    folded = int(total.split(": ", 1)[1].split(" ", 1)[0].replace(",", ""))
    print(
        f"  sehat access-log compact beside it: {total.split(' public-tier', 1)[0]} rows in "
        f"{seconds:.0f} s ({folded / seconds:,.0f} rows/s, batches of 20,000)"
    )
    print(
        f"  verify while it ran: {during['rps']:,.0f} req/s, p50 {during['p50_ms']:.2f} ms, "
        f"p99 {during['p99_ms']:.2f} ms, non-2xx {during['non2xx']:.0f}; targets ≥ 4,000 req/s "
        f"{'met' if during['rps'] >= 4000 else 'NOT met'}, p99 ≤ 20 ms "
        f"{'met' if during['p99_ms'] <= 20 else 'NOT met'}"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(
    command: list[str], env: dict[str, str], probe: str
) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    command = [c.replace("{port}", str(port)) for c in command]
    (ROOT / "bench" / ".data").mkdir(exist_ok=True)
    log = open(ROOT / "bench" / ".data" / "server.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {' '.join(command)} (see bench/.data/server.log)")
        try:
            if httpx.get(base + probe, timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server did not answer: {' '.join(command)}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def _wrk(base: str, args: argparse.Namespace, seconds: int, codes: Path | None) -> dict[str, float]:
    env = os.environ | ({"SEHAT_BENCH_CODES": str(codes)} if codes else {})
    out = subprocess.run(
        [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(LUA),
            base,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("JSON "))
    return json.loads(line[5:])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, default=DATA, help="registry directory")
    parser.add_argument(
        "--access-rows",
        type=int,
        default=0,
        help="start from an access log of this many synthetic rows (default: empty)",
    )
    parser.add_argument(
        "--without-index",
        action="append",
        default=[],
        metavar="NAME",
        help="leave this index of the filled access log unbuilt (what it costs); repeatable",
    )
    parser.add_argument(
        "--compact",
        action="store_true",
        help="then time `sehat access-log compact` of that log beside the deployed server",
    )
    args = parser.parse_args()
    data = args.data
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian's package)")

    seeded = data / "SEEDED"
    if not seeded.exists() or int(seeded.read_text()) < args.documents * 0.99:
        shutil.rmtree(data, ignore_errors=True)
        print(f"seeding {args.documents:,} documents into {data} (once) …")
        seed(data, args.documents, os.cpu_count() or 2)
    codes = data / "codes.txt"
    # A registry seeded by an earlier version is brought up to date (its access log moved to
    # a file of its own); every run adds its verifications to the access log, so each starts
    # from an empty one and runs compare (a log of millions of rows makes each insert touch
    # more pages).
    url = f"sqlite:///{data / 'sehat.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    db = sqlite3.connect(access_log_path(url) or "", isolation_level=None)
    db.execute("DELETE FROM access_log")
    db.execute("DELETE FROM access_counts")
    if args.access_rows:
        # A registry that has served for a while: its log's indexes no longer fit in a cache.
        _fill_log(db, args.access_rows, args.documents, tuple(args.without_index))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    stored = sum(1 for _ in codes.open())
    sample = random.Random(7).sample(codes.read_text().split(), 200)

    python = sys.executable
    uvicorn = [python, "-m", "uvicorn", "--port", "{port}", "--workers", str(args.workers)]
    uvicorn += ["--log-level", "warning", "--no-access-log"]
    sehat = [python, "-m", "sehat.cli.main", "serve", "--port", "{port}"]
    sehat += ["--workers", str(args.workers)]
    base_env = os.environ | {"SEHAT_DATA_DIR": str(data), "SEHAT_KEK": KEK}
    deployed = base_env | {
        "SEHAT_RATE_LIMIT_PUBLIC": "1000000000/minute",
        "SEHAT_LOG_LEVEL": "info",
    }
    lean = base_env | {"SEHAT_RATE_LIMIT_PUBLIC": "off", "SEHAT_LOG_LEVEL": "warning"}
    probe = f"/api/v1/verify/{sample[0]}"
    # sehat is measured once its registry is in memory (store/prewarm.py; 503 until then).
    ready = "/readyz"
    targets = [
        (
            "raw ASGI hello-world",
            [*uvicorn, "asgi_hello:app", "--app-dir", "bench"],
            base_env,
            None,
        ),
        (
            "FastAPI hello-world",
            [*uvicorn, "fastapi_hello:app", "--app-dir", "bench"],
            base_env,
            None,
        ),
        ("sehat verify, as deployed", sehat, deployed, codes),
        ("sehat verify, lean", sehat, lean, codes),
    ]
    results: dict[str, dict[str, float]] = {}
    for name, command, env, code_file in targets:
        proc, base = _start(command, env, probe if code_file is None else ready)
        try:
            if code_file is not None:
                with httpx.Client(base_url=base) as client:
                    statuses = {client.get(f"/api/v1/verify/{c}").json()["status"] for c in sample}
                if statuses != {"VALID"}:
                    raise SystemExit(f"{name}: sample codes answered {statuses}, not all VALID")
            _wrk(base, args, args.warmup, code_file)
            results[name] = _wrk(base, args, args.duration, code_file)
        finally:
            _stop(proc)
        if results[name]["non2xx"]:
            raise SystemExit(f"{name}: {results[name]['non2xx']:.0f} answers were not 2xx")

    print(
        f"GET /api/v1/verify/{{code}}: {stored:,} documents (SQLite), access log from "
        f"{args.access_rows:,} rows, uvicorn workers={args.workers}, "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s"
    )
    print(f"  {'target':30} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'socket errors':>14}")
    for name, r in results.items():
        print(
            f"  {name:30} {r['rps']:9,.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} "
            f"{r['socket_errors']:14.0f}"
        )
    raw = results["raw ASGI hello-world"]["rps"]
    hello = results["FastAPI hello-world"]["rps"]
    for name in ("sehat verify, as deployed", "sehat verify, lean"):
        r = results[name]
        print(
            f"  {name}: {r['rps'] / hello:.2f}x FastAPI hello-world, {r['rps'] / raw:.3f}x raw "
            f"ASGI; targets ≥ 4,000 req/s {'met' if r['rps'] >= 4000 else 'NOT met'}, "
            f"p99 ≤ 20 ms {'met' if r['p99_ms'] <= 20 else 'NOT met'}, "
            f"≥ 0.5x FastAPI {'met' if r['rps'] >= 0.5 * hello else 'NOT met'}"
        )
    print(f"  FastAPI hello-world / raw ASGI: {hello / raw:.3f}x")
    if args.compact:
        # The server's own daily run is off here, so that the command's figures are its own.
        proc, base = _start(sehat, deployed | {"SEHAT_ACCESS_LOG_DAYS": "0"}, ready)
        try:
            _compact_beside(base, args, deployed, codes)
        finally:
            _stop(proc)


if __name__ == "__main__":
    main()
