"""Opening databases: migrations, the FTS table Datasette finds, and one-line storage errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from dbtesting import db_url, engine  # noqa: F401
from sqlalchemy.engine import Engine

from quotes.db import current_revision, head_revision, normalise, open_db, resolve_target
from quotes.errors import StorageError


def test_normalise_folds_case_accents_and_spaces() -> None:
    assert normalise("Erdoğan") == normalise("ERDOGAN") == "erdogan"
    assert normalise("  Élisabeth   Borne ") == "elisabeth borne"
    assert normalise("l’Élysée") == "l'elysee"


def test_open_migrates_to_head(engine: Engine) -> None:  # noqa: F811
    assert current_revision(engine) == head_revision()
    tables = set(sa.inspect(engine).get_table_names())
    assert {"source", "speaker", "speaker_alias", "speaker_role", "quote", "occurrence"} <= tables


def test_reopening_keeps_data(db_url: str) -> None:  # noqa: F811
    first = open_db(db_url)
    with first.begin() as conn:
        conn.execute(sa.text("INSERT INTO speaker (name, norm, surname) VALUES ('Ana Lopes', 'ana lopes', 'lopes')"))
    first.dispose()
    again = open_db(db_url)
    with again.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM speaker")).scalars().all() == ["Ana Lopes"]
    again.dispose()


def test_sqlite_fts_table_is_declared_for_datasette(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    open_db(str(path)).dispose()
    con = sqlite3.connect(path)
    (sql,) = con.execute("SELECT sql FROM sqlite_master WHERE name = 'quote_fts'").fetchone()
    con.close()
    # Datasette's detection looks for an FTS virtual table whose content= names the table.
    assert "VIRTUAL TABLE" in sql and "USING fts5" in sql and "content=[quote]" in sql
    assert "remove_diacritics 2" in sql


def test_sqlite_fts_follows_inserts_updates_and_deletes(tmp_path: Path) -> None:
    eng = open_db(str(tmp_path / "q.db"))
    with eng.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO quote (id, text, text_key, kind) VALUES (1, 'Le déficit baisse', 'k', 'direct')")
        )
        match = sa.text("SELECT rowid FROM quote_fts WHERE quote_fts MATCH :q")
        assert conn.execute(match, {"q": "deficit"}).scalars().all() == [1]
        conn.execute(sa.text("UPDATE quote SET text = 'La dette monte' WHERE id = 1"))
        assert conn.execute(match, {"q": "deficit"}).scalars().all() == []
        assert conn.execute(match, {"q": "dette"}).scalars().all() == [1]
        conn.execute(sa.text("DELETE FROM quote WHERE id = 1"))
        assert conn.execute(match, {"q": "dette"}).scalars().all() == []
    eng.dispose()


def test_missing_directory_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "absent" / "q.db"
    with pytest.raises(StorageError, match=r"directory .*absent does not exist"):
        open_db(str(target))
    assert not (tmp_path / "absent").exists()


def test_read_only_open_of_missing_file_does_not_create_it(tmp_path: Path) -> None:
    target = tmp_path / "q.db"
    with pytest.raises(StorageError, match=r"no database at .*q\.db; store quotes first"):
        open_db(str(target), create=False)
    assert not target.exists()


def test_corrupt_file_is_refused_untouched(tmp_path: Path) -> None:
    target = tmp_path / "notes.db"
    target.write_bytes(b"these are my notes, not a database\n")
    with pytest.raises(StorageError, match="is not a SQLite database"):
        open_db(str(target))
    assert target.read_bytes() == b"these are my notes, not a database\n"


def test_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "q.db"
    open_db(str(target)).dispose()
    con = sqlite3.connect(target)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(StorageError, match="schema version 9999, unknown to this version"):
        open_db(str(target))


def test_postgres_that_does_not_answer_is_a_one_line_error() -> None:
    # Port 9 on loopback: nothing listens there.
    with pytest.raises(StorageError) as info:
        open_db("postgresql://nobody@127.0.0.1:9/none")
    message = str(info.value)
    assert message.startswith("cannot open database postgresql://nobody@127.0.0.1:9/none:")
    assert "\n" not in message


def test_targets_from_option_environment_and_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("QUOTES_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    default = resolve_target(None)
    assert default.is_default and default.sqlite_path == tmp_path / "xdg" / "quotes" / "quotes.db"
    monkeypatch.setenv("QUOTES_DB", str(tmp_path / "env.db"))
    assert resolve_target(None).sqlite_path == tmp_path / "env.db"
    assert resolve_target(str(tmp_path / "opt.db")).sqlite_path == tmp_path / "opt.db"
    pg = resolve_target("postgresql://u:secret@localhost/q")
    assert pg.url == "postgresql+psycopg://u:secret@localhost/q" and "secret" not in pg.label
    with pytest.raises(StorageError, match="unsupported database URL scheme 'mysql'"):
        resolve_target("mysql://localhost/q")


def test_default_location_is_created(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("QUOTES_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    open_db(None).dispose()
    assert (tmp_path / "xdg" / "quotes" / "quotes.db").is_file()


def test_migrations_go_down_and_up_again(engine: Engine) -> None:  # noqa: F811
    from alembic import command

    from quotes.db import alembic_config, migrate

    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert not {"quote", "speaker", "source"} & set(sa.inspect(engine).get_table_names())
    assert current_revision(engine) is None
    migrate(engine)
    assert current_revision(engine) == head_revision()
    assert "occurrence" in sa.inspect(engine).get_table_names()
