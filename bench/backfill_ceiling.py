"""The ceiling of a legacy backfill on this machine: what the work a row needs costs, each
part measured alone, with nothing of the import's own bookkeeping around it.

    .venv/bin/python bench/backfill_ceiling.py [--rows 1000000] [--sample 20000]
                                               [--batch 1000] [--postgres URL]

Two parts, the two halves of bench/backfill.py's import:

- the pure work, on one core, in this process: each of ``--sample`` ``sehat synth`` rows
  validated (core/record.check_record) and its first version made and signed
  (services/presigned.presign_all, a thousand at a time) — what the import's worker
  processes do, without moving anything between processes;
- the storage: the rows one issued document writes (its person, submission, document,
  version, evidence, log entry and log nodes: the registry's own schema, migrated as
  ``sehat db upgrade`` does, its foreign keys checked), for ``--rows`` documents in
  transactions of ``--batch``, through the driver alone: tuples made beforehand,
  ``executemany`` on SQLite, ``COPY`` on PostgreSQL (the same statements store/bulk.py
  runs, with none of the writing process's Python). Keys that must be unique (national ID,
  code, student number) are distinct and in no order, as a national backlog's are; the
  values are those of the sample's first row.

It prints each part's CPU time a row, the rate of the storage alone, and the ceiling they
make together on this machine's cores: ``cores / (pure + storage)`` rows a second when every
core is busy and nothing else runs (on PostgreSQL the database server's CPU counts in the
storage's, as it runs on the same cores). The import cannot be faster than that ceiling; how
far below it the import runs is what its own bookkeeping costs.
"""

from __future__ import annotations

import argparse
import gc
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from postgres_cpu import postgres_cpu_seconds  # bench/, beside this file

from sehat.core.record import GraduationRecord, check_record
from sehat.importer.cells import cell_text
from sehat.importer.table import open_table
from sehat.keystore import KeyStore
from sehat.reference.loader import load_reference
from sehat.services.evidence import Evidence
from sehat.services.institutions import sync_from_reference
from sehat.services.presigned import Presigned, presign_all
from sehat.services.signing import Signer
from sehat.store.db import BULK_CHECKPOINT_PAGES, make_engine, upgrade
from sehat.synth import write_csv

TARGET = {"SQLite": 20_000, "PostgreSQL": 10_000}  # DESIGN §9
# Odd multipliers prime to 10: k → k·M mod 10^d is a permutation, so keys stay distinct
# while landing all over their index, as a backlog's national IDs and codes do.
_SPREAD = 2_654_435_761
_SPREAD_CODE = 11_400_714_819_323_198_485


@dataclass(frozen=True)
class Pure:
    """The pure work of the sample: µs of CPU a row, and its first row as made."""

    check_us: float
    presign_us: float
    record: GraduationRecord
    raw: dict[str, object]
    made: Presigned


def _pure(sample: Path, keys: Path) -> Pure:
    reference = load_reference()
    now = datetime.now(UTC)
    keystore = KeyStore(keys, "bench-key-encryption-key-0123456789abcdef")
    keystore.ensure(now)
    signer = Signer(keystore, reference, Evidence(keystore, reference).issuer)
    with open_table(sample, institution_given=False) as table:
        raws = [
            {name: cell_text(name, value) for name, value in table.header.record(cells).items()}
            for _, cells in table.rows
        ]
    today = now.date()
    gc.collect()
    gc.disable()  # as in the import's processes while a batch is worked (importer/garbage.py)
    started = time.process_time()
    records = [check_record(raw, reference, today)[0] for raw in raws]
    checked = time.process_time()
    valid = [record for record in records if record is not None]
    made = [
        m for i in range(0, len(valid), 1000) for m in presign_all(signer, valid[i : i + 1000], now)
    ]
    signed = time.process_time()
    gc.enable()
    first = records[0]
    assert first is not None and len(made) == len(raws), "the sample's rows are all valid"
    return Pure(
        (checked - started) / len(raws) * 1e6,
        (signed - checked) / len(made) * 1e6,
        first,
        raws[0],
        made[0],
    )


# Each table's rows of a batch: its column names, and a tuple of values a row in their order.
Rows = dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]


