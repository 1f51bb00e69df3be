"""Documents and submissions lose their single-column person_id index: each is the leading
column of another index that serves every lookup by person — ix_documents_person_kind
(person_id, kind) the documents of a person, ix_submissions_pending (status, person_id) the
waiting submissions of a person (the only submissions looked up by person) — and each index
is written again for every row a backfill stores.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEXES = (("documents", "ix_documents_person_id"), ("submissions", "ix_submissions_person_id"))


def upgrade() -> None:
    for table, index in INDEXES:
        op.drop_index(index, table_name=table, if_exists=True)


def downgrade() -> None:
    for table, index in INDEXES:
        op.create_index(index, table, ["person_id"], unique=False)
