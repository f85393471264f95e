"""The speaker database: sources, speakers with aliases and roles, quotes and their occurrences.

Full text over quote text: an FTS5 external-content table kept in sync by triggers on SQLite
(declared with content=[quote] so Datasette finds it), a GIN index over French stemming of the
unaccented text on PostgreSQL.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SQLITE_FTS = [
    """CREATE VIRTUAL TABLE quote_fts USING fts5(
        text, content=[quote], content_rowid=[id], tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER quote_fts_ai AFTER INSERT ON quote BEGIN
        INSERT INTO quote_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER quote_fts_ad AFTER DELETE ON quote BEGIN
        INSERT INTO quote_fts(quote_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER quote_fts_au AFTER UPDATE OF text ON quote BEGIN
        INSERT INTO quote_fts(quote_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO quote_fts(rowid, text) VALUES (new.id, new.text);
    END""",
]

POSTGRES_FTS = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # unaccent() is only STABLE; an index needs an IMMUTABLE function with the dictionary named.
    """CREATE OR REPLACE FUNCTION quotes_unaccent(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$""",
    "CREATE INDEX ix_quote_text_fts ON quote USING gin (to_tsvector('french', quotes_unaccent(text)))",
]


def upgrade() -> None:
    op.create_table(
        "source",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String, nullable=True),
        sa.Column("outlet", sa.String, nullable=True),
        sa.Column("title", sa.String, nullable=True),
        sa.Column("author", sa.String, nullable=True),
        sa.Column("published", sa.String, nullable=True),
        sa.Column("accessed", sa.String, nullable=True),
        sa.Column("content_hash", sa.String, nullable=False),
        sa.Column("path", sa.String, nullable=True),
    )
    op.create_index("ix_source_url", "source", ["url"], unique=True)
    op.create_index("ix_source_outlet", "source", ["outlet"])
    op.create_index("ix_source_published", "source", ["published"])
    op.create_index("ix_source_content_hash", "source", ["content_hash"], unique=True)

    op.create_table(
        "speaker",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("norm", sa.String, nullable=False),
        sa.Column("surname", sa.String, nullable=False),
    )
    op.create_index("ix_speaker_norm", "speaker", ["norm"])
    op.create_index("ix_speaker_surname", "speaker", ["surname"])

    op.create_table(
        "speaker_alias",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("speaker_id", sa.Integer, sa.ForeignKey("speaker.id", ondelete="CASCADE"), nullable=False),
        sa.Column("alias", sa.String, nullable=False),
        sa.Column("norm", sa.String, nullable=False),
        sa.UniqueConstraint("speaker_id", "norm"),
    )
    op.create_index("ix_speaker_alias_speaker_id", "speaker_alias", ["speaker_id"])
    op.create_index("ix_speaker_alias_norm", "speaker_alias", ["norm"])

    op.create_table(
        "speaker_role",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("speaker_id", sa.Integer, sa.ForeignKey("speaker.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("norm", sa.String, nullable=False),
        sa.Column("last_seen", sa.String, nullable=True),
        sa.UniqueConstraint("speaker_id", "norm"),
    )
    op.create_index("ix_speaker_role_speaker_id", "speaker_role", ["speaker_id"])
    op.create_index("ix_speaker_role_norm", "speaker_role", ["norm"])

    op.create_table(
        "quote",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("text", sa.String, nullable=False),
        sa.Column("text_key", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("speaker_id", sa.Integer, sa.ForeignKey("speaker.id"), nullable=True),
        sa.Column("said_on", sa.String, nullable=True),
    )
    op.create_index("ix_quote_text_key", "quote", ["text_key"])
    op.create_index("ix_quote_speaker_id", "quote", ["speaker_id"])
    op.create_index("ix_quote_said_on", "quote", ["said_on"])
    op.create_index("ix_quote_speaker_said_on", "quote", ["speaker_id", "said_on"])

    op.create_table(
        "occurrence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("quote_id", sa.Integer, sa.ForeignKey("quote.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("source.id", ondelete="CASCADE"), nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("cue", sa.String, nullable=True),
        sa.Column("speaker_mention", sa.String, nullable=True),
        sa.Column("speaker_role", sa.String, nullable=True),
        sa.Column("attribution", sa.String, nullable=True),
        sa.Column("confidence", sa.Float, nullable=False, server_default="0"),
        sa.Column("said_on", sa.String, nullable=True),
        sa.Column("said_on_source", sa.String, nullable=True),
        sa.Column("venue", sa.String, nullable=True),
        sa.UniqueConstraint("quote_id", "source_id", "start"),
    )
    op.create_index("ix_occurrence_quote_id", "occurrence", ["quote_id"])
    op.create_index("ix_occurrence_source_id", "occurrence", ["source_id"])
    op.create_index("ix_occurrence_said_on", "occurrence", ["said_on"])

    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FTS if dialect == "sqlite" else POSTGRES_FTS if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("quote_fts_ai", "quote_fts_ad", "quote_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS quote_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_quote_text_fts")
        op.execute("DROP FUNCTION IF EXISTS quotes_unaccent(text)")
    for table in ("occurrence", "quote", "speaker_role", "speaker_alias", "speaker", "source"):
        op.drop_table(table)