def _rows(pure: Pure, start: int, count: int, now: datetime) -> Rows:
    """The rows of documents ``start + 1 … start + count``, as the import writes them, table
    by table in the order their foreign keys need."""
    rec, made = pure.record, pure.made
    raw = orjson.dumps(pure.raw).decode()
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in _TABLES}
    for k in range(start + 1, start + count + 1):
        out["persons"].append(
            {
                "id": k,
                "national_id": f"{k * _SPREAD % 10**10:010d}",
                "first_name": rec.first_name,
                "last_name": rec.last_name,
                "first_name_latin": rec.first_name_latin,
                "last_name_latin": rec.last_name_latin,
                "father_name": rec.father_name,
                "birth_date": rec.birth_date,
                "gender": rec.gender,
                "created_at": now,
            }
        )
        out["submissions"].append(
            {
                "id": k,
                "public_id": str(uuid.uuid4()),
                "institution": rec.institution,
                "student_number": f"{k * _SPREAD % 10**9:09d}",
                "kind": rec.kind,
                "seminary_level": rec.seminary_level or 0,
                "field_code": rec.field_code,
                "program_type": rec.program_type.value,
                "idempotency_key": f"import-{'0' * 32}-{k}",
                "status": "ISSUED",
                "reasons": "[]",
                "record": raw,
                "person_id": k,
                "document_id": k,
                "assurance": "born_digital",
                "created_at": now,
                "updated_at": now,
            }
        )
        out["documents"].append(
            {
                "id": k,
                "code": f"{k * _SPREAD_CODE % 10**20:020d}",
                "institution": rec.institution,
                "domain": int(rec.institution[0]),
                "kind": rec.kind,
                "seminary_level": rec.seminary_level or 0,
                "person_id": k,
                "submission_id": k,
                "student_number": rec.student_number,
                "field_code": rec.field_code,
                "status": "VALID",
                "version": 1,
                "issued_at": now,
                "issued_year": 1405,
                "graduation_date": rec.graduation_date,
                "assurance": "born_digital",
                "salt": made.salt,
            }
        )
        out["document_versions"].append(
            {
                "id": k,
                "document_id": k,
                "version": 1,
                "content": made.content,
                "reason": "issued",
                "created_at": now,
                "created_by": "import",
            }
        )
        out["version_evidence"].append(
            {
                "version_id": k,
                "cose": made.made.signed,
                "content_signature": b"",
                "kid": made.made.kid,
                "signed_at": now,
                "commitment": made.made.commitment,
                "leaf_index": k - 1,
                "seal": made.made.seal,
            }
        )
        out["log_entries"].append(
            {
                "idx": k - 1,
                "leaf_input": made.leaf_input,
                "event": "issue",
                "code": None,
                "version": 1,
                "created_at": now,
            }
        )
        index, level = k - 1, 0
        out["log_nodes"].append({"level": 0, "idx": index, "hash": made.made.commitment})
        while index & 1:  # the perfect subtrees this leaf completes
            index, level = index >> 1, level + 1
            out["log_nodes"].append({"level": level, "idx": index, "hash": made.made.seal})
    return {
        name: (tuple(rows[0]), [tuple(row.values()) for row in rows]) for name, rows in out.items()
    }


# In the order their foreign keys need.
_TABLES = (
    "persons",
    "submissions",
    "documents",
    "document_versions",
    "version_evidence",
    "log_entries",
    "log_nodes",
)


Writer = Callable[[Rows], None]


def _migrated(engine: sa.Engine) -> None:
    """The registry's schema, as ``sehat db upgrade`` makes it, with the reference data's
    institutions (the rows' foreign keys name them)."""
    upgrade(engine)
    with engine.begin() as conn:
        sync_from_reference(conn, load_reference(), datetime.now(UTC))
    engine.dispose()


@contextmanager
def _sqlite(folder: Path) -> Iterator[tuple[Writer, Callable[[], float]]]:
    path = folder / "floor.db"
    _migrated(make_engine(f"sqlite:///{path}", bulk=True))
    conn = sqlite3.connect(path, isolation_level=None)
    # As `sehat import`'s connections (store/db.py, bulk=True): WAL, NORMAL sync, foreign keys
    # checked, no memory map, a long WAL between checkpoints.
    pages = BULK_CHECKPOINT_PAGES
    pragmas = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON")
    for pragma in (*pragmas, f"wal_autocheckpoint={pages}"):
        conn.execute(f"PRAGMA {pragma}")

    def write(rows: Rows) -> None:
        conn.execute("BEGIN IMMEDIATE")
        for name, (cols, values) in rows.items():
            sql = f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            conn.executemany(sql, [_sqlite_values(r) for r in values])
        conn.execute("COMMIT")

    try:
        yield write, lambda: 0.0
    finally:
        conn.close()


