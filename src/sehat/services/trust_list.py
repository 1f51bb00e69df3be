"""The trust list (DESIGN §4): every public key, its purpose, validity and status, signed by
the registry's root key; also the log's note verifier key for checkpoints."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import rfc8785

from sehat.core.note import NoteVerifier
from sehat.keystore import KeyStore, Purpose, kid_of

FORMAT = "sehat-trust-list/1"


def build(keystore: KeyStore, origin: str, now: datetime) -> dict[str, Any]:
    """The signed trust list.

    Verify: remove ``signature``, canonicalise the rest with RFC 8785 (JCS), and check the
    Ed25519 signature (base64url) with the root key, whose public key a verifier obtains
    out of band (it is also listed, with purpose ``root``, for convenience).
    """
    keys = keystore.all()
    root, private = keystore.signing_key(Purpose.ROOT)
    log_keys = [k for k in keys if k.purpose is Purpose.LOG and k.status.value == "active"]
    body: dict[str, Any] = {
        "format": FORMAT,
        "issued_at": now.replace(microsecond=0).isoformat(),
        "root_kid": root.kid,
        "log_origin": origin,
        "log_vkeys": [NoteVerifier(origin, k.public).vkey for k in log_keys],
        "keys": [k.public_dict() for k in keys],
    }
    signature = private.sign(rfc8785.dumps(body))
    body["signature"] = base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    assert kid_of(root.public).hex() == root.kid
    return body
