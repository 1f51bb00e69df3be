"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys (DESIGN §4).

A note is UTF-8 text ending in a newline, a blank line, then one or more signature lines
``— <key name> <base64(key ID || signature)>``. The log's checkpoints travel in this form, so
any C2SP implementation (e.g. golang.org/x/mod/sumdb/note) can check them. Pure: keys are
``cryptography`` objects passed in; nothing is read from disk here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from sehat.errors import InputError, Problem, VerificationError

ALG_ED25519 = 0x01  # signed-note §Signature types
SIGNATURE_PREFIX = "\u2014 "  # em dash, space (signed-note §Format)
MAX_SIGNATURES = 100  # signed-note: verifiers SHOULD cap it and MUST accept at least 16
_HEX_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")


class NoteError(VerificationError):
    """A signed note that does not check out."""


class MalformedNoteError(NoteError):
    """Not a signed note: bad characters, no signature block, or a bad signature line."""


class InvalidSignatureError(NoteError):
    """A signature by a trusted key that does not verify; the whole note is rejected."""

    def __init__(self, name: str, key_id: bytes) -> None:
        super().__init__(
            f"the signature by {name} (key ID {key_id.hex()}) does not verify: the note was "
            "changed after signing or was not signed by this key",
            f"امضای {name} (شناسه کلید {key_id.hex()}) درست نیست: یادداشت پس از امضا تغییر "
            "کرده یا با این کلید امضا نشده است",
        )
        self.name = name
        self.key_id = key_id


class UnverifiedNoteError(NoteError):
    """No signature by a trusted key; ``names`` lists the signers found."""

    def __init__(self, names: list[str]) -> None:
        found = ", ".join(names) or "none"
        super().__init__(
            f"no signature by a trusted key; signatures found: {found}",
            f"امضایی از کلید مورد اعتماد نیست؛ امضاهای یافت‌شده: {found}",
        )
        self.names = names


class KeyFormatError(InputError):
    """A verifier or signer key text, or a key name, that is not valid."""


class NoteTextError(InputError):
    """Text that cannot be signed as a note."""


def _malformed(message: str, message_fa: str) -> MalformedNoteError:
    return MalformedNoteError(f"malformed note: {message}", f"یادداشت بدشکل: {message_fa}")


def _key_error(field_name: str, message: str, message_fa: str) -> KeyFormatError:
    return KeyFormatError(
        Problem(
            field_name,
            message,
            message_fa,
            "use the key text exactly as the registry published it",
            "متن کلید را دقیقاً همان‌گونه که سامانه منتشر کرده به کار ببرید",
        )
    )


