"""Alembic environment: migrates the database the caller's connection points at."""

from __future__ import annotations

from alembic import context

from sehat.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through sehat.store.db.upgrade(), which passes a connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
