"""The date a quote was said and its venue, from the narration around it (no model needed)."""

from __future__ import annotations

import pytest

from quotes.extract.situate import DAYS, MONTHS, said_on, situate_quotes, venue
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


@pytest.mark.parametrize(
    ("text", "quoted", "expected"),
    [
        (
            "« La coopération régionale est solide », a affirmé Vladimir Poutine "
            "lors du sommet de l'OCS à Astana, jeudi.",
            "La coopération régionale est solide",
            "sommet de l'OCS à Astana",
        ),
        (
            "« Nous ne reculerons pas », a déclaré le ministre sur BFM TV.",
            "Nous ne reculerons pas",
            "sur BFM TV",
        ),
        (
            "Dans un communiqué, la préfecture a précisé : « Les routes sont rouvertes. »",
            "Les routes sont rouvertes.",
            "dans un communiqué",
        ),
        (
            "« Ce texte est injuste », a lancé la députée devant l'Assemblée.",
            "Ce texte est injuste",
            "devant l'Assemblée",
        ),
        (
            "« Ce texte est injuste », a lancé la députée devant l'Assemblée nationale mardi.",
            "Ce texte est injuste",
            "devant l'Assemblée nationale",
        ),
        (
            "« Il faut agir », a-t-elle dit au micro de France Inter.",
            "Il faut agir",
            "au micro de France Inter",
        ),
        (
            "« Il faut agir », a-t-elle dit dans un entretien au Courrier du Nord.",
            "Il faut agir",
            "dans un entretien au Courrier du Nord",
        ),
        (
            "« Il faut agir », a-t-elle dit lors d'une conférence de presse mardi.",
            "Il faut agir",
            "conférence de presse",
        ),
        ("« Il faut agir », a-t-elle déclaré au Sénat.", "Il faut agir", "au Sénat"),
        (
            "« Il faut agir », a-t-elle déclaré devant le conseil municipal.",
            "Il faut agir",
            "devant le conseil municipal",
        ),
    ],
)
def test_venue(text: str, quoted: str, expected: str) -> None:
    assert venue(*case(text, quoted)) == expected


def test_no_venue_when_the_text_gives_none() -> None:
    assert venue(*case("« Il faut agir », a-t-elle dit.", "Il faut agir")) is None
    # What the narration is about is no venue.
    assert venue(*case("« C'est un crime », a dit le maire après les frappes sur Kiev.", "C'est un crime")) is None
    assert venue(*case("« Nous voterons », a-t-il dit lors du débat sur France Travail.", "Nous voterons")) == (
        "débat sur France Travail"
    )
    # A venue inside the quotation is what the speaker talks about, not where they spoke.
    assert venue(*case("« Je parlerai devant l'Assemblée », a-t-elle dit.", "Je parlerai devant l'Assemblée")) is None


def test_situate_quotes_fills_date_source_and_venue_and_keeps_a_given_venue() -> None:
    article, quote = case(
        "« Nous ne reculerons pas », a déclaré mercredi le ministre sur BFM TV.", "Nous ne reculerons pas"
    )
    (done,) = situate_quotes(article, [quote])
    assert (done.said_on, done.said_on_source, done.venue) == ("2024-07-03", "article", "sur BFM TV")
    (kept,) = situate_quotes(article, [Quote(quote.text, quote.start, quote.end, "direct", venue="au Sénat")])
    assert kept.venue == "au Sénat"
