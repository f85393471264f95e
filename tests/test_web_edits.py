"""`quotes serve --allow-edits`: the desk corrections from the pages, CSRF-checked, through the ASGI test client."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient
from test_web import db_file  # noqa: F401  (the fixture: a database with the Poutine and Dupont quotes)
from typer.testing import CliRunner

from quotes.cli import app as cli_app
from quotes.db import Correction, Quote, open_db
from quotes.web.app import create_app


@pytest.fixture
def editor(db_file: str) -> Iterator[TestClient]:  # noqa: F811
    engine = open_db(db_file, create=False)
    with TestClient(create_app(engine, allow_edits=True)) as c:
        yield c
    engine.dispose()


@pytest.fixture
def reader(db_file: str) -> Iterator[TestClient]:  # noqa: F811
    engine = open_db(db_file, create=False)
    with TestClient(create_app(engine)) as c:
        yield c
    engine.dispose()


def poutine_hit(client: TestClient) -> dict[str, Any]:
    hits = client.get("/search", params={"speaker": "poutine", "format": "json"}).json()
    assert len(hits) == 1
    hit: dict[str, Any] = hits[0]
    return hit


def form_token(page: str, quote_id: int, action: str) -> str:
    """The CSRF token of the form that posts `action` for `quote_id` on a rendered page."""
    found = re.search(rf'action="/quotes/{quote_id}/{action}"[^>]*>\s*<input type="hidden" name="csrf" value="(\w+)"',
                      page)
    assert found, f"no {action} form for quote {quote_id}"
    return found.group(1)


def corrections(db: str) -> list[Correction]:
    engine = open_db(db, create=False)
    with Session(engine) as session:
        rows = list(session.exec(select(Correction).order_by(Correction.id)).all())  # type: ignore[arg-type]
    engine.dispose()
    return rows


def cli_search(db: str, *args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli_app, ["search", *args, "--format", "json", "--db", db])
    assert result.exit_code == 0, result.output
    hits: list[dict[str, Any]] = json.loads(result.stdout)
    return hits


def test_reassign_from_the_search_page_is_a_stored_correction(editor: TestClient, db_file: str) -> None:  # noqa: F811
    hit = poutine_hit(editor)
    page = editor.get("/search", params={"speaker": "poutine"}).text
    token = form_token(page, hit["quote_id"], "speaker")
    answer = editor.post(f"/quotes/{hit['quote_id']}/speaker",
                         data={"csrf": token, "speaker": "Jean Dupont", "next": "/search?speaker=poutine"})
    assert answer.status_code == 200
    assert "Corrigé" in answer.text and "Vladimir Poutine -&gt; Jean Dupont" in answer.text
    assert 'href="/search?speaker=poutine"' in answer.text
    (correction,) = corrections(db_file)
    assert correction.kind == "speaker" and correction.quote_id == hit["quote_id"]
    assert correction.previous == str(hit["speaker_id"]) and correction.source_url == "https://ex.org/poutine"
    # The CLI sees what the page did: the quote is Dupont's now, and `quotes corrections` could replay it.
    texts = {h["text"]: h["speaker"] for h in cli_search(db_file, "--speaker", "dupont")}
    assert texts["Notre organisation n'a jamais été aussi solide"] == "Jean Dupont"
    assert cli_search(db_file, "--speaker", "poutine") == []


def test_a_new_speaker_from_the_article_page(editor: TestClient, db_file: str) -> None:  # noqa: F811
    hit = poutine_hit(editor)
    search = editor.get("/search", params={"speaker": "poutine"}).text
    article = re.search(r'href="(/articles/\d+)"', search)
    assert article, "the hit links to its article page"
    page = editor.get(article.group(1)).text
    assert "<mark" in page
    token = form_token(page, hit["quote_id"], "speaker")
    unknown = editor.post(f"/quotes/{hit['quote_id']}/speaker", data={"csrf": token, "speaker": "Maria Zakharova"})
    assert unknown.status_code == 404 and "no speaker named" in unknown.text and "nouvel orateur" in unknown.text
    assert corrections(db_file) == []
    made = editor.post(f"/quotes/{hit['quote_id']}/speaker",
                       data={"csrf": token, "speaker": "Maria Zakharova", "new": "1"})
    assert made.status_code == 200 and "Maria Zakharova" in made.text
    assert [h["speaker"] for h in cli_search(db_file, "--speaker", "zakharova")] == ["Maria Zakharova"]


def test_not_a_quote_hides_it_everywhere(editor: TestClient, db_file: str) -> None:  # noqa: F811
    hit = poutine_hit(editor)
    speaker_page = editor.get(f"/speakers/{hit['speaker_id']}").text
    token = form_token(speaker_page, hit["quote_id"], "not-a-quote")
    answer = editor.post(f"/quotes/{hit['quote_id']}/not-a-quote",
                         data={"csrf": token, "next": f"/speakers/{hit['speaker_id']}"})
    assert answer.status_code == 200 and "not a quote" in answer.text
    (correction,) = corrections(db_file)
    assert correction.kind == "not_quote" and correction.value == "true"
    assert editor.get("/search", params={"speaker": "poutine", "format": "json"}).json() == []
    assert "solide" not in editor.get(f"/speakers/{hit['speaker_id']}").text
    assert editor.get(f"/quotes/{hit['quote_id']}/bibtex").status_code == 404
    engine = open_db(db_file, create=False)
    with Session(engine) as session:
        quote = session.get(Quote, hit["quote_id"])
        assert quote is not None and quote.hidden  # still stored, only hidden
    engine.dispose()


def test_missing_or_wrong_token_is_refused(editor: TestClient, db_file: str) -> None:  # noqa: F811
    hit = poutine_hit(editor)
    qid = hit["quote_id"]
    page = editor.get("/search", params={"speaker": "poutine"}).text
    speaker_token = form_token(page, qid, "speaker")
    other_process = create_app(open_db(db_file, create=False), allow_edits=True, secret=b"another process" * 2)
    with TestClient(other_process) as other:
        foreign = form_token(other.get("/search", params={"speaker": "poutine"}).text, qid, "speaker")
    attempts: list[dict[str, str]] = [
        {"speaker": "Jean Dupont"},  # no token
        {"speaker": "Jean Dupont", "csrf": ""},
        {"speaker": "Jean Dupont", "csrf": "0" * 64},
        {"speaker": "Jean Dupont", "csrf": foreign},  # another server's secret
    ]
    for data in attempts:
        answer = editor.post(f"/quotes/{qid}/speaker", data=data)
        assert answer.status_code == 403 and "CSRF" in answer.text
    # A token is bound to its quote and its action.
    assert editor.post(f"/quotes/{qid}/not-a-quote", data={"csrf": speaker_token}).status_code == 403
    other_quote = cli_search(db_file, "--speaker", "dupont")[0]["quote_id"]
    assert editor.post(f"/quotes/{other_quote}/speaker",
                       data={"csrf": speaker_token, "speaker": "Jean Dupont"}).status_code == 403
    assert corrections(db_file) == []
    assert [h["speaker"] for h in cli_search(db_file, "--speaker", "poutine")] == ["Vladimir Poutine"]


def test_back_link_stays_on_the_site(editor: TestClient) -> None:
    hit = poutine_hit(editor)
    page = editor.get("/search", params={"speaker": "poutine"}).text
    token = form_token(page, hit["quote_id"], "not-a-quote")
    answer = editor.post(f"/quotes/{hit['quote_id']}/not-a-quote",
                         data={"csrf": token, "next": "//evil.example/phish"})
    assert answer.status_code == 200
    assert 'href="/"' in answer.text and "evil.example" not in answer.text


def test_read_only_server_has_no_forms_and_refuses_posts(reader: TestClient, editor: TestClient,
                                                         db_file: str) -> None:  # noqa: F811
    hit = poutine_hit(reader)
    token = form_token(editor.get("/search", params={"speaker": "poutine"}).text, hit["quote_id"], "speaker")
    for path in ("/search?speaker=poutine", f"/speakers/{hit['speaker_id']}"):
        page = reader.get(path).text
        assert "solide" in page and 'method="post"' not in page and 'name="csrf"' not in page
    for action, data in (("speaker", {"csrf": token, "speaker": "Jean Dupont"}), ("not-a-quote", {"csrf": token})):
        answer = reader.post(f"/quotes/{hit['quote_id']}/{action}", data=data)
        assert answer.status_code == 403 and "lecture seule" in answer.text
    assert reader.get(f"/quotes/{hit['quote_id']}/speaker").status_code == 405
    assert corrections(db_file) == []


def test_serve_allow_edits_flag(db_file: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    import uvicorn

    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append((app, kw)))
    for args in ([], ["--allow-edits"]):
        result = CliRunner().invoke(cli_app, ["serve", "--db", db_file, "--port", "8123", *args])
        assert result.exit_code == 0, result.output
        assert ("edits allowed" if args else "read-only") in result.output
    (read_only, kw), (editing, _) = served
    assert kw["host"] == "127.0.0.1" and kw["port"] == 8123
    with TestClient(read_only) as c:
        assert 'method="post"' not in c.get("/search", params={"speaker": "poutine"}).text
    with TestClient(editing) as c:
        assert 'method="post"' in c.get("/search", params={"speaker": "poutine"}).text


def test_an_oversized_form_is_refused_unread(editor: TestClient, db_file: str) -> None:  # noqa: F811
    hit = poutine_hit(editor)
    token = form_token(editor.get("/search", params={"speaker": "poutine"}).text, hit["quote_id"], "speaker")
    answer = editor.post(f"/quotes/{hit['quote_id']}/speaker",
                         data={"csrf": token, "speaker": "Jean Dupont", "padding": "x" * 20_000})
    assert answer.status_code == 413
    assert corrections(db_file) == []


def test_workers_share_one_secret(db_file: str, tmp_path: Path) -> None:  # noqa: F811
    """`--workers 2`: a form rendered by one process is accepted by whichever process gets the POST."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "serve.log").open("wb")
    command = [str(Path(sys.executable).parent / "quotes"), "serve", "--db", db_file, "--port", str(port),
               "--allow-edits", "--workers", "2"]
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(base + "/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "quotes serve --workers 2 did not answer within 60 s"
            time.sleep(0.2)
        hit = httpx.get(base + "/search", params={"speaker": "poutine", "format": "json"}).json()[0]
        tokens = set()
        for _ in range(12):  # fresh connections: both processes answer some
            page = httpx.get(base + "/search", params={"speaker": "poutine"}).text
            tokens.add(form_token(page, hit["quote_id"], "not-a-quote"))
        assert len(tokens) == 1
        answer = httpx.post(f"{base}/quotes/{hit['quote_id']}/not-a-quote", data={"csrf": tokens.pop()})
        assert answer.status_code == 200 and "Corrigé" in answer.text
        assert httpx.post(f"{base}/quotes/{hit['quote_id']}/speaker", data={"csrf": "0" * 64}).status_code == 403
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert [c.kind for c in corrections(db_file)] == ["not_quote"]
    served = (tmp_path / "serve.log").read_text()
    assert "2 worker processes" in served and served.count("Started server process") == 2


def test_serve_on_a_taken_port_is_one_line(db_file: str, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                                           capsys: pytest.CaptureFixture[str]) -> None:
    import uvicorn
    from cli_helpers import run_main

    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: pytest.fail("the server must not start"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _out, err = run_main(["serve", "--db", db_file, "--port", str(port)], monkeypatch, capsys)
    assert code == 1
    assert err.strip() == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use"
