"""`--workers 2` gives the same output and the same database as one process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from quotes import cli_db
from quotes.cli import result_record
from quotes.parallel import extract_in_workers
from quotes.read import read_inputs
from quotes.types import ArticleQuotes

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def inputs(shared_dir: Path) -> list[str]:
    dev = sorted((shared_dir / "corpus" / "dev").glob("*.json"))[:4]
    return [str(ROOT / "samples"), *map(str, dev)]


def content(db: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        out = {
            "quotes": sorted(conn.execute(sa.text("SELECT id, text, kind, speaker_id, said_on FROM quote")).all()),
            "speakers": sorted(conn.execute(sa.text("SELECT id, name FROM speaker")).all()),
            "occurrences": sorted(
                conn.execute(sa.text('SELECT quote_id, source_id, start, "end", cue, venue FROM occurrence')).all()
            ),
            "sources": sorted(conn.execute(sa.text("SELECT id, path, content_hash FROM source")).all()),
        }
    engine.dispose()
    return out


def test_two_workers_store_what_one_stores(
    extractor: Any, shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_db, "make_extractor", lambda model_dir=None: extractor)
    paths = inputs(shared_dir)
    runs = {}
    for workers in (1, 2):
        db = str(tmp_path / f"w{workers}.db")
        result = runner.invoke(cli_db.app, ["ingest", *paths, "--db", db, "--workers", str(workers)])
        assert result.exit_code == 0, result.stdout + result.stderr
        runs[workers] = (result.stdout, content(db))
    assert runs[2] == runs[1]
    assert runs[1][1]["quotes"], "the articles have quotes"


def test_extract_in_workers_keeps_the_input_order_and_results(extractor: Any, shared_dir: Path) -> None:
    articles = list(read_inputs(inputs(shared_dir)))
    one = [json.dumps(result_record(r), ensure_ascii=False) for r in extractor.extract(articles)]
    results = list(extract_in_workers(articles, 2))
    assert all(isinstance(r, ArticleQuotes) for r in results), results
    assert [json.dumps(result_record(r), ensure_ascii=False) for r in results if isinstance(r, ArticleQuotes)] == one
