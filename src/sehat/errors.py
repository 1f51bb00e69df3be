"""The error tree of Sehat.

    SehatError                    root; every error the product raises on purpose
    ├── InputError                the caller gave something wrong: where, what, how to fix
    │   ├── CodeFormatError       an authenticity code that cannot be a code
    │   ├── ReferenceDataError    a reference data file that is not valid
    │   └── RecordError           a graduation record with one or more problems
    ├── NotFoundError             the thing asked for does not exist
    ├── ConflictError             the request clashes with what is stored
    ├── AuthenticationError       no token, or a token that is unknown, expired or revoked
    ├── PermissionDeniedError     the caller's role or institution does not allow it
    ├── IdCheckLimitError         too many wrong national IDs from this caller today
    ├── VerificationError         evidence does not check out: expected vs found
    └── InfrastructureError       a database, key store or configuration problem
        ├── DamagedDatabaseError  a SQLite file that is not a sound database: restore it
        └── MissingPartError      a package the server needs is not installed: install it

Messages are bilingual: Persian first (``message_fa``), English beside it (``message``).
HTTP status codes are chosen in the api layer only.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class SehatError(Exception):
    """Root of every error Sehat raises on purpose."""

    def __init__(self, message: str, message_fa: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.message_fa = message_fa or message

    def diagnostics(self) -> str:
        """Both languages, for a terminal."""
        if self.message_fa == self.message:
            return self.message
        return f"{self.message_fa}\n{self.message}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, what is wrong, and how to fix it."""

    field: str
    message: str
    message_fa: str
    fix: str = ""
    fix_fa: str = ""
    position: int | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "field": self.field,
            "problem": self.message,
            "problem_fa": self.message_fa,
            "fix": self.fix,
            "fix_fa": self.fix_fa,
        }
        if self.position is not None:
            out["position"] = self.position
        return out


class InputError(SehatError):
    """The caller gave something wrong; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        items = [problems] if isinstance(problems, Problem) else list(problems)
        if not items:
            raise ValueError("an InputError needs at least one problem")
        self.problems = items
        first = items[0]
        super().__init__(
            "; ".join(f"{p.field}: {p.message}" for p in items),
            "؛ ".join(f"{p.field}: {p.message_fa}" for p in items),
        )
        self.field = first.field
        self.position = first.position


class CodeFormatError(InputError):
    """An authenticity code that is malformed: wrong length, character, domain, kind or check."""


class ReferenceDataError(InputError):
    """A reference data file that is not valid; the problem names file and row."""


class RecordError(InputError):
    """A graduation record with one or more problems."""


class NotFoundError(SehatError):
    """The thing asked for does not exist."""


class GoneError(NotFoundError):
    """The thing existed but is no more (an expired or revoked share link)."""


class ConflictError(SehatError):
    """The request clashes with what is stored (e.g. revoking a revoked document)."""


class AuthenticationError(SehatError):
    """No bearer token, or one that is unknown, expired or revoked."""


class PermissionDeniedError(SehatError):
    """The caller's role, institution or domain does not allow this."""


class IdCheckLimitError(SehatError):
    """The caller gave too many national IDs that did not match today (DESIGN §5): its
    national-ID checks wait ``retry_after`` seconds."""

    def __init__(self, message: str, message_fa: str, retry_after: int) -> None:
        super().__init__(message, message_fa)
        self.retry_after = retry_after


@dataclass
class Mismatch:
    """One thing found wrong by a verifier or the audit: expected vs found."""

    subject: str
    what: str
    expected: str = ""
    found: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class VerificationError(SehatError):
    """Evidence does not check out (signature, proof, checkpoint)."""


class InfrastructureError(SehatError):
    """The database, key store or configuration is not usable."""


class DamagedDatabaseError(InfrastructureError):
    """A SQLite file is not a sound database (overwritten, cut short, damaged inside): it is
    never served, and is to be restored from the backup."""


class MissingPartError(InfrastructureError):
    """A package the server needs for one answer is not installed (the certificate's font):
    its message names the package and how to install it, and names no host or file, so the
    caller is told it as it is."""
