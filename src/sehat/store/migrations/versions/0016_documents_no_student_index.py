"""Documents lose ``ix_documents_student`` (institution, student_number): no query reads
documents by student number — issuing finds an earlier graduation through the submissions'
unique key, and the ladder compares student numbers among one person's documents in memory —
and it was a random-key index written for every document a backfill issues.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_documents_student", table_name="documents", if_exists=True)


def downgrade() -> None:
    op.create_index("ix_documents_student", "documents", ["institution", "student_number"])
