"""Alembic environment: runs on the connection `quotes.db.migrate` hands over (no URL in a file)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the application runs these migrations
    raise RuntimeError("quotes migrations run through quotes.db.open_db(), which passes a connection")

context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
