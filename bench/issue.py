"""Issuing throughput: records/s for single and batch submission, on SQLite and PostgreSQL.

    .venv/bin/python bench/issue.py [--records 20000] [--single 2000] [--batch 1000]
                                    [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

Records come from ``sehat synth`` (whole education histories, all five domains). Each
backend starts from an empty, migrated database. The baseline, measured in the same run on
the same database, is a bare executemany INSERT of the same number of rows into a
one-column table: the floor cost of writing anything at all.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from sehat.keystore import KeyStore
from sehat.reference.loader import load_reference
from sehat.services.evidence import Evidence
from sehat.services.issuance import Issuer, Submission
from sehat.services.principal import Principal, Role
from sehat.store import schema as t
from sehat.store.db import make_engine, upgrade
from sehat.synth import iter_records


def _fresh_engine(url: str) -> sa.Engine:
    if url.startswith("postgresql"):
        name = f"sehat_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        url = url.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    upgrade(engine)
    reference = load_reference()
    with engine.begin() as conn:
        conn.execute(
            t.institutions.insert(),
            [
                {
                    "code": i.code,
                    "domain": i.domain,
                    "number": i.number,
                    "name_fa": i.name_fa,
                    "name_en": i.name_en,
                    "city_fa": i.city_fa,
                    "city_en": i.city_en,
                    "category": i.category,
                    "active": i.active,
                    "created_at": datetime.now(UTC),
                }
                for i in reference.institutions.values()
            ],
        )
    return engine


def _by_institution(records: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for rec in records:
        out[rec["institution"]].append(rec)
    return out


def _run(
    engine: sa.Engine, records: list[dict[str, str]], batch: int, evidence: Evidence
) -> tuple[float, int]:
    """Each institution submits its own records in batches (as a legacy backfill does);
    histories cross institutions, so some documents wait and issue when their prior arrives."""
    reference = load_reference()
    issued = 0
    start = time.perf_counter()
    for institution, own in _by_institution(records).items():
        principal = Principal(role=Role.REGISTRAR, account_id="bench", institution=institution)
        for i in range(0, len(own), batch):
            with engine.begin() as conn:
                results = Issuer(conn, reference, datetime.now(UTC), evidence).submit(
                    principal, institution, [Submission(r) for r in own[i : i + batch]]
                )
            issued += sum(r.status == "ISSUED" for r in results)
    return time.perf_counter() - start, issued


def _baseline(engine: sa.Engine, n: int) -> float:
    table = sa.Table("bench_baseline", sa.MetaData(), sa.Column("v", sa.Text))
    table.create(engine)
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"v": f"row {i}"} for i in range(n)])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--single", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    reference = load_reference()
    records = list(iter_records(reference, args.records, seed=7))
    with tempfile.TemporaryDirectory() as tmp:
        keys = KeyStore(Path(tmp) / "keys", "bench-key-encryption-key-0123456789abcdef")
        keys.ensure(datetime.now(UTC))
        evidence = Evidence(keys, reference)
        for name, url in (
            ("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}"),
            ("postgresql", args.postgres),
        ):
            engine = _fresh_engine(url)
            base = _baseline(engine, len(records))
            batch_s, issued = _run(engine, records, args.batch, evidence)
            engine2 = _fresh_engine(
                url if name == "postgresql" else f"sqlite:///{Path(tmp) / 'single.db'}"
            )
            single_s, _ = _run(engine2, records[: args.single], 1, evidence)
            base_rate = len(records) / base
            print(
                f"{name:10s} batch  ({args.batch}/tx): {len(records) / batch_s:9.0f} records/s "
                f"({issued} issued at once of {len(records)}; the rest waited for their prior)"
            )
            print(f"{name:10s} single (1/tx):    {args.single / single_s:9.0f} records/s")
            print(
                f"{name:10s} baseline bare INSERT: {base_rate:9.0f} rows/s; "
                f"batch issuing = {len(records) / batch_s / base_rate:.3f}× baseline"
            )
            engine.dispose()
            engine2.dispose()


if __name__ == "__main__":
    main()
