"""Re-ingest skips before extracting: an unchanged article never reaches the pipeline."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quotes import cli_db
from quotes.types import Article, ArticleQuotes, Quote

runner = CliRunner()


class CountingExtractor:
    """Finds the one « … » quotation of each article and counts the articles it was given."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def extract_one(self, article: Article) -> ArticleQuotes:
        self.seen.append(Path(article.path).name)
        start = article.text.index("«") + 2
        end = article.text.index("»") - 1
        quote = Quote(article.text[start:end], start, end, "direct", speaker="Ana Lopes", cue="a dit")
        return ArticleQuotes(article=article, quotes=(quote,))


def ingest(paths: list[Path], db: str) -> tuple[int, str, str]:
    result = runner.invoke(cli_db.app, ["ingest", *map(str, paths), "--db", db], env={"COLUMNS": "200"})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_reingest_extracts_only_new_and_changed_articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counting = CountingExtractor()
    monkeypatch.setattr(cli_db, "make_extractor", lambda model_dir=None: counting)
    files = []
    for name, words in (("a.txt", "Premier avis"), ("b.txt", "Deuxième avis"), ("c.txt", "Troisième avis")):
        (tmp_path / name).write_text(f"« {words} », a dit Ana Lopes.", encoding="utf-8")
        files.append(tmp_path / name)
    db = str(tmp_path / "q.db")
    code, out, _ = ingest(files, db)
    assert code == 0 and out.startswith("3 articles read, 3 stored")
    assert counting.seen == ["a.txt", "b.txt", "c.txt"]

    counting.seen.clear()
    (tmp_path / "b.txt").write_text("« Avis changé », a dit Ana Lopes.", encoding="utf-8")
    (tmp_path / "d.txt").write_text("« Premier avis », a dit Ana Lopes.", encoding="utf-8")  # a's text elsewhere
    code, out, err = ingest([*files, tmp_path / "d.txt"], db)
    assert code == 0
    assert counting.seen == ["b.txt"]  # a, c unchanged and d a duplicate: none reached the pipeline
    assert out == (
        "4 articles read, 1 stored, 3 skipped (2 unchanged, 1 duplicate content); 1 quote (1 new), 0 new speakers\n"
    )
    assert f"Skipped: {tmp_path / 'a.txt'}: unchanged (already stored)" in err
    assert f"Skipped: {tmp_path / 'd.txt'}: duplicate content: same text as {tmp_path / 'a.txt'}" in err


class SlowOn(CountingExtractor):
    """Never finishes on one named article (a pathological input), quick on the others."""

    def __init__(self, slow_name: str) -> None:
        super().__init__()
        self.slow_name = slow_name

    def extract_one(self, article: Article) -> ArticleQuotes:
        if article.path.endswith(self.slow_name):
            while True:
                time.sleep(0.05)
        return super().extract_one(article)


def test_an_article_over_the_time_budget_is_one_skip_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_db, "make_extractor", lambda model_dir=None: SlowOn("b.txt"))
    files = []
    for name, words in (("a.txt", "Premier avis"), ("b.txt", "Deuxième avis"), ("c.txt", "Troisième avis")):
        (tmp_path / name).write_text(f"« {words} », a dit Ana Lopes.", encoding="utf-8")
        files.append(str(tmp_path / name))
    result = runner.invoke(cli_db.app, ["ingest", *files, "--db", str(tmp_path / "q.db"), "--budget", "0.5"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stderr == f"Skipped: {tmp_path / 'b.txt'}: over the time budget (0.5 s per article)\n"
    assert result.stdout.startswith("3 articles read, 2 stored, 1 skipped (1 over the time budget)")


def test_extract_skips_an_article_over_the_time_budget_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quotes import cli
    from quotes.extract import pipeline

    monkeypatch.setattr(pipeline, "Extractor", lambda **kwargs: SlowOn("b.txt"))
    files = []
    for name, words in (("a.txt", "Premier avis"), ("b.txt", "Deuxième avis"), ("c.txt", "Troisième avis")):
        (tmp_path / name).write_text(f"« {words} », a dit Ana Lopes.", encoding="utf-8")
        files.append(str(tmp_path / name))
    result = runner.invoke(cli.app, ["extract", *files, "--format", "jsonl", "--budget", "0.5"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stderr == f"Skipped: {tmp_path / 'b.txt'}: over the time budget (0.5 s per article)\n"
    assert [json.loads(line)["path"] for line in result.stdout.splitlines()] == [files[0], files[2]]


def test_a_cluster_task_applies_the_time_budget_in_its_worker_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dask runs a task in a worker thread, where no alarm signal reaches: the budget is kept
    there by a timer thread, and the pathological article is a skip while the others are done."""
    import threading

    from quotes import cluster
    from quotes.parallel import Failed

    monkeypatch.setattr(cluster, "worker_extractor", lambda model_dir: SlowOn("b.txt"))
    articles = [Article(path=n, text=f"« Avis {n} », a dit Ana Lopes.") for n in ("a.txt", "b.txt", "c.txt")]
    results: list[object] = []
    task = threading.Thread(target=lambda: results.extend(cluster.extract_task(articles, None, 0.5)), daemon=True)
    task.start()
    task.join(timeout=60)
    assert not task.is_alive(), "the task ran on past its budget"
    assert [type(r).__name__ for r in results] == ["ArticleQuotes", "Failed", "ArticleQuotes"]
    skipped = results[1]
    assert isinstance(skipped, Failed) and skipped.skip
    assert skipped.reason == "over the time budget (0.5 s per article)"
