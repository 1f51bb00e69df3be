"""The key store: Ed25519 keys with ids, purposes, validity and status (DESIGN §4).

Private keys are encrypted at rest with AES-256-GCM under a key-encryption key (KEK) from
the environment (``SEHAT_KEK``); they never leave this module unencrypted except as
in-memory ``Ed25519PrivateKey`` objects. Each key is one JSON file in
``SEHAT_DATA_DIR/keys/`` — the seam where an HSM would plug in.

Purposes: ``root`` signs the trust list; ``issuing`` keys (one per domain, DESIGN §4 key
federation) sign documents of their own domain only; ``log`` signs checkpoints.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sehat.core.persian import to_persian_digits
from sehat.core.secret_strength import estimate_bits
from sehat.errors import ConflictError, InfrastructureError, InputError, NotFoundError, Problem
from sehat.store.files import make_private_dir

KEK_FILE = "kek.demo"
KEK_MIN_LENGTH = 32
KEK_MIN_BITS = 128  # production, by core/secret_strength.py's estimate
DOMAINS = (1, 2, 3, 4, 5)
VALIDITY = {
    "root": timedelta(days=3650),
    "issuing": timedelta(days=730),
    "log": timedelta(days=1825),
}


class Purpose(StrEnum):
    """What a key may sign."""

    ROOT = "root"
    ISSUING = "issuing"
    LOG = "log"


class KeyStatus(StrEnum):
    """Active keys sign; retired keys only verify what they signed; revoked keys are distrusted."""

    ACTIVE = "active"
    RETIRED = "retired"
    REVOKED = "revoked"


def kid_of(public_raw: bytes) -> bytes:
    """DESIGN §4: the first 8 bytes of SHA-256 of the raw 32-byte public key."""
    return hashlib.sha256(public_raw).digest()[:8]


@dataclass(frozen=True)
class KeyRecord:
    """A key's public facts (what the trust list publishes) and its encrypted private part."""

    kid: str  # hex of kid_of(public)
    purpose: Purpose
    domain: int | None
    public: bytes
    valid_from: datetime
    valid_until: datetime
    status: KeyStatus
    created_at: datetime
    status_changed_at: datetime | None = None
    status_reason: str | None = None
    sealed: bytes = b""  # nonce || AES-GCM ciphertext of the raw private key

    def public_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public)

    def is_valid_at(self, when: datetime) -> bool:
        """Whether a signature made at ``when`` by this key is acceptable."""
        if self.status is KeyStatus.REVOKED:
            return False
        return self.valid_from <= when <= self.valid_until

    def public_dict(self) -> dict[str, object]:
        return {
            "kid": self.kid,
            "purpose": self.purpose.value,
            "domain": self.domain,
            "public_key": base64.urlsafe_b64encode(self.public).rstrip(b"=").decode(),
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "status": self.status.value,
            "status_changed_at": self.status_changed_at.isoformat()
            if self.status_changed_at
            else None,
            "status_reason": self.status_reason,
        }


def _kek_bytes(kek: str) -> bytes:
    # HKDF turns any high-entropy secret (e.g. 32 random bytes in base64) into the AES key.
    return HKDF(algorithm=SHA256(), length=32, salt=b"sehat-kek-v1", info=b"keystore").derive(
        kek.encode()
    )


def new_kek() -> str:
    """A fresh key-encryption key: 32 random bytes in base64url (43 characters, 256 bits),
    drawn again in the rare case the estimate of core/secret_strength.py would refuse it."""
    while True:
        kek = secrets.token_urlsafe(32)
        if estimate_bits(kek) >= KEK_MIN_BITS:
            return kek


