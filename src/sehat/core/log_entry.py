"""One transparency-log entry (DESIGN §4): what the leaf commits to, with no personal data.

``leaf_input`` — the exact bytes hashed as the RFC 9162 leaf — is the RFC 8785 (JCS)
canonical JSON of the entry, so any verifier can parse it with a JSON library and
re-encode it byte for byte.
"""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from sehat.core.canonical import canonical_json

FORMAT_VERSION = 1


class Event(StrEnum):
    """What happened."""

    ISSUE = "issue"
    CORRECT = "correct"
    REVOKE = "revoke"
    SUSPEND = "suspend"
    UNSUSPEND = "unsuspend"
    KEY = "key"


@dataclass(frozen=True)
class LogEvent:
    """One event as the log records it."""

    event: Event
    time: datetime
    code: str | None = None
    version: int | None = None
    kid: str | None = None  # hex key id of the signing key, for signed versions
    commitment: bytes | None = None  # SHA-256(salt || COSE_Sign1) of the version
    key: dict[str, object] | None = field(default=None)  # key events: the key's public facts

    def leaf_input(self) -> bytes:
        """The canonical bytes of this entry (JCS)."""
        entry: dict[str, object] = {
            "v": FORMAT_VERSION,
            "event": self.event.value,
            "code": self.code,
            "version": self.version,
            "time": _rfc3339(self.time),
            "kid": self.kid,
            "commitment": base64.b64encode(self.commitment).decode() if self.commitment else None,
        }
        if self.key is not None:
            entry["key"] = self.key
        return canonical_json(entry)


@functools.lru_cache(maxsize=256)  # a batch's entries share its time
def _rfc3339(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_leaf(leaf_input: bytes) -> dict[str, object]:
    """The entry's fields (for auditors and tests).

    Raises:
        ValueError: not a JSON object (NaN and Infinity, which JCS cannot write, and
            nesting too deep to read included).
    """
    try:
        value = json.loads(leaf_input, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("a log entry is nested too deeply to be one") from None
    if not isinstance(value, dict):
        raise ValueError("a log entry is a JSON object")
    return value


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON (RFC 8259 §6), so not in a log entry")


def entry_time(entry: dict[str, object]) -> datetime:
    """The entry's UTC time."""
    return datetime.strptime(str(entry["time"]), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
