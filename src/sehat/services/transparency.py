"""The public transparency log (DESIGN §4, §7): appends, checkpoints, entries and proofs."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sehat.core import merkle
from sehat.core.checkpoint import Checkpoint, sign_checkpoint
from sehat.core.log_entry import Event, LogEvent
from sehat.core.persian import to_persian_digits
from sehat.errors import InputError, Problem
from sehat.keystore import KeySource, Purpose
from sehat.store import log_store
from sehat.store import schema as t
from sehat.store.upsert import insert_ignore

MAX_ENTRIES = 1000


def append_events(conn: sa.Connection, events: Sequence[LogEvent], now: datetime) -> list[int]:
    """Append events in the caller's transaction; returns their leaf indices."""
    return append_entries(conn, [(e.leaf_input(), e.event, e.code, e.version) for e in events], now)


def append_entries(
    conn: sa.Connection,
    entries: Sequence[tuple[bytes, Event, str | None, int | None]],
    now: datetime,
) -> list[int]:
    """Append entries whose leaf bytes are made already (``LogEvent.leaf_input``), with
    their event, code and version, in the caller's transaction; returns their indices."""
    return log_store.append(conn, [(leaf, e.value, code, v) for leaf, e, code, v in entries], now)


def latest_checkpoint(conn: sa.Connection, keys: KeySource, origin: str, now: datetime) -> str:
    """The signed checkpoint of the current tree, made (and stored) when the tree has grown."""
    size = log_store.tree_size(conn)
    c = t.checkpoints.c
    row = conn.execute(sa.select(c.note).where(c.size == size)).first()
    if row is not None:
        return str(row.note)
    root = merkle.root(size, log_store.DbNodes(conn))
    key, private = keys.signing_key(Purpose.LOG)
    note = sign_checkpoint(Checkpoint(origin, size, root), origin, private)
    conn.execute(
        insert_ignore(conn, t.checkpoints).values(
            size=size, root_hash=root, note=note, kid=key.kid, created_at=now
        )
    )
    return note


def _bad(field: str, en: str, fa: str, fix: str, fix_fa: str) -> InputError:
    return InputError(Problem(field, en, fa, fix, fix_fa))


def entries(conn: sa.Connection, start: int, end: int) -> dict[str, Any]:
    """Entries ``[start, end)`` (at most 1,000), each with its exact leaf bytes in base64."""
    size = log_store.tree_size(conn)
    if start < 0 or end <= start:
        raise _bad(
            "start",
            "start must be ≥ 0 and end greater than start",
            "start باید نامنفی و کوچک‌تر از end باشد",
            "e.g. ?start=0&end=100",
            "مثلاً ?start=0&end=100",
        )
    if start >= size:
        raise _bad(
            "start",
            f"the log has {size} entries; start must be below that",
            f"لاگ {to_persian_digits(str(size))} ورودی دارد",
            f"use start < {size}",
            f"start را کمتر از {to_persian_digits(str(size))} بدهید",
        )
    end = min(end, size, start + MAX_ENTRIES)
    e = t.log_entries.c
    rows = conn.execute(
        sa.select(e.idx, e.leaf_input).where(e.idx >= start, e.idx < end).order_by(e.idx)
    )
    return {
        "entries": [
            {"index": r.idx, "leaf_input": base64.b64encode(bytes(r.leaf_input)).decode()}
            for r in rows
        ]
    }


def _within(conn: sa.Connection, field: str, value: int) -> None:
    size = log_store.tree_size(conn)
    if value > size:
        raise _bad(
            field,
            f"the log has only {size} entries",
            f"لاگ فقط {to_persian_digits(str(size))} ورودی دارد",
            f"use a tree size up to {size} (GET /api/v1/log/checkpoint)",
            f"اندازه‌ای تا {to_persian_digits(str(size))} بدهید",
        )


def inclusion(conn: sa.Connection, index: int, tree_size: int) -> dict[str, Any]:
    """RFC 9162 §2.1.3.1 inclusion proof of leaf ``index`` in the tree of ``tree_size``."""
    _within(conn, "tree_size", tree_size)
    proof = merkle.inclusion_proof(index, tree_size, log_store.DbNodes(conn))
    return {"hashes": [base64.b64encode(h).decode() for h in proof]}


def consistency(conn: sa.Connection, first: int, second: int) -> dict[str, Any]:
    """RFC 9162 §2.1.4.1 consistency proof between two tree sizes."""
    _within(conn, "second", second)
    proof = merkle.consistency_proof(first, second, log_store.DbNodes(conn))
    return {"hashes": [base64.b64encode(h).decode() for h in proof]}
