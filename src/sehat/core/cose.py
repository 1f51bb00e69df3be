"""COSE_Sign1 with EdDSA over Ed25519 (RFC 9052 §4.2, §4.4; RFC 9053 §2.2).

Pure: bytes and keys in, bytes or a decoded message out. Only the single-signer message is
implemented, and only the one algorithm Sehat signs with (EdDSA, alg -8, on Ed25519 keys), so a
verifier has no algorithm choice to get wrong.

Errors are ``VerificationError`` subclasses; each carries a ``Mismatch`` (expected vs found)::

    CoseError                  root of the errors below
    ├── CoseStructureError     the bytes are not a COSE_Sign1 message
    ├── CoseAlgorithmError     the protected header does not say EdDSA (-8)
    ├── UnknownKeyError        no key id, or a key id that is not in the trust list given
    └── SignatureError         the signature does not verify under the key named
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sehat.errors import Mismatch, VerificationError

# RFC 9052 §3.1 common header parameters, RFC 9053 §2.2 EdDSA.
HEADER_ALG: Final = 1
HEADER_CRIT: Final = 2
HEADER_CONTENT_TYPE: Final = 3
HEADER_KID: Final = 4
ALG_EDDSA: Final = -8
# RFC 9052 §4.2: the CBOR tag of a tagged COSE_Sign1.
COSE_SIGN1_TAG: Final = 18
CWT_TAG: Final = 61
ED25519_SIGNATURE_SIZE: Final = 64
KID_SIZE: Final = 8
# Header parameters this module acts on; a "crit" list naming any other one is refused
# (RFC 9052 §3.1: a recipient MUST reject what it does not understand among critical labels).
_UNDERSTOOD: Final = frozenset({HEADER_ALG, HEADER_CRIT, HEADER_CONTENT_TYPE, HEADER_KID})
# RFC 9052 §4.4 Sig_structure prefix: array(4), text "Signature1".
_SIG1_PREFIX: Final = b"\x84\x6aSignature1"

Header = Mapping[object, object]


class CoseError(VerificationError):
    """A COSE_Sign1 message that does not check out; ``mismatch`` says expected vs found."""

    def __init__(self, message: str, message_fa: str, mismatch: Mismatch) -> None:
        super().__init__(message, message_fa)
        self.mismatch = mismatch
        self.expected = mismatch.expected
        self.found = mismatch.found


class CoseStructureError(CoseError):
    """The bytes are not a well-formed COSE_Sign1 message (RFC 9052 §4.2)."""


class CoseAlgorithmError(CoseError):
    """The protected header names no algorithm, or another one than EdDSA (-8)."""


class UnknownKeyError(CoseError):
    """The message names no key id, or one that is not among the trusted keys."""


class SignatureError(CoseError):
    """The signature does not verify under the named key: the signed bytes were changed."""


@dataclass(frozen=True)
class Sign1:
    """A decoded COSE_Sign1 message; ``protected`` is the exact serialized header bytes."""

    protected: bytes
    protected_header: Header
    unprotected_header: Header
    payload: bytes
    signature: bytes
    tagged: bool

    def to_be_signed(self, external_aad: bytes = b"") -> bytes:
        """The Sig_structure this message's signature covers (RFC 9052 §4.4)."""
        # RFC 9052 §3: an empty protected map counts as the zero-length bstr when signing,
        # even if a sender encoded it as h'a0'.
        protected = self.protected if self.protected_header else b""
        return sig_structure(protected, self.payload, external_aad)

    @property
    def alg(self) -> object:
        """The algorithm from the protected header (RFC 9052 §3.1 requires it protected)."""
        return self.protected_header.get(HEADER_ALG)

    @property
    def kid(self) -> bytes | None:
        """The key id: protected first, else unprotected (RFC 9052 §3)."""
        kid = self.protected_header.get(HEADER_KID, self.unprotected_header.get(HEADER_KID))
        return kid if isinstance(kid, bytes) else None


def kid_for(public_key: Ed25519PublicKey) -> bytes:
    """The key id Sehat gives a key: the first 8 bytes of SHA-256 of its raw 32 bytes."""
    return hashlib.sha256(public_key.public_bytes_raw()).digest()[:KID_SIZE]


def _bstr_head(length: int) -> bytes:
    # RFC 8949 §3.1 major type 2 head in its shortest form (§4.2.1 preferred serialization).
    if length < 24:
        return bytes((0x40 | length,))
    if length < 0x100:
        return bytes((0x58, length))
    if length < 0x10000:
        return b"\x59" + length.to_bytes(2, "big")
    if length < 0x1_0000_0000:
        return b"\x5a" + length.to_bytes(4, "big")
    return b"\x5b" + length.to_bytes(8, "big")


