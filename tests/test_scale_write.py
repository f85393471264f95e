"""Ingestor.add_many, the cluster client's batched writes: one transaction for the batch, and an
article the database refuses fails alone, the others of its batch stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from dbtesting import db_url, make_result  # noqa: F401
from sqlalchemy.engine import Engine

from quotes.db import open_db
from quotes.ingest import Ingestor

TEXT = "Rennes, 4 mars. « Le budget sera voté en avril », a déclaré {who}, adjointe aux finances."


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:  # noqa: F811
    eng = open_db(db_url)
    yield eng
    eng.dispose()


def sources(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(sa.text("SELECT path FROM source")))


def test_a_batch_is_stored_like_its_articles_one_by_one(engine: Engine) -> None:
    results = [
        make_result(TEXT.format(who=who), [("Le budget sera voté en avril", who)], path=f"{n}.txt")
        for n, who in enumerate(["Anne Quéré", "Lise Morvan", "Anne Quéré"])
    ]
    ingestor = Ingestor(engine)
    outcomes = ingestor.add_many(results)
    assert [(o.status, o.quotes, o.new_quotes, o.new_speakers) for o in outcomes] == [
        ("stored", 1, 1, 1),
        ("stored", 1, 1, 1),
        ("skipped", 0, 0, 0),  # the third is the first's text: the same content
    ]
    assert ingestor.summary.stored == 2 and len(ingestor.summary.skipped) == 1
    assert sources(engine) == ["0.txt", "1.txt"]
    again = Ingestor(engine).add_many(results)
    assert [o.status for o in again] == ["skipped"] * 3


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite stores a NUL; PostgreSQL refuses it
def test_an_article_the_database_refuses_fails_alone(db_url: str) -> None:  # noqa: F811
    engine = open_db(db_url)
    good = [make_result(TEXT.format(who=w), [("Le budget", w)], path=f"{w}.txt") for w in ("Anne", "Lise")]
    refused = make_result(TEXT.format(who="Zoé") + "\x00", [("Le budget", "Zoé")], path="nul.txt")
    ingestor = Ingestor(engine)
    outcomes = ingestor.add_many([good[0], refused, good[1]])
    assert [o.status for o in outcomes] == ["stored", "failed", "stored"]
    assert outcomes[1].reason.startswith("nul.txt: cannot store"), outcomes[1].reason
    assert sources(engine) == ["Anne.txt", "Lise.txt"]
    engine.dispose()
