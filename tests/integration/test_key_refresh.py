"""Signing keys in a running server are re-read by a thread of their own (Evidence.refresher):
requests only read what it cached, and a rotation or revocation still reaches them. A process
with no refresher (the command line, an import) re-reads them itself when they grow old."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from sehat.api.app import create_app
from sehat.config import Settings
from sehat.keystore import KeyRecord, KeyStore, Purpose
from sehat.reference.loader import load_reference
from sehat.services import evidence as evidence_module
from sehat.services import signing as signing_module
from sehat.services.evidence import Evidence

from .api_helpers import KEK, Tokens, issue_bachelor, make_tokens


class CountingKeyStore(KeyStore):
    """A key store that counts its reads, by the name of the thread that made them."""

    def __init__(self, directory: Path, kek: str) -> None:
        super().__init__(directory, kek)
        self.reads: Counter[str] = Counter()

    def all(self) -> list[KeyRecord]:
        self.reads[threading.current_thread().name] += 1
        return super().all()


def _client(engine: sa.Engine, keystore: KeyStore, tmp_path: Path) -> TestClient:
    settings = Settings(
        data_dir=tmp_path, database_url=str(engine.url), kek=KEK, rate_limit_public="off"
    )
    return TestClient(create_app(settings, engine=engine, keystore=keystore))


def _holder_check(client: TestClient, tok: Tokens, code: str) -> str:
    # The holder tier checks the signatures themselves (the verifying keys), not only the seal.
    answer = client.get(f"/api/v1/verify/{code}", headers=tok.verifier).json()
    return str(answer["status"])


def test_requests_do_not_read_the_key_store_while_the_refresher_keeps_it_fresh(
    engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Keys older than 0.3 s would be read again by the request itself; the refresher
    # re-reads them every 0.05 s.
    monkeypatch.setattr(evidence_module, "KEY_REFRESH_SECONDS", 0.3)
    monkeypatch.setattr(signing_module, "KEY_REFRESH_SECONDS", 0.3)  # signing keys
    monkeypatch.setattr(evidence_module, "KEY_REFRESH_EVERY", 0.05)
    keystore = CountingKeyStore(tmp_path / "keys", KEK)
    keystore.ensure(datetime.now(UTC))
    client = _client(engine, keystore, tmp_path)
    tok = make_tokens(engine)  # once the app has added the reference institutions
    with client:
        code = issue_bachelor(client, tok)
        time.sleep(0.6)  # past KEY_REFRESH_SECONDS: stale had nobody refreshed them
        keystore.reads.clear()
        for _ in range(3):
            assert _holder_check(client, tok, code) == "VALID"
            assert client.get(f"/api/v1/verify/{code}").json()["status"] == "VALID"
            issue_bachelor(client, tok)
            # The log's key signs a checkpoint, the root key the trust list: cached too.
            assert client.get("/api/v1/log/checkpoint").status_code == 200
            assert client.get("/api/v1/trust-list").json()["root_kid"]
            time.sleep(0.4)
        reads = dict(keystore.reads)
    assert reads.pop("signing-keys", 0) > 0
    assert reads == {}, "requests read the key store"


def test_a_revocation_reaches_a_running_server(engine: sa.Engine, tmp_path: Path) -> None:
    keystore = KeyStore(tmp_path / "keys", KEK)
    keystore.ensure(datetime.now(UTC))
    client = _client(engine, keystore, tmp_path)
    tok = make_tokens(engine)  # once the app has added the reference institutions
    with client:
        code = issue_bachelor(client, tok)
        assert _holder_check(client, tok, code) == "VALID"
        # `sehat keys revoke` in another process: a key store of its own, same files.
        beside = KeyStore(tmp_path / "keys", KEK)
        beside.revoke(
            beside.signing_key(Purpose.ISSUING, 1)[0].kid, "compromised", datetime.now(UTC)
        )
        beside.create(Purpose.ISSUING, 1, datetime.now(UTC))
        deadline = time.monotonic() + 3 * evidence_module.KEY_REFRESH_EVERY + 5
        while _holder_check(client, tok, code) != "TAMPERED":
            assert time.monotonic() < deadline, "the revocation did not reach the server"
            time.sleep(0.1)
        assert client.get(f"/api/v1/verify/{code}").json()["status"] == "TAMPERED"
        # And what it issues now is signed with the new key, and verifies.
        assert _holder_check(client, tok, issue_bachelor(client, tok)) == "VALID"


def test_without_a_refresher_keys_are_read_again_once_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keystore = KeyStore(tmp_path / "keys", KEK)
    keystore.ensure(datetime.now(UTC))
    evidence = Evidence(keystore, load_reference())
    old = evidence._key(1)[0]
    assert bytes.fromhex(old.kid) in evidence.verifying_keys()
    beside = KeyStore(tmp_path / "keys", KEK)
    beside.revoke(old.kid, "compromised", datetime.now(UTC))
    new = beside.create(Purpose.ISSUING, 1, datetime.now(UTC))
    assert evidence._key(1)[0] == old  # cached: read again only once old
    monkeypatch.setattr(evidence_module, "KEY_REFRESH_SECONDS", 0.0)
    monkeypatch.setattr(signing_module, "KEY_REFRESH_SECONDS", 0.0)  # signing keys
    assert evidence._key(1)[0].kid == new.kid
    assert bytes.fromhex(old.kid) not in evidence.verifying_keys()


def test_a_refresh_with_nothing_changed_keeps_the_same_keys(tmp_path: Path) -> None:
    keystore = KeyStore(tmp_path / "keys", KEK)
    keystore.ensure(datetime.now(UTC))
    evidence = Evidence(keystore, load_reference())
    evidence.refresh()
    keys = evidence.verifying_keys()
    evidence.refresh()
    assert evidence.verifying_keys() is keys  # what was checked against them stays remembered
    keystore.create(Purpose.ISSUING, 2, datetime.now(UTC))
    evidence.refresh()
    assert evidence.verifying_keys() is not keys and len(evidence.verifying_keys()) == len(keys) + 1
