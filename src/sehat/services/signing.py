"""Signing a document version (DESIGN §4, docs/adr/0008-one-signature-per-version.md): one
COSE_Sign1 over its QR claims, which carry the record's salted hash as "acd" key 12, by its
domain's issuing key; the log's commitment to it and the registry's seal over it.

Pure apart from reading the keys, and free of the database: an import's worker processes
sign with :class:`Signer` alone (importer/workers.py); :class:`services.evidence.Evidence`
adds storing, logging and checking.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from sehat.core import cose, qr
from sehat.core.canonical import canonical_json
from sehat.core.code import AuthCode
from sehat.core.log_entry import Event
from sehat.core.record_hash import record_hash
from sehat.keystore import KeyRecord, KeyStore, Purpose
from sehat.reference.models import Reference

ISSUER = "sehat.ir"
# Keys cached longer than this are read again by whoever needs them (the command line, an
# import); a server's refresher (:meth:`Evidence.refresher`) re-reads them every
# KEY_REFRESH_EVERY seconds, so its requests find them fresh and never read the key store.
KEY_REFRESH_SECONDS = 5.0


@dataclass(frozen=True)
class SignedVersion:
    """A version's evidence as made by :meth:`Signer.sign_all`: the key id, the COSE_Sign1
    over its QR claims, the content signature (empty since ADR 0008: the COSE_Sign1 covers
    the record), the log commitment and the registry's seal."""

    kid: str
    signed: bytes
    content_signature: bytes
    commitment: bytes
    seal: bytes


@dataclass(frozen=True)
class VersionToSign:
    """A stored document version that needs its signature and leaf."""

    version_id: int
    code: str
    version: int
    content: Mapping[str, Any]
    salt: bytes
    event: Event = Event.ISSUE


def qr_document(
    content: Mapping[str, Any],
    version: int,
    reference: Reference,
    record: bytes | None = None,
) -> qr.QrDocument:
    """The "acd" document of a version's content (DESIGN §4), with ``record`` (the record's
    salted hash, :func:`sehat.core.record_hash.record_hash`) as key 12 when given."""
    latin = (
        f"{content.get('first_name_latin') or ''} {content.get('last_name_latin') or ''}".strip()
    )
    field = reference.fields.get(str(content.get("field_code") or ""))
    return qr.QrDocument(
        code=AuthCode(str(content["code"])),
        version=version,
        holder_name=f"{content['first_name']} {content['last_name']}",
        holder_name_latin=latin or None,
        birth_date=date.fromisoformat(str(content["birth_date"])),
        kind=int(content["kind"]),
        institution=str(content["institution"]),
        field_of_study=str(content.get("field_name") or (field.name_fa if field else "")),
        isced_code=field.isced_f if field else None,
        graduation_date=date.fromisoformat(str(content["graduation_date"])),
        seminary_level=int(content["seminary_level"]) if content.get("seminary_level") else None,
        record_hash=record,
    )


CONTENT_CONTEXT = b"sehat/content/v1\n"


def content_bytes(content: Mapping[str, Any]) -> bytes:
    """What the content signature of a version signed before ADR 0008 covers: a context
    string and the content as JCS."""
    return CONTENT_CONTEXT + canonical_json(dict(content))


SEAL_CONTEXT = b"sehat/seal/v1\n"


def seal(
    key: bytes,
    code: str,
    version: int,
    kid: str,
    signed: bytes,
    content_signature: bytes,
    content: Mapping[str, Any],
    salt: bytes,
) -> bytes:
    """HMAC-SHA256 under the registry's seal key over a signed version as stored.

    Verification recomputes it (microseconds) instead of checking the signature; any change
    to the code, version, key id, signatures or a single content field changes it, and it
    cannot be recomputed without the KEK. The content is serialised with sorted keys by
    orjson: the same for the same JSON value whichever database returned it.

    The document's salt is sealed too when there is no content signature (a version signed
    since ADR 0008, whose signature covers the record through its salted hash); a version
    signed before keeps the seal it was given, which never covered the salt.
    """
    parts = [code.encode(), str(version).encode(), kid.encode(), signed, content_signature]
    if not content_signature:
        parts.append(salt)
    message = [SEAL_CONTEXT]
    for part in parts:
        message.append(len(part).to_bytes(4, "big"))
        message.append(part)
    message.append(orjson.dumps(content, option=orjson.OPT_SORT_KEYS))
    # One call into OpenSSL: on the busiest path, a dozen hmac.update calls cost more in
    # Python than the hash itself.
    return hmac.digest(key, b"".join(message), "sha256")


def commitment(salt: bytes, signed: bytes, content_signature: bytes) -> bytes:
    """The log's commitment to a signed version: SHA-256(salt || COSE_Sign1).

    The salt is random per document and never published, so nobody can confirm a guess of
    the contents (name, birth date …) against the public log. The content signature (of a
    version signed before ADR 0008) is not part of it.
    """
    return hashlib.sha256(salt + signed).digest()


class Signer:
    """Signs versions with each domain's active issuing key; one per process (it holds
    unsealed keys in memory)."""

    def __init__(self, keystore: KeyStore, reference: Reference, issuer: str = ISSUER) -> None:
        self.keystore = keystore
        self.reference = reference
        self.issuer = issuer
        self._keys: dict[int, tuple[KeyRecord, Any, float]] = {}

    def _key(self, domain: int) -> tuple[KeyRecord, Any]:
        """The domain's active issuing key, as cached; read again when older than
        KEY_REFRESH_SECONDS (rotation reaches a process that runs no refresher too)."""
        now = time.monotonic()
        found = self._keys.get(domain)
        if found is None or now - found[2] > KEY_REFRESH_SECONDS:
            key, private = self.keystore.signing_key(Purpose.ISSUING, domain)
            found = self._keys[domain] = (key, private, now)
        return found[0], found[1]

    def sign_all(self, versions: Sequence[VersionToSign], issued_at: int) -> list[SignedVersion]:
        """Every version's signature, commitment and seal, in order (pure apart from reading
        the keys; a large import does this in worker processes: importer/workers.py).

        One signature (ADR 0008): the QR claims carry the record's salted hash as "acd" key
        12, so the COSE_Sign1 covers every stored field; the content signature is empty.
        Each step is taken for every version before the next — hashes, claims, signatures,
        seals: one kind of work at a time runs faster than all of them in turn for each
        version (bench/RESULTS.md), and the bytes made are the same.
        """
        keys = [self._key(int(v.code[0])) for v in versions]
        kids = {key.kid: bytes.fromhex(key.kid) for key, _ in keys}
        documents = [
            qr_document(v.content, v.version, self.reference, record_hash(v.salt, v.content))
            for v in versions
        ]
        payloads = [qr.claims_payload(document, self.issuer, issued_at) for document in documents]
        signed = [
            cose.sign1(payload, private, kids[key.kid])
            for payload, (key, private) in zip(payloads, keys, strict=True)
        ]
        seal_key = self.keystore.seal_key
        return [
            SignedVersion(
                key.kid,
                cose_sign1,
                b"",
                commitment(v.salt, cose_sign1, b""),
                seal(seal_key, v.code, v.version, key.kid, cose_sign1, b"", v.content, v.salt),
            )
            for v, (key, _), cose_sign1 in zip(versions, keys, signed, strict=True)
        ]
