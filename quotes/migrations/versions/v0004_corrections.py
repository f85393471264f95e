"""Corrections: the table of corrections a person made, and quotes hidden as not quotes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "correction",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("made_at", sa.String, nullable=False),
        sa.Column("quote_id", sa.Integer, nullable=True),
        sa.Column("quote_key", sa.String, nullable=True),
        sa.Column("source_url", sa.String, nullable=True),
        sa.Column("speaker_id", sa.Integer, nullable=True),
        sa.Column("field", sa.String, nullable=True),
        sa.Column("previous", sa.String, nullable=True),
        sa.Column("value", sa.String, nullable=True),
    )
    for column in ("kind", "quote_id", "quote_key", "source_url", "speaker_id"):
        op.create_index(f"ix_correction_{column}", "correction", [column])
    # A plain ALTER TABLE: batch mode would rebuild the quote table and drop its full-text triggers.
    op.add_column("quote", sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("quote", "hidden")
    op.drop_table("correction")
