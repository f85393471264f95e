"""Search on SQLite and PostgreSQL: speaker (fuzzy), full text with escaped input, dates, outlet, venue."""

from __future__ import annotations

import pytest
from dbtesting import db_url, engine, make_result  # noqa: F401
from sqlalchemy.engine import Engine

from quotes.errors import InputError, NotFoundError
from quotes.ingest import Ingestor
from quotes.search import Filters, fts5_query, search, speaker_quotes, upper_bound

ARTICLES = [
    dict(
        text="« Le commerce avec l'Europe doit reprendre », a déclaré Recep Tayyip Erdoğan à Ankara.",
        quotes=[("Le commerce avec l'Europe doit reprendre", "Recep Tayyip Erdoğan")],
        url="https://ex.org/1",
        outlet="Le Quotidien",
        published="2024-05-20",
        venue="à Ankara",
    ),
    dict(
        text="« Nos exportations de blé progresseront », a affirmé M. Erdogan sur BFM TV.",
        quotes=[("Nos exportations de blé progresseront", "M. Erdogan")],
        url="https://ex.org/2",
        outlet="L'Hebdo",
        published="2024-06-12",
        venue="sur BFM TV",
    ),
    dict(
        text="« La croissance des échanges commerciaux est une priorité », a dit Erdoğan lors du sommet.",
        quotes=[("La croissance des échanges commerciaux est une priorité", "Erdoğan")],
        url="https://ex.org/3",
        outlet="Le Quotidien",
        published="2024-07-03",
        venue="sommet de l'OCS à Astana",
    ),
    dict(
        text="« L'Europe restera unie face aux droits de douane », a déclaré Ursula von der Leyen.",
        quotes=[("L'Europe restera unie face aux droits de douane", "Ursula von der Leyen")],
        url="https://ex.org/4",
        outlet="Agence Centrale",
        published="2024-07-10",
        venue="dans un communiqué",
    ),
]


@pytest.fixture
def filled(engine: Engine) -> Engine:  # noqa: F811
    ingestor = Ingestor(engine)
    for spec in ARTICLES:
        spec = dict(spec)
        ingestor.add(make_result(str(spec.pop("text")), spec.pop("quotes"), **spec))  # type: ignore[arg-type]
    return engine


def texts(engine: Engine, **kw: object) -> list[str]:  # noqa: F811
    return [h.text for h in search(engine, Filters(**kw)).hits]  # type: ignore[arg-type]


def test_speaker_by_any_alias_case_and_accents(filled: Engine) -> None:
    expected = [
        "La croissance des échanges commerciaux est une priorité",
        "Nos exportations de blé progresseront",
        "Le commerce avec l'Europe doit reprendre",
    ]
    for name in ("Erdogan", "ERDOĞAN", "recep tayyip erdogan", "M. Erdoğan"):
        assert texts(filled, speaker=name) == expected


def test_misspelt_speaker_says_who_it_matched(filled: Engine) -> None:
    result = search(filled, Filters(speaker="Ursula von der Leyden"))
    assert result.speaker_match is not None and result.speaker_match.how == "fuzzy"
    assert [s.name for s in result.speaker_match.speakers] == ["Ursula von der Leyen"]
    assert [h.speaker for h in result.hits] == ["Ursula von der Leyen"]


def test_unknown_speaker_is_not_found_with_closest(filled: Engine) -> None:
    with pytest.raises(NotFoundError, match=r"^no speaker matches 'Zinedine'; closest: "):
        search(filled, Filters(speaker="Zinedine"))


def test_full_text_ignores_accents_and_case(filled: Engine) -> None:
    assert texts(filled, text="BLE") == ["Nos exportations de blé progresseront"]
    assert texts(filled, text="échanges") == ["La croissance des échanges commerciaux est une priorité"]
    assert texts(filled, text="europe") == [
        "L'Europe restera unie face aux droits de douane",
        "Le commerce avec l'Europe doit reprendre",
    ]