def sig_structure(protected: bytes, payload: bytes, external_aad: bytes = b"") -> bytes:
    """The bytes that are signed: RFC 9052 §4.4 ``["Signature1", protected, aad, payload]``."""
    # Written out rather than through cbor2.dumps: this runs on every verification.
    return b"".join(
        (
            _SIG1_PREFIX,
            _bstr_head(len(protected)),
            protected,
            _bstr_head(len(external_aad)),
            external_aad,
            _bstr_head(len(payload)),
            payload,
        )
    )


def sign1(payload: bytes, private_key: Ed25519PrivateKey, kid: bytes) -> bytes:
    """A tagged COSE_Sign1 over ``payload``, protected header ``{1: -8, 4: kid}``, none unprotected.

    Args:
        payload: the bytes to sign (for Sehat, the CBOR of the CWT claims).
        private_key: the Ed25519 issuing key.
        kid: its key id (``kid_for`` of its public key).
    """
    # Written out rather than through cbor2.dumps (a backfill signs every row), as the
    # deterministic encoding (RFC 8949 §4.2.1) cbor2 gives, which a test compares:
    # {1: -8, 4: kid} and tag 18 over [protected, {}, payload, signature].
    protected = b"\xa2\x01\x27\x04" + _bstr_head(len(kid)) + kid
    signature = private_key.sign(sig_structure(protected, payload))
    return b"".join(
        (
            b"\xd2\x84",
            _bstr_head(len(protected)),
            protected,
            b"\xa0",
            _bstr_head(len(payload)),
            payload,
            _bstr_head(len(signature)),
            signature,
        )
    )


def _structure(what: str, what_fa: str, expected: str, found: str) -> CoseStructureError:
    return CoseStructureError(
        f"not a COSE_Sign1 message: {what}: expected {expected}, found {found}",
        f"پیام COSE_Sign1 نیست: {what_fa}: انتظار {expected}، یافت‌شده {found}",
        Mismatch("COSE_Sign1", what, expected, found),
    )


def _kind(value: object) -> str:
    if isinstance(value, cbor2.CBORTag):
        return f"tag {value.tag}"
    return type(value).__name__


def loads_exact(data: bytes, what: str, what_fa: str) -> object:
    """One CBOR data item that fills ``data`` exactly, or ``CoseStructureError``."""
    stream = io.BytesIO(data)
    try:
        item: object = cbor2.CBORDecoder(stream).decode()
    # Hostile bytes make cbor2 raise many kinds of exception (bad tags, depth, sizes).
    except Exception as exc:
        raise _structure(what, what_fa, "well-formed CBOR", f"{type(exc).__name__}: {exc}") from exc
    if stream.tell() != len(data):
        raise _structure(
            what, what_fa, f"{len(data)} bytes in one CBOR item", f"{stream.tell()} bytes then more"
        )
    return item


def _header(raw: object, what: str, what_fa: str) -> Header:
    if not isinstance(raw, dict):
        raise _structure(what, what_fa, "a CBOR map", _kind(raw))
    return raw


def decode1(message: bytes) -> Sign1:
    """Parse a COSE_Sign1 message without verifying its signature.

    Args:
        message: tagged (18) or untagged COSE_Sign1 bytes (RFC 9052 §4.2), possibly inside
            the CWT tag 61 (RFC 8392 §6).

    Raises:
        CoseStructureError: not one CBOR item, another tag, not a 4-array of the right
            types, or a detached payload.
    """
    item = loads_exact(message, "message", "پیام")
    # RFC 8392 §6: a CWT may wrap its COSE message in tag 61.
    if isinstance(item, cbor2.CBORTag) and item.tag == CWT_TAG:
        item = item.value
    tagged = isinstance(item, cbor2.CBORTag)
    if isinstance(item, cbor2.CBORTag):
        if item.tag != COSE_SIGN1_TAG:
            raise _structure("tag", "برچسب", f"tag {COSE_SIGN1_TAG} or none", f"tag {item.tag}")
        item = item.value
    if not isinstance(item, list) or len(item) != 4:
        found = f"array of {len(item)}" if isinstance(item, list) else _kind(item)
        raise _structure("shape", "ساختار", "array of 4", found)
    protected, unprotected, payload, signature = item
    if not isinstance(protected, bytes):
        raise _structure("protected header", "سرآیند محافظت‌شده", "bstr", _kind(protected))
    # RFC 9052 §3: an empty protected header is sent as a zero-length bstr.
    protected_header: Header = (
        _header(
            loads_exact(protected, "protected header", "سرآیند محافظت‌شده"),
            "protected header",
            "سرآیند محافظت‌شده",
        )
        if protected
        else {}
    )
    unprotected_header = _header(unprotected, "unprotected header", "سرآیند محافظت‌نشده")
    if not isinstance(payload, bytes):
        found = "nil (detached payload)" if payload is None else _kind(payload)
        raise _structure("payload", "محتوا", "bstr", found)
    if not isinstance(signature, bytes):
        raise _structure("signature", "امضا", "bstr", _kind(signature))
    return Sign1(protected, protected_header, unprotected_header, payload, signature, tagged)


