"""Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite (W3C Data Integrity EdDSA
Cryptosuites v1.0 §3.3), and the multibase / Multikey encodings they use (Controlled
Identifiers v1.0 §2.2.2).

Pure: a JSON document and a key in, the document with its ``proof`` out; a secured document
and a way to find keys in, the verified proof out. Time is a parameter.

Errors are ``VerificationError`` subclasses; each carries a ``Mismatch`` (expected vs found)::

    ProofError                 root of the errors below
    ├── ProofStructureError    no proof, or one that is not eddsa-jcs-2022 as specified
    ├── UnknownMethodError     the verification method names no key the caller trusts
    └── ProofSignatureError    the signature does not verify: the document or its proof changed
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sehat.core.canonical import canonical_json
from sehat.errors import Mismatch, VerificationError

PROOF_TYPE: Final = "DataIntegrityProof"
CRYPTOSUITE: Final = "eddsa-jcs-2022"
ASSERTION_METHOD: Final = "assertionMethod"
# Multicodec varint prefixes of the raw key bytes (multicodec table: ed25519-pub 0xed,
# ed25519-priv 0x1300).
ED25519_PUB_PREFIX: Final = b"\xed\x01"
ED25519_PRIV_PREFIX: Final = b"\x80\x26"
BASE58BTC: Final = "z"  # the multibase header of base58-btc
_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX: Final = {c: i for i, c in enumerate(_ALPHABET)}
# XMLSchema dateTimeStamp (Data Integrity §2.1 ``created``): a time zone is required.
_DATETIME_STAMP: Final = re.compile(
    r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z"
)
SIGNATURE_SIZE: Final = 64
_MAX_PROOF_VALUE: Final = 1 + 88


class ProofError(VerificationError):
    """A Data Integrity proof that does not check out; ``mismatch`` says expected vs found."""

    def __init__(self, message: str, message_fa: str, mismatch: Mismatch) -> None:
        super().__init__(message, message_fa)
        self.mismatch = mismatch


class ProofStructureError(ProofError):
    """No proof, or a proof that is not an ``eddsa-jcs-2022`` DataIntegrityProof as specified."""


class UnknownMethodError(ProofError):
    """The proof's verification method is not a key the verifier trusts for this purpose."""


class ProofSignatureError(ProofError):
    """The signature does not verify: the document or the proof options were changed."""


@dataclass(frozen=True)
class VerifiedProof:
    """What a verified proof says: who signed (the verification method), when, for what."""

    verification_method: str
    created: str
    proof_purpose: str


