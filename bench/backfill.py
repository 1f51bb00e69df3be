"""Legacy backfill throughput and memory: N synthetic rows through the same code path as
`sehat import` (importer.run.run_import), into a fresh registry.

    .venv/bin/python bench/backfill.py [--rows 100000] [--postgres URL] [--batch 1000]
                                       [--peer 20000]

Prints rows/s, the peak resident memory of the process (the whole import streams: it should
not grow with N), and, measured in the same run on the same machine, the raw Ed25519
signing rate of one core — the ceiling any design that signs each document meets — and the
peer: OpenAttestation's ``wrapDocuments`` on ``--peer`` degree documents of the same
synthetic people (bench/peer_openattestation.py; Node.js, and the npm registry the first
time; ``--peer 0`` skips it).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from peer_openattestation import PeerUnavailable, run_peer  # bench/, beside this file
from postgres_cpu import postgres_cpu_seconds

from sehat.importer.run import ImportOptions, run_import
from sehat.importer.workers import default_workers
from sehat.keystore import KeyStore
from sehat.reference.loader import load_reference
from sehat.reference.models import Reference
from sehat.services.evidence import Evidence
from sehat.services.institutions import sync_from_reference
from sehat.services.key_events import sync_key_events
from sehat.store.db import make_engine, upgrade
from sehat.synth import write_csv


@contextmanager
def _registry(url: str | None, folder: Path) -> Iterator[sa.Engine]:
    if url is None:
        engine = make_engine(f"sqlite:///{folder / 'sehat.db'}", bulk=True)  # as the CLI
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    name = f"sehat_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(url.rsplit("/", 1)[0] + "/" + name)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _status_kb(name: str) -> int:
    """A figure of /proc/self/status in kB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) of this process, and of its finished worker processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


class _WorkerPeaks:
    """The peak resident memory of each worker process, read from /proc while they run.

    ``RUSAGE_CHILDREN``'s figure is no measure of a worker: a spawned child is forked from
    this process before it runs a fresh interpreter, and for that instant it counts this
    process's whole resident size as its own. ``VmHWM`` starts afresh at the exec.
    """

    def __init__(self) -> None:
        self.peaks: dict[int, int] = {}  # pid -> kB
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _WorkerPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = str(os.getpid())
        while not self._stop.wait(1.0):  # VmHWM is the kernel's high-water mark: no peak is missed
            for status in Path("/proc").glob("[0-9]*/status"):
                try:
                    text = status.read_text()
                    cmdline = (status.parent / "cmdline").read_bytes()
                except OSError:
                    continue  # ended meanwhile
                fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
                if fields.get("PPid", "").strip() != me or b"multiprocessing" not in cmdline:
                    continue
                peak = int(fields.get("VmHWM", "0 kB").split()[0])
                pid = int(status.parent.name)
                self.peaks[pid] = max(peak, self.peaks.get(pid, 0))

    @property
    def total_mb(self) -> float:
        return sum(self.peaks.values()) / 1024

    @property
    def largest_mb(self) -> float:
        return max(self.peaks.values(), default=0) / 1024


def _ed25519_rate(seconds: float = 2.0) -> float:
    key = Ed25519PrivateKey.generate()
    message = b"x" * 400
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(500):
            key.sign(message)
        count += 500
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="0: validate and sign in-process"
    )
    parser.add_argument(
        "--peer", type=int, default=20_000, help="OpenAttestation documents to wrap; 0: skip"
    )
    args = parser.parse_args()
    reference = load_reference()
    with tempfile.TemporaryDirectory(prefix="sehat-backfill-") as tmp:
        folder = Path(tmp)
        source = folder / "backlog.csv"
        write_csv(source, reference, args.rows, 7)
        with _registry(args.postgres, folder) as engine:
            now = datetime.now(UTC)
            keystore = KeyStore(folder / "keys", "bench-key-encryption-key-0123456789abcdef")
            keystore.ensure(now)
            with engine.begin() as conn:
                sync_from_reference(conn, reference, now)
                sync_key_events(conn, keystore, now)
            started = time.perf_counter()
            cpu_before = _cpu()
            server_before = postgres_cpu_seconds() if args.postgres else 0.0
            with _WorkerPeaks() as workers:
                report = run_import(
                    engine,
                    reference,
                    Evidence(keystore, reference),
                    source,
                    folder / "results.csv",
                    ImportOptions(batch=args.batch, workers=args.workers, own_process=True),
                )
            seconds = time.perf_counter() - started
            cpu_main, cpu_workers = (a - b for a, b in zip(_cpu(), cpu_before, strict=True))
            cpu_server = postgres_cpu_seconds() - server_before if args.postgres else 0.0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = workers.largest_mb
    anon = _status_kb("RssAnon") / 1024
    backend = "PostgreSQL" if args.postgres else "SQLite"
    rate = report.rows / seconds
    signing = _ed25519_rate()
    counts = ", ".join(f"{k} {v:,}" for k, v in sorted(report.counts.items()))
    print(
        f"backfill of {report.rows:,} synthetic rows into {backend}, batches of {args.batch}, "
        f"{args.workers} worker processes"
    )
    print(
        f"  {seconds:8.1f} s   {rate:9,.0f} rows/s   peak RSS {peak_mb:6.0f} MB "
        f"(anonymous now {anon:.0f} MB)   ({counts})"
    )
    if args.workers:
        print(
            f"  each worker's peak RSS at most {worker_mb:.0f} MB ({len(workers.peaks)} child "
            f"processes, the pool's resource tracker included): the import's processes together "
            f"at most {peak_mb + workers.total_mb:.0f} MB"
        )
    per_row = 1e6 / max(report.rows, 1)
    print(
        f"  CPU per row: {cpu_main * per_row:,.0f} µs in this process, "
        f"{cpu_workers * per_row:,.0f} µs in the workers"
        + (f", {cpu_server * per_row:,.0f} µs in the database server" if args.postgres else "")
    )
    print(f"  baseline: raw Ed25519 signing, one core: {signing:,.0f} signatures/s")
    print(f"  ratio rows/s to one core's signatures/s: {rate / signing:.3f}")
    if args.peer > 0:
        _peer(reference, args.peer, rate)


def _peer(reference: Reference, documents: int, rate: float) -> None:
    with tempfile.TemporaryDirectory(prefix="sehat-peer-") as tmp:
        try:
            peer = run_peer(reference, documents, 7, Path(tmp))  # the seed of the file above
        except PeerUnavailable as exc:
            raise SystemExit(
                f"peer: not measured: {exc}. The Sehat figure above stands alone."
            ) from None
    print(
        f"peer: OpenAttestation wrapDocuments, {peer.documents:,} documents: "
        f"{peer.rate:,.0f} docs/s; Sehat/peer ratio: {rate / peer.rate:.2f}×"
    )
    print(f"  ({peer.package} on node {peer.node}, {peer.seconds:.1f} s; hashes, signs nothing)")


if __name__ == "__main__":
    main()
