"""C2SP tlog-checkpoint bodies (https://c2sp.org/tlog-checkpoint) for the log (DESIGN §4).

A checkpoint is the note text ``<origin>\\n<tree size>\\n<base64 root hash>\\n`` followed by
optional non-empty extension lines, signed as a C2SP signed note. Outside verifiers parse
it with any tlog-checkpoint implementation; this module writes and reads it strictly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sehat.core.merkle import HASH_SIZE, MAX_TREE_SIZE
from sehat.core.note import (
    NoteSignature,
    NoteVerifier,
    decode_base64,
    encode_base64,
    open_note,
    sign_note,
)
from sehat.errors import Mismatch, VerificationError

_DECIMAL = re.compile(r"0|[1-9][0-9]*")  # tlog-checkpoint: no leading zeros, no sign


class CheckpointError(VerificationError):
    """A checkpoint that does not check out."""


class MalformedCheckpointError(CheckpointError):
    """Text that is not a tlog-checkpoint body; ``line`` is the 1-based line at fault."""

    def __init__(self, line: int, message: str, message_fa: str) -> None:
        super().__init__(
            f"malformed checkpoint, line {line}: {message}",
            f"چک‌پوینت بدشکل، سطر {line}: {message_fa}",
        )
        self.line = line


class OriginMismatchError(CheckpointError):
    """A checkpoint from another log than the one expected."""

    def __init__(self, expected: str, found: str) -> None:
        super().__init__(
            f"the checkpoint is for log {found!r}, not the expected {expected!r}",
            f"چک‌پوینت مال لاگ {found!r} است، نه لاگ مورد انتظار {expected!r}",
        )
        self.mismatch = Mismatch("checkpoint", "origin", expected, found)


def _check_line(value: str, line: int, what: str, what_fa: str) -> None:
    if not value:
        raise MalformedCheckpointError(line, f"the {what} is empty", f"{what_fa} خالی است")
    for char in value:
        if char < " " or "\ud800" <= char <= "\udfff":
            raise MalformedCheckpointError(
                line,
                f"the {what} has the control character U+{ord(char):04X}",
                f"{what_fa} نویسه کنترلی U+{ord(char):04X} دارد",
            )


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: the log's origin, its tree size and RFC 9162 root hash."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, 1, "origin", "مبدأ")
        if isinstance(self.size, bool) or not 0 <= self.size <= MAX_TREE_SIZE:
            raise MalformedCheckpointError(
                2,
                f"tree size {self.size} is not 0 to 2^64-1",
                f"اندازه درخت {self.size} نامعتبر است",
            )
        if not self.root_hash:
            raise MalformedCheckpointError(3, "the root hash is empty", "چکیده ریشه خالی است")
        for number, extension in enumerate(self.extensions, start=4):
            _check_line(extension, number, "extension line", "سطر افزوده")

    def format(self) -> str:
        """The note text: origin, size and base64 root hash lines, then extension lines."""
        lines = [self.origin, str(self.size), encode_base64(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str, *, hash_size: int | None = HASH_SIZE) -> Checkpoint:
        """Read a checkpoint body strictly.

        Args:
            text: the note text (every line ends in a newline).
            hash_size: the root hash length to require; ``None`` accepts any length, as
                the generic tlog-checkpoint format does.

        Raises:
            MalformedCheckpointError: fewer than three lines, a missing final newline, an
                empty line, a size with a sign or leading zeros or beyond 2^64-1, a root
                hash that is not canonical base64 or not ``hash_size`` bytes.
        """
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise MalformedCheckpointError(
                min(len(lines), 4),
                "a checkpoint has at least three lines, each ending in a newline",
                "چک‌پوینت دست‌کم سه سطر دارد که هر کدام با خط جدید تمام می‌شود",
            )
        origin, size_text, hash_text, *extensions = lines[:-1]
        if not _DECIMAL.fullmatch(size_text) or int(size_text) > MAX_TREE_SIZE:
            raise MalformedCheckpointError(
                2,
                f"tree size {size_text!r} is not a decimal from 0 to 2^64-1 without leading zeros",
                f"اندازه درخت {size_text!r} عدد دهدهی ۰ تا ۲^۶۴−۱ بدون صفر پیشرو نیست",
            )
        try:
            root_hash = decode_base64(hash_text)
        except ValueError:
            raise MalformedCheckpointError(
                3, "the root hash is not standard base64", "چکیده ریشه base64 استاندارد نیست"
            ) from None
        if hash_size is not None and len(root_hash) != hash_size:
            raise MalformedCheckpointError(
                3,
                f"the root hash is {len(root_hash)} bytes; expected {hash_size}",
                f"چکیده ریشه {len(root_hash)} بایت است؛ باید {hash_size} بایت باشد",
            )
        return cls(origin, int(size_text), root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, name: str, private_key: Ed25519PrivateKey) -> str:
    """The checkpoint as a C2SP signed note; ``name`` SHOULD equal the origin (tlog-checkpoint)."""
    return sign_note(checkpoint.format(), name, private_key)


def open_checkpoint(
    note: str | bytes,
    verifiers: Iterable[NoteVerifier],
    *,
    origin: str,
    hash_size: int | None = HASH_SIZE,
) -> tuple[Checkpoint, tuple[NoteSignature, ...]]:
    """Verify a signed checkpoint from the log named ``origin``; return it and its signatures.

    Raises:
        NoteError: the note is malformed or not signed by a trusted key (see ``open_note``).
        MalformedCheckpointError: the signed text is not a checkpoint body.
        OriginMismatchError: the checkpoint belongs to another log.
    """
    text, signatures = open_note(note, verifiers)
    checkpoint = Checkpoint.parse(text, hash_size=hash_size)
    if checkpoint.origin != origin:
        raise OriginMismatchError(origin, checkpoint.origin)
    return checkpoint, signatures
