"""National-ID checks are never a search (DESIGN §5): per-document wrong-ID counts with their
lock, and each caller's daily budget of wrong IDs.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "id_check_guards",
        sa.Column("document_id", BigId, autoincrement=False, nullable=False),
        sa.Column("window_start", Timestamp, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_id_check_guards_document_id_documents"),
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_id_check_guards")),
    )
    op.create_table(
        "id_check_budgets",
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("subject", "day", name=op.f("pk_id_check_budgets")),
    )


def downgrade() -> None:
    op.drop_table("id_check_budgets")
    op.drop_table("id_check_guards")
