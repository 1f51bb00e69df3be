"""The key store: keys made once, sealed at rest, rotated and revoked with their history."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sehat.errors import ConflictError, InfrastructureError
from sehat.keystore import KeyStatus, KeyStore, Purpose, kid_of, new_kek, resolve_kek

NOW = datetime(2026, 11, 28, tzinfo=UTC)
KEK = "k" * 43


def test_a_fresh_registry_gets_root_log_and_one_issuing_key_per_domain(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, KEK)
    made = store.ensure(NOW)
    assert sorted((k.purpose.value, k.domain or 0) for k in made) == [
        ("issuing", 1),
        ("issuing", 2),
        ("issuing", 3),
        ("issuing", 4),
        ("issuing", 5),
        ("log", 0),
        ("root", 0),
    ]
    assert store.ensure(NOW) == []  # the second start makes nothing


def test_private_keys_are_sealed_at_rest(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, KEK)
    key = store.create(Purpose.ISSUING, 1, NOW)
    raw = store.private(key).private_bytes_raw()
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("*.json"))
    assert raw not in on_disk and raw.hex().encode() not in on_disk
    assert kid_of(key.public).hex() == key.kid
    public = store.private(key).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert public == key.public
    with pytest.raises(InfrastructureError, match="SEHAT_KEK"):
        KeyStore(tmp_path, "x" * 40).private(key)


def test_rotation_retires_the_old_key_which_still_verifies(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, KEK)
    old = store.create(Purpose.ISSUING, 2, NOW)
    signature = store.private(old).sign(b"document")
    new = store.create(Purpose.ISSUING, 2, NOW + timedelta(days=1))
    assert store.get(old.kid).status is KeyStatus.RETIRED
    assert store.signing_key(Purpose.ISSUING, 2)[0].kid == new.kid
    store.get(old.kid).public_key().verify(signature, b"document")
    assert store.get(old.kid).is_valid_at(NOW)


def test_revocation_is_recorded_and_final(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, KEK)
    key = store.create(Purpose.LOG, None, NOW)
    revoked = store.revoke(key.kid, "compromised", NOW)
    assert revoked.status is KeyStatus.REVOKED and not revoked.is_valid_at(NOW)
    with pytest.raises(ConflictError):
        store.revoke(key.kid, "again", NOW)
    with pytest.raises(InfrastructureError, match="keys rotate"):
        store.signing_key(Purpose.LOG)


def test_production_refuses_to_start_without_a_kek(tmp_path: Path) -> None:
    with pytest.raises(InfrastructureError, match="SEHAT_KEK") as info:
        resolve_kek(tmp_path, None, production=True)
    assert "SEHAT_KEK" in info.value.message_fa
    with pytest.raises(InfrastructureError, match="too short"):
        resolve_kek(tmp_path, "short", production=True)
    kek, generated = resolve_kek(tmp_path, None, production=False)
    assert generated and resolve_kek(tmp_path, None, production=False) == (kek, True)
    assert (tmp_path / "keys" / "kek.demo").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "guessable",
    [
        "a" * 40,  # one character repeated
        "0123456789abcdefghijklmnopqrstuvwxyz",  # runs of the digits and the alphabet
        "Xy7!" * 10,  # a short piece typed again and again
        "aabbccddeeffgghhiijjkkllmmnnooppqqrrsstt",
        "test-kek-" + "0" * 40,
    ],
)
def test_production_refuses_a_made_up_kek_and_says_how_to_make_one(
    tmp_path: Path, guessable: str
) -> None:
    with pytest.raises(InfrastructureError, match="sehat keys kek-new") as info:
        resolve_kek(tmp_path, guessable, production=True)
    assert "at least 128" in info.value.message
    assert "sehat keys kek-new" in info.value.message_fa
    assert guessable not in info.value.diagnostics()  # a secret is never repeated back
    # Development takes it (32 characters or more), as the tests themselves do.
    assert resolve_kek(tmp_path, guessable, production=False) == (guessable, False)


def test_production_takes_a_random_kek() -> None:
    for _ in range(200):
        kek = new_kek()
        assert len(kek) == 43 and resolve_kek(Path("/nonexistent"), kek, production=True) == (
            kek,
            False,
        )


def test_a_key_store_sent_to_a_worker_process_signs_alike_without_carrying_private_keys(
    tmp_path: Path,
) -> None:
    store = KeyStore(tmp_path / "keys", KEK)
    store.ensure(datetime.now(UTC))
    key, private = store.signing_key(Purpose.ISSUING, 1)  # unsealed, cached in this process
    raw = private.private_bytes_raw()
    sent = pickle.dumps(store)
    assert raw not in sent  # the unsealed key stays behind
    copy = pickle.loads(sent)
    copy_key, copy_private = copy.signing_key(Purpose.ISSUING, 1)
    assert copy_key.kid == key.kid and copy.seal_key == store.seal_key
    assert copy_private.sign(b"x") == private.sign(b"x")  # Ed25519 is deterministic