def resolve_kek(data_dir: Path, env_kek: str | None, *, production: bool) -> tuple[str, bool]:
    """The KEK to use, and whether it was generated for a demo (say so to the user).

    Production refuses to start without ``SEHAT_KEK``, or with one that looks made up (under
    128 bits by a simple estimate: repeated or sequential runs count for nothing);
    development and the demo keep a generated KEK beside the keys (never do that with real
    keys).
    """
    if env_kek:
        if len(env_kek) < KEK_MIN_LENGTH:
            raise InfrastructureError(
                f"SEHAT_KEK is too short: use at least {KEK_MIN_LENGTH} characters of random "
                "data; `sehat keys kek-new` prints one",
                "کلید رمزگذاری کلیدها (SEHAT_KEK) کوتاه است؛ دست‌کم ۳۲ نویسه تصادفی لازم است؛ "
                "`sehat keys kek-new` یکی می‌سازد",
            )
        bits = estimate_bits(env_kek)
        if production and bits < KEK_MIN_BITS:
            raise InfrastructureError(
                f"SEHAT_KEK looks made up, not random: about {bits:.0f} bits by a simple "
                f"estimate (repeated or sequential runs and repeated pieces count for "
                f"nothing), and production needs at least {KEK_MIN_BITS}. Make one with "
                "`sehat keys kek-new`, keep it in your secret store and set it as SEHAT_KEK "
                "before the first start (keys sealed under a KEK open only with it)",
                "کلید رمزگذاری کلیدها (SEHAT_KEK) تصادفی به نظر نمی‌رسد: با تخمینی ساده حدود "
                + to_persian_digits(
                    f"{bits:.0f} بیت آنتروپی دارد و حالت عملیاتی دست‌کم {KEK_MIN_BITS}"
                )
                + " بیت لازم "
                "دارد (نویسه‌های تکراری یا پشت‌سرهم به حساب نمی‌آیند)؛ با `sehat keys kek-new` "
                "کلیدی بسازید، آن را در گاوصندوق اسرار نگه دارید و پیش از نخستین راه‌اندازی در "
                "SEHAT_KEK بگذارید",
            )
        return env_kek, False
    if production:
        raise InfrastructureError(
            "production mode needs SEHAT_KEK, the key-encryption key for the signing keys; "
            "make one with `sehat keys kek-new` and set it from your secret store",
            "حالت عملیاتی بدون SEHAT_KEK (کلید رمزگذاری کلیدهای امضا) راه‌اندازی نمی‌شود؛ "
            "با `sehat keys kek-new` یکی بسازید",
        )
    path = data_dir / "keys" / KEK_FILE
    if path.exists():
        return path.read_text().strip(), True
    make_private_dir(path.parent)
    kek = new_kek()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(kek)
    return kek, True


