"""Issue 10: kill -9 of an ingest then a re-run, and two ingests at once (F8, F9)."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from dbtesting import db_url  # noqa: F401
from robust_helpers import ingest_at_once, quotes_cmd, run_quotes, write_articles


def content(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return sorted(
            conn.execute(
                "SELECT s.path, q.text, o.start, o.end FROM occurrence o JOIN quote q ON q.id = o.quote_id "
                "JOIN source s ON s.id = o.source_id"
            ).fetchall()
        )


def test_kill_9_then_rerun_gives_the_uninterrupted_content(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 40)
    whole = tmp_path / "whole.db"
    assert run_quotes("ingest", str(tmp_path / "in"), "--db", str(whole)).returncode == 0
    killed = tmp_path / "killed.db"
    proc = subprocess.Popen(
        quotes_cmd("ingest", str(tmp_path / "in"), "--db", str(killed)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(random.uniform(1.0, 3.0))
    proc.kill()
    proc.wait()
    again = run_quotes("ingest", str(tmp_path / "in"), "--db", str(killed))
    assert again.returncode == 0, again.stderr
    assert content(killed) == content(whole) and len(content(whole)) == 80


def test_two_ingests_at_once(tmp_path: Path) -> None:
    write_articles(tmp_path / "same", 15)
    write_articles(tmp_path / "other", 15, tag="b")
    db = tmp_path / "q.db"
    assert run_quotes("ingest", str(tmp_path / "same"), "--db", str(db)).returncode == 0  # schema in place
    db.unlink()
    results = ingest_at_once([tmp_path / d for d in ("same", "same", "other")], str(db))
    for out, err, code in results:
        assert code == 0 and "Failed" not in err and "Error" not in err, (out, err)
    rows = content(db)
    assert len(rows) == 60 and len(set(rows)) == 60


def pg_content(url: str) -> list[tuple[object, ...]]:
    import sqlalchemy as sa

    engine = sa.create_engine(sa.engine.make_url(url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    'SELECT s.path, q.text, o.start, o."end" FROM occurrence o JOIN quote q ON q.id = o.quote_id '
                    "JOIN source s ON s.id = o.source_id"
                )
            ).all()
            speakers = conn.execute(sa.text("SELECT count(*) FROM speaker")).scalar()
    finally:
        engine.dispose()
    assert speakers == 1  # Ana Lopes, once, however many writers met her first
    return sorted(tuple(r) for r in rows)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_ingests_at_once_on_postgresql(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    """F8 on PostgreSQL: three ingests (two of the same articles) start together on a database
    without the schema yet: no error line, exit 0, every occurrence once."""
    write_articles(tmp_path / "same", 15)
    write_articles(tmp_path / "other", 15, tag="b")
    results = ingest_at_once([tmp_path / d for d in ("same", "same", "other")], db_url)
    for out, err, code in results:
        assert code == 0 and out.startswith("15 articles read") and "failed" not in out, (out, err)
        assert "Failed" not in err and "Error" not in err and "constraint" not in err, (out, err)
    rows = pg_content(db_url)
    assert len(rows) == 60 and len(set(rows)) == 60


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgresql_writers_meeting_the_same_new_speaker_make_one(db_url: str) -> None:  # noqa: F811
    """Two articles quoting the same new speaker, stored by two writers whose transactions overlap:
    the second waits for the first (the write lock) and joins its speaker and quote; without the
    lock it would not see them and store a second "Léa Roux"."""
    import threading

    from dbtesting import make_result

    from quotes import db
    from quotes.ingest import Ingestor

    said = "« Nous ouvrirons la piscine en juin », a déclaré Léa Roux."
    first = make_result(f"Lundi. {said}", [("Nous ouvrirons la piscine en juin", "Léa Roux")], url="http://x/1")
    second = make_result(f"Mardi. {said}", [("Nous ouvrirons la piscine en juin", "Léa Roux")], url="http://x/2")
    engine, other = db.open_db(db_url), db.open_db(db_url)
    try:
        with db.session_scope(engine) as session:
            Ingestor(engine)._store(session, first)  # stored, not yet committed
            writer = threading.Thread(target=Ingestor(other).add, args=(second,))
            writer.start()
            writer.join(timeout=2)  # it waits for this transaction (or, unlocked, stores alone)
        writer.join(timeout=60)
        with engine.connect() as conn:
            counts = [conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in ("speaker", "quote")]
            occurrences = conn.execute(sa.text("SELECT count(*) FROM occurrence")).scalar()
    finally:
        engine.dispose()
        other.dispose()
    assert counts == [1, 1] and occurrences == 2


def test_ingests_and_corrections_at_once_on_sqlite(tmp_path: Path) -> None:
    """Writing commands of different kinds at once (two ingests, three `correct`, a `speakers
    rename`): each waits for the write lock (BEGIN IMMEDIATE, busy_timeout) instead of failing
    with "database is locked"; every change is in the database at the end."""
    write_articles(tmp_path / "a", 5)
    write_articles(tmp_path / "b", 30, tag="b")
    write_articles(tmp_path / "c", 30, tag="c")
    db = tmp_path / "q.db"
    assert run_quotes("ingest", str(tmp_path / "a"), "--db", str(db)).returncode == 0
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM quote ORDER BY id LIMIT 3")]
        [speaker] = [r[0] for r in conn.execute("SELECT id FROM speaker")]
    commands = [
        ("ingest", str(tmp_path / "b"), "--db", str(db)),
        ("ingest", str(tmp_path / "c"), "--db", str(db)),
        *(("correct", str(i), "--not-a-quote", "--db", str(db)) for i in ids),
        ("speakers", "rename", str(speaker), "Ana Lopes-Vidal", "--db", str(db)),
    ]
    procs = [
        subprocess.Popen(quotes_cmd(*c), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands
    ]
    results = [(*p.communicate(timeout=300), p.returncode) for p in procs]
    for (out, err, code), command in zip(results, commands, strict=True):
        assert code == 0 and "locked" not in err and "Error" not in err and "Failed" not in err, (command, out, err)
    assert all(out.startswith("30 articles read, 30 stored") for out, _, _ in results[:2])
    assert len(content(db)) == 130
    with sqlite3.connect(db) as conn:
        assert sorted(r[0] for r in conn.execute("SELECT id FROM quote WHERE hidden")) == sorted(ids)
        assert conn.execute("SELECT name FROM speaker").fetchall() == [("Ana Lopes-Vidal",)]
