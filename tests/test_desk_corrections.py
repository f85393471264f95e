"""Corrections (quotes/corrections.py): each changes search, is stored with its previous value,
survives re-ingesting the article (changed or not), and an unknown target changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from dbtesting import db_url, engine, make_result  # noqa: F401
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from quotes import corrections, db
from quotes.errors import InputError, NotFoundError
from quotes.ingest import Ingestor
from quotes.search import Filters, search

URL = "https://example.org/assemblee"
TEXT = (
    "La séance a été agitée à l'Assemblée nationale mardi. « Nous ne céderons rien sur les retraites », "
    "a lancé la députée Camille Le Goff. Plus tard, le ministre Paul Mercier a répondu : "
    "« Le texte sera voté avant l'été. » « Oui », a conclu Charles Gaulle."
)
Q_LE_GOFF = "Nous ne céderons rien sur les retraites"
Q_MERCIER = "Le texte sera voté avant l'été."
Q_OUI = "Oui"


def store(engine: Engine, text: str = TEXT, speakers: tuple[str, str, str] | None = None) -> None:  # noqa: F811
    le_goff, mercier, oui = speakers or ("Assemblée nationale", "Paul Mercier", "Charles Gaulle")
    quotes = [(Q_LE_GOFF, le_goff), (Q_MERCIER, mercier)]
    if Q_OUI in text:
        quotes.append((Q_OUI, oui))
    Ingestor(engine).add(make_result(text, quotes, url=URL, outlet="Le Quotidien", published="2024-07-03"))


def hit_of(engine: Engine, words: str) -> tuple[int, str | None, tuple[str, ...]]:  # noqa: F811
    hits = search(engine, Filters(text=words)).hits
    assert len(hits) == 1, hits
    return hits[0].quote_id, hits[0].speaker, hits[0].corrections


def speaker_id(engine: Engine, name: str) -> int:  # noqa: F811
    with Session(engine) as session:
        return corrections.speaker_named(session, name).id or 0


def test_reassign_survives_reingest_changed_or_not(engine: Engine) -> None:  # noqa: F811
    store(engine)
    qid, speaker, _ = hit_of(engine, "céderons")
    assert speaker == "Assemblée nationale"
    Ingestor(engine).add(
        make_result("« Rien », a dit Camille Le Goff.", [("Rien", "Camille Le Goff")], url="https://example.org/autre")
    )
    with db.session_scope(engine) as session:
        c = corrections.reassign_speaker(session, qid, "camille le goff")
    assert c.kind == "speaker" and c.value == str(speaker_id(engine, "Camille Le Goff"))
    _, speaker, notes = hit_of(engine, "céderons")
    assert speaker == "Camille Le Goff"
    assert notes and "Camille Le Goff" in notes[0] and "Assemblée nationale" in notes[0]
    store(engine)  # unchanged: skipped
    assert hit_of(engine, "céderons")[1] == "Camille Le Goff"
    store(engine, TEXT + " La séance a été levée à minuit.")  # changed: quotes stored afresh, correction replayed
    _, speaker, notes = hit_of(engine, "céderons")
    assert speaker == "Camille Le Goff" and notes


def test_not_a_quote_hidden_kept_and_replayed(engine: Engine) -> None:  # noqa: F811
    store(engine)
    qid, _, _ = hit_of(engine, "oui")
    with db.session_scope(engine) as session:
        corrections.mark_not_quote(session, qid)
    assert search(engine, Filters(text="oui")).hits == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM quote WHERE hidden")).scalar_one() == 1
    store(engine, TEXT + " Fin de séance.")
    assert search(engine, Filters(text="oui")).hits == []
    assert len(search(engine, Filters()).hits) == 2


def test_merge_and_rename_survive_reingest(engine: Engine) -> None:  # noqa: F811
    store(engine)
    Ingestor(engine).add(
        make_result(
            "« Il faut du courage », a dit Charles de Gaulle.",
            [("Il faut du courage", "Charles de Gaulle")],
            url="https://example.org/gaulle",
        )
    )
    keep, other = speaker_id(engine, "Charles de Gaulle"), speaker_id(engine, "Charles Gaulle")
    assert keep != other
    with db.session_scope(engine) as session:
        corrections.merge_speakers(session, keep, other)
    assert hit_of(engine, "oui")[1] == "Charles de Gaulle"
    mercier = speaker_id(engine, "Paul Mercier")
    with db.session_scope(engine) as session:
        corrections.rename_speaker(session, mercier, "Paul-Henri Mercier")
    store(engine, TEXT + " Suite au prochain numéro.")
    assert hit_of(engine, "oui")[1] == "Charles de Gaulle"
    assert hit_of(engine, "voté")[1] == "Paul-Henri Mercier"
    with Session(engine) as session:
        kinds = [c.kind for c in session.exec(select(db.Correction)).all()]
    assert kinds == ["merge", "rename"]


def test_correct_source_survives_reingest(engine: Engine) -> None:  # noqa: F811
    store(engine)
    with db.session_scope(engine) as session:
        c = corrections.correct_source(session, URL, outlet="La Gazette", published="2024-07-02", title="Séance")
    assert c.previous == "Séance" or c.field == "title"
    store(engine, TEXT + " Complément.")
    hit = search(engine, Filters(text="voté")).hits[0]
    assert hit.primary is not None
    assert (hit.primary.outlet, hit.primary.published, hit.primary.title) == ("La Gazette", "2024-07-02", "Séance")
    assert hit.said_on == "2024-07-02"


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda s: corrections.reassign_speaker(s, 999, "Paul Mercier"), "closest: #"),
        (lambda s: corrections.reassign_speaker(s, 1, "Paul Mercie"), "Paul Mercier"),
        (lambda s: corrections.mark_not_quote(s, 0), "closest: #1"),
        (lambda s: corrections.merge_speakers(s, 1, 99), "closest: #"),
        (lambda s: corrections.rename_speaker(s, 99, "X Y"), "closest: #"),
        (lambda s: corrections.correct_source(s, "https://example.org/assemble", outlet="X"), URL),
    ],
)
def test_unknown_targets_name_closest_and_change_nothing(engine: Engine, call: object, needle: str) -> None:  # noqa: F811
    store(engine)
    before = [h.speaker for h in search(engine, Filters()).hits]
    with pytest.raises(NotFoundError, match=needle.replace(".", r"\.")):
        with db.session_scope(engine) as session:
            assert callable(call)
            call(session)
    assert [h.speaker for h in search(engine, Filters()).hits] == before
    with Session(engine) as session:
        assert session.exec(select(db.Correction)).all() == []


def test_bad_values(engine: Engine) -> None:  # noqa: F811
    store(engine)
    with db.session_scope(engine) as session:
        with pytest.raises(InputError, match="not a date"):
            corrections.correct_source(session, URL, published="3 juillet")
        with pytest.raises(InputError, match="nothing to correct"):
            corrections.correct_source(session, URL)
        with pytest.raises(InputError, match="itself"):
            corrections.merge_speakers(session, 1, 1)
