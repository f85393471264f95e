"""PostgreSQL: keep each quote's French text-search vector in a stored generated column.

Searching then reads the vector instead of recomputing it for every row a plan visits, and the
GIN index moves from the expression to the column. Nothing changes on SQLite (FTS5 already keeps
its own index).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE quote ADD COLUMN text_tsv tsvector "
        "GENERATED ALWAYS AS (to_tsvector('french', quotes_unaccent(text))) STORED"
    )
    op.execute("DROP INDEX IF EXISTS ix_quote_text_fts")
    op.execute("CREATE INDEX ix_quote_text_tsv ON quote USING gin (text_tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_quote_text_tsv")
    op.execute("ALTER TABLE quote DROP COLUMN text_tsv")
    op.execute("CREATE INDEX ix_quote_text_fts ON quote USING gin (to_tsvector('french', quotes_unaccent(text)))")