class KeyStore:
    """Keys in ``directory``, private parts sealed under the KEK."""

    def __init__(self, directory: Path, kek: str) -> None:
        self.directory = directory
        self._kek_key = _kek_bytes(kek)
        self._aead = AESGCM(self._kek_key)
        # The registry's seal key (sehat.services.evidence.seal): derived from the KEK, so
        # whoever can read the database but not the KEK cannot forge a seal.
        self.seal_key = HKDF(
            algorithm=SHA256(), length=32, salt=b"sehat-kek-v1", info=b"seal"
        ).derive(kek.encode())
        make_private_dir(self.directory)
        self._cache: dict[str, Ed25519PrivateKey] = {}

    # A key store crosses into the worker processes of a large import (importer/workers.py)
    # as its directory and derived keys: the unsealed private keys stay behind, and each
    # process unseals what it signs with.
    def __getstate__(self) -> dict[str, Any]:
        return {"directory": self.directory, "kek_key": self._kek_key, "seal_key": self.seal_key}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.directory = Path(state["directory"])
        self._kek_key = bytes(state["kek_key"])
        self._aead = AESGCM(self._kek_key)
        self.seal_key = bytes(state["seal_key"])
        self._cache = {}

    # -- storage ------------------------------------------------------------------------
    def _path(self, kid: str) -> Path:
        return self.directory / f"{kid}.json"

    def _write(self, key: KeyRecord) -> None:
        data = key.public_dict() | {
            "public_key": base64.b64encode(key.public).decode(),
            "created_at": key.created_at.isoformat(),
            "sealed": base64.b64encode(key.sealed).decode(),
        }
        tmp = self._path(key.kid).with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self._path(key.kid))

    @staticmethod
    def _read(path: Path) -> KeyRecord:
        data = json.loads(path.read_text())

        def when(v: str | None) -> datetime | None:
            return datetime.fromisoformat(v) if v else None

        return KeyRecord(
            kid=data["kid"],
            purpose=Purpose(data["purpose"]),
            domain=data["domain"],
            public=base64.b64decode(data["public_key"]),
            valid_from=datetime.fromisoformat(data["valid_from"]),
            valid_until=datetime.fromisoformat(data["valid_until"]),
            status=KeyStatus(data["status"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            status_changed_at=when(data.get("status_changed_at")),
            status_reason=data.get("status_reason"),
            sealed=base64.b64decode(data["sealed"]),
        )

    def all(self) -> list[KeyRecord]:
        """Every key, oldest first."""
        keys = [self._read(p) for p in sorted(self.directory.glob("*.json"))]
        return sorted(keys, key=lambda k: (k.created_at, k.kid))

    def get(self, kid: str) -> KeyRecord:
        path = self._path(kid)
        if not path.exists():
            raise NotFoundError(f"no key {kid}", f"کلید {kid} یافت نشد")
        return self._read(path)

    # -- lifecycle ----------------------------------------------------------------------
    def create(self, purpose: Purpose, domain: int | None, now: datetime) -> KeyRecord:
        """A new active key; earlier active keys of the same purpose and domain retire."""
        private = Ed25519PrivateKey.generate()
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        kid = kid_of(public).hex()
        nonce = secrets.token_bytes(12)
        raw = private.private_bytes_raw()
        sealed = nonce + self._aead.encrypt(nonce, raw, f"{kid}|{purpose.value}".encode())
        for old in self.active(purpose, domain):
            self._write(
                replace(
                    old, status=KeyStatus.RETIRED, status_changed_at=now, status_reason="rotated"
                )
            )
        key = KeyRecord(
            kid=kid,
            purpose=purpose,
            domain=domain,
            public=public,
            valid_from=now,
            valid_until=now + VALIDITY[purpose.value],
            status=KeyStatus.ACTIVE,
            created_at=now,
            sealed=sealed,
        )
        self._write(key)
        return key

    def revoke(self, kid: str, reason: str, now: datetime) -> KeyRecord:
        """Distrust a key (e.g. compromised); documents it signed stop verifying as VALID."""
        key = self.get(kid)
        if key.status is KeyStatus.REVOKED:
            raise ConflictError(f"key {kid} is already revoked", f"کلید {kid} پیش‌تر ابطال شده است")
        if not reason.strip():
            raise InputError(
                Problem(
                    "reason",
                    "revoking a key needs a reason",
                    "ابطال کلید دلیل لازم دارد",
                    "say why (e.g. compromised)",
                    "دلیل را بنویسید",
                )
            )
        revoked = replace(
            key, status=KeyStatus.REVOKED, status_changed_at=now, status_reason=reason
        )
        self._write(revoked)
        self._cache.pop(kid, None)
        return revoked

    def active(self, purpose: Purpose, domain: int | None = None) -> list[KeyRecord]:
        return [
            k
            for k in self.all()
            if k.purpose is purpose and k.domain == domain and k.status is KeyStatus.ACTIVE
        ]

    def signing_key(
        self, purpose: Purpose, domain: int | None = None
    ) -> tuple[KeyRecord, Ed25519PrivateKey]:
        """The active key for ``purpose`` (and domain), unsealed."""
        found = self.active(purpose, domain)
        if not found:
            raise InfrastructureError(
                f"no active {purpose.value} key"
                + (f" for domain {domain}" if domain else "")
                + "; run `sehat keys rotate`",
                "کلید فعال برای امضا وجود ندارد؛ `sehat keys rotate` را اجرا کنید",
            )
        key = found[-1]
        return key, self.private(key)

    def private(self, key: KeyRecord) -> Ed25519PrivateKey:
        cached = self._cache.get(key.kid)
        if cached is not None:
            return cached
        nonce, body = key.sealed[:12], key.sealed[12:]
        try:
            raw = self._aead.decrypt(nonce, body, f"{key.kid}|{key.purpose.value}".encode())
        except InvalidTag:
            raise InfrastructureError(
                f"key {key.kid} cannot be unsealed: SEHAT_KEK is not the key-encryption key it "
                "was sealed with",
                "کلید با SEHAT_KEK فعلی باز نمی‌شود",
            ) from None
        private = Ed25519PrivateKey.from_private_bytes(raw)
        self._cache[key.kid] = private
        return private

    def ensure(self, now: datetime) -> list[KeyRecord]:
        """Make the keys a fresh registry needs (root, log, one issuing key per domain)."""
        made = []
        if not self.active(Purpose.ROOT):
            made.append(self.create(Purpose.ROOT, None, now))
        if not self.active(Purpose.LOG):
            made.append(self.create(Purpose.LOG, None, now))
        for domain in DOMAINS:
            if not self.active(Purpose.ISSUING, domain):
                made.append(self.create(Purpose.ISSUING, domain, now))
        return made


def now_utc() -> datetime:
    return datetime.now(UTC)


class KeySource(Protocol):
    """Where signing and checking read keys from: the key store itself, or a snapshot of it
    (:class:`KeySnapshot`) that a server's requests read without touching the disk."""

    def all(self) -> list[KeyRecord]: ...

    def signing_key(
        self, purpose: Purpose, domain: int | None = None
    ) -> tuple[KeyRecord, Ed25519PrivateKey]: ...


@dataclass(frozen=True)
class KeySnapshot:
    """The key store's keys as read at one moment (services/evidence.py refreshes it off the
    request path); private keys come unsealed from the store's memory cache."""

    keys: tuple[KeyRecord, ...]
    store: KeyStore

    def all(self) -> list[KeyRecord]:
        """Every key, oldest first, as read."""
        return list(self.keys)

    def signing_key(
        self, purpose: Purpose, domain: int | None = None
    ) -> tuple[KeyRecord, Ed25519PrivateKey]:
        """The active key for ``purpose`` (and domain), as :meth:`KeyStore.signing_key` chose
        it when the snapshot was read."""
        found = [
            k
            for k in self.keys
            if k.purpose is purpose and k.domain == domain and k.status is KeyStatus.ACTIVE
        ]
        if not found:  # the store says what to do about it
            return self.store.signing_key(purpose, domain)
        return found[-1], self.store.private(found[-1])
