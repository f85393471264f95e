"""Ingesting extraction results: idempotence, replacement, wire copies, dates, summaries."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from dbtesting import db_url, engine, make_result  # noqa: F401
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from quotes import db
from quotes.errors import StorageError
from quotes.ingest import Ingestor, IngestSummary, content_hash, ingest, iso_date, quote_key

TEXT_A = (
    "Le ministre de l'Agriculture, Paul Mercier, a défendu le texte mercredi. "
    "« Les éleveurs attendent des actes, pas des promesses », a déclaré Paul Mercier devant les députés."
)
QUOTE_A = "Les éleveurs attendent des actes, pas des promesses"
WIRE_1 = "« Les prix du lait resteront stables cet été », a assuré Claire Dubois, porte-parole de la coopérative."
WIRE_2 = (
    "Dans la Drôme, les producteurs restent inquiets. « Les prix du lait resteront stables cet été », "
    "a assuré jeudi Claire Dubois."
)
WIRE_QUOTE = "Les prix du lait resteront stables cet été"


def fixed_day() -> dt.date:
    return dt.date(2024, 7, 5)


def count(engine: Engine, table: str) -> int:  # noqa: F811
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_helpers() -> None:
    assert content_hash("a  b\nc") == content_hash("a b c")
    assert quote_key("L’État agira") == quote_key("l'etat  agira")
    assert iso_date("2024-07-03T10:15:00+02:00") == "2024-07-03"
    assert iso_date("2024-07") == "2024-07"
    assert iso_date("mercredi") is None


def test_stores_source_speaker_quote_and_occurrence(engine: Engine) -> None:  # noqa: F811
    result = make_result(
        TEXT_A,
        [(QUOTE_A, "Paul Mercier")],
        url="https://example.org/agri",
        outlet="Le Quotidien",
        title="Le texte agricole devant les députés",
        published="2024-07-04",
        author="Léa Martin",
        said_on="2024-07-03",
        said_on_source="article",
        venue="devant les députés",
        speaker_role="ministre de l'Agriculture",
    )
    ingestor = Ingestor(engine, today=fixed_day)
    outcome = ingestor.add(result)
    assert (outcome.status, outcome.quotes, outcome.new_quotes, outcome.new_speakers) == ("stored", 1, 1, 1)
    with Session(engine) as session:
        source = session.exec(select(db.Source)).one()
        assert (source.url, source.outlet, source.author, source.published, source.accessed) == (
            "https://example.org/agri",
            "Le Quotidien",
            "Léa Martin",
            "2024-07-04",
            "2024-07-05",
        )
        assert source.content_hash == content_hash(TEXT_A)
        quote = session.exec(select(db.Quote)).one()
        occ = session.exec(select(db.Occurrence)).one()
        speaker = session.exec(select(db.Speaker)).one()
        role = session.exec(select(db.SpeakerRole)).one()
    assert quote.text == QUOTE_A and quote.speaker_id == speaker.id and quote.said_on == "2024-07-03"
    assert TEXT_A[occ.start : occ.end] == QUOTE_A
    assert (occ.cue, occ.venue, occ.said_on, occ.said_on_source) == (
        "a déclaré",
        "devant les députés",
        "2024-07-03",
        "article",
    )
    assert speaker.name == "Paul Mercier" and role.role == "ministre de l'Agriculture"


def test_same_article_twice_stores_nothing_twice(engine: Engine) -> None:  # noqa: F811
    result = make_result(TEXT_A, [(QUOTE_A, "Paul Mercier")], url="https://example.org/agri")
    ingestor = Ingestor(engine)
    assert ingestor.add(result).status == "stored"
    again = ingestor.add(result)
    assert (again.status, again.reason) == ("skipped", "unchanged (already stored)")
    # The same text under another address (or none) is the same article.
    moved = make_result(TEXT_A, [(QUOTE_A, "Paul Mercier")], url="https://example.org/agri?amp=1", path="copy.txt")
    third = ingestor.add(moved)
    assert third.status == "skipped" and third.reason == "duplicate content: same text as https://example.org/agri"
    assert (count(engine, "source"), count(engine, "quote"), count(engine, "occurrence")) == (1, 1, 1)
    assert ingestor.summary.line() == (
        "3 articles read, 1 stored, 2 skipped (1 unchanged, 1 duplicate content); 1 quote (1 new), 1 new speaker"
    )


def test_changed_article_replaces_its_quotes(engine: Engine) -> None:  # noqa: F811
    url = "https://example.org/agri"
    ingestor = Ingestor(engine)
    ingestor.add(make_result(TEXT_A, [(QUOTE_A, "Paul Mercier")], url=url, published="2024-07-04"))
    updated_text = TEXT_A + " « Nous reviendrons avec un second texte », a-t-il ajouté."
    updated = make_result(
        updated_text,
        [("Nous reviendrons avec un second texte", "Paul Mercier")],
        url=url,
        published="2024-07-04",
        title="Mis à jour",
    )
    outcome = ingestor.add(updated)
    assert outcome.status == "replaced"
    with Session(engine) as session:
        texts = session.exec(select(db.Quote.text)).all()
        source = session.exec(select(db.Source)).one()
    assert texts == ["Nous reviendrons avec un second texte"]  # the old quote had no other source
    assert source.title == "Mis à jour" and source.content_hash == content_hash(updated_text)
    assert count(engine, "speaker") == 1 and count(engine, "occurrence") == 1


def test_wire_copies_are_one_quote_with_several_sources(engine: Engine) -> None:  # noqa: F811
    ingestor = Ingestor(engine)
    first = make_result(
        WIRE_1,
        [(WIRE_QUOTE, "Claire Dubois")],
        url="https://a.example/lait",
        outlet="A",
        published="2024-07-04",
    )
    second = make_result(
        WIRE_2,
        [(WIRE_QUOTE, "Claire Dubois")],
        url="https://b.example/lait",
        outlet="B",
        published="2024-07-05",
    )
    assert ingestor.add(first).new_quotes == 1
    out = ingestor.add(second)
    assert (out.status, out.quotes, out.new_quotes) == ("stored", 1, 0)
    assert (count(engine, "quote"), count(engine, "occurrence"), count(engine, "source")) == (1, 2, 2)
    with Session(engine) as session:
        quote = session.exec(select(db.Quote)).one()
    assert quote.said_on == "2024-07-04"  # the earliest date said: publication dates here


def test_replacing_one_wire_copy_keeps_the_quote_of_the_other(engine: Engine) -> None:  # noqa: F811
    ingestor = Ingestor(engine)
    ingestor.add(make_result(WIRE_1, [(WIRE_QUOTE, "Claire Dubois")], url="https://a.example/lait"))
    ingestor.add(make_result(WIRE_2, [(WIRE_QUOTE, "Claire Dubois")], url="https://b.example/lait"))
    ingestor.add(make_result(WIRE_1 + " Fin.", [], url="https://a.example/lait"))
    assert (count(engine, "quote"), count(engine, "occurrence")) == (1, 1)


def test_unattributed_copy_joins_the_attributed_quote(engine: Engine) -> None:  # noqa: F811
    ingestor = Ingestor(engine)
    ingestor.add(make_result(WIRE_1, [(WIRE_QUOTE, None)], url="https://a.example/lait"))
    ingestor.add(make_result(WIRE_2, [(WIRE_QUOTE, "Claire Dubois")], url="https://b.example/lait"))
    with Session(engine) as session:
        quote = session.exec(select(db.Quote)).one()
        speaker = session.exec(select(db.Speaker)).one()
    assert quote.speaker_id == speaker.id


def test_publication_date_stands_in_for_the_date_said(engine: Engine) -> None:  # noqa: F811
    Ingestor(engine).add(make_result(TEXT_A, [(QUOTE_A, "Paul Mercier")], published="2024-07-04"))
    with Session(engine) as session:
        occ = session.exec(select(db.Occurrence)).one()
    assert (occ.said_on, occ.said_on_source) == ("2024-07-04", "publication")


def test_one_failure_does_not_stop_the_others(engine: Engine) -> None:  # noqa: F811
    ingestor = Ingestor(engine)
    ingestor.add(make_result(TEXT_A, [(QUOTE_A, "Paul Mercier")], path="a.txt"))
    ingestor.fail("broken.html", "no article text found")
    ingestor.add(make_result(WIRE_1, [(WIRE_QUOTE, "Claire Dubois")], path="b.txt"))
    summary = ingestor.summary
    assert (summary.read, summary.stored, summary.failed) == (
        3,
        2,
        [("broken.html", "no article text found")],
    )
    assert summary.line() == "3 articles read, 2 stored, 1 failed; 2 quotes (2 new), 2 new speakers"


def test_a_failing_article_rolls_back_alone(db_url: str) -> None:  # noqa: F811
    eng = db.open_db(db_url)
    ingestor = Ingestor(eng)
    ingestor.add(make_result(TEXT_A, [(QUOTE_A, "Paul Mercier")], url="https://example.org/agri"))
    # A trigger refuses every occurrence: the article fails half-way through its transaction.
    bad = make_result(WIRE_1, [(WIRE_QUOTE, "Claire Dubois")], url="https://a.example/lait")
    with eng.begin() as conn:
        if eng.dialect.name == "sqlite":
            conn.execute(
                sa.text("CREATE TRIGGER refuse BEFORE INSERT ON occurrence BEGIN SELECT RAISE(ABORT, 'refused'); END")
            )
        else:
            conn.execute(
                sa.text(
                    "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
                )
            )
            conn.execute(
                sa.text("CREATE TRIGGER refuse BEFORE INSERT ON occurrence FOR EACH ROW EXECUTE FUNCTION refuse()")
            )
    with pytest.raises(StorageError, match=r"^article.txt: cannot store: .*refused"):
        ingestor.add(bad)
    assert (count(eng, "source"), count(eng, "quote"), count(eng, "speaker")) == (1, 1, 1)
    summary = ingest(eng, [bad])
    assert summary.failed and summary.failed[0][0] == "article.txt" and summary.stored == 0
    eng.dispose()


def test_summary_line_for_nothing() -> None:
    assert IngestSummary().line() == "0 articles read, 0 stored; 0 quotes (0 new), 0 new speakers"


@pytest.mark.model
def test_end_to_end_ingest_with_the_model(extractor: object, tmp_path: object) -> None:
    from pathlib import Path

    from quotes.extract.pipeline import Extractor
    from quotes.search import Filters, search
    from quotes.types import Article

    assert isinstance(extractor, Extractor) and isinstance(tmp_path, Path)
    text = (
        "La maire de Lyon, Sophie Garnier, a présenté mardi son plan pour les pistes cyclables. "
        "« Nous allons doubler le réseau d'ici deux ans », a déclaré Sophie Garnier "
        "devant le conseil municipal."
    )
    article = Article(path="lyon.txt", text=text, url="https://example.org/lyon", published="2024-07-04")
    eng = db.open_db(str(tmp_path / "e2e.db"))
    summary = ingest(eng, [extractor.extract_one(article)])
    assert summary.stored == 1 and summary.quotes >= 1
    hits = search(eng, Filters(text="réseau")).hits
    assert any("doubler le réseau" in h.text for h in hits)
    assert any(h.speaker == "Sophie Garnier" for h in hits)
    eng.dispose()


def test_an_interrupted_article_leaves_nothing_and_the_next_run_stores_it(
    engine: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import quotes.ingest

    first = make_result(TEXT_A, [(QUOTE_A, "Paul Mercier")], url="https://example.org/agri")
    second = make_result(
        WIRE_1 + " « Nous verrons en septembre », a-t-elle ajouté.",
        [(WIRE_QUOTE, "Claire Dubois"), ("Nous verrons en septembre", "Claire Dubois")],
        url="https://a.example/lait",
    )
    Ingestor(engine).add(first)
    real = quotes.ingest.record_speaker
    calls = {"n": 0}

    def interrupted(*args: object, **kw: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:  # Ctrl-C while the second quote of the article is being stored
            raise KeyboardInterrupt
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(quotes.ingest, "record_speaker", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Ingestor(engine).add(second)
    assert (count(engine, "source"), count(engine, "quote"), count(engine, "speaker")) == (1, 1, 1)
    monkeypatch.setattr(quotes.ingest, "record_speaker", real)
    again = Ingestor(engine)
    assert again.add(first).status == "skipped"
    assert again.add(second).status == "stored"
    assert (count(engine, "source"), count(engine, "quote"), count(engine, "speaker")) == (2, 3, 2)
