"""The demo's holder sign-in: one-time codes by national ID, stored hashed (web/holder.py).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sign_in_codes",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("national_id", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("used_at", Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_codes")),
        sa.UniqueConstraint("public_id", name=op.f("uq_sign_in_codes_public_id")),
    )
    op.create_index(
        op.f("ix_sign_in_codes_national_id"), "sign_in_codes", ["national_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_codes_national_id"), table_name="sign_in_codes")
    op.drop_table("sign_in_codes")
