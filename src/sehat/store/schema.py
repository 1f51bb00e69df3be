"""The registry's tables (SQLAlchemy Core). The Alembic migrations create exactly these.

Timestamps are UTC; identifiers exposed on the wire are random (``public_id``), never the
row ids. Personal data lives in ``persons``, ``submissions.record`` and
``document_versions.content`` only; the transparency log (issue of evidence) holds none.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class UtcTimestamp(sa.types.TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


Timestamp = UtcTimestamp()


def partial_index(name: str, column: sa.Column[object], where: str) -> sa.Index:
    """An index of ``column`` over the rows ``where`` holds, on both databases. ``where`` is
    literal SQL: SQLite and PostgreSQL use a partial index only for a query that repeats its
    predicate word for word."""
    return sa.Index(name, column, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


institutions = sa.Table(
    "institutions",
    metadata,
    sa.Column("code", sa.String(5), primary_key=True),
    sa.Column("domain", sa.SmallInteger, nullable=False, index=True),
    sa.Column("number", sa.SmallInteger, nullable=False),
    sa.Column("name_fa", sa.Text, nullable=False),
    sa.Column("name_en", sa.Text, nullable=False),
    sa.Column("city_fa", sa.Text, nullable=False, server_default=""),
    sa.Column("city_en", sa.Text, nullable=False, server_default=""),
    sa.Column("category", sa.String(40), nullable=False, server_default=""),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", Timestamp, nullable=False),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("public_id", sa.String(36), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("institution", sa.String(5), sa.ForeignKey("institutions.code"), nullable=True),
    sa.Column("domain", sa.SmallInteger, nullable=True),
    sa.Column("national_id", sa.String(12), nullable=True, index=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", Timestamp, nullable=False),
)

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("public_id", sa.String(36), nullable=False, unique=True),
    sa.Column("account_id", BigId, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    # SHA-256 of the token: the token itself is shown once and never stored.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(12), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("institution", sa.String(5), nullable=True),
    sa.Column("domain", sa.SmallInteger, nullable=True),
    sa.Column("national_id", sa.String(12), nullable=True),
    sa.Column("label", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=True),
    sa.Column("revoked_at", Timestamp, nullable=True),
)

persons = sa.Table(
    "persons",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("national_id", sa.String(10), nullable=True, unique=True),
    sa.Column("foreign_id", sa.String(16), nullable=True, unique=True),
    sa.Column("first_name", sa.Text, nullable=False),
    sa.Column("last_name", sa.Text, nullable=False),
    sa.Column("first_name_latin", sa.Text, nullable=False, server_default=""),
    sa.Column("last_name_latin", sa.Text, nullable=False, server_default=""),
    sa.Column("father_name", sa.Text, nullable=False, server_default=""),
    sa.Column("birth_date", sa.Date, nullable=True),
    sa.Column("gender", sa.String(10), nullable=False, server_default=""),
    sa.Column("created_at", Timestamp, nullable=False),
)

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("public_id", sa.String(36), nullable=False, unique=True),
    sa.Column("institution", sa.String(5), sa.ForeignKey("institutions.code"), nullable=False),
    sa.Column("student_number", sa.String(40), nullable=False),
    sa.Column("kind", sa.SmallInteger, nullable=False),
    sa.Column("seminary_level", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("field_code", sa.String(20), nullable=False),
    sa.Column("program_type", sa.String(20), nullable=False, server_default=""),
    sa.Column("idempotency_key", sa.String(200), nullable=True),
    # Looked up through ix_submissions_pending (status, person_id), below.
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reasons", Json, nullable=False),
    sa.Column("record", Json, nullable=False),
    # Looked up (waiting submissions of a person) through ix_submissions_pending too.
    sa.Column("person_id", BigId, sa.ForeignKey("persons.id"), nullable=True),
    sa.Column("document_id", BigId, nullable=True),
    sa.Column("prior_document_id", BigId, nullable=True),
    sa.Column("assurance", sa.String(20), nullable=False, server_default="born_digital"),
    sa.Column("source", sa.String(20), nullable=False, server_default="api"),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    # DESIGN §3: the same graduation is one submission, whatever is resubmitted.
    sa.UniqueConstraint(
        "institution",
        "student_number",
        "kind",
        "seminary_level",
        "field_code",
        name="uq_submissions_graduation",
    ),
    sa.UniqueConstraint("institution", "idempotency_key", name="uq_submissions_idempotency"),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(20), nullable=False, unique=True),
    sa.Column("institution", sa.String(5), sa.ForeignKey("institutions.code"), nullable=False),
    sa.Column("domain", sa.SmallInteger, nullable=False),
    sa.Column("kind", sa.SmallInteger, nullable=False),
    sa.Column("seminary_level", sa.SmallInteger, nullable=False, server_default="0"),
    # Looked up through ix_documents_person_kind (person_id, kind), below.
    sa.Column("person_id", BigId, sa.ForeignKey("persons.id"), nullable=False),
    sa.Column("submission_id", BigId, nullable=False, unique=True),
    sa.Column("student_number", sa.String(40), nullable=False),
    sa.Column("field_code", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("issued_at", Timestamp, nullable=False),
    sa.Column("issued_year", sa.SmallInteger, nullable=False),
    sa.Column("graduation_date", sa.Date, nullable=True),
    sa.Column("status_changed_at", Timestamp, nullable=True),
    sa.Column("status_reason", sa.String(40), nullable=True),
    sa.Column("status_note", sa.Text, nullable=True),
    # The role that set the status (operator, domain_admin, registrar): a suspension is the
    # suspender's to lift. NULL before migration 0010, read as the operator's.
    sa.Column("status_by_role", sa.String(20), nullable=True),
    sa.Column("prior_document_id", BigId, nullable=True),
    sa.Column("assurance", sa.String(20), nullable=False, server_default="born_digital"),
    # Per-document random salt for the log's commitment and the QR's record hash (DESIGN §4,
    # ADR 0008); never published.
    sa.Column("salt", sa.LargeBinary(32), nullable=False),
)

document_versions = sa.Table(
    "document_versions",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("document_id", BigId, sa.ForeignKey("documents.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("content", Json, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("created_by", sa.String(36), nullable=False, server_default=""),
    sa.UniqueConstraint("document_id", "version", name="uq_document_versions_version"),
)

backfill_requests = sa.Table(
    "backfill_requests",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("public_id", sa.String(36), nullable=False, unique=True),
    sa.Column("submission_id", BigId, sa.ForeignKey("submissions.id"), nullable=False, index=True),
    sa.Column("person_id", BigId, sa.ForeignKey("persons.id"), nullable=False, index=True),
    # The institution asked to backfill; NULL when nobody knows where the prior degree is from.
    sa.Column("target_institution", sa.String(5), nullable=True, index=True),
    sa.Column("requesting_institution", sa.String(5), nullable=False),
    sa.Column("wanted", Json, nullable=False),
    sa.Column("prior_code", sa.String(20), nullable=True),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("closed_at", Timestamp, nullable=True),
    sa.Column("fulfilled_by", BigId, nullable=True),
)

foreign_priors = sa.Table(
    "foreign_priors",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("public_id", sa.String(36), nullable=False, unique=True),
    sa.Column("submission_id", BigId, sa.ForeignKey("submissions.id"), nullable=False, unique=True),
    sa.Column("domain", sa.SmallInteger, nullable=False, index=True),
    sa.Column("country", sa.Text, nullable=False),
    sa.Column("institution_name", sa.Text, nullable=False),
    sa.Column("degree", sa.Text, nullable=False),
    sa.Column("equivalence_ref", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("decided_by", sa.String(36), nullable=True),
    sa.Column("decided_at", Timestamp, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
)

sa.Index("ix_documents_person_kind", documents.c.person_id, documents.c.kind)
sa.Index("ix_submissions_pending", submissions.c.status, submissions.c.person_id)

# -- evidence (DESIGN §4): signatures on versions, the transparency log, checkpoints ---------

log_entries = sa.Table(
    "log_entries",
    metadata,
    # RFC 9162 leaf index, dense from 0; the exact bytes hashed as the leaf are kept.
    # SQLite: INTEGER, the rowid itself (migration 0015); BIGINT was a second B-tree.
    sa.Column("idx", BigId, primary_key=True, autoincrement=False),
    sa.Column("leaf_input", sa.LargeBinary, nullable=False),
    sa.Column("event", sa.String(20), nullable=False),
    # No index on ``code``: nothing reads the log by code (a document's leaves are found
    # through its versions' evidence, ``leaf_index``); it was a random-key index written for
    # every leaf (migration 0015).
    sa.Column("code", sa.String(20), nullable=True),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
)

# The key events among the log's leaves (services/key_events.py reads them at every start):
# a partial index, written for a key event only, not for each of millions of issues.
KEY_EVENTS = "event = 'key'"
partial_index("ix_log_entries_key_events", log_entries.c.idx, KEY_EVENTS)

log_nodes = sa.Table(
    "log_nodes",
    metadata,
    # Hash of the perfect subtree over leaves [idx·2^level, (idx+1)·2^level): proofs read
    # O(log n) of these, never all leaves.
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
    # SQLite: rows kept in their key's B-tree, not in a rowid table beside it (migration 0015).
    sqlite_with_rowid=False,
)

log_state = sa.Table(
    "log_state",
    metadata,
    # One row: the tree size. Appending transactions lock it, so leaves are never interleaved.
    sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("size", sa.BigInteger, nullable=False),
)

checkpoints = sa.Table(
    "checkpoints",
    metadata,
    sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("kid", sa.String(16), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
)

version_evidence = sa.Table(
    "version_evidence",
    metadata,
    # One row per signed document version: the COSE_Sign1 over its QR claims, the key that
    # signed it, the salted commitment the log publishes, and the leaf that records it.
    sa.Column(
        "version_id",
        BigId,
        sa.ForeignKey("document_versions.id"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("cose", sa.LargeBinary, nullable=False),
    # Versions signed before ADR 0008: Ed25519 over the whole stored content (JCS), as the
    # QR carries only some fields. Since then empty: the QR's "acd" key 12 (the record's
    # salted hash) makes its one signature cover every field.
    sa.Column("content_signature", sa.LargeBinary(64), nullable=False),
    sa.Column("kid", sa.String(16), nullable=False),
    sa.Column("signed_at", Timestamp, nullable=False),
    sa.Column("commitment", sa.LargeBinary(32), nullable=False),
    sa.Column("leaf_index", sa.BigInteger, nullable=False, unique=True),
    # HMAC under a key derived from the KEK over exactly what was signed and stored: lets
    # verification confirm "unchanged since signed" without an Ed25519 check per request.
    # NULL for rows signed before migration 0005 (they take the signature path).
    sa.Column("seal", sa.LargeBinary(32), nullable=True),
)

# -- people and organisations (DESIGN §5): holder shares and the access log ----------------

shares = sa.Table(
    "shares",
    metadata,
    # A holder's consent to show some fields of one document to whoever holds the token. Only
    # the token's SHA-256 is kept: a copy of the database discloses no working link.
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("public_id", sa.String(36), nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("document_id", BigId, sa.ForeignKey("documents.id"), nullable=False),
    sa.Column("person_id", BigId, sa.ForeignKey("persons.id"), nullable=False, index=True),
    sa.Column("fields", Json, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("revoked_at", Timestamp, nullable=True),
)

access_log = sa.Table(
    "access_log",
    metadata,
    # One row per verification of a document (DESIGN §5): who (an account, or the public),
    # through which door, and which fields were disclosed. No national ID, name or token.
    # No foreign-key constraints: an append-only log written only by the registry with ids
    # it has just read, on the busiest path; checking them costs ~90 µs a row on a large
    # registry (bench/RESULTS.md), more than the verification itself.
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    # One index only, (person_id, at) below: it serves the holder's log and, since a document
    # has one holder, one document's log too. Every index on a random key costs each public
    # verification a page write at the next commit (migration 0006 dropped the second one).
    sa.Column("document_id", BigId, nullable=False),
    sa.Column("person_id", BigId, nullable=False),
    sa.Column("at", Timestamp, nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    # The organisation's (or person's) account, by its public id; NULL for the public.
    sa.Column("account", sa.String(36), nullable=True),
    sa.Column("share_id", BigId, nullable=True),
    sa.Column("matched", sa.Boolean, nullable=True),
    sa.Column("fields", Json, nullable=False),
)

sa.Index("ix_access_log_person_at", access_log.c.person_id, access_log.c.at)

# Retention (DESIGN §5, services/access_retention.py). A public-tier row (code alone, no
# token) is kept one by one for SEHAT_ACCESS_LOG_DAYS, then folded into ``access_counts``; any
# other row (an organisation's, a holder's, a share's, a national-ID check) is evidence, kept
# 10 years. Each class has an index on ``at`` of its own rows only, so the compaction finds
# its oldest rows without reading the other class; both are appended to at their right edge
# (time only grows), not at a random page. The predicates are literal SQL: SQLite and
# PostgreSQL use a partial index only for a query that repeats them word for word.
PUBLIC_TIER = "channel = 'public' AND account IS NULL"
EVIDENCE = "(channel <> 'public' OR account IS NOT NULL)"
partial_index("ix_access_log_public_at", access_log.c.at, PUBLIC_TIER)
partial_index("ix_access_log_evidence_at", access_log.c.at, EVIDENCE)

access_counts = sa.Table(
    "access_counts",
    metadata,
    # Public-tier access rows older than SEHAT_ACCESS_LOG_DAYS, folded: how many checks of a
    # document came through a door on one UTC day (``day`` is its midnight, UTC). Lives where
    # ``access_log`` lives (SQLite: the access log's own file), so a day's rows are folded and
    # deleted in one transaction.
    sa.Column("day", Timestamp, primary_key=True),
    sa.Column("person_id", BigId, primary_key=True, autoincrement=False),
    sa.Column("document_id", BigId, primary_key=True, autoincrement=False),
    sa.Column("channel", sa.String(20), primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
    # SQLite: the rows are stored in their key's B-tree, not in a rowid table beside it (one
    # B-tree less per count; a registry whose documents are checked about once a day has
    # about as many counts as it had rows, bench/RESULTS.md).
    sqlite_with_rowid=False,
)

sa.Index("ix_access_counts_person_day", access_counts.c.person_id, access_counts.c.day)

# -- national-ID checks are never a search (DESIGN §5, core/id_checks.py) --------------------

id_check_guards = sa.Table(
    "id_check_guards",
    metadata,
    # Only documents someone named a wrong national ID for: how many since when, and the lock.
    sa.Column(
        "document_id", BigId, sa.ForeignKey("documents.id"), primary_key=True, autoincrement=False
    ),
    sa.Column("window_start", Timestamp, nullable=False),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("locked_until", Timestamp, nullable=True),
)

id_check_budgets = sa.Table(
    "id_check_budgets",
    metadata,
    # One caller's national-ID checks on one UTC day: "account:<public id>" or "address:<ip>".
    sa.Column("subject", sa.String(80), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("checks", sa.Integer, nullable=False),
    sa.Column("failures", sa.Integer, nullable=False),
)

# -- a graduate's own request for a code (DESIGN §3 person-centric backfill) ------------------

holder_requests = sa.Table(
    "holder_requests",
    metadata,
    # A holder whose old document has no code asks its institution for one. The holder is
    # named by the key of their token (national ID, or "F" + foreign ID): they may have no
    # persons row until the document is registered.
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("public_id", sa.String(36), nullable=False, unique=True),
    sa.Column("holder_key", sa.String(40), nullable=False, index=True),
    sa.Column("institution", sa.String(5), sa.ForeignKey("institutions.code"), nullable=False),
    sa.Column("kind", sa.SmallInteger, nullable=False),
    sa.Column("field_code", sa.String(20), nullable=False),
    sa.Column("student_number", sa.String(40), nullable=False),
    sa.Column("graduation_year", sa.SmallInteger, nullable=False),
    # OPEN → CONFIRMED (the registrar submitted the record: see its submission) or DECLINED.
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("submission_id", BigId, sa.ForeignKey("submissions.id"), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("closed_at", Timestamp, nullable=True),
)
sa.Index(
    "ix_holder_requests_institution_status", holder_requests.c.institution, holder_requests.c.status
)

# -- imports over the API (DESIGN §7; services/imports.py) -------------------------------------

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("public_id", sa.String(36), nullable=False, unique=True),
    sa.Column("institution", sa.String(5), sa.ForeignKey("institutions.code"), nullable=False),
    sa.Column("account", sa.String(36), nullable=False),
    sa.Column("filename", sa.String(200), nullable=False),
    # queued → running → done | failed (read as "interrupted" when progress stops).
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("rows_total", sa.Integer, nullable=True),
    sa.Column("rows_done", sa.Integer, nullable=False),
    sa.Column("counts", Json, nullable=False),
    sa.Column("error", Json, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Column("finished_at", Timestamp, nullable=True),
)

# -- the demo's holder sign-in by national ID and a one-time code (web/holder.py) -------------

sign_in_codes = sa.Table(
    "sign_in_codes",
    metadata,
    # One code printed to the server's log (development and demo modes only): kept as a
    # salted SHA-256, single-use, expiring, with a count of wrong tries.
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("public_id", sa.String(36), nullable=False, unique=True),
    sa.Column("national_id", sa.String(20), nullable=False, index=True),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("used_at", Timestamp, nullable=True),
)
