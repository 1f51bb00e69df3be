"""The access log keeps one index, (person_id, at): one document's log is read through its
holder's (a document has one holder), and each index on a random key cost every public
verification a page write at the next commit.

On SQLite the access log may already be in its own attached file (store/db.py): an
unqualified DROP INDEX finds it there; the downgrade creates the index where the table is.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEX = "ix_access_log_document_id"


def upgrade() -> None:
    op.drop_index(INDEX, table_name="access_log", if_exists=True)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        schemas = [row[1] for row in bind.exec_driver_sql("PRAGMA database_list")]
        where = next(
            (
                name
                for name in schemas
                if bind.exec_driver_sql(
                    f"SELECT 1 FROM {name}.sqlite_master WHERE type = 'table' "
                    "AND name = 'access_log'"
                ).first()
            ),
            "main",
        )
        bind.exec_driver_sql(f"CREATE INDEX {where}.{INDEX} ON access_log (document_id)")
        return
    op.create_index(INDEX, "access_log", ["document_id"], unique=False)
