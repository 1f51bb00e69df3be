"""Holder shares and the access log (DESIGN §5).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "shares",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("person_id", BigId, nullable=False),
        sa.Column("fields", Json, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_shares_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_shares_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shares")),
        sa.UniqueConstraint("public_id", name=op.f("uq_shares_public_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_shares_token_hash")),
    )
    op.create_index(op.f("ix_shares_person_id"), "shares", ["person_id"], unique=False)
    op.create_table(
        "access_log",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("person_id", BigId, nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=36), nullable=True),
        sa.Column("share_id", BigId, nullable=True),
        sa.Column("matched", sa.Boolean(), nullable=True),
        sa.Column("fields", Json, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    op.create_index(op.f("ix_access_log_document_id"), "access_log", ["document_id"], unique=False)
    op.create_index("ix_access_log_person_at", "access_log", ["person_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_access_log_person_at", table_name="access_log")
    op.drop_index(op.f("ix_access_log_document_id"), table_name="access_log")
    op.drop_table("access_log")
    op.drop_index(op.f("ix_shares_person_id"), table_name="shares")
    op.drop_table("shares")
