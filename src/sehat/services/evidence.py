"""Evidence for every change (DESIGN §4): each document version is signed (COSE_Sign1 over its
QR claims, which commit to the whole record by its salted hash) by its domain's issuing key
and recorded as a log leaf that commits to it with a per-document salt — in the same
transaction as the change itself.

One signature per version since docs/adr/0008-one-signature-per-version.md: "acd" key 12 is
the record's salted hash, and the stored content signature is empty. Versions signed before
carry no key 12 and a content signature over the record, and are checked that way.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import cbor2
import orjson
import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sehat.background import Background
from sehat.core import cose, qr
from sehat.core.log_entry import Event, LogEvent
from sehat.core.record_hash import SALT_SIZE, record_hash
from sehat.keystore import KeyRecord, KeySnapshot, KeyStatus, KeyStore, Purpose
from sehat.reference.models import Reference
from sehat.services import transparency
from sehat.services.signing import (
    ISSUER,
    KEY_REFRESH_SECONDS,
    SignedVersion,
    Signer,
    VersionToSign,
    content_bytes,
    qr_document,
    seal,
)
from sehat.store import schema as t
from sehat.store.bulk import insert_many

KEY_REFRESH_EVERY = 2.0
# A server's refresher (:meth:`Evidence.refresher`) re-reads the keys every
# KEY_REFRESH_EVERY seconds, so its requests find them fresh and never read the key store;
# keys cached longer than KEY_REFRESH_SECONDS are read again by whoever needs them.
KEY_REFRESH_EVERY = 2.0
MEMO_SIZE = 200_000


class MadeVersion(NamedTuple):
    """A stored version with its evidence made: what :meth:`Evidence.sign_versions` logs
    and stores."""

    version_id: int
    code: str
    version: int
    made: SignedVersion
    leaf_input: bytes  # its log entry (core/log_entry.py)
    event: Event = Event.ISSUE


class Evidence(Signer):
    """Signs versions and logs events; one per process (it holds unsealed keys in memory)."""

    def __init__(self, keystore: KeyStore, reference: Reference, issuer: str = ISSUER) -> None:
        super().__init__(keystore, reference, issuer)
        self._verifying: tuple[float, dict[bytes, KeyRecord]] | None = None
        self._snapshot: tuple[float, KeySnapshot] | None = None
        self._good: dict[bytes, dict[bytes, KeyRecord]] = {}
        self._kids: tuple[dict[bytes, KeyRecord], frozenset[str]] | None = None

    def refresh(self) -> None:
        """Read the key store once and replace the cached keys: each domain's active issuing
        key and the verifying keys (the same objects while nothing changed, so what was
        checked against them stays remembered)."""
        now = time.monotonic()
        keys = self.keystore.all()
        self._snapshot = (now, KeySnapshot(tuple(keys), self.keystore))
        verifying = _verifying_of(keys)
        old = self._verifying
        self._verifying = (now, old[1] if old is not None and old[1] == verifying else verifying)
        signing: dict[int, tuple[KeyRecord, Any, float]] = {}
        for key in keys:  # a domain's last active key signs, as in KeyStore.signing_key
            active = key.purpose is Purpose.ISSUING and key.status is KeyStatus.ACTIVE
            if active and key.domain is not None:
                signing[key.domain] = (key, self.keystore.private(key), now)
        self._keys = signing

    def keys(self) -> KeySnapshot:
        """Every key as last read (the log's and the root's too, for checkpoints and the
        trust list); read again when older than KEY_REFRESH_SECONDS."""
        found = self._snapshot
        if found is None or time.monotonic() - found[0] > KEY_REFRESH_SECONDS:
            self.refresh()
            found = self._snapshot
            assert found is not None
        return found[1]

    def refresher(self, every: float | None = None) -> Background:
        """A thread re-reading the keys every ``every`` seconds (KEY_REFRESH_EVERY), so a
        rotation or revocation reaches a running server while its requests only read what
        is cached."""
        return Background("signing-keys", self.refresh, every=every or KEY_REFRESH_EVERY)

    def sign_versions(
        self,
        conn: sa.Connection,
        versions: Sequence[VersionToSign],
        now: datetime,
        *,
        made_ahead: Sequence[MadeVersion] = (),
    ) -> None:
        """Sign each version with its domain's key and log it, in the caller's transaction;
        ``made_ahead``: versions signed already for this very time (services/presigned.py),
        logged and stored the same way."""
        if not versions and not made_ahead:
            return
        issued_at = int(now.timestamp())
        made = list(made_ahead)
        made.extend(
            MadeVersion(
                v.version_id,
                v.code,
                v.version,
                signed,
                LogEvent(
                    v.event, now, v.code, v.version, signed.kid, signed.commitment
                ).leaf_input(),
                v.event,
            )
            for v, signed in zip(versions, self.sign_all(versions, issued_at), strict=True)
        )
        indices = transparency.append_entries(
            conn, [(m.leaf_input, m.event, m.code, m.version) for m in made], now
        )
        insert_many(
            conn,
            t.version_evidence,
            [
                {
                    "seal": m.made.seal,
                    "version_id": m.version_id,
                    "cose": m.made.signed,
                    "content_signature": m.made.content_signature,
                    "kid": m.made.kid,
                    "signed_at": now,
                    "commitment": m.made.commitment,
                    "leaf_index": index,
                }
                for m, index in zip(made, indices, strict=True)
            ],
        )

    def log_status(
        self, conn: sa.Connection, event: Event, code: str, version: int, now: datetime
    ) -> int:
        """Log a revocation, suspension or its lifting."""
        [index] = transparency.append_events(conn, [LogEvent(event, now, code, version)], now)
        return index

    def forget_keys(self) -> None:
        """Drop the cached keys: the next call reads the key store again."""
        self._keys.clear()
        self._verifying = None

    def verifying_keys(self) -> dict[bytes, KeyRecord]:
        """Issuing keys by COSE kid, revoked ones excluded, as cached; read again when older
        than KEY_REFRESH_SECONDS, so a revocation by `sehat keys revoke` reaches every
        process."""
        now = time.monotonic()
        if self._verifying is None or now - self._verifying[0] > KEY_REFRESH_SECONDS:
            self._verifying = (now, verifying_keys(self.keystore))
        return self._verifying[1]

    def check(
        self,
        signed: bytes,
        content_signature: bytes,
        content: Mapping[str, Any],
        version: int,
        *,
        salt: bytes,
        code: str | None = None,
        kid: str | None = None,
        stored_seal: bytes | None = None,
    ) -> str | None:
        """None when the stored version is exactly what was signed, by a key still trusted;
        else what is wrong. ``salt`` is the document's (``documents.salt``).

        With a seal (``code``, ``kid`` and ``stored_seal`` given) the fast path: the key is
        still trusted and the seal matches (an HMAC, microseconds). Otherwise, and whenever
        the seal does not match, the signatures are checked (:func:`check_version`); good
        answers are remembered by a hash of the exact bytes, so a change is checked afresh.
        """
        keys = self.verifying_keys()
        sealed = stored_seal is not None and code is not None and kid is not None
        if sealed and kid in self._trusted_kids(keys):
            assert stored_seal is not None and code is not None and kid is not None
            expected = seal(
                self.keystore.seal_key,
                code,
                version,
                kid,
                signed,
                content_signature,
                content,
                salt,
            )
            if hmac.compare_digest(expected, stored_seal):
                return None
        memo_key = hashlib.sha256(
            b"".join(len(p).to_bytes(4, "big") + p for p in (signed, content_signature, salt))
            + orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
        ).digest()
        if self._good.get(memo_key) is keys:
            return None
        problem = check_version(
            signed,
            content_signature,
            content,
            version,
            self.reference,
            keys,
            self.issuer,
            salt=salt,
        )
        if problem is None:
            if len(self._good) > MEMO_SIZE:
                self._good.clear()
            self._good[memo_key] = keys
        return problem

    def _trusted_kids(self, keys: dict[bytes, KeyRecord]) -> frozenset[str]:
        cached = self._kids
        if cached is None or cached[0] is not keys:
            cached = self._kids = (keys, frozenset(k.kid for k in keys.values()))
        return cached[1]


def verifying_keys(keystore: KeyStore) -> dict[bytes, KeyRecord]:
    """Issuing keys that may still vouch for what they signed, by COSE kid."""
    return _verifying_of(keystore.all())


def _verifying_of(keys: Sequence[KeyRecord]) -> dict[bytes, KeyRecord]:
    return {
        bytes.fromhex(k.kid): k
        for k in keys
        if k.purpose is Purpose.ISSUING and k.status is not KeyStatus.REVOKED
    }


@functools.lru_cache(maxsize=256)
def _public_key_of(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def _public(key: KeyRecord) -> Ed25519PublicKey:
    """The key's public half, parsed once."""
    return _public_key_of(key.public)


