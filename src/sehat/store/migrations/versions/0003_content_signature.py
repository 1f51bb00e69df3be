"""A signature over each version's whole content, beside the QR's COSE_Sign1.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("version_evidence", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("content_signature", sa.LargeBinary(length=64), nullable=False)
        )


def downgrade() -> None:

    with op.batch_alter_table("version_evidence", schema=None) as batch_op:
        batch_op.drop_column("content_signature")
