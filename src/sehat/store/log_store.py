"""The transparency log in the database: entries, perfect-subtree nodes and the tree size.

Appends happen inside the caller's transaction, so a change and the leaf that records it
commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from sehat.core import merkle
from sehat.errors import InfrastructureError
from sehat.store import schema as t
from sehat.store.bulk import insert_many


class DbNodes:
    """A :class:`merkle.NodeReader` over ``log_nodes``, caching what it read."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self._cache: dict[tuple[int, int], bytes] = {}

    def prefetch(self, keys: Sequence[tuple[int, int]]) -> None:
        """Read many nodes in one query."""
        wanted = [k for k in keys if k not in self._cache]
        if not wanted:
            return
        n = t.log_nodes.c
        condition = sa.or_(*(sa.and_(n.level == lv, n.idx == ix) for lv, ix in wanted))
        for row in self.conn.execute(sa.select(n.level, n.idx, n.hash).where(condition)):
            self._cache[(row.level, row.idx)] = bytes(row.hash)

    def node(self, level: int, index: int) -> bytes:
        key = (level, index)
        found = self._cache.get(key)
        if found is None:
            n = t.log_nodes.c
            value = self.conn.execute(
                sa.select(n.hash).where(n.level == level, n.idx == index)
            ).scalar()
            if value is None:
                raise InfrastructureError(
                    f"the log is missing node ({level}, {index}); run `sehat audit`",
                    "گره‌ای از درخت لاگ موجود نیست؛ `sehat audit` را اجرا کنید",
                )
            found = self._cache[key] = bytes(value)
        return found


def _right_edge(size: int) -> list[tuple[int, int]]:
    """The perfect subtrees that make up a tree of ``size`` leaves, left to right."""
    out = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size & (1 << level):
            out.append((level, start >> level))
            start += 1 << level
    return out


def tree_size(conn: sa.Connection, *, lock: bool = False) -> int:
    """The current number of leaves (locking the log for an append when asked)."""
    query = sa.select(t.log_state.c.size).where(t.log_state.c.id == 1)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return int(conn.execute(query).scalar_one())


def append(
    conn: sa.Connection, entries: Sequence[tuple[bytes, str, str | None, int | None]], now: datetime
) -> list[int]:
    """Append ``(leaf_input, event, code, version)`` entries; returns their leaf indices."""
    if not entries:
        return []
    size = tree_size(conn, lock=True)
    reader = DbNodes(conn)
    reader.prefetch(_right_edge(size))
    nodes = merkle.append_leaves((merkle.leaf_hash(e[0]) for e in entries), size, reader)
    insert_many(
        conn,
        t.log_entries,
        [
            {
                "idx": size + i,
                "leaf_input": leaf,
                "event": event,
                "code": code,
                "version": version,
                "created_at": now,
            }
            for i, (leaf, event, code, version) in enumerate(entries)
        ],
    )
    insert_many(conn, t.log_nodes, [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in nodes])
    conn.execute(t.log_state.update().where(t.log_state.c.id == 1).values(size=size + len(entries)))
    return list(range(size, size + len(entries)))