def check_version(
    signed: bytes,
    content_signature: bytes,
    content: Mapping[str, Any],
    version: int,
    reference: Reference,
    keys: Mapping[bytes, KeyRecord],
    issuer: str = ISSUER,
    *,
    salt: bytes,
) -> str | None:
    """None when ``signed`` is a valid signature of exactly ``content``; else what is wrong.

    The signed "acd" map decides how the record is covered (ADR 0008): with key 12, that key
    must be the salted hash of ``content`` under ``salt`` (the document's); without it (a
    version signed before), ``content_signature`` must be the key's signature of
    ``content``. Either way the QR's keys 1-11 must be what ``content`` gives.
    """
    public: dict[bytes, Ed25519PublicKey] = {kid: _public(k) for kid, k in keys.items()}
    try:
        message = cose.verify1(signed, public)
    except cose.CoseError as exc:
        return f"signature: {exc.message}"
    key = keys[message.kid or b""]
    code = str(content.get("code", ""))
    if key.domain is None or code[:1] != str(key.domain):
        # DESIGN §4 key federation: a domain's key signs only its own domain's documents.
        return f"key {key.kid} of domain {key.domain} signed a document of domain {code[:1]}"
    claims = cbor2.loads(message.payload)
    issued_at = claims.get(qr.CLAIM_ISSUED_AT) if isinstance(claims, dict) else None
    if not isinstance(issued_at, int):
        return "the signed payload has no issued-at claim"
    acd = claims.get(qr.CLAIM_DOCUMENT)
    signed_hash = acd.get(qr.KEY_RECORD_HASH) if isinstance(acd, dict) else None
    record: bytes | None = None
    if signed_hash is None:
        try:
            _public(key).verify(content_signature, content_bytes(content))
        except InvalidSignature:
            return "the stored content differs from what was signed"
    else:
        if len(salt) != SALT_SIZE:
            return f"the document's salt has {len(salt)} bytes, not {SALT_SIZE} (changed)"
        record = record_hash(salt, content)
        if signed_hash != record:
            return "the stored content differs from what was signed (record hash, key 12)"
    expected = qr.claims_payload(
        qr_document(content, version, reference, record), issuer, issued_at
    )
    if expected != message.payload:
        return "the stored content differs from what the QR signature covers"
    return None


