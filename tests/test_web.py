"""The web pages through Starlette's ASGI test client, over a small ingested database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbtesting import make_result
from starlette.testclient import TestClient
from typer.testing import CliRunner

from quotes.cli import app as cli_app
from quotes.db import open_db
from quotes.ingest import Ingestor
from quotes.web.app import create_app

POUTINE = "« Notre organisation n'a jamais été aussi solide », a déclaré Vladimir Poutine lors du sommet."
SCRIPT = "« <script>alert(1)</script> & rien d'autre », a écrit Jean Dupont dans un communiqué."


@pytest.fixture
def db_file(tmp_path: Path) -> str:
    article = tmp_path / "sommet.txt"
    article.write_text(POUTINE, encoding="utf-8")
    path = str(tmp_path / "quotes.db")
    engine = open_db(path)
    ingestor = Ingestor(engine)
    poutine = make_result(POUTINE, [("Notre organisation n'a jamais été aussi solide", "Vladimir Poutine")],
                          url="https://ex.org/poutine", outlet="Euronews", title="Le sommet s'achève",
                          published="2024-07-05", venue="sommet de l'OCS à Astana")
    object.__setattr__(poutine.article, "path", str(article))
    ingestor.add(poutine)
    ingestor.add(make_result(SCRIPT, [("<script>alert(1)</script> & rien d'autre", "Jean Dupont")],
                             url="https://ex.org/dupont", outlet="Le Quotidien", published="2024-07-06"))
    engine.dispose()
    return path


@pytest.fixture
def client(db_file: str) -> Iterator[TestClient]:
    engine = open_db(db_file, create=False)
    with TestClient(create_app(engine)) as c:
        yield c
    engine.dispose()


def test_search_page_finds_the_poutine_quote(client: TestClient) -> None:
    page = client.get("/search", params={"speaker": "poutine"})
    assert page.status_code == 200
    assert "Notre organisation n&#39;a jamais été aussi solide" in page.text
    assert "Vladimir Poutine" in page.text and "Dupont" not in page.text


def test_search_json_is_the_cli_json(client: TestClient, db_file: str) -> None:
    web = client.get("/search", params={"speaker": "poutine", "format": "json"}).json()
    result = CliRunner().invoke(cli_app, ["search", "--speaker", "poutine", "--format", "json", "--db", db_file])
    assert result.exit_code == 0
    assert web == json.loads(result.stdout)
    assert [h["speaker"] for h in web] == ["Vladimir Poutine"]


def test_stored_script_is_shown_as_text(client: TestClient) -> None:
    page = client.get("/search", params={"speaker": "dupont"})
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; rien" in page.text


def test_bad_date_is_one_clear_error(client: TestClient) -> None:
    page = client.get("/search", params={"since": "hier"})
    assert page.status_code == 400 and "is not a date" in page.text
    assert client.get("/search", params={"since": "hier", "format": "json"}).status_code == 400


def test_article_page_marks_the_quotes(client: TestClient) -> None:
    hit = client.get("/search", params={"speaker": "poutine", "format": "json"}).json()[0]
    ids = [i for i in range(1, 5) if "Vladimir" in client.get(f"/articles/{i}").text]
    assert ids, "no article page names the speaker"
    page = client.get(f"/articles/{ids[0]}")
    start, end = hit["sources"][0]["start"], hit["sources"][0]["end"]
    marked = POUTINE[start:end].replace("'", "&#39;")
    assert f">{marked}</mark>" in page.text
    assert f'href="/speakers/{hit["speaker_id"]}"' in page.text
    assert client.get("/articles/999").status_code == 404


def test_speaker_page_has_chart_and_citation(client: TestClient) -> None:
    hit = client.get("/search", params={"speaker": "poutine", "format": "json"}).json()[0]
    page = client.get(f"/speakers/{hit['speaker_id']}")
    assert page.status_code == 200 and "<svg" in page.text and "<rect" in page.text
    search = client.get("/search", params={"speaker": "poutine"})
    assert "a déclaré Vladimir Poutine" in search.text  # the citation line
    assert client.get("/static/style.css").status_code == 200


def test_bibtex_of_one_quote_is_the_export(client: TestClient, db_file: str) -> None:
    """The search page links each hit to its BibTeX, made on demand: what `quotes export --format bibtex` writes."""
    hit = client.get("/search", params={"speaker": "poutine", "format": "json"}).json()[0]
    search = client.get("/search", params={"speaker": "poutine"})
    assert f'href="/quotes/{hit["quote_id"]}/bibtex"' in search.text
    answer = client.get(f"/quotes/{hit['quote_id']}/bibtex")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    exported = CliRunner().invoke(cli_app, ["export", "--speaker", "poutine", "--format", "bibtex", "--db", db_file])
    assert exported.exit_code == 0 and answer.text == exported.stdout
    assert "@article{" in answer.text and "Vladimir Poutine" in answer.text
    assert client.get("/quotes/999/bibtex").status_code == 404
    assert client.post(f"/quotes/{hit['quote_id']}/bibtex").status_code == 403  # read-only: no POST at all


def test_show_html_writes_the_highlighted_article(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from quotes import cli_serve

    article = tmp_path / "dupont.txt"
    article.write_text(SCRIPT, encoding="utf-8")

    class FakeExtractor:
        def extract(self, articles: object) -> Iterator[object]:
            yield make_result(SCRIPT, [("<script>alert(1)</script> & rien d'autre", "Jean Dupont")])

    monkeypatch.setattr(cli_serve, "make_extractor", FakeExtractor)
    out = tmp_path / "out.html"
    result = CliRunner().invoke(cli_app, ["show", str(article), "--html", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "<style>" in page and "/static/" not in page
    assert '">&lt;script&gt;alert(1)&lt;/script&gt; &amp; rien d&#39;autre</mark>' in page
    assert "<script>" not in page


def test_pages_read_while_a_writer_holds_the_lock(client: TestClient, db_file: str) -> None:
    """Searches and pages take no write lock: a long ingest or correction does not block them (nor do
    50 concurrent searches queue behind one another for the lock)."""
    import sqlite3

    writer = sqlite3.connect(db_file, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # what an ingest or a correction holds while it writes
    try:
        page = client.get("/search", params={"speaker": "poutine", "format": "json"})
        assert page.status_code == 200, page.text
        assert [h["speaker"] for h in page.json()] == ["Vladimir Poutine"]
        assert client.get(f"/speakers/{page.json()[0]['speaker_id']}").status_code == 200
    finally:
        writer.execute("ROLLBACK")
        writer.close()
