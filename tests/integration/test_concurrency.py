"""Many registrars at once against a real server: every graduation stored exactly once, no
duplicate code, no 5xx, no deadlock — 8 × 1,000 on PostgreSQL, 4 × 500 on SQLite."""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from sehat.store import schema as t

from .api_helpers import P, make_client, make_tokens
from .registry_helpers import new_national_id, record


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(engine: sa.Engine, tmp_path: Path) -> Iterator[str]:
    app = make_client(engine, tmp_path).app
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def test_concurrent_registrars(server: str, engine: sa.Engine, backend: str) -> None:
    clients, per_client = (8, 1000) if backend == "postgresql" else (4, 500)
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
