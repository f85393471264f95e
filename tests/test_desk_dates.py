"""True dates (issue 11, item 3): a date said without its year or a weekday resolves by a stated
rule (quotes/extract/situate.py: past by default, the coming date when near or announced); a
page's dateline dates it; htmldate's year-only guesses are kept as the year, not as 1 January;
a date shown keeps its precision."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from dbtesting import make_result

from quotes.corrections import correct_source
from quotes.db import open_db, session_scope
from quotes.export import citation_line, french_date
from quotes.extract.situate import FUTURE_DAYS, said_on
from quotes.ingest import Ingestor
from quotes.read import article_from_html, dateline, text_metadata
from quotes.search import Hit, SourceRef
from quotes.types import Article, Quote


def said(text: str, quoted: str, published: str | None) -> tuple[str | None, str | None]:
    start = text.index(quoted)
    article = Article(path="a.txt", text=text, published=published)
    return said_on(article, Quote(quoted, start, start + len(quoted), "direct"))


# (narration, quotation, publication date, date said, where it comes from)
SAID = [
    # The case: an event « le 27 avril » in an article of Tuesday 22 April 2025.
    ("Le 27 avril, le pape a déclaré : « Soyez en paix. »", "Soyez en paix.", "2025-04-22", "2025-04-27", "article"),
    # Earlier in the year: this year; far later in the year, not announced: the year before.
    (
        "« Le pont restera fermé », a dit le maire le 3 mars.",
        "Le pont restera fermé",
        "2025-04-22",
        "2025-03-03",
        "article",
    ),
    (
        "« Le pont restera fermé », a dit le maire le 20 décembre.",
        "Le pont restera fermé",
        "2024-07-04",
        "2023-12-20",
        "article",
    ),
    # FUTURE_DAYS after publication is still the coming date; a day more is not.
    ("« Nous tiendrons », a dit le maire le 4 août.", "Nous tiendrons", "2024-07-04", "2024-08-04", "article"),
    ("« Nous tiendrons », a dit le maire le 5 août.", "Nous tiendrons", "2024-07-04", "2023-08-05", "article"),
    # Announced (future tense, « prochain », « doit »): the coming date, however far in the year.
    (
        "Le maire s'exprimera le 15 septembre : « Nous serons prêts. »",
        "Nous serons prêts.",
        "2024-07-04",
        "2024-09-15",
        "article",
    ),
    (
        "La ministre doit parler le 2 novembre : « La réforme passera. »",
        "La réforme passera.",
        "2024-07-04",
        "2024-11-02",
        "article",
    ),
    # A capitalised name ending like a future verb, or « opéra », announces nothing.
    ("« Oui », a dit Samira le 20 décembre.", "Oui", "2024-07-04", "2023-12-20", "article"),
    ("« Oui », a-t-il dit à l'opéra le 20 décembre.", "Oui", "2024-07-04", "2023-12-20", "article"),
    # The future tense inside the quotation is not the narration's.
    ("« Nous voterons », a dit le maire le 20 décembre.", "Nous voterons", "2024-07-04", "2023-12-20", "article"),
    # Weekdays: the last one on or before publication (Thursday 4 July 2024); the next one when announced.
    (
        "« Les négociations avancent », a déclaré mercredi la ministre.",
        "Les négociations avancent",
        "2024-07-04",
        "2024-07-03",
        "article",
    ),
    (
        "Le ministre prononcera mercredi un discours : « La réforme passera. »",
        "La réforme passera.",
        "2024-07-04",
        "2024-07-10",
        "article",
    ),
    # A past tense nearer the date than the future: the date is past (« l'an prochain » announces nothing).
    (
        "Les pêcheurs ont appris lundi la baisse de leurs quotas pour l'an prochain. « Rien ne va », dit-il.",
        "Rien ne va",
        "2024-07-04",
        "2024-07-01",
        "article",
    ),
    (
        "« Je partirai », a déclaré mercredi le maire, qui quittera la ville.",
        "Je partirai",
        "2024-07-04",
        "2024-07-03",
        "article",
    ),
    # A year given is that year; the publication date stands where the narration gives none.
    ("« Rien ne bougera », a-t-elle dit le 12 août 2021.", "Rien ne bougera", "2024-07-04", "2021-08-12", "article"),
    ("« Tout va bien », a dit le maire.", "Tout va bien", "2024-07-04", "2024-07-04", "publication"),
    # A dateline dates the article, not the statement.
    ("22 juin 2012. - « Tout va bien », a dit le maire.", "Tout va bien", "2012-06-22", "2012-06-22", "publication"),
    (
        "21 septembre 2012, France. - « Tout va bien », a dit le maire.",
        "Tout va bien",
        "2012-09-21",
        "2012-09-21",
        "publication",
    ),
    # Published in a year only: a weekday or a day without its year cannot be placed; a full date can.
    ("« Tout va bien », a dit le maire mercredi.", "Tout va bien", "2012", "2012", "publication"),
    ("« Tout va bien », a dit le maire le 3 mai.", "Tout va bien", "2012", "2012", "publication"),
    ("« Tout va bien », a dit le maire le 3 mai 2012.", "Tout va bien", "2012", "2012-05-03", "article"),
]


@pytest.mark.parametrize(("text", "quoted", "published", "expected", "source"), SAID)
def test_date_said(text: str, quoted: str, published: str, expected: str, source: str) -> None:
    assert said(text, quoted, published) == (expected, source)


def test_future_reach_is_a_month() -> None:
    assert FUTURE_DAYS == 31


DATELINES = [
    ("22 mai 2012. - Prévu initialement pour samedi, le lancement a été reporté.", "2012-05-22"),
    ("1er août 2012. - La Croatie a décidé de rendre publics les noms.", "2012-08-01"),
    ("22 août 2012, Espagne. - Le Parti populaire a exclu, hier, un élu.", "2012-08-22"),
    ("France : un titre\n10 novembre 2012. - L'émission revient.", "2012-11-10"),
    ("3 juillet 2024 — Le conseil a voté.", "2024-07-03"),
    ("Le 12 mars 2011 - une date dans une phrase n'est pas une date de tête.", None),
    ("Le conseil s'est réuni le 22 mai 2012. - Rien d'autre.", None),
    ("31 juin 2012. - Un jour qui n'existe pas.", None),
    ("22 brumaire 2012. - Pas un mois du calendrier.", None),
]


@pytest.mark.parametrize(("text", "expected"), DATELINES)
def test_dateline(text: str, expected: str | None) -> None:
    assert dateline(text) == expected
    assert text_metadata(text).get("published") == expected


BODY = "<p>" + "Le conseil municipal a voté le budget après un long débat sur les écoles et les routes. " * 3 + "</p>"


def page(head: str = "", body: str = BODY, foot: str = "") -> str:
    return f"<html><head><title>Budget voté</title>{head}</head><body><article>{body}</article>{foot}</body></html>"


HTML = [
    # htmldate's only clue is a copyright year: it says 1 January; the year alone is kept.
    (page(foot="<footer>© 2019 La Gazette</footer>"), "2019"),
    # The page's metadata says 1 January itself: kept as a day.
    (page('<meta property="article:published_time" content="2019-01-01">'), "2019-01-01"),
    (page('<meta property="article:published_time" content="2019-03-05">'), "2019-03-05"),
    # The text's dateline wins over the metadata.
    (
        page('<meta property="article:published_time" content="2011-03-12">', "<p>1er septembre 2012. - " + BODY[3:]),
        "2012-09-01",
    ),
]


@pytest.mark.parametrize(("html", "expected"), HTML)
def test_publication_date_from_html_keeps_its_precision(html: str, expected: str) -> None:
    assert article_from_html(html, "page.html").published == expected


def test_wikinews_pages_are_dated_by_their_datelines(shared_dir: Path) -> None:
    pages = sorted((shared_dir / "corpus" / "wikinews-html").glob("*.html"))
    assert len(pages) == 100
    articles = [article_from_html(p.read_bytes(), str(p)) for p in pages]
    with_dateline = [(a, dateline(a.text)) for a in articles if dateline(a.text)]
    assert len(with_dateline) == 99
    assert [a.path for a, own in with_dateline if a.published != own] == []
    assert not [a.path for a in articles if a.published and a.published.endswith("-01-01")]


@pytest.mark.parametrize(
    ("value", "shown"),
    [("2012", "2012"), ("2012-05", "mai 2012"), ("2012-05-22", "22 mai 2012"), ("2012-05-01", "1er mai 2012")],
)
def test_a_date_is_shown_at_its_precision(value: str, shown: str) -> None:
    assert french_date(value) == shown


def _hit(published: str, said_on_: str, source: str) -> Hit:
    ref = SourceRef(
        url="https://ex.org/a",
        outlet="Wikinews",
        title="Un titre",
        author=None,
        published=published,
        accessed=dt.date(2026, 1, 1).isoformat(),
        cue="a déclaré",
        said_on=said_on_,
        said_on_source=source,
        venue=None,
        confidence=0.9,
        start=0,
        end=3,
    )
    return Hit(1, "Oui", "direct", "Paul Roux", 1, said_on_, (ref,))


@pytest.mark.parametrize(
    ("published", "said_on_", "source", "line"),
    [
        ("2012", "2012", "publication", "« Oui », a déclaré Paul Roux (Wikinews, 2012)."),
        (
            "2012",
            "2012-05-03",
            "article",
            "« Oui », a déclaré Paul Roux (Wikinews, 2012 ; propos tenus le 3 mai 2012).",
        ),
        (
            "2025-04-22",
            "2025-04-27",
            "article",
            "« Oui », a déclaré Paul Roux (Wikinews, 22 avril 2025 ; propos tenus le 27 avril 2025).",
        ),
    ],
)
def test_citation_line_marks_the_date_said(published: str, said_on_: str, source: str, line: str) -> None:
    assert citation_line(_hit(published, said_on_, source)) == line.replace(" ;", "\u00a0;").replace(
        "« ", "«\u00a0"
    ).replace(" »", "\u00a0»")


def test_an_unchanged_article_read_again_takes_its_true_publication_date(tmp_path: Path) -> None:
    text = "22 mai 2012. - « Tout va bien », a dit Paul Roux. « Rien ne change », a-t-il ajouté mercredi."
    quotes = [("Tout va bien", "Paul Roux"), ("Rien ne change", "Paul Roux")]
    engine = open_db(str(tmp_path / "q.db"))
    # Stored as quotes stored it before: htmldate's 1 January, the first quote dated by it.
    stored = make_result(text, quotes, url="https://ex.org/a", published="2012-01-01")
    first = stored.quotes[0]
    second = stored.quotes[1]
    stored = replace(stored, quotes=(replace(first, said_on=None), replace(second, said_on="2012-05-16")))
    Ingestor(engine).add(stored)
    outcome = Ingestor(engine).add(make_result(text, quotes, url="https://ex.org/a", published="2012-05-22"))
    assert outcome.status == "skipped"
    assert outcome.reason == "unchanged (already stored); publication date 2012-01-01 -> 2012-05-22"

    def dates() -> list[tuple[str, str, str]]:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    sa.text(
                        "SELECT s.published, o.said_on, q.said_on FROM occurrence o "
                        "JOIN source s ON s.id = o.source_id JOIN quote q ON q.id = o.quote_id ORDER BY o.start"
                    )
                )
            ]

    # The quote dated by publication follows; the one the article dates keeps its date.
    assert dates() == [("2012-05-22", "2012-05-22", "2012-05-22"), ("2012-05-22", "2012-05-16", "2012-05-16")]
    # A date a person corrected is kept over what a new reading says.
    with session_scope(engine) as session:
        correct_source(session, "https://ex.org/a", published="2012-05-21")
    outcome = Ingestor(engine).add(make_result(text, quotes, url="https://ex.org/a", published="2012-05-22"))
    assert outcome.reason == "unchanged (already stored)"
    assert dates()[0] == ("2012-05-21", "2012-05-21", "2012-05-21")
    engine.dispose()
