"""PostgreSQL: indexes in the order searches read quotes (latest said first, undated last).

PostgreSQL sorts NULL after every value, so an ascending index read backwards yields
`said_on DESC NULLS FIRST`, not the `DESC NULLS LAST` searches ask for, and it would sort the
whole table instead. SQLite reads its ascending index backwards in exactly that order already.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_quote_latest ON quote (said_on DESC NULLS LAST, id DESC)")
    op.execute("CREATE INDEX ix_quote_speaker_latest ON quote (speaker_id, said_on DESC NULLS LAST, id DESC)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_quote_speaker_latest")
    op.execute("DROP INDEX IF EXISTS ix_quote_latest")
