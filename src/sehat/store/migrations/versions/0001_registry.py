"""The registry: institutions, accounts and tokens, persons, submissions, documents.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "institutions",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("domain", sa.SmallInteger(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("name_fa", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("city_fa", sa.Text(), server_default="", nullable=False),
        sa.Column("city_en", sa.Text(), server_default="", nullable=False),
        sa.Column("category", sa.String(length=40), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_institutions")),
    )
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_institutions_domain"), ["domain"], unique=False)

    op.create_table(
        "persons",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("national_id", sa.String(length=10), nullable=True),
        sa.Column("foreign_id", sa.String(length=16), nullable=True),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("first_name_latin", sa.Text(), server_default="", nullable=False),
        sa.Column("last_name_latin", sa.Text(), server_default="", nullable=False),
        sa.Column("father_name", sa.Text(), server_default="", nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=10), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("foreign_id", name=op.f("uq_persons_foreign_id")),
        sa.UniqueConstraint("national_id", name=op.f("uq_persons_national_id")),
    )
    op.create_table(
        "accounts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("institution", sa.String(length=5), nullable=True),
        sa.Column("domain", sa.SmallInteger(), nullable=True),
        sa.Column("national_id", sa.String(length=12), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution"],
            ["institutions.code"],
            name=op.f("fk_accounts_institution_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("public_id", name=op.f("uq_accounts_public_id")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_national_id"), ["national_id"], unique=False)

    op.create_table(
        "documents",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("institution", sa.String(length=5), nullable=False),
        sa.Column("domain", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("seminary_level", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "submission_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("student_number", sa.String(length=40), nullable=False),
        sa.Column("field_code", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_year", sa.SmallInteger(), nullable=False),
        sa.Column("graduation_date", sa.Date(), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_reason", sa.String(length=40), nullable=True),
        sa.Column("status_note", sa.Text(), nullable=True),
        sa.Column(
            "prior_document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("assurance", sa.String(length=20), server_default="born_digital", nullable=False),
        sa.Column("salt", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution"],
            ["institutions.code"],
            name=op.f("fk_documents_institution_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_documents_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("code", name=op.f("uq_documents_code")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_documents_submission_id")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_documents_person_kind", ["person_id", "kind"], unique=False)
        batch_op.create_index(
            "ix_documents_student", ["institution", "student_number"], unique=False
        )

    op.create_table(
        "submissions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("institution", sa.String(length=5), nullable=False),
        sa.Column("student_number", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("seminary_level", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("field_code", sa.String(length=20), nullable=False),
        sa.Column("program_type", sa.String(length=20), server_default="", nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "record",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "prior_document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("assurance", sa.String(length=20), server_default="born_digital", nullable=False),
        sa.Column("source", sa.String(length=20), server_default="api", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution"],
            ["institutions.code"],
            name=op.f("fk_submissions_institution_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_submissions_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("institution", "idempotency_key", name="uq_submissions_idempotency"),
        sa.UniqueConstraint(
            "institution",
            "student_number",
            "kind",
            "seminary_level",
            "field_code",
            name="uq_submissions_graduation",
        ),
        sa.UniqueConstraint("public_id", name=op.f("uq_submissions_public_id")),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index("ix_submissions_pending", ["status", "person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submissions_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submissions_status"), ["status"], unique=False)

    op.create_table(
        "backfill_requests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column(
            "submission_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("target_institution", sa.String(length=5), nullable=True),
        sa.Column("requesting_institution", sa.String(length=5), nullable=False),
        sa.Column(
            "wanted",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("prior_code", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "fulfilled_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_backfill_requests_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_backfill_requests_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backfill_requests")),
        sa.UniqueConstraint("public_id", name=op.f("uq_backfill_requests_public_id")),
    )
    with op.batch_alter_table("backfill_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_backfill_requests_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_backfill_requests_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_backfill_requests_submission_id"), ["submission_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_backfill_requests_target_institution"),
            ["target_institution"],
            unique=False,
        )

    op.create_table(
        "document_versions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=36), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_versions_document_id_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_versions")),
        sa.UniqueConstraint("document_id", "version", name="uq_document_versions_version"),
    )
    op.create_table(
        "foreign_priors",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column(
            "submission_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("domain", sa.SmallInteger(), nullable=False),
        sa.Column("country", sa.Text(), nullable=False),
        sa.Column("institution_name", sa.Text(), nullable=False),
        sa.Column("degree", sa.Text(), nullable=False),
        sa.Column("equivalence_ref", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_foreign_priors_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foreign_priors")),
        sa.UniqueConstraint("public_id", name=op.f("uq_foreign_priors_public_id")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_foreign_priors_submission_id")),
    )
    with op.batch_alter_table("foreign_priors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_foreign_priors_domain"), ["domain"], unique=False)

    op.create_table(
        "tokens",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("institution", sa.String(length=5), nullable=True),
        sa.Column("domain", sa.SmallInteger(), nullable=True),
        sa.Column("national_id", sa.String(length=12), nullable=True),
        sa.Column("label", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_tokens_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("public_id", name=op.f("uq_tokens_public_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tokens_token_hash")),
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tokens_account_id"), ["account_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tokens_account_id"))

    op.drop_table("tokens")
    with op.batch_alter_table("foreign_priors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_foreign_priors_domain"))

    op.drop_table("foreign_priors")
    op.drop_table("document_versions")
    with op.batch_alter_table("backfill_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_backfill_requests_target_institution"))
        batch_op.drop_index(batch_op.f("ix_backfill_requests_submission_id"))
        batch_op.drop_index(batch_op.f("ix_backfill_requests_status"))
        batch_op.drop_index(batch_op.f("ix_backfill_requests_person_id"))

    op.drop_table("backfill_requests")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_status"))
        batch_op.drop_index(batch_op.f("ix_submissions_person_id"))
        batch_op.drop_index("ix_submissions_pending")

    op.drop_table("submissions")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_student")
        batch_op.drop_index("ix_documents_person_kind")
        batch_op.drop_index(batch_op.f("ix_documents_person_id"))

    op.drop_table("documents")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_national_id"))

    op.drop_table("accounts")
    op.drop_table("persons")
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_institutions_domain"))

    op.drop_table("institutions")
