"""French stemming: SQLite (quote_stem_fts, Snowball French) and PostgreSQL (to_tsvector('french'))
answer the same --text questions alike: plural/singular, verb forms, accents. Each question runs on
both backends (dbtesting's db_url parameter) and must give the same hits there."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from dbtesting import db_url, engine, make_result  # noqa: F401
from sqlalchemy.engine import Engine

from quotes.db import text_stems
from quotes.ingest import Ingestor
from quotes.search import Filters, search

QUOTES = {
    "dette": "La dette publique doit baisser",
    "réformes": "Nous mènerons les réformes promises",
    "négocie": "Le gouvernement négociait avec les syndicats",
    "écoles": "Les écoles rouvriront en septembre",
}
ARTICLE = " ".join(f"« {q} », a déclaré Jean Dupont." for q in QUOTES.values())

QUESTIONS = [
    ("dettes", ["dette"]),  # plural finds singular
    ("Dette", ["dette"]),
    ("réforme", ["réformes"]),  # singular finds plural
    ("reformes", ["réformes"]),  # accents folded
    ("négocier", ["négocie"]),  # verb forms: infinitive finds imperfect
    ("négociaient", ["négocie"]),
    ("négocie", []),  # Snowball French stems "negoc" apart from "negoci", on both backends
    ("ECOLE", ["écoles"]),
    ("mènera", ["réformes"]),  # future finds future of another person
    ("dettes écoles", []),  # all words must occur in one quote
    ("gouvernements syndicat", ["négocie"]),
]


@pytest.fixture
def filled(engine: Engine) -> Engine:  # noqa: F811
    Ingestor(engine).add(make_result(ARTICLE, [(q, "Jean Dupont") for q in QUOTES.values()], url="https://ex.org/s"))
    return engine


@pytest.mark.parametrize(("question", "expected"), QUESTIONS)
def test_both_backends_answer_alike(filled: Engine, question: str, expected: list[str]) -> None:
    hits = sorted(h.text for h in search(filled, Filters(text=question)).hits)
    assert hits == sorted(QUOTES[k] for k in expected)


def test_stems_are_folded_snowball_french() -> None:
    assert text_stems("Les Dettes") == text_stems("la dette").replace("la", "le")
    assert text_stems("réformes") == text_stems("REFORME")


def test_correcting_a_quote_text_reindexes_its_stems(filled: Engine) -> None:
    with filled.begin() as conn:
        conn.execute(sa.text("UPDATE quote SET text = 'Les impôts baisseront' WHERE text LIKE 'La dette%'"))
    assert search(filled, Filters(text="dettes")).hits == []
    assert [h.text for h in search(filled, Filters(text="impôt")).hits] == ["Les impôts baisseront"]


def test_stemming_from_many_threads_at_once() -> None:
    """quotes serve stems search words in several threads: each gets the stems it would alone."""
    from concurrent.futures import ThreadPoolExecutor

    texts = ["les dettes publiques", "Nous devons agir vite pour protéger les emplois", "québécoises", "qu'il"] * 50
    alone = [text_stems(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(5):
            assert list(pool.map(text_stems, texts)) == alone
