"""The date a quote was said, from the narration around it (no model needed); venues are read on
the parse (tests/test_venues.py)."""

from __future__ import annotations

import pytest

from quotes.extract.situate import DAYS, MONTHS, said_on, situate_quotes
from quotes.types import Article, Quote

# Thursday 4 July 2024.
PUBLISHED = "2024-07-04"


def case(text: str, quoted: str, published: str | None = PUBLISHED) -> tuple[Article, Quote]:
    start = text.index(quoted)
    return Article(path="a.txt", text=text, published=published), Quote(quoted, start, start + len(quoted), "direct")


def test_babel_supplies_french_names() -> None:
    assert DAYS["lundi"] == 0 and DAYS["dimanche"] == 6
    assert MONTHS["juillet"] == 7 and MONTHS["aout"] == 8 and MONTHS["decembre"] == 12


@pytest.mark.parametrize(
    ("text", "quoted", "expected"),
    [
        (
            "« Les négociations avancent », a déclaré mercredi la ministre.",
            "Les négociations avancent",
            "2024-07-03",
        ),
        (
            "« Les négociations avancent », a déclaré jeudi la ministre.",
            "Les négociations avancent",
            "2024-07-04",
        ),
        (
            "« Les négociations avancent », a déclaré vendredi la ministre.",
            "Les négociations avancent",
            "2024-06-28",
        ),
        ("« Nous tiendrons », a-t-il dit hier soir.", "Nous tiendrons", "2024-07-03"),
        ("« Nous tiendrons », a-t-il dit avant-hier.", "Nous tiendrons", "2024-07-02"),
        ("« Nous tiendrons », a-t-il dit ce matin.", "Nous tiendrons", "2024-07-04"),
        (
            "Le 3 juillet, le maire a prévenu : « Le pont restera fermé. »",
            "Le pont restera fermé.",
            "2024-07-03",
        ),
        (
            "« Le pont restera fermé », a prévenu le maire le 1er juillet.",
            "Le pont restera fermé",
            "2024-07-01",
        ),
        (
            "« Le pont restera fermé », a prévenu le maire le 20 décembre.",
            "Le pont restera fermé",
            "2023-12-20",
        ),
        ("« Rien ne bougera », a-t-elle dit le 12 août 2021.", "Rien ne bougera", "2021-08-12"),
        ("« Rien ne bougera », a-t-elle dit le 12 aout 2021.", "Rien ne bougera", "2021-08-12"),
        ("« Rien ne bougera », a-t-elle dit mardi 2 juillet.", "Rien ne bougera", "2024-07-02"),
    ],
)
def test_date_said_from_the_article(text: str, quoted: str, expected: str) -> None:
    assert said_on(*case(text, quoted)) == (expected, "article")


def test_words_inside_the_quote_are_not_read() -> None:
    article, quote = case(
        "« Nous voterons contre lundi et mardi », a lancé la députée.", "Nous voterons contre lundi et mardi"
    )
    assert said_on(article, quote) == (PUBLISHED, "publication")


def test_nearest_date_wins_and_other_sentences_come_second() -> None:
    text = (
        "Lundi, le conseil s'est réuni.\n"
        "« Le budget sera tenu », a assuré mercredi le trésorier. Il reviendra vendredi."
    )
    assert said_on(*case(text, "Le budget sera tenu")) == ("2024-07-03", "article")
    text2 = "Lundi, le conseil s'est réuni. « Le budget sera tenu », a assuré le trésorier."
    assert said_on(*case(text2, "Le budget sera tenu")) == ("2024-07-01", "article")


def test_without_any_date_in_the_text_the_publication_date_stands() -> None:
    assert said_on(*case("« Tout va bien », a dit le maire.", "Tout va bien")) == (PUBLISHED, "publication")


def test_without_publication_date_relative_days_cannot_be_resolved() -> None:
    assert said_on(*case("« Tout va bien », a dit le maire mercredi.", "Tout va bien", None)) == (None, None)
    assert said_on(*case("« Tout va bien », a dit le maire le 3 mai 2022.", "Tout va bien", None)) == (
        "2022-05-03",
        "article",
    )


def test_impossible_dates_are_ignored() -> None:
    assert said_on(*case("« Tout va bien », a dit le maire le 31 juin.", "Tout va bien")) == (
        PUBLISHED,
        "publication",
    )


def test_situate_quotes_fills_date_and_source_and_keeps_the_venue_read_on_the_parse() -> None:
    article, quote = case(
        "« Nous ne reculerons pas », a déclaré mercredi le ministre sur BFM TV.", "Nous ne reculerons pas"
    )
    (done,) = situate_quotes(article, [quote])
    assert (done.said_on, done.said_on_source, done.venue) == ("2024-07-03", "article", None)
    (kept,) = situate_quotes(article, [Quote(quote.text, quote.start, quote.end, "direct", venue="sur BFM TV")])
    assert (kept.said_on, kept.venue) == ("2024-07-03", "sur BFM TV")


@pytest.mark.parametrize(
    ("text", "quoted", "expected"),
    [
        # Thursday 4 July 2024: « mardi prochain » is the first Tuesday after, « mardi dernier » the
        # last one before (Babel's CLDR phrases); the same weekday is a week away either way.
        ("« Nous voterons », a dit le maire, qui réunira le conseil mardi prochain.", "Nous voterons", "2024-07-09"),
        ("« Nous avons voté », a dit le maire mardi dernier.", "Nous avons voté", "2024-07-02"),
        ("« Nous voterons », a promis le maire pour jeudi prochain.", "Nous voterons", "2024-07-11"),
        ("« Nous avons voté », a dit le maire jeudi dernier.", "Nous avons voté", "2024-06-27"),
        ("Dimanche   prochain, « tout sera fini », assure-t-elle.", "tout sera fini", "2024-07-07"),
    ],
)
def test_a_weekday_of_the_week_before_or_after(text: str, quoted: str, expected: str) -> None:
    assert said_on(*case(text, quoted)) == (expected, "article")


def test_the_weekday_phrases_come_from_babel() -> None:
    from quotes.extract.situate import RELATIVE_WEEKDAYS

    assert RELATIVE_WEEKDAYS["mardi prochain"] == (1, 1) and RELATIVE_WEEKDAYS["dimanche dernier"] == (6, -1)
    assert len(RELATIVE_WEEKDAYS) == 14
