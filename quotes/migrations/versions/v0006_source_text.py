"""The article's text, as read, kept with its source: `quotes export --format annotations` writes
articles back in the annotated-corpus format, which needs the text its quotes' offsets index.
Nullable: articles stored before this revision have none until they are ingested again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE (no batch rebuild): nothing else about the table changes.
    op.add_column("source", sa.Column("text", sa.Text, nullable=True))


def downgrade() -> None:
    op.drop_column("source", "text")
