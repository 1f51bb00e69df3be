"""Access-log retention (DESIGN §5): ``access_counts`` for public-tier rows folded into
per-document, per-day counts by door, and one partial index on ``at`` per retention class of
``access_log`` (public tier; evidence), so the compaction reads only the rows it removes.

On SQLite the access log may already be in its own attached file (store/db.py): the new table
and indexes go where ``access_log`` is (an index must be in its table's file, and the counts
must be, so that a day is folded and deleted in one transaction). A registry still in the old
layout gets them in ``main``; the move after the migrations carries them over.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)
PUBLIC_TIER = "channel = 'public' AND account IS NULL"
EVIDENCE = "(channel <> 'public' OR account IS NOT NULL)"
INDEXES = {"ix_access_log_public_at": PUBLIC_TIER, "ix_access_log_evidence_at": EVIDENCE}


def _counts(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "access_counts",
        metadata,
        sa.Column("day", Timestamp, nullable=False),
        sa.Column("person_id", BigId, autoincrement=False, nullable=False),
        sa.Column("document_id", BigId, autoincrement=False, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "person_id", "document_id", "channel", name="pk_access_counts"
        ),
        sqlite_with_rowid=False,  # SQLite: rows kept in their key's B-tree
    )


def _access_schema(bind: sa.Connection) -> str:
    """SQLite: the attached database that holds ``access_log`` (``main`` if none does)."""
    for row in bind.exec_driver_sql("PRAGMA database_list").all():
        name = row[1]
        found = bind.exec_driver_sql(
            f"SELECT 1 FROM {name}.sqlite_master WHERE type = 'table' AND name = 'access_log'"
        ).first()
        if found:
            return str(name)
    return "main"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        where = _access_schema(bind)
        create = str(sa.schema.CreateTable(_counts(sa.MetaData())).compile(dialect=bind.dialect))
        bind.exec_driver_sql(create.replace("TABLE access_counts", f"TABLE {where}.access_counts"))
        bind.exec_driver_sql(
            f"CREATE INDEX {where}.ix_access_counts_person_day ON access_counts (person_id, day)"
        )
        for name, predicate in INDEXES.items():
            bind.exec_driver_sql(
                f"CREATE INDEX {where}.{name} ON access_log (at) WHERE {predicate}"
            )
        return
    _counts(sa.MetaData()).create(bind)
    op.create_index("ix_access_counts_person_day", "access_counts", ["person_id", "day"])
    for name, predicate in INDEXES.items():
        op.create_index(name, "access_log", ["at"], postgresql_where=sa.text(predicate))


def downgrade() -> None:
    # Unqualified names: SQLite finds them in whichever attached file holds them.
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS access_counts")
