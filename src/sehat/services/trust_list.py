"""The trust list (DESIGN §4): every public key, its purpose, validity and status, signed by
the registry's root key; also the log's note verifier key for checkpoints, and the issuing
keys as the Multikey verification methods of the credentials' issuer (the trust list's URL
is that issuer's id: a verifier resolves ``{trust list}#{kid}`` here)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import rfc8785

from sehat.core.credential import trust_list_url, verification_method_id
from sehat.core.data_integrity import datetime_stamp, multikey
from sehat.core.note import NoteVerifier
from sehat.keystore import KeyRecord, KeySource, KeyStatus, Purpose, kid_of

FORMAT = "sehat-trust-list/1"


def _method(base_url: str, key: KeyRecord) -> dict[str, Any]:
    """An issuing key as a Multikey verification method (Controlled Identifiers v1.0 §2.2);
    a revoked one says since when (``revoked``) and is no assertion method any more."""
    method: dict[str, Any] = {
        "id": verification_method_id(base_url, key.kid),
        "type": "Multikey",
        "controller": trust_list_url(base_url),
        "publicKeyMultibase": multikey(key.public_key()),
    }
    if key.status is KeyStatus.REVOKED:
        method["revoked"] = datetime_stamp(key.status_changed_at or key.created_at)
    return method


def build(keystore: KeySource, origin: str, now: datetime, *, base_url: str) -> dict[str, Any]:
    """The signed trust list; ``base_url`` is the registry's public URL (the list's own URL
    is its ``id``).

    Verify: remove ``signature``, canonicalise the rest with RFC 8785 (JCS), and check the
    Ed25519 signature (base64url) with the root key, whose public key a verifier obtains
    out of band (it is also listed, with purpose ``root``, for convenience).
    """
    keys = keystore.all()
    root, private = keystore.signing_key(Purpose.ROOT)
    log_keys = [k for k in keys if k.purpose is Purpose.LOG and k.status.value == "active"]
    issuing = [k for k in keys if k.purpose is Purpose.ISSUING]
    body: dict[str, Any] = {
        "format": FORMAT,
        "id": trust_list_url(base_url),
        "issued_at": now.replace(microsecond=0).isoformat(),
        "root_kid": root.kid,
        "log_origin": origin,
        "log_vkeys": [NoteVerifier(origin, k.public).vkey for k in log_keys],
        "keys": [k.public_dict() for k in keys],
        "verificationMethod": [_method(base_url, k) for k in issuing],
        "assertionMethod": [
            verification_method_id(base_url, k.kid)
            for k in issuing
            if k.status is not KeyStatus.REVOKED
        ],
    }
    signature = private.sign(rfc8785.dumps(body))
    body["signature"] = base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    assert kid_of(root.public).hex() == root.kid
    return body
