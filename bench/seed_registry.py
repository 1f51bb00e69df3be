"""A large SQLite registry for load benchmarks, written straight into the tables.

    .venv/bin/python bench/seed_registry.py DIR [--documents 1000000]

Issuing through the API does a few hundred records per second here (bench/RESULTS.md), far
too slow for a million. This writes what issuance writes for verification — persons,
documents, their first version and its evidence (the COSE_Sign1 whose claims carry the
record hash, ADR 0008, with the registry's real keys) — from `sehat synth` records
validated by the real record rules, in a process pool. It writes no submissions and no
transparency log: `sehat audit` will say so; verification does not read them. DIR ends up
a data directory `sehat serve` can serve (SEHAT_DATA_DIR=DIR, SEHAT_KEK as printed), with
`codes.txt` holding every code, one a line.
"""

from __future__ import annotations

import argparse
import multiprocessing
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sehat.config import default_database_url
from sehat.core import code as authcode
from sehat.core.jalali import jalali_year_of
from sehat.core.record import validate_record
from sehat.keystore import KeyStore
from sehat.reference.loader import load_reference
from sehat.services.evidence import Evidence
from sehat.services.institutions import sync_from_reference
from sehat.services.key_events import sync_key_events
from sehat.services.signing import VersionToSign
from sehat.store import schema as t
from sehat.store.db import make_engine, upgrade
from sehat.synth import iter_records

KEK = "bench-registry-key-encryption-key-0123456789"
CHUNK = 5_000
_worker: dict[str, Any] = {}


def _init(keys: str) -> None:
    reference = load_reference()
    _worker["reference"] = reference
    _worker["evidence"] = Evidence(KeyStore(Path(keys), KEK), reference)


def _prepare(job: tuple[int, int]) -> list[dict[str, Any]]:
    """Records ``job`` of the synthetic stream, validated, coded and signed."""
    first, count = job
    reference, evidence = _worker["reference"], _worker["evidence"]
    today = date.today()
    year = jalali_year_of(today)
    issued_at = int(datetime.now(UTC).timestamp())
    out = []
    for raw in iter_records(reference, count, seed=first + 1):
        try:
            record = validate_record(raw, reference, today=today)
        except Exception:  # a synthetic record the rules refuse: skip it, as issuance would
            continue
        content = record.content()
        institution = str(content["institution"])
        kind = int(str(content["kind"]))
        code = str(authcode.generate(int(institution[0]), int(institution[1:]), year, kind))
        content["code"] = code
        salt = secrets.token_bytes(16)
        version = VersionToSign(0, code, 1, content, salt)
        kid, signed, content_signature, digest = evidence.sign(version, issued_at)
        out.append(
            {
                "content": content,
                "code": code,
                "kind": kind,
                "institution": institution,
                "year": year,
                "salt": salt,
                "kid": kid,
                "cose": signed,
                "content_signature": content_signature,
                "commitment": digest,
                "seal": evidence.seal_of(version, kid, signed, content_signature),
            }
        )
    return out


def _jobs(total: int) -> Iterator[tuple[int, int]]:
    for first in range(0, total, CHUNK):
        yield first, min(CHUNK, total - first)


def seed(directory: Path, documents: int, processes: int) -> int:
    """Fill ``directory`` with ``documents`` signed documents; returns how many were stored."""
    directory.mkdir(parents=True, exist_ok=True)
    engine = make_engine(default_database_url(directory))
    upgrade(engine)
    reference = load_reference()
    now = datetime.now(UTC)
    keystore = KeyStore(directory / "keys", KEK)
    keystore.ensure(now)
    with engine.begin() as conn:
        sync_from_reference(conn, reference, now)
        sync_key_events(conn, keystore, now)
    persons: dict[str, int] = {}
    codes: set[str] = set()
    stored = 0
    started = time.perf_counter()
    with (
        multiprocessing.Pool(processes, _init, (str(directory / "keys"),)) as pool,
        open(directory / "codes.txt", "w") as listing,
    ):
        for batch in pool.imap(_prepare, _jobs(documents)):
            batch = [b for b in batch if b["code"] not in codes]
            with engine.begin() as conn:
                fresh = []
                for b in batch:
                    nid = b["content"]["national_id"]
                    if nid not in persons:
                        persons[nid] = -1
                        c = b["content"]
                        fresh.append(
                            {
                                "national_id": nid,
                                "first_name": c["first_name"],
                                "last_name": c["last_name"],
                                "first_name_latin": c.get("first_name_latin") or "",
                                "last_name_latin": c.get("last_name_latin") or "",
                                "father_name": c.get("father_name") or "",
                                "birth_date": date.fromisoformat(c["birth_date"]),
                                "gender": c.get("gender") or "",
                                "created_at": now,
                            }
                        )
                if fresh:
                    ids = conn.execute(
                        t.persons.insert().returning(
                            t.persons.c.id, t.persons.c.national_id, sort_by_parameter_order=True
                        ),
                        fresh,
                    ).all()
                    persons.update((r.national_id, r.id) for r in ids)
                docs = conn.execute(
                    t.documents.insert().returning(t.documents.c.id, sort_by_parameter_order=True),
                    [
                        {
                            "code": b["code"],
                            "institution": b["institution"],
                            "domain": int(b["institution"][0]),
                            "kind": b["kind"],
                            "seminary_level": int(b["content"].get("seminary_level") or 0),
                            "person_id": persons[b["content"]["national_id"]],
                            "submission_id": stored + i + 1,
                            "student_number": b["content"]["student_number"],
                            "field_code": b["content"]["field_code"],
                            "status": "VALID",
                            "version": 1,
                            "issued_at": now,
                            "issued_year": b["year"],
                            "graduation_date": date.fromisoformat(b["content"]["graduation_date"]),
                            "salt": b["salt"],
                        }
                        for i, b in enumerate(batch)
                    ],
                ).all()
                versions = conn.execute(
                    t.document_versions.insert().returning(
                        t.document_versions.c.id, sort_by_parameter_order=True
                    ),
                    [
                        {
                            "document_id": d.id,
                            "version": 1,
                            "content": b["content"],
                            "reason": "issued",
                            "created_at": now,
                            "created_by": "bench",
                        }
                        for d, b in zip(docs, batch, strict=True)
                    ],
                ).all()
                conn.execute(
                    t.version_evidence.insert(),
                    [
                        {
                            "version_id": v.id,
                            "cose": b["cose"],
                            "content_signature": b["content_signature"],
                            "kid": b["kid"],
                            "signed_at": now,
                            "commitment": b["commitment"],
                            "leaf_index": stored + i,
                            "seal": b["seal"],
                        }
                        for i, (v, b) in enumerate(zip(versions, batch, strict=True))
                    ],
                )
            for b in batch:
                codes.add(b["code"])
                listing.write(b["code"] + "\n")
            stored += len(batch)
            rate = stored / (time.perf_counter() - started)
            print(f"\r  {stored:,} documents ({rate:,.0f}/s)", end="", flush=True)
    print()
    (directory / "SEEDED").write_text(f"{stored}\n")
    engine.dispose()
    return stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--processes", type=int, default=multiprocessing.cpu_count())
    args = parser.parse_args()
    stored = seed(args.directory, args.documents, args.processes)
    print(f"{stored:,} documents in {args.directory}; serve with SEHAT_KEK={KEK}")


if __name__ == "__main__":
    main()
