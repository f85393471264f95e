"""Issue 10: kill -9 of an ingest then a re-run, and two ingests at once (F8, F9)."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import time
from pathlib import Path

from robust_helpers import quotes_cmd, run_quotes, write_articles


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
    procs = [
        subprocess.Popen(
            quotes_cmd("ingest", str(tmp_path / d), "--db", str(db)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for d in ("same", "same", "other")
    ]
    results = [(*p.communicate(timeout=300), p.returncode) for p in procs]
    for out, err, code in results:
        assert code == 0 and "Failed" not in err and "Error" not in err, (out, err)
    rows = content(db)
    assert len(rows) == 60 and len(set(rows)) == 60
