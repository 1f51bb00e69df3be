"""Submissions keep one index on their status, (status, person_id): its leading column
serves every lookup the single-column index served, and each index is written again for
every row a backfill stores and decides.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INDEX = "ix_submissions_status"


def upgrade() -> None:
    op.drop_index(INDEX, table_name="submissions", if_exists=True)


def downgrade() -> None:
    op.create_index(INDEX, "submissions", ["status"], unique=False)
