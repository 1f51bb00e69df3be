"""A fault of ours, described for an operator without the data it happened on.

An exception's message, its arguments and the local variables of its frames may all hold
personal data (a national ID in a lookup's message, a name in a row being imported), so
none of them is ever printed. What is printed is enough to find the fault in the code: an
error id the caller also receives, the exception's type, and the file and line of every
frame it passed through (and of the exceptions that caused it)::

    error_id=5f0c2a91d3b74e68 500 POST /api/v1/graduations: sqlalchemy.exc.OperationalError
    at sehat/api/errors.py:… > … > sqlalchemy/engine/default.py:…; caused by
    sqlite3.OperationalError at sqlalchemy/engine/default.py:…
"""

from __future__ import annotations

import secrets
import sys
import traceback

MAX_CAUSES = 5  # exceptions chained behind the one caught, at most


def new_error_id() -> str:
    """A fresh id for one error answer, 16 hexadecimal digits: what a caller quotes to an
    operator, who finds it in the log."""
    return secrets.token_hex(8)


def _roots() -> list[str]:
    # The import roots (the standard library, site-packages, the source tree), longest
    # first: a frame's file is shown relative to the root it was imported from.
    return sorted({p.rstrip("/") + "/" for p in sys.path if p.startswith("/")}, key=len)[::-1]


def _where(filename: str, roots: list[str]) -> str:
    for root in roots:
        if filename.startswith(root):
            return filename[len(root) :]
    return filename


def frames(exc: BaseException) -> list[str]:
    """``file:line`` of each frame of ``exc``'s traceback, outermost first; no values."""
    roots = _roots()
    return [
        f"{_where(frame.f_code.co_filename, roots)}:{line}"
        for frame, line in traceback.walk_tb(exc.__traceback__)
    ]


def type_name(exc: BaseException) -> str:
    """``ValueError`` for a built-in exception, ``sqlalchemy.exc.OperationalError`` else."""
    kind = type(exc)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def describe(exc: BaseException) -> str:
    """The exception's type and frames, then those of what caused it; never its message."""
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(parts) <= MAX_CAUSES:
        where = " > ".join(frames(current)) or "(no frames)"
        parts.append(f"{type_name(current)} at {where}")
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return "; caused by ".join(parts)