@dataclass
class ResealReport:
    """What :func:`reseal` did: versions sealed, left as they were, and refused."""

    sealed: int = 0
    unchanged: int = 0
    refused: list[tuple[str, int, str]] = field(default_factory=list)  # (code, version, why)


def reseal(conn: sa.Connection, evidence: Evidence, *, everything: bool = False) -> ResealReport:
    """Give every signed version that checks out (:func:`check_version`) a seal under the
    current KEK.

    For rows signed before migration 0005 (no seal) and after a KEK change (every seal
    stale): their verification goes back to the fast path. A version that does not check
    out is never sealed; it is reported (the audit says more). Without ``everything``,
    versions whose seal already matches are left alone.
    """
    e, v, d = t.version_evidence.c, t.document_versions.c, t.documents.c
    rows = conn.execute(
        sa.select(
            e.version_id,
            e.cose,
            e.content_signature,
            e.kid,
            e.seal,
            v.version,
            v.content,
            d.code,
            d.salt,
        )
        .join(t.document_versions, v.id == e.version_id)
        .join(t.documents, d.id == v.document_id)
        .order_by(e.version_id)
    )
    report = ResealReport()
    keys = evidence.verifying_keys()
    key = evidence.keystore.seal_key
    updates: list[dict[str, Any]] = []
    for r in rows:
        signed, signature, salt = bytes(r.cose), bytes(r.content_signature), bytes(r.salt)
        expected = seal(key, r.code, r.version, r.kid, signed, signature, r.content, salt)
        if not everything and r.seal is not None and hmac.compare_digest(bytes(r.seal), expected):
            report.unchanged += 1
            continue
        problem = check_version(
            signed,
            signature,
            r.content,
            r.version,
            evidence.reference,
            keys,
            evidence.issuer,
            salt=salt,
        )
        if problem is None and r.content.get("code") != r.code:
            problem = "the stored version belongs to another document"
        if problem is not None:
            report.refused.append((r.code, r.version, problem))
            continue
        updates.append({"b_id": r.version_id, "b_seal": expected})
    for start in range(0, len(updates), 1000):
        conn.execute(
            t.version_evidence.update()
            .where(t.version_evidence.c.version_id == sa.bindparam("b_id"))
            .values(seal=sa.bindparam("b_seal")),
            updates[start : start + 1000],
        )
    report.sealed = len(updates)
    return report
