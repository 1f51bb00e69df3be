"""The salted hash of a whole stored record that a QR's signed payload carries ("acd" key 12).

Pure: a salt and a record in, 28 bytes out. Signing this hash inside the COSE_Sign1 makes the
one signature of a version cover every stored field, including those the QR does not show
(docs/adr/0008-one-signature-per-version.md). The salt is the document's own random salt,
kept by the registry and never published, so the hash in a QR cannot be used to confirm a
guess of the record's other fields.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Final

from sehat.core.canonical import canonical_json

CONTEXT: Final = b"sehat/record/v1\n"
SALT_SIZE: Final = 16
# SHA-256 cut to 224 bits (NIST SP 800-107 truncation; SHA-224's strength: 112 bits against
# collisions, 224 against second preimages): four bytes fewer in every QR keep a typical
# degree's within DESIGN §9's 480 characters (docs/adr/0008-one-signature-per-version.md).
SIZE: Final = 28


def record_hash(salt: bytes, content: Mapping[str, object]) -> bytes:
    """SHA-256(context || salt || JCS(content)), its first :data:`SIZE` bytes: the record
    commitment of "acd" key 12.

    Args:
        salt: the document's random salt, exactly :data:`SALT_SIZE` bytes (a fixed length
            keeps the concatenation unambiguous).
        content: the version's stored record, a JSON object.

    Raises:
        ValueError: a salt of another length, or content that JSON cannot hold.
    """
    if len(salt) != SALT_SIZE:
        raise ValueError(f"a record salt has {SALT_SIZE} bytes, not {len(salt)}")
    return hashlib.sha256(CONTEXT + salt + canonical_json(dict(content))).digest()[:SIZE]