def test_full_text_requires_every_word(filled: Engine) -> None:
    assert texts(filled, text="europe douane") == ["L'Europe restera unie face aux droits de douane"]
    assert texts(filled, text="europe girafe") == []


@pytest.mark.parametrize(
    "hostile",
    [
        '"europe',
        "europe OR douane",
        "europe AND",
        "NEAR(europe douane)",
        "europe*",
        "-europe",
        "l'europe'); DROP TABLE quote; --",
        "^europe",
        "{text}: europe",
    ],
)
def test_operators_and_quotes_in_text_are_plain_words(filled: Engine, hostile: str) -> None:
    found = texts(filled, text=hostile)  # never an SQL or FTS syntax error
    assert all("Europe" in t for t in found)
    assert texts(filled, text="europe") != []  # the table is still there


def test_text_without_words_is_an_input_error(filled: Engine) -> None:
    with pytest.raises(InputError, match="--text '«»' has no words to search for"):
        search(filled, Filters(text="«»"))


def test_dates_outlet_venue_kind_and_limit(filled: Engine) -> None:
    assert texts(filled, since="2024-07") == [
        "L'Europe restera unie face aux droits de douane",
        "La croissance des échanges commerciaux est une priorité",
    ]
    assert texts(filled, until="2024-06") == [
        "Nos exportations de blé progresseront",
        "Le commerce avec l'Europe doit reprendre",
    ]
    assert texts(filled, since="2024-06-01", until="2024-07-03", speaker="Erdogan") == [
        "La croissance des échanges commerciaux est une priorité",
        "Nos exportations de blé progresseront",
    ]
    assert texts(filled, outlet="quotidien", text="commerce") == ["Le commerce avec l'Europe doit reprendre"]
    assert texts(filled, venue="OCS") == ["La croissance des échanges commerciaux est une priorité"]
    assert texts(filled, venue="100%_") == []
    assert texts(filled, kind="indirect") == []
    assert len(texts(filled, limit=2)) == 2


def test_hits_carry_their_sources(filled: Engine) -> None:
    (hit,) = search(filled, Filters(venue="BFM")).hits
    assert hit.speaker == "Recep Tayyip Erdoğan"
    assert hit.primary is not None
    assert (hit.primary.outlet, hit.primary.url, hit.primary.said_on, hit.primary.said_on_source) == (
        "L'Hebdo",
        "https://ex.org/2",
        "2024-06-12",
        "publication",
    )


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (Filters(since="juin"), "--since 'juin' is not a date; use YYYY-MM-DD, YYYY-MM or YYYY"),
        (Filters(until="2024-13-01"), "--until '2024-13-01' is not a date; use YYYY-MM-DD, YYYY-MM or YYYY"),
        (Filters(since="2024-08", until="2024-07"), "--since 2024-08 is after --until 2024-07"),
        (Filters(kind="quoted"), "--kind 'quoted' is not one of direct, mixed, indirect"),
        (Filters(limit=0), "--limit must be at least 1"),
    ],
)
def test_bad_filters(filled: Engine, filters: Filters, message: str) -> None:
    with pytest.raises(InputError) as info:
        search(filled, filters)
    assert str(info.value) == message


def test_speaker_quotes(filled: Engine) -> None:
    match, hits = speaker_quotes(filled, "erdogan", limit=2)
    assert [s.name for s in match.speakers] == ["Recep Tayyip Erdoğan"]
    assert [h.said_on for h in hits] == ["2024-07-03", "2024-06-12"]


def test_fts5_query_quotes_each_word() -> None:
    assert fts5_query('say "hi" OR bye') == '"say" "hi" "OR" "bye"'
    assert upper_bound("2024") == "2024-99-99" and upper_bound("2024-07") == "2024-07-99"


