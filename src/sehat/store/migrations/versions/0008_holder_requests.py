"""A graduate's own request for a code for an old document (DESIGN §3).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "holder_requests",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("holder_key", sa.String(length=40), nullable=False),
        sa.Column("institution", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("field_code", sa.String(length=20), nullable=False),
        sa.Column("student_number", sa.String(length=40), nullable=False),
        sa.Column("graduation_year", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("submission_id", BigId, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("closed_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["institution"],
            ["institutions.code"],
            name=op.f("fk_holder_requests_institution_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_holder_requests_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holder_requests")),
        sa.UniqueConstraint("public_id", name=op.f("uq_holder_requests_public_id")),
    )
    op.create_index(
        op.f("ix_holder_requests_holder_key"), "holder_requests", ["holder_key"], unique=False
    )
    op.create_index(
        "ix_holder_requests_institution_status",
        "holder_requests",
        ["institution", "status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_holder_requests_institution_status", table_name="holder_requests")
    op.drop_index(op.f("ix_holder_requests_holder_key"), table_name="holder_requests")
    op.drop_table("holder_requests")