def is_valid_key_name(name: str) -> bool:
    """signed-note §Format: non-empty, no Unicode spaces, no plus sign."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def decode_base64(text: str) -> bytes:
    """Standard base64 (RFC 4648 §4), padded and canonical; ``ValueError`` otherwise."""
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(str(exc)) from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("not the canonical base64 of its bytes")
    return raw


def encode_base64(raw: bytes) -> str:
    """Standard padded base64 (RFC 4648 §4) as text."""
    return base64.b64encode(raw).decode("ascii")


def key_id(name: str, public_key: bytes) -> bytes:
    """signed-note §Ed25519: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class NoteSignature:
    """One verified signature line of a note."""

    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted Ed25519 note key: its name and raw 32-byte public key."""

    name: str
    public_key: bytes
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise _key_error(
                "verifier_key",
                f"key name {self.name!r} is empty or has a space or '+'",
                f"نام کلید {self.name!r} خالی است یا فاصله یا «+» دارد",
            )
        if len(self.public_key) != 32:
            raise _key_error(
                "verifier_key",
                f"an Ed25519 public key is 32 bytes, not {len(self.public_key)}",
                f"کلید عمومی Ed25519 باید ۳۲ بایت باشد، نه {len(self.public_key)}",
            )
        object.__setattr__(self, "_key", Ed25519PublicKey.from_public_bytes(self.public_key))

    @property
    def key_id(self) -> bytes:
        """The 4-byte key ID that signature lines carry."""
        return key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key text: ``<name>+<hex key ID>+<base64(0x01 || public key)>``."""
        key64 = encode_base64(bytes([ALG_ED25519]) + self.public_key)
        return f"{self.name}+{self.key_id.hex()}+{key64}"

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Read a verifier key text.

        Raises:
            KeyFormatError: not three '+'-separated parts, an unknown algorithm, a bad key,
                or a key ID that does not match the name and key.
        """
        # The name has no '+', the base64 key may: split at most twice.
        name, _, rest = vkey.partition("+")
        hex_id, _, key64 = rest.partition("+")
        return cls._from_parts(name, hex_id, key64, "verifier_key")

    @classmethod
    def _from_parts(cls, name: str, hex_id: str, key64: str, field_name: str) -> NoteVerifier:
        try:
            raw = decode_base64(key64)
        except ValueError:
            raw = b""
        if not _HEX_KEY_ID.fullmatch(hex_id) or not raw:
            raise _key_error(
                field_name,
                "a note key is <name>+<8 hex digits>+<base64 key>",
                "کلید یادداشت به شکل <نام>+<۸ رقم هگز>+<کلید base64> است",
            )
        if raw[0] != ALG_ED25519:
            raise _key_error(
                field_name,
                f"key algorithm {raw[0]} is not supported; only Ed25519 (1) is",
                f"الگوریتم کلید {raw[0]} پشتیبانی نمی‌شود؛ فقط Ed25519 (۱)",
            )
        verifier = cls(name, raw[1:])
        if verifier.key_id.hex() != hex_id.lower():
            raise _key_error(
                field_name,
                f"key ID {hex_id} does not match the name and key (expected "
                f"{verifier.key_id.hex()})",
                f"شناسه کلید {hex_id} با نام و کلید نمی‌خواند (باید {verifier.key_id.hex()} باشد)",
            )
        return verifier

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, eq=False)
class NoteSigner:
    """An Ed25519 note signing key with its name."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)

    @property
    def verifier(self) -> NoteVerifier:
        """The matching verifier."""
        raw = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return NoteVerifier(self.name, raw)

    @property
    def skey(self) -> str:
        """The signer key text: ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>``."""
        seed = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        hex_id = self.verifier.key_id.hex()
        return f"PRIVATE+KEY+{self.name}+{hex_id}+{encode_base64(bytes([ALG_ED25519]) + seed)}"

    @classmethod
    def from_skey(cls, skey: str) -> NoteSigner:
        """Read a signer key text; the key ID must match the derived public key.

        Raises:
            KeyFormatError: not the signer key form, or a key ID that does not match.
        """
        parts = skey.split("+", 4)
        try:
            raw = decode_base64(parts[4]) if len(parts) == 5 else b""
        except ValueError:
            raw = b""
        if parts[:2] != ["PRIVATE", "KEY"] or len(raw) != 33 or raw[0] != ALG_ED25519:
            raise _key_error(
                "signer_key",
                "a signer key is PRIVATE+KEY+<name>+<8 hex digits>+<base64 Ed25519 seed>",
                "کلید امضا به شکل PRIVATE+KEY+<نام>+<۸ رقم هگز>+<بذر Ed25519 در base64> است",
            )
        signer = cls(parts[2], Ed25519PrivateKey.from_private_bytes(raw[1:]))
        expected = signer.verifier.key_id.hex()  # also checks the name
        if parts[3].lower() != expected or not _HEX_KEY_ID.fullmatch(parts[3]):
            raise _key_error(
                "signer_key",
                f"key ID {parts[3]} does not match the key (expected {expected})",
                f"شناسه کلید {parts[3]} با کلید نمی‌خواند (باید {expected} باشد)",
            )
        return signer