@pytest.mark.parametrize("window", [1, 2, 3, 1000])
def test_latest_first_probe_and_index_give_the_same_answer(
    filled: Engine, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    import quotes.search

    monkeypatch.setattr(quotes.search, "PROBE_WINDOW", window)
    europe = [
        "L'Europe restera unie face aux droits de douane",
        "Le commerce avec l'Europe doit reprendre",
    ]
    assert texts(filled, text="europe", limit=1) == europe[:1]
    assert texts(filled, text="europe", limit=5) == europe
    assert texts(filled, text="europe", limit=None) == europe
    assert texts(filled, text="commerce", speaker="Erdogan", limit=1) == ["Le commerce avec l'Europe doit reprendre"]
    assert texts(filled, outlet="quotidien", limit=1) == ["La croissance des échanges commerciaux est une priorité"]
    assert texts(filled, outlet="quotidien", limit=3) == [
        "La croissance des échanges commerciaux est une priorité",
        "Le commerce avec l'Europe doit reprendre",
    ]
    assert texts(filled, venue="ankara", since="2024", limit=2) == ["Le commerce avec l'Europe doit reprendre"]


@pytest.mark.parametrize("rare", [True, False])
@pytest.mark.parametrize("window", [1, 2, 1000])
def test_rare_words_looked_up_or_probed_give_the_same_answer(
    filled: Engine, monkeypatch: pytest.MonkeyPatch, window: int, rare: bool
) -> None:
    """SQLite counts a text's matches first: rare words go to the index at once, frequent ones
    are probed among the latest quotes (one streamed statement). Either way, the same answer."""
    import quotes.search

    monkeypatch.setattr(quotes.search, "PROBE_WINDOW", window)
    monkeypatch.setattr(quotes.search, "_rare_words", lambda *_args: rare)
    europe = ["L'Europe restera unie face aux droits de douane", "Le commerce avec l'Europe doit reprendre"]
    assert texts(filled, text="europe", limit=1) == europe[:1]
    assert texts(filled, text="europe", limit=5) == europe
    assert texts(filled, text="commerce", speaker="Erdogan", limit=1) == ["Le commerce avec l'Europe doit reprendre"]
    assert texts(filled, text="europe", outlet="quotidien", limit=3) == ["Le commerce avec l'Europe doit reprendre"]
    assert texts(filled, text="girouette", limit=3) == []


def test_rare_words_are_counted_against_the_window(filled: Engine) -> None:
    from sqlmodel import Session

    from quotes.search import _rare_words, fts5_stem_query

    if filled.dialect.name != "sqlite":
        pytest.skip("the count is SQLite's (FTS5)")
    with Session(filled) as session:
        assert _rare_words(session, fts5_stem_query("girouette"), 1)  # no match at all
        assert not _rare_words(session, fts5_stem_query("europe"), 1)  # 2 of the few quotes, window 2000


def test_french_stop_words_alone(filled: Engine) -> None:
    result = search(filled, Filters(text="la est"))
    if filled.dialect.name == "postgresql":  # French stemming drops stop words: nothing is left to find
        assert result.hits == [] and result.notes == ["only stop words in --text"]
    else:  # FTS5 indexes every word
        assert [h.text for h in result.hits] == ["La croissance des échanges commerciaux est une priorité"]



def test_search_does_not_wait_for_a_writer(filled: Engine) -> None:
    """A search reads through `db.reader`: it runs while a writer's transaction holds the write
    lock (PostgreSQL: the quotes advisory lock, taken with no BEGIN of its own; SQLite: BEGIN
    IMMEDIATE)."""
    import threading

    import sqlalchemy as sa

    from quotes import db

    found: list[list[str]] = []
    with filled.connect() as writer:
        writer.execute(sa.text("SELECT 1"))  # the transaction has begun: the writer holds the lock
        search_thread = threading.Thread(target=lambda: found.append(texts(filled, speaker="Erdogan", limit=1)))
        search_thread.start()
        search_thread.join(timeout=60)
        waited = search_thread.is_alive()
        writer.rollback()
    search_thread.join()
    assert not waited, "the search waited for the writer's lock"
    assert found == [["La croissance des échanges commerciaux est une priorité"]]
    if filled.dialect.name == "postgresql":
        with db.reader(filled).connect() as conn:
            assert conn.connection.dbapi_connection.autocommit  # type: ignore[union-attr]  # no BEGIN, no ROLLBACK
