"""The transparency log's tables: no index on ``log_entries.code`` (no query reads the log
by code; it was a random-key index written for every leaf), a partial index of key events
(read at every start, which scanned every leaf), and on SQLite each table in one B-tree, not
two.

``log_entries.idx`` was declared BIGINT, which SQLite does not take as an alias of the rowid:
each leaf went into the table's rowid B-tree and into a separate index for its primary key.
As ``INTEGER PRIMARY KEY`` it is the rowid itself. ``log_nodes``, keyed by (level, idx), is
made ``WITHOUT ROWID``: its rows live in their key's B-tree. A backfill appends a leaf and
about two nodes for every document it issues, so this is three B-tree insertions fewer a
document (bench/RESULTS.md). Same columns, same values, same order of rows; PostgreSQL keeps
its tables as they are (a heap and its primary key index either way) and changes the indexes
only.

The tables are rebuilt: created anew, filled in key order, the old ones dropped and the new
ones renamed, all in the migration's transaction.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_ENTRIES = """
CREATE TABLE {name} (
    idx {idx} NOT NULL,
    leaf_input BLOB NOT NULL,
    event VARCHAR(20) NOT NULL,
    code VARCHAR(20),
    version INTEGER,
    created_at DATETIME NOT NULL,
    CONSTRAINT pk_log_entries PRIMARY KEY (idx)
)
"""
_NODES = """
CREATE TABLE {name} (
    level SMALLINT NOT NULL,
    idx BIGINT NOT NULL,
    hash BLOB NOT NULL,
    CONSTRAINT pk_log_nodes PRIMARY KEY (level, idx)
){suffix}
"""


_COLUMNS = {
    "log_entries": "idx, leaf_input, event, code, version, created_at",
    "log_nodes": "level, idx, hash",
}


def _rebuild(table: str, create: str, order: str) -> None:
    columns = _COLUMNS[table]  # by name: a table altered since may keep them in another order
    op.execute(create.format(name=f"{table}_new"))
    op.execute(
        f"INSERT INTO {table}_new ({columns}) SELECT {columns} FROM {table} ORDER BY {order}"
    )
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {table}_new RENAME TO {table}")


KEY_EVENTS = "event = 'key'"
CODE_INDEX = "CREATE INDEX ix_log_entries_code ON log_entries (code)"
KEY_INDEX = f"CREATE INDEX ix_log_entries_key_events ON log_entries (idx) WHERE {KEY_EVENTS}"


def _both(*, rowid_alias: bool) -> None:
    entries = _ENTRIES.replace("{idx}", "INTEGER" if rowid_alias else "BIGINT")
    _rebuild("log_entries", entries, "idx")
    op.execute(KEY_INDEX if rowid_alias else CODE_INDEX)
    nodes = _NODES.replace("{suffix}", " WITHOUT ROWID" if rowid_alias else "")
    _rebuild("log_nodes", nodes, "level, idx")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _both(rowid_alias=True)
        return
    op.execute("DROP INDEX IF EXISTS ix_log_entries_code")
    op.execute(KEY_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _both(rowid_alias=False)
        return
    op.execute("DROP INDEX IF EXISTS ix_log_entries_key_events")
    op.execute(CODE_INDEX)