def _check_characters(note: str) -> str | None:
    """signed-note §Format: valid UTF-8 and no control characters other than newline."""
    for position, char in enumerate(note):
        if (char < " " and char != "\n") or "\ud800" <= char <= "\udfff":
            return f"character {position} (U+{ord(char):04X})"
    return None


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Sign ``text`` with one Ed25519 key; return the signed note.

    Raises:
        NoteTextError: text that is empty, does not end in a newline or has control characters.
        KeyFormatError: a key name that is empty or has a space or '+'.
    """
    bad = _check_characters(text)
    if bad or not text.endswith("\n"):
        why = f"{bad} is a control character" if bad else "it does not end in a newline"
        why_fa = f"{bad} نویسه کنترلی است" if bad else "با خط جدید تمام نمی‌شود"
        raise NoteTextError(
            Problem(
                "text",
                f"the note text cannot be signed: {why}",
                f"متن یادداشت را نمی‌توان امضا کرد: {why_fa}",
                "end every line with a newline and use no control characters",
                "هر سطر را با خط جدید تمام کنید و نویسه کنترلی به کار نبرید",
            )
        )
    signer = NoteSigner(name, private_key)
    verifier = signer.verifier  # validates the name
    signature = private_key.sign(text.encode())
    return f"{text}\n{SIGNATURE_PREFIX}{name} {encode_base64(verifier.key_id + signature)}\n"


def open_note(
    note: str | bytes,
    verifiers: Iterable[NoteVerifier],
    *,
    max_signatures: int = MAX_SIGNATURES,
) -> tuple[str, tuple[NoteSignature, ...]]:
    """Check a signed note against trusted keys; return its text and verified signatures.

    Signatures by unknown keys (other name or other key ID) are ignored, as the spec says.

    Raises:
        MalformedNoteError: not valid UTF-8, a control character, no signature block, a
            malformed signature line, or more than ``max_signatures`` signatures.
        InvalidSignatureError: a trusted key's signature fails (the whole note is rejected).
        UnverifiedNoteError: no signature by a trusted key.
    """
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _malformed(
                f"byte {exc.start} is not UTF-8", f"بایت {exc.start} UTF-8 نیست"
            ) from exc
    bad = _check_characters(note)
    if bad:
        raise _malformed(f"{bad} is a control character", f"{bad} نویسه کنترلی است")
    split = note.rfind("\n\n")
    if split < 0:
        raise _malformed("no blank line before the signatures", "سطر خالی پیش از امضاها نیست")
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise _malformed(
            "the signature block is empty or its last line has no newline",
            "بخش امضا خالی است یا سطر آخرش خط جدید ندارد",
        )
    lines = block[:-1].split("\n")
    if len(lines) > max_signatures:
        raise _malformed(
            f"{len(lines)} signatures; at most {max_signatures} are accepted",
            f"{len(lines)} امضا؛ حداکثر {max_signatures} پذیرفته می‌شود",
        )
    trusted: dict[tuple[str, bytes], NoteVerifier] = {}
    for candidate in verifiers:
        other = trusted.setdefault((candidate.name, candidate.key_id), candidate)
        if other.public_key != candidate.public_key:
            raise _key_error(
                "verifier_key",
                f"two trusted keys share the name {candidate.name} and the key ID",
                f"دو کلید مورد اعتماد نام {candidate.name} و شناسه یکسان دارند",
            )
    verified: dict[tuple[str, bytes], NoteSignature] = {}
    names: list[str] = []
    message = text.encode()
    for number, line in enumerate(lines, start=1):
        name, _, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
        try:
            raw = decode_base64(encoded)
        except ValueError:
            raw = b""
        if not line.startswith(SIGNATURE_PREFIX) or not is_valid_key_name(name) or len(raw) < 5:
            raise _malformed(
                f"signature line {number} is not '— <key name> <base64 signature>'",
                f"سطر امضای {number} به شکل «— <نام کلید> <امضای base64>» نیست",
            )
        names.append(name)
        signature = NoteSignature(name, raw[:4], raw[4:])
        verifier = trusted.get((name, signature.key_id))
        if verifier is None or (name, signature.key_id) in verified:
            continue  # an unknown key, or a repeat of a signature already checked
        if not verifier.verify(message, signature.signature):
            raise InvalidSignatureError(name, signature.key_id)
        verified[(name, signature.key_id)] = signature
    if not verified:
        raise UnverifiedNoteError(names)
    return text, tuple(verified.values())