def _sqlite_values(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(v.isoformat(" ") if isinstance(v, datetime) else v for v in row)


@contextmanager
def _postgres(url: str) -> Iterator[tuple[Writer, Callable[[], float]]]:
    import psycopg

    name = f"sehat_floor_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    database = url.rsplit("/", 1)[0] + "/" + name
    _migrated(make_engine(database))
    conn = psycopg.connect(database.replace("postgresql+psycopg://", "postgresql://"))

    def write(rows: Rows) -> None:
        with conn.transaction(), conn.cursor() as cur:
            for table, (cols, values) in rows.items():
                with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)

    try:
        yield write, postgres_cpu_seconds
    finally:
        conn.close()
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _storage(
    pure: Pure, rows: int, batch: int, writer: Writer, server_cpu: Callable[[], float]
) -> tuple[float, float, float, float]:
    """(rows/s, µs of CPU a row in this process writing, in the database server, and in
    making the rows' tuples)."""
    now = datetime.now(UTC)
    making = writing = 0.0
    gc.collect()
    gc.freeze()
    gc.disable()  # the rows made are freed by reference counting, as in the import
    server_before = server_cpu()
    started = time.perf_counter()
    for start in range(0, rows, batch):
        t0 = time.process_time()
        chunk = _rows(pure, start, min(batch, rows - start), now)
        t1 = time.process_time()
        writer(chunk)
        writing += time.process_time() - t1
        making += t1 - t0
        if (start // batch) % 200 == 199:
            print(f"  … {start + batch:,} rows stored", flush=True)
    seconds = time.perf_counter() - started
    gc.enable()
    per_row = 1e6 / rows
    # The rate leaves out making the tuples (the import's workers and writer make them).
    return (
        rows / (seconds - making),
        writing * per_row,
        (server_cpu() - server_before) * per_row,
        making * per_row,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000, help="documents stored")
    parser.add_argument("--sample", type=int, default=20_000, help="rows validated and signed")
    parser.add_argument("--batch", type=int, default=1000, help="documents a transaction")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    backend = "PostgreSQL" if args.postgres else "SQLite"
    with tempfile.TemporaryDirectory(prefix="sehat-ceiling-") as tmp:
        folder = Path(tmp)
        write_csv(folder / "sample.csv", load_reference(), args.sample, 7)
        pure = _pure(folder / "sample.csv", folder / "keys")
        print(
            f"pure work, one core, {args.sample:,} sehat synth rows: validation "
            f"{pure.check_us:.0f} µs a row, first version made and signed {pure.presign_us:.0f} "
            f"µs a row"
        )
        store = _postgres(args.postgres) if args.postgres else _sqlite(folder)
        with store as (writer, server_cpu):
            rate, client, server, making = _storage(pure, args.rows, args.batch, writer, server_cpu)
    storage = client + server
    print(
        f"storage alone, {backend}, {args.rows:,} documents in transactions of {args.batch:,}: "
        f"{rate:,.0f} documents/s, {storage:.0f} µs of CPU a row"
        + (f" ({client:.0f} here, {server:.0f} in the database server)" if server else "")
        + f" (tuples made beforehand: {making:.0f} µs a row, not counted)"
    )
    pure_us = pure.check_us + pure.presign_us
    ceiling = cores * 1e6 / (pure_us + storage)
    # One writer: its statements never run on two cores at once (on PostgreSQL the server's
    # backend and this process take turns, each on a core).
    single = 1e6 / (max(client, server) if server else storage)
    print(
        f"ceiling on {cores} cores: {min(ceiling, single):,.0f} rows/s "
        f"({cores} × 1,000,000 / ({pure_us:.0f} + {storage:.0f}) µs = {ceiling:,.0f}; one "
        f"writer alone {single:,.0f}); target {TARGET[backend]:,} rows/s: "
        f"{min(ceiling, single) / TARGET[backend]:.2f}× of it"
    )


if __name__ == "__main__":
    main()
