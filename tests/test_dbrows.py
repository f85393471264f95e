"""Statements compiled once and run on the driver's cursor (quotes/dbrows.py) give what SQLAlchemy's
own execution gives: the same rows for the same statement, and so the same search hits; and the
fuzzy speaker match over distinct name forms ranks as rapidfuzz over every name."""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import pytest
import sqlalchemy as sa
from dbtesting import db_url, engine, make_result  # noqa: F401
from rapidfuzz import fuzz, process
from sqlalchemy.engine import Engine
from sqlmodel import Session

from quotes import db, dbrows
from quotes.ingest import Ingestor
from quotes.search import Filters, search
from quotes.speakers import NameChoices

SPEAKERS = ["Recep Tayyip Erdoğan", "Ursula von der Leyen", "Marine Le Pen", "Jean-Marie Le Pen", "Élisabeth Borne",
            "Bruno Le Maire", "Olaf Scholz", "Giorgia Meloni"]
WORDS = ["commerce", "Europe", "réformes", "dette", "blé", "douane", "croissance", "énergie", "<script>", "& co"]
OUTLETS = ["Le Quotidien", "L'Hebdo", "Agence Centrale", "Radio Nord"]
VENUES = ["à Ankara", "sur BFM TV", "dans un communiqué", None]


@pytest.fixture
def many(engine: Engine) -> Engine:  # noqa: F811
    """Sixty articles, one to three quotes each, of eight speakers, four outlets, dates over 2023-2024."""
    rng = random.Random(7)
    ingestor = Ingestor(engine)
    for n in range(60):
        quotes = []
        parts = []
        for k in range(rng.randint(1, 3)):
            quoted = f"Citation {n}-{k} sur {' et '.join(rng.sample(WORDS, 2))}"
            speaker = rng.choice(SPEAKERS)
            parts.append(f"« {quoted} », a déclaré {speaker}.")
            quotes.append((quoted, speaker))
        published = f"{rng.choice(['2023', '2024'])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        result = make_result(" ".join(parts), quotes, url=f"https://ex.org/{n}", outlet=rng.choice(OUTLETS),
                             published=published, venue=rng.choice(VENUES))
        ingestor.add(result)
    return engine


QUERIES = [
    Filters(), Filters(limit=None), Filters(speaker="Erdogan"), Filters(speaker="le pen"), Filters(speaker="Meloný"),
    Filters(speaker="Scholtz", limit=3), Filters(text="commerce"), Filters(text="europe douane", limit=5),
    Filters(text="reforme", since="2024-03"), Filters(text="script"), Filters(outlet="quotidien", limit=4),
    Filters(venue="bfm", until="2023-09"), Filters(kind="direct", since="2023-06-01", until="2024-02"),
    Filters(speaker="Borne", text="dette"), Filters(outlet="hebdo", text="énergie", limit=None),
    Filters(speaker="Marine Le Pen", venue="communiqué", limit=2), Filters(text="girouette"),
]


def through_sqlalchemy(conn: sa.Connection, key: Hashable, build: Callable[[], sa.Executable],
                       values: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """dbrows.rows as SQLAlchemy's Connection.execute runs the statement (the way before)."""
    statement = build()
    names = set(statement.compile(dialect=conn.dialect).bind_names.values())  # type: ignore[attr-defined]
    return [tuple(r) for r in conn.execute(statement, {k: v for k, v in (values or {}).items() if k in names})]


@pytest.mark.parametrize("window", [3, 2000])
def test_searches_give_the_same_hits_as_through_sqlalchemy(
    many: Engine, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    import quotes.search

    monkeypatch.setattr(quotes.search, "PROBE_WINDOW", window)  # small: the probes' window is full
    fast = [search(many, f) for f in QUERIES]
    monkeypatch.setattr(dbrows, "rows", through_sqlalchemy)
    slow = [search(many, f) for f in QUERIES]
    assert [r.hits for r in fast] == [r.hits for r in slow]
    assert [(r.speaker_match, r.notes) for r in fast] == [(r.speaker_match, r.notes) for r in slow]
    assert any(len(r.hits) > 3 for r in fast) and any(r.speaker_match for r in fast)


def test_rows_are_sqlalchemys_rows(many: Engine) -> None:
    quote = db.Quote.__table__  # type: ignore[attr-defined]

    def build() -> sa.Select[Any]:
        return (sa.select(quote.c.id, quote.c.text, quote.c.hidden, sa.func.count().over().label("n"))
                .where(quote.c.said_on >= sa.bindparam("since"), quote.c.hidden.is_(False))
                .order_by(quote.c.id).limit(7))  # the limit is the statement's own constant

    with Session(db.reader(many)) as session:
        conn = session.connection()
        fast = dbrows.rows(conn, "test rows", build, {"since": "2024-01"})
        slow = [tuple(r) for r in conn.execute(build(), {"since": "2024-01"})]
        assert fast == slow and len(fast) == 7
        assert all(r[2] is False for r in fast)  # SQLite's 0 read as a boolean, as SQLAlchemy reads it


def test_driver_errors_are_sqlalchemy_errors(many: Engine) -> None:
    with Session(db.reader(many)) as session, pytest.raises(sa.exc.DBAPIError):
        dbrows.rows(session.connection(), "test error", lambda: sa.text("SELECT no_such_column FROM quote"))


def test_padded_in_lists() -> None:
    assert dbrows.padded("id", [5]) == (1, {"id_0": 5})
    assert dbrows.padded("id", [5, 6, 7]) == (4, {"id_0": 5, "id_1": 6, "id_2": 7, "id_3": 7})
    assert dbrows.padded("id", list(range(8)))[0] == 8


def test_fuzzy_match_over_distinct_forms_ranks_as_over_every_name() -> None:
    rng = random.Random(3)
    surnames = ["martin", "bernard", "dubois", "durand", "lefebvre", "leroy", "moreau", "simon", "laurent"]
    given = ["jean", "marie", "pierre", "anne", "paul", "claire"]
    rows = []
    for sid in range(400):
        surname = rng.choice(surnames)
        rows.append((sid, f"{rng.choice(given)} {surname}", "alias"))
        rows.append((sid, surname, "surname"))  # most forms come again and again: ties
    choices = NameChoices.of(rows)
    norms = [norm for _, norm, _ in rows]
    for query in ["martni", "jean martin", "bernrd", "pierre leroi", "claire simon", "durant", "zzz", "anne"]:
        expected = [(score, i) for _c, score, i in process.extract(query, norms, scorer=fuzz.ratio, limit=10,
                                                                      score_cutoff=80.0)]
        assert choices.best(query, limit=10, cutoff=80.0) == expected
