"""French stemming on SQLite: quote_stem_fts, an FTS5 table of each quote's folded Snowball-French
stems (`quotes.db.text_stems`, the SQL function quotes_stems), kept in sync by triggers and filled
for the quotes already stored. PostgreSQL already stems (0002); nothing changes there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TRIGGERS = ("quote_stem_fts_ai", "quote_stem_fts_ad", "quote_stem_fts_au")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in (
        "CREATE VIRTUAL TABLE quote_stem_fts USING fts5(stems, tokenize='unicode61 remove_diacritics 2')",
        """CREATE TRIGGER quote_stem_fts_ai AFTER INSERT ON quote BEGIN
            INSERT INTO quote_stem_fts(rowid, stems) VALUES (new.id, quotes_stems(new.text));
        END""",
        """CREATE TRIGGER quote_stem_fts_ad AFTER DELETE ON quote BEGIN
            DELETE FROM quote_stem_fts WHERE rowid = old.id;
        END""",
        """CREATE TRIGGER quote_stem_fts_au AFTER UPDATE OF text ON quote BEGIN
            DELETE FROM quote_stem_fts WHERE rowid = old.id;
            INSERT INTO quote_stem_fts(rowid, stems) VALUES (new.id, quotes_stems(new.text));
        END""",
        "INSERT INTO quote_stem_fts(rowid, stems) SELECT id, quotes_stems(text) FROM quote",
    ):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS quote_stem_fts")
