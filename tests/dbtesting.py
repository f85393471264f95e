"""Database fixtures for the storage, search and export tests: each runs on SQLite and PostgreSQL.

Import them into a test module with `from dbtesting import db_url, engine  # noqa: F401`.
The PostgreSQL cases use the server `bash scripts/postgres.sh start` runs (`make test` starts it
and sets QUOTES_TEST_PG); each test gets a fresh database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from quotes.types import Article, ArticleQuotes, Quote

PG_ENV = "QUOTES_TEST_PG"


def _admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set: run `bash scripts/postgres.sh start` and export {PG_ENV}")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL (or path) of a database that does not exist yet."""
    if request.param == "sqlite":
        yield str(tmp_path / "quotes.db")
        return
    admin = sa.engine.make_url(_admin_url()).set(drivername="postgresql+psycopg")
    name = f"quotes_test_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name, drivername="postgresql").render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    from quotes.db import open_db

    eng = open_db(db_url)
    yield eng
    eng.dispose()


def make_result(
    text: str,
    quotes: list[tuple[str, str | None]] | None = None,
    *,
    path: str = "article.txt",
    url: str | None = None,
    outlet: str | None = None,
    title: str | None = None,
    published: str | None = None,
    author: str | None = None,
    **quote_fields: object,
) -> ArticleQuotes:
    """An extraction result built by hand: each (quote text, speaker) must occur in `text`."""
    built = []
    for quoted, speaker in quotes or []:
        start = text.index(quoted)
        built.append(
            Quote(
                text=quoted,
                start=start,
                end=start + len(quoted),
                kind="direct",
                speaker=speaker,
                speaker_mention=speaker,
                cue="a déclaré",
                confidence=0.9,
                attribution="name" if speaker else "none",
                **quote_fields,  # type: ignore[arg-type]
            )
        )
    article = Article(path=path, text=text, url=url, outlet=outlet, title=title, published=published, author=author)
    return ArticleQuotes(article=article, quotes=tuple(built))
