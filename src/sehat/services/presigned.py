"""A first version made and signed ahead, before the ladder decides: the import's shortcut.

In a large import almost every row is issued at once. Its worker processes therefore draw
each valid record's code and salt, build the version's content, sign it, seal it and
compute its log entry while they validate (importer/workers.py) — all pure work, done on
every core — and the writing process, which alone decides, only stores what they made.

What was made ahead is used only as it was made: for a document issued in the very batch
it was made for (its time is the batch's time, which the version's signature, its row and
its log leaf all carry), with the code it was made with. A row that is not issued (waiting
for its prior, refused, a replay) throws it away; so does a code that turns out to be taken
(drawn again and signed then, in the writing process). Nothing made ahead is stored, signed
or logged unless the ladder issues it.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sehat.core import code as authcode
from sehat.core.jalali import jalali_year_of
from sehat.core.log_entry import Event, LogEvent
from sehat.core.record import GraduationRecord
from sehat.services.signing import SignedVersion, Signer, VersionToSign
from sehat.store.json_text import json_text

SALT_BYTES = 16


@dataclass(frozen=True)
class Presigned:
    """Version 1 of a document that the ladder may issue at ``at``, signed and sealed.

    Without slots: a frozen dataclass with slots pickles through dataclasses' Python
    ``__getstate__``, which cost a worker more than the rest of the row's pickling."""

    at: datetime  # the batch's time: issued-at in the signature, the rows' and leaf's time
    code: str
    salt: bytes
    # The version's content (the record and its code) as stored: JSON text, made a
    # JsonText where it is written (a str subclass pickles at ten times the cost of a str).
    content: str
    made: SignedVersion
    leaf_input: bytes  # the log entry of its issue (core/log_entry.py)


def new_salt() -> bytes:
    """A document's random salt (DESIGN §4): its log commitment cannot be guessed from it."""
    return secrets.token_bytes(SALT_BYTES)


def new_code(institution: str, kind: int, at: datetime) -> str:
    """A fresh random code for a document of ``institution`` issued at ``at``."""
    return authcode.generate(
        int(institution[0]), int(institution[1:]), jalali_year_of(at.date()), kind
    )


def presign_all(
    evidence: Signer, records: Sequence[GraduationRecord], at: datetime
) -> list[Presigned]:
    """Version 1 of each of ``records``' documents, made and signed as if issued at ``at``, in
    order; each step for all of them before the next (as :meth:`Signer.sign_all` does)."""
    codes = [new_code(record.institution, record.kind, at) for record in records]
    salts = [new_salt() for _ in records]
    contents = [record.content() for record in records]
    for content, code in zip(contents, codes, strict=True):
        content["code"] = code
    made = evidence.sign_all(
        [
            VersionToSign(0, code, 1, content, salt)
            for code, content, salt in zip(codes, contents, salts, strict=True)
        ],
        int(at.timestamp()),
    )
    leaves = [
        LogEvent(Event.ISSUE, at, code, 1, signed.kid, signed.commitment).leaf_input()
        for code, signed in zip(codes, made, strict=True)
    ]
    return [
        Presigned(at, code, salt, json_text(content), signed, leaf)
        for code, salt, content, signed, leaf in zip(
            codes, salts, contents, made, leaves, strict=True
        )
    ]
