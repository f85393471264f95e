"""Issue 10, F10: reading commands never create or migrate a database, on SQLite and PostgreSQL,
including a quotes database left at an earlier schema; and a reader takes no write lock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from dbtesting import db_url  # noqa: F401
from robust_helpers import write_articles

from quotes.db import alembic_config, current_revision, head_revision, make_engine, resolve_target

OLDER = "0004"  # the schema before French stemming (migration 0005)


def older_database(url: str) -> sa.Engine:
    """A quotes database as an earlier version of quotes left it: migrated to OLDER, one article."""
    from alembic import command

    engine = make_engine(resolve_target(url))
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), OLDER)
        conn.execute(
            sa.text("INSERT INTO source (url, content_hash, accessed) VALUES ('http://x/old', 'abc', '2024-01-01')")
        )
    return engine


def tables(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(sa.inspect(conn).get_table_names())


@pytest.mark.parametrize(
    "command",
    [["search", "--text", "parole"], ["speakers"], ["speaker", "Ana Lopes"], ["export", "-f", "ris"]],
    ids=["search", "speakers", "speaker", "export"],
)
def test_reading_an_older_database_refuses_and_changes_nothing(quotes, db_url: str, command: list[str]) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    engine = older_database(db_url)
    before = tables(engine)
    code, out, err = quotes(*command, "--db", db_url)
    assert code == 1 and out == "", (out, err)
    assert err.startswith("Error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert f"older quotes schema (version {OLDER}" in err and "run `quotes ingest` on it" in err
    assert current_revision(engine) == OLDER and tables(engine) == before
    engine.dispose()


def test_a_writing_command_upgrades_the_older_database_and_keeps_its_rows(quotes, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    engine = older_database(db_url)
    write_articles(tmp_path / "in", 1)
    code, out, err = quotes("ingest", str(tmp_path / "in"), "--db", db_url)
    assert code == 0 and out.startswith("1 article read, 1 stored"), err
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM source WHERE url = 'http://x/old'")).scalar() == 1
    code, out, err = quotes("search", "--text", "parole", "--db", db_url)
    assert code == 0 and "Nous tiendrons parole" in out, err
    engine.dispose()


def test_reading_an_empty_database_file_creates_nothing(quotes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty.db"
    empty.touch()
    code, _, err = quotes("search", "--db", str(empty))
    assert code == 1 and "not a quotes database" in err
    assert empty.stat().st_size == 0


def test_a_reader_takes_no_write_lock(quotes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A search while another process holds the write lock reads (rollback journal: readers and one
    reserved writer coexist); were its transaction IMMEDIATE it would wait, then fail "locked"."""
    write_articles(tmp_path / "in", 2)
    db = tmp_path / "q.db"
    assert quotes("ingest", str(tmp_path / "in"), "--db", str(db))[0] == 0
    writer = sqlite3.connect(db, timeout=0, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO speaker (name, norm, surname) VALUES ('Léa Roux', 'lea roux', 'roux')")
    try:
        code, out, err = quotes("search", "--text", "parole", "--db", str(db))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert code == 0 and out.count("Nous tiendrons parole") == 2, err
