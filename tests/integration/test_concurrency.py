"""Many registrars at once against a real server: every graduation stored exactly once, no
duplicate code, no 5xx, no deadlock — 8 clients at once on PostgreSQL, 4 on SQLite, 250
submissions each. A person's bachelor and master are sent by two clients near the same
point of their plans, so they race from the first request to the last."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from sehat.keystore import KeyStore
from sehat.reference.loader import load_reference
from sehat.services.audit import run_audit
from sehat.store import schema as t

from .api_helpers import P, make_tokens
from .registry_helpers import new_national_id, record
from .server_helpers import KEK, running_server


@pytest.fixture
def server(engine: sa.Engine, tmp_path: Path) -> Iterator[str]:
    """`sehat serve --workers 2` in its own processes, on the test database."""
    with running_server(engine, tmp_path / "data", workers=2) as base:
        yield base


def test_concurrent_registrars(
    server: str, engine: sa.Engine, backend: str, tmp_path: Path
) -> None:
    clients, per_client = (8, 250) if backend == "postgresql" else (4, 250)
    tokens = make_tokens(engine)
    headers = [tokens.registrar_a, tokens.registrar_b]
    rng = random.Random(9)
    # People whose bachelor (at A) and master (at B) are sent by different clients at the same
    # time, plus records that two clients both send: the registry must sort it all out.
    plans: list[list[tuple[int, dict[str, Any]]]] = [[] for _ in range(clients)]
    distinct: dict[tuple[str, str], dict[str, Any]] = {}
    for c in range(clients):
        while len(plans[c]) < per_client:
            nid = new_national_id()
            bachelor = record(P.uni_a, 2, P.field_science, nid)
            master = record(P.uni_b, 3, P.field_science, nid)
            distinct[(P.uni_a, bachelor["student_number"])] = bachelor
            distinct[(P.uni_b, master["student_number"])] = master
            plans[c].append((0, bachelor))
            plans[(c + 1) % clients].append((1, master))
            if rng.random() < 0.1:
                plans[(c + 2) % clients].append((0, bachelor))  # the same graduation again
    statuses: list[int] = []
    errors: list[str] = []

    def run(plan: list[tuple[int, dict[str, Any]]]) -> None:
        with httpx.Client(base_url=server, timeout=120) as http:
            for which, rec in plan:
                response = http.post("/api/v1/graduations", json=rec, headers=headers[which])
                statuses.append(response.status_code)
                if response.status_code >= 500:
                    errors.append(response.text[:200])

    threads = [threading.Thread(target=run, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=900)
    assert not any(thread.is_alive() for thread in threads), "a client hung: deadlock?"
    assert not errors, errors[:3]
    assert set(statuses) <= {200, 201}
    assert len(statuses) == sum(len(p) for p in plans)
    with engine.connect() as conn:
        submissions = conn.execute(
            sa.select(sa.func.count()).select_from(t.submissions)
        ).scalar_one()
        codes = conn.execute(sa.select(t.documents.c.code)).scalars().all()
        waiting = conn.execute(
            sa.select(sa.func.count())
            .select_from(t.submissions)
            .where(t.submissions.c.status != "ISSUED")
        ).scalar_one()
    assert submissions == len(distinct)
    assert len(codes) == len(set(codes)) == len(distinct)
    assert waiting == 0  # every master found its bachelor, whichever arrived first
    # Every document has its leaf and every leaf its document, whatever the interleaving.
    keys = KeyStore(tmp_path / "data" / "keys", KEK)
    with engine.connect() as conn:
        report = run_audit(conn, keys, load_reference(), "sehat.example/log")
    assert report.mismatches == [], report.mismatches[:5]
    assert report.documents == len(distinct)
