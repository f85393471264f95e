"""ingest parses articles through nlp.pipe in batches: the same results and the same database as
one article at a time; an article that fails in a batch fails alone."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from quotes.cli import result_record
from quotes.db import open_db
from quotes.extract import nlp
from quotes.ingest import Ingestor
from quotes.parallel import Extracted, Failed, extract_entries, store_entries
from quotes.read import read_inputs
from quotes.types import Article, ArticleQuotes

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.model


def articles(shared_dir: Path) -> list[Article]:
    dev = sorted((shared_dir / "corpus" / "dev").glob("*.json"))[:9]
    return list(read_inputs([str(ROOT / "samples"), *map(str, dev)]))


def run(extractor: Any, items: Iterable[Article], batch: int) -> list[Extracted]:
    entries = (Extracted(a.path, a) for a in items)
    return list(extract_entries(entries, 1, local=lambda: extractor, batch=batch))


def records(entries: list[Extracted]) -> list[str]:
    out = []
    for entry in entries:
        assert isinstance(entry.result, ArticleQuotes), entry.result
        out.append(json.dumps(result_record(entry.result), ensure_ascii=False))
    return out


def stored(db: Path, entries: list[Extracted]) -> tuple[list[str], dict[str, list[tuple[Any, ...]]]]:
    engine = open_db(str(db))
    ingestor = Ingestor(engine)
    statuses = [f"{o.status} {o.quotes} {o.new_quotes}" for _e, o in store_entries(ingestor, entries)]
    with engine.connect() as conn:
        tables = {
            name: sorted(conn.execute(sa.text(f"SELECT * FROM {name}")).all(), key=repr)
            for name in ("quote", "speaker", "occurrence")
        }
        tables["source"] = sorted(
            conn.execute(sa.text("SELECT id, path, content_hash, published FROM source")).all(), key=repr
        )
    engine.dispose()
    return statuses, tables


def test_batches_give_the_results_and_database_of_one_article_at_a_time(
    extractor: Any, shared_dir: Path, tmp_path: Path
) -> None:
    items = articles(shared_dir)
    alone, batched = run(extractor, items, 1), run(extractor, items, 8)
    assert [e.path for e in batched] == [a.path for a in items]
    assert records(batched) == records(alone)
    one = stored(tmp_path / "one.db", alone)
    assert stored(tmp_path / "batched.db", batched) == one
    assert one[1]["quote"], "the articles have quotes"


def test_an_article_that_fails_in_a_batch_fails_alone(
    extractor: Any, shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = articles(shared_dir)[:5]
    expected = records(run(extractor, items, 1))
    bad = items[2].path
    analyse = extractor.analyse_parsed

    def failing(doc: Any, article: Article) -> Any:
        if article.path == bad:
            raise RuntimeError("broken on purpose")
        return analyse(doc, article)

    monkeypatch.setattr(extractor, "analyse_parsed", failing)
    results = run(extractor, items, 8)
    failed = results[2].result
    assert isinstance(failed, Failed) and failed.reason == "extraction failed (RuntimeError: broken on purpose)"
    assert records(results[:2] + results[3:]) == expected[:2] + expected[3:]


def test_a_batch_whose_parse_fails_is_done_again_article_by_article(
    extractor: Any, shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = articles(shared_dir)[:4]
    expected = records(run(extractor, items, 1))
    parse = nlp.parse_windowed
    batches: list[int] = []

    def no_batches(model: Any, pairs: Iterable[tuple[str, Any]], batch_size: int) -> Iterator[tuple[Any, Any]]:
        given = list(pairs)
        batches.append(len(given))
        if len(given) > 1:
            raise RuntimeError("cannot parse a batch")
        return parse(model, given, batch_size)

    monkeypatch.setattr(nlp, "parse_windowed", no_batches)
    assert records(run(extractor, items, 8)) == expected
    assert batches == [4, 1, 1, 1, 1]


def test_a_batch_whose_decisions_fail_is_decided_again_article_by_article(
    extractor: Any, shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quotes.extract import pipeline

    items = articles(shared_dir)[:4]
    expected = records(run(extractor, items, 1))
    decide_many = pipeline.decide_many
    sizes: list[int] = []

    def one_at_a_time(analyses: Any, scorer: Any) -> Any:
        sizes.append(len(analyses))
        if len(analyses) > 1:
            raise RuntimeError("cannot decide a batch")
        return decide_many(analyses, scorer)

    monkeypatch.setattr(pipeline, "decide_many", one_at_a_time)
    assert records(run(extractor, items, 8)) == expected
    assert sizes == [4, 1, 1, 1, 1]
