"""The search answers `quotes serve` keeps (quotes/web/cache.py): the same bytes again while the
database is unchanged, a fresh answer as soon as anything commits to it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient
from test_web import db_file  # noqa: F401  (the fixture: a database with the Poutine and Dupont quotes)
from typer.testing import CliRunner

from quotes import db
from quotes.cli import app as cli_app
from quotes.corrections import reassign_speaker
from quotes.web.app import create_app
from quotes.web.cache import Answer, AnswerCache, DataVersion, data_version


@pytest.fixture
def served(db_file: str) -> Iterator[tuple[TestClient, AnswerCache]]:  # noqa: F811
    engine = db.open_db(db_file, create=False, write=False)
    app = create_app(engine)
    with TestClient(app) as client:
        yield client, app.state.search_cache
    engine.dispose()


def test_a_repeated_search_is_answered_from_the_cache_with_the_same_bytes(
    served: tuple[TestClient, AnswerCache], db_file: str  # noqa: F811
) -> None:
    client, cache = served
    first = client.get("/search", params={"speaker": "poutine", "format": "json"})
    again = client.get("/search", params={"speaker": "poutine", "format": "json"})
    assert (cache.misses, cache.hits) == (1, 1)
    assert again.content == first.content and again.headers["content-type"] == first.headers["content-type"]
    cli = CliRunner().invoke(cli_app, ["search", "--speaker", "poutine", "--format", "json", "--db", db_file])
    assert again.json() == json.loads(cli.stdout)  # the kept answer is still the CLI's
    page, page_again = (client.get("/search", params={"speaker": "poutine"}) for _ in range(2))
    assert page_again.text == page.text and "Vladimir Poutine" in page.text
    assert page_again.headers["content-type"] == "text/html; charset=utf-8"
    assert cache.hits == 2


def test_a_commit_by_another_connection_makes_the_next_answer_fresh(
    served: tuple[TestClient, AnswerCache], db_file: str  # noqa: F811
) -> None:
    """A correction made elsewhere (here as `quotes correct` makes it) shows at once."""
    client, cache = served
    before = client.get("/search", params={"text": "organisation"})
    assert "a déclaré Vladimir Poutine" in before.text
    quote_id = client.get("/search", params={"text": "organisation", "format": "json"}).json()[0]["quote_id"]
    writer = db.open_db(db_file, create=False)
    with db.session_scope(writer) as session:
        reassign_speaker(session, quote_id, "Jean Dupont")
    writer.dispose()
    after = client.get("/search", params={"text": "organisation"})
    assert "a déclaré Jean Dupont" in after.text and "a déclaré Vladimir Poutine" not in after.text
    assert client.get("/search", params={"speaker": "poutine", "format": "json"}).json() == []
    assert cache.hits == 0


def test_errors_are_not_kept(served: tuple[TestClient, AnswerCache]) -> None:
    client, cache = served
    for _ in range(2):
        assert client.get("/search", params={"since": "hier"}).status_code == 400
    assert cache.hits == 0 and len(cache) == 0


def test_no_cache_when_asked_for_none_or_without_a_version(db_file: str) -> None:  # noqa: F811
    engine = db.open_db(db_file, create=False, write=False)
    app = create_app(engine, cache_size=0)
    assert app.state.search_cache is None
    with TestClient(app) as client:
        pages = [client.get("/search", params={"speaker": "poutine"}).text for _ in range(2)]
    assert pages[0] == pages[1] and "Vladimir Poutine" in pages[0]
    engine.dispose()
    assert data_version(sa.create_engine("postgresql+psycopg://u@127.0.0.1:1/quotes")) is None
    assert data_version(sa.create_engine("sqlite://")) is None


def test_data_version_changes_with_another_connections_commit(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE t (x)")
    other.commit()
    version = DataVersion(path)
    first = version()
    assert version() == first  # nothing committed meanwhile
    other.execute("INSERT INTO t VALUES (1)")
    assert version() == first  # not yet committed
    other.commit()
    assert version() != first
    other.close()
    version.close()


def test_the_cache_keeps_the_latest_answers_of_the_latest_version(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    sqlite3.connect(path).close()
    cache = AnswerCache(DataVersion(path), size=2)
    a, b, c = (Answer(x.encode(), "text/plain") for x in "abc")
    assert cache.get(1, "a") is None
    cache.put(1, "a", a)
    cache.put(1, "b", b)
    assert cache.get(1, "a") == a  # now the most recently used
    cache.put(1, "c", c)  # over the size: "b", least recently used, goes
    assert cache.get(1, "b") is None and cache.get(1, "a") == a and cache.get(1, "c") == c
    assert cache.get(2, "a") is None and len(cache) == 0  # another version: nothing kept is valid
    cache.put(1, "a", a)  # made at a version no longer the latest: not kept
    assert len(cache) == 0
    cache.close()


def test_the_same_search_asked_at_once_is_made_once(db_file: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    import asyncio
    import time

    import httpx

    import quotes.web.app as web_app

    made: list[object] = []
    search = web_app.search

    def slowly(engine: object, filters: object) -> object:
        made.append(filters)
        time.sleep(0.3)  # long enough for the other requests to arrive while it is made
        return search(engine, filters)  # type: ignore[arg-type]

    monkeypatch.setattr(web_app, "search", slowly)
    engine = db.open_db(db_file, create=False, write=False)
    app = create_app(engine)

    async def at_once() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            asks = [client.get("/search", params={"speaker": "poutine"}) for _ in range(3)]
            return await asyncio.gather(*asks, client.get("/search", params={"speaker": "dupont"}))

    *same, other = asyncio.run(at_once())
    engine.dispose()
    assert len(made) == 2  # poutine once for its three requests, dupont once
    assert all(r.status_code == 200 and r.content == same[0].content for r in same)
    assert "Poutine" in same[0].text and "Dupont" in other.text