def base58btc_encode(data: bytes) -> str:
    """Base58 in the Bitcoin alphabet: each leading zero byte becomes a ``1``."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, digit = divmod(number, 58)
        out.append(_ALPHABET[digit])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def base58btc_decode(text: str) -> bytes:
    """The bytes of a base58-btc text; ``ValueError`` for a character outside the alphabet."""
    number = 0
    for char in text:
        if char not in _INDEX:
            raise ValueError(f"{char!r} is not a base58-btc character")
        number = number * 58 + _INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_decode(text: str) -> bytes:
    """The bytes of a base58-btc multibase text (``z…``); ``ValueError`` for anything else."""
    if not text.startswith(BASE58BTC):
        raise ValueError("not base58-btc multibase (the text must start with 'z')")
    return base58btc_decode(text[1:])


def multikey(public_key: Ed25519PublicKey) -> str:
    """The key's ``publicKeyMultibase`` as a Multikey (CID v1.0 §2.2.2): ``z`` + base58-btc
    of the ed25519-pub multicodec prefix and the raw 32 bytes."""
    return BASE58BTC + base58btc_encode(ED25519_PUB_PREFIX + public_key.public_bytes_raw())


def public_key_from_multikey(text: str) -> Ed25519PublicKey:
    """The Ed25519 key of a ``publicKeyMultibase``.

    Raises:
        ValueError: not base58-btc, not an ed25519-pub multicodec key, or not 32 bytes.
    """
    raw = multibase_decode(text)
    if not raw.startswith(ED25519_PUB_PREFIX) or len(raw) != len(ED25519_PUB_PREFIX) + 32:
        raise ValueError("not an Ed25519 Multikey (prefix 0xed01 and 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(raw[len(ED25519_PUB_PREFIX) :])


def private_key_from_multikey(text: str) -> Ed25519PrivateKey:
    """The Ed25519 key of a ``secretKeyMultibase`` (ed25519-priv multicodec, 32-byte seed).

    Raises:
        ValueError: not base58-btc, not an ed25519-priv multicodec key, or not 32 bytes.
    """
    raw = multibase_decode(text)
    if not raw.startswith(ED25519_PRIV_PREFIX) or len(raw) != len(ED25519_PRIV_PREFIX) + 32:
        raise ValueError("not an Ed25519 secret Multikey (prefix 0x8026 and 32 bytes)")
    return Ed25519PrivateKey.from_private_bytes(raw[len(ED25519_PRIV_PREFIX) :])


def datetime_stamp(when: datetime) -> str:
    """``when`` as an XMLSchema dateTimeStamp in UTC to the second: ``2026-01-31T08:00:00Z``.

    Raises:
        ValueError: ``when`` has no time zone (a naive time is ambiguous).
    """
    if when.tzinfo is None:
        raise ValueError("a time without a time zone cannot be a dateTimeStamp")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hash_data(document: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    """§3.3.4 Hashing: SHA-256(JCS(proof config)) followed by SHA-256(JCS(document))."""
    return (
        hashlib.sha256(canonical_json(dict(proof_config))).digest()
        + hashlib.sha256(canonical_json(dict(document))).digest()
    )


def add_proof(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: datetime,
    proof_purpose: str = ASSERTION_METHOD,
    as_set: bool = False,
) -> dict[str, Any]:
    """§3.3.1 Create Proof: ``document`` with an ``eddsa-jcs-2022`` DataIntegrityProof.

    Args:
        document: the unsecured document (a JSON object without ``proof``).
        private_key: the Ed25519 key ``verification_method`` names.
        verification_method: the URL a verifier resolves to the public key.
        created: when the proof is made (time-zone aware).
        proof_purpose: ``assertionMethod`` for a credential.
        as_set: put the proof in a proof set of one (a list), as Open Badges 3.0 requires;
            each proof of a set signs the document without ``proof`` (Data Integrity §2.1.2),
            so the signature is the same.

    Raises:
        ValueError: the document already has a proof (sets and chains are not made here), or
            ``created`` has no time zone.
    """
    if "proof" in document:
        raise ValueError("the document already has a proof")
    config: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": datetime_stamp(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if "@context" in document:
        # §3.3.5 Proof Configuration: the proof carries the document's context.
        config["@context"] = document["@context"]
    signature = private_key.sign(hash_data(document, config))
    proof = {**config, "proofValue": BASE58BTC + base58btc_encode(signature)}
    return {**document, "proof": [proof] if as_set else proof}


def _structure(what: str, what_fa: str, expected: str, found: str) -> ProofStructureError:
    return ProofStructureError(
        what,
        what_fa,
        Mismatch("proof", what, expected=expected, found=found),
    )


def _options(proof: object) -> tuple[dict[str, Any], bytes]:
    """The proof options (the proof without ``proofValue``) and the signature bytes."""
    if not isinstance(proof, Mapping):
        raise _structure(
            "a proof is not a JSON object", "اثبات (proof) شیء JSON نیست", "object", repr(proof)
        )
    if "previousProof" in proof:
        # Proof chains (Data Integrity §2.1.3) are not made or accepted here: fail closed.
        raise _structure(
            "proof chains (previousProof) are not supported",
            "زنجیره اثبات (previousProof) پشتیبانی نمی‌شود",
            "no previousProof",
            str(proof["previousProof"]),
        )
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    for name, wanted in (("type", PROOF_TYPE), ("cryptosuite", CRYPTOSUITE)):
        if options.get(name) != wanted:
            raise _structure(
                f"the proof's {name} is not {wanted}",
                f"{name} اثبات {wanted} نیست",
                wanted,
                str(options.get(name)),
            )
    created = options.get("created")
    if not isinstance(created, str) or not _DATETIME_STAMP.match(created):
        raise _structure(
            "the proof's created is not a date-time with a time zone",
            "زمان ساخت اثبات (created) معتبر نیست",
            "XMLSchema dateTimeStamp",
            str(created),
        )
    value = proof.get("proofValue")
    try:
        # A 64-byte signature is at most 88 base58 characters; decoding is quadratic in length.
        short = isinstance(value, str) and len(value) <= _MAX_PROOF_VALUE
        signature = multibase_decode(value) if short and isinstance(value, str) else b""
    except ValueError:
        signature = b""
    if len(signature) != SIGNATURE_SIZE:
        raise _structure(
            "the proofValue is not a base58-btc Ed25519 signature",
            "مقدار اثبات (proofValue) امضای Ed25519 نیست",
            f"z + base58-btc of {SIGNATURE_SIZE} bytes",
            str(value)[:20],
        )
    return options, signature


def verify_proof(
    secured: Mapping[str, Any],
    resolve: Callable[[str], Ed25519PublicKey | None],
    *,
    proof_purpose: str = ASSERTION_METHOD,
) -> tuple[VerifiedProof, ...]:
    """§3.3.2 Verify Proof of each ``eddsa-jcs-2022`` DataIntegrityProof of ``secured``: its
    one proof, or every proof of its proof set (a list; each signs the document without
    ``proof``). All must verify; an empty set is an error, never a pass.

    Args:
        secured: the document with its ``proof``.
        resolve: the public key a verification method URL names, trusted for
            ``proof_purpose``; None when it names none (the proof then fails, never passes).
        proof_purpose: the purpose each proof must state.

    Raises:
        ProofStructureError: no proof, or one that is not ``eddsa-jcs-2022`` as specified.
        UnknownMethodError: ``resolve`` knows no key by a proof's verification method.
        ProofSignatureError: a signature does not verify.
    """
    proof = secured.get("proof")
    proofs = proof if isinstance(proof, list) else [proof]
    if proof is None or not proofs:
        raise _structure("the document has no proof", "سند اثبات (proof) ندارد", "a proof", "none")
    document = {k: v for k, v in secured.items() if k != "proof"}
    return tuple(_verify_one(document, p, resolve, proof_purpose) for p in proofs)


def _verify_one(
    unsecured: Mapping[str, Any],
    proof: object,
    resolve: Callable[[str], Ed25519PublicKey | None],
    proof_purpose: str,
) -> VerifiedProof:
    options, signature = _options(proof)
    if options.get("proofPurpose") != proof_purpose:
        raise _structure(
            f"the proof's purpose is not {proof_purpose}",
            f"هدف اثبات {proof_purpose} نیست",
            proof_purpose,
            str(options.get("proofPurpose")),
        )
    document = dict(unsecured)
    if "@context" in options:
        # §3.3.2 step 4: the document's context must start with the proof's, in order.
        context, found = options["@context"], document.get("@context")
        prefix = context if isinstance(context, list) else [context]
        have = found if isinstance(found, list) else [found]
        if have[: len(prefix)] != prefix:
            raise _structure(
                "the document's @context does not start with the proof's",
                "@context سند با @context اثبات آغاز نمی‌شود",
                str(prefix),
                str(have),
            )
        document["@context"] = context
    method = options.get("verificationMethod")
    key = resolve(method) if isinstance(method, str) else None
    if key is None:
        raise UnknownMethodError(
            "the proof's verification method is not a trusted key",
            "روش راستی‌آزمایی اثبات، کلید مورد اعتمادی نیست",
            Mismatch("proof.verificationMethod", "unknown key", "a trusted key", str(method)),
        )
    try:
        key.verify(signature, hash_data(document, options))
    except InvalidSignature:
        raise ProofSignatureError(
            "the proof's signature does not verify: the credential or its proof was changed",
            "امضای اثبات درست نیست: سند یا اثبات آن تغییر کرده است",
            Mismatch("proof.proofValue", "signature", "valid Ed25519", "invalid"),
        ) from None
    return VerifiedProof(str(method), str(options["created"]), proof_purpose)
