"""Who changed a document's status, by role (operator, domain_admin, registrar): a suspension is
lifted only by the suspender's level or above, and a document suspended above its registrar
cannot be corrected meanwhile.

Documents suspended before this revision keep a NULL here; the service treats an unrecorded
suspender as the operator (it fails closed), so only the operator lifts those.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_by_role", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("status_by_role")
