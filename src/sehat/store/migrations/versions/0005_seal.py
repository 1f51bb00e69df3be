"""The registry's seal on each signed version (an HMAC under a key derived from the KEK).

Rows signed before this revision keep a NULL seal and are verified by their signatures.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("version_evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seal", sa.LargeBinary(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("version_evidence", schema=None) as batch_op:
        batch_op.drop_column("seal")