def verify_sign1(sign1_message: Sign1, public_key: Ed25519PublicKey) -> None:
    """Check the EdDSA signature of a decoded message under one given key.

    Raises:
        CoseAlgorithmError: the protected alg is missing or is not EdDSA (-8).
        CoseStructureError: a label in both header buckets, or a critical header this
            module does not understand.
        SignatureError: a signature of the wrong length, or one that does not verify.
    """
    alg = sign1_message.alg
    if type(alg) is not int or alg != ALG_EDDSA:
        found = "none in the protected header" if alg is None else repr(alg)
        raise CoseAlgorithmError(
            f"the message is not signed with EdDSA: expected alg {ALG_EDDSA} in the protected "
            f"header, found {found}; Sehat accepts no other algorithm",
            f"پیام با EdDSA امضا نشده است: انتظار الگوریتم {ALG_EDDSA} در سرآیند محافظت‌شده، "
            f"یافت‌شده {found}؛ صحت الگوریتم دیگری نمی‌پذیرد",
            Mismatch("COSE_Sign1", "alg", str(ALG_EDDSA), found),
        )
    # RFC 9052 §3: applications SHOULD check that no label is in both buckets; we refuse.
    both = set(sign1_message.protected_header) & set(sign1_message.unprotected_header)
    if both:
        labels = ", ".join(sorted(map(str, both)))
        raise _structure(
            "header labels", "برچسب‌های سرآیند", "each in one bucket", f"{labels} in both"
        )
    crit = sign1_message.protected_header.get(HEADER_CRIT)
    # RFC 9052 §3.1: "crit" is a non-empty array of labels the recipient must understand.
    if crit is not None and not (
        isinstance(crit, list) and crit and all(type(c) is int and c in _UNDERSTOOD for c in crit)
    ):
        raise _structure("crit", "crit", "a non-empty list of labels from 1, 3, 4", repr(crit))
    signature = sign1_message.signature
    if len(signature) != ED25519_SIGNATURE_SIZE:
        raise SignatureError(
            f"the signature is {len(signature)} bytes; an Ed25519 signature is "
            f"{ED25519_SIGNATURE_SIZE}",
            f"امضا {len(signature)} بایت است؛ "
            f"امضای Ed25519 باید {ED25519_SIGNATURE_SIZE} بایت باشد",
            Mismatch(
                "COSE_Sign1", "signature length", str(ED25519_SIGNATURE_SIZE), str(len(signature))
            ),
        )
    try:
        public_key.verify(signature, sign1_message.to_be_signed())
    except InvalidSignature as exc:
        kid = kid_for(public_key).hex()
        raise SignatureError(
            f"the signature does not verify under key {kid}: the signed document or its "
            "signature was changed, or it was signed by another key",
            f"امضا با کلید {kid} تأیید نمی‌شود: مدرک امضاشده یا امضای آن تغییر کرده یا با کلید "
            "دیگری امضا شده است",
            Mismatch("COSE_Sign1", "signature", f"valid under {kid}", "invalid"),
        ) from exc


def verify1(message: bytes, public_keys: Mapping[bytes, Ed25519PublicKey]) -> Sign1:
    """Decode a COSE_Sign1 message and verify it with the trusted key its kid names.

    Args:
        message: the COSE_Sign1 bytes.
        public_keys: trusted keys by key id (e.g. from the trust list).

    Raises:
        CoseStructureError, CoseAlgorithmError, UnknownKeyError, SignatureError.
    """
    decoded = decode1(message)
    kid = decoded.kid
    if kid is None:
        raise UnknownKeyError(
            "the message names no key id (header 4), so no key can be chosen to verify it",
            "پیام شناسه کلید (سرآیند ۴) ندارد، پس کلیدی برای تأیید آن انتخاب نمی‌شود",
            Mismatch("COSE_Sign1", "kid", "a bstr key id", "none"),
        )
    public_key = public_keys.get(kid)
    if public_key is None:
        raise UnknownKeyError(
            f"key id {kid.hex()} is not among the {len(public_keys)} trusted keys: the trust "
            "list is out of date, or the document was not signed by the registry",
            f"شناسه کلید {kid.hex()} در میان {len(public_keys)} کلید مورد اعتماد نیست: فهرست "
            "اعتماد کهنه است یا مدرک را سامانه امضا نکرده است",
            Mismatch("COSE_Sign1", "kid", "one of the trusted key ids", kid.hex()),
        )
    verify_sign1(decoded, public_key)
    return decoded
