"""The venue rules, read on the parse: a venue is a prepositional phrase of the narration, attached
to the quote's reporting verb, whose noun (or a name completing it) is a word of the venue lexicon
(quotes/data/venue_words.txt) after a preposition that fits the word's kind. One row a rule; each
sentence is parsed by the French pipeline (fr_core_news_md), as `quotes extract` parses it."""

from __future__ import annotations

from typing import Any

import pytest

from quotes.lexicon import venue_words
from quotes.types import Article, Quote


def quotes_of(extractor: Any, text: str) -> list[Quote]:
    """The quotes the pipeline finds in `text`, with the venues read on its parse."""
    (analysis,) = list(extractor.analyse([Article(path="a.txt", text=text)]))
    return list(analysis.quotes)


def said(extractor: Any, text: str, quoted: str | None = None) -> str | None:
    """The venue of the quotation `quoted` (by default the first « … ») in `text`."""
    wanted = quoted or text[text.index("«") + 1 : text.index("»")].strip()
    (quote,) = [q for q in quotes_of(extractor, text) if q.text == wanted]
    return quote.venue


def test_the_lexicon_has_every_category() -> None:
    words = venue_words()
    assert {"medium", "platform", "named platform", "document", "event", "audience", "institution"} <= set(words)
    assert "AFP" in words["medium"] and "communiqué" in words["document"] and "sommet" in words["event"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a medium after sur / à / chez
        ("« Nous tiendrons bon », a assuré la maire de Rennes sur franceinfo.", "sur franceinfo"),
        ("« Nous tiendrons bon », a confié le syndicaliste à l'AFP mardi.", "à l'AFP"),
        ("Sur Twitter, le sénateur a ironisé : « Quelle belle surprise. »", "sur Twitter"),
        ("« La saison sera longue », a-t-il dit au Parisien.", "au Parisien"),
        ("« Nous ne reculerons pas », a déclaré le ministre sur BFM TV.", "sur BFM TV"),
        # a medium named through « au micro de », « à l'antenne de », « dans les colonnes de »:
        # the medium, whatever its name
        ("« Il faut agir », a-t-elle dit au micro de France Inter.", "France Inter"),
        ("« Rien n'est joué », a-t-il lancé à l'antenne de Radio Garonne.", "Radio Garonne"),
        ("Dans les colonnes du Times, l'ancien leader décrit sa fille comme « petite-bourgeoise ».", "Times"),
        # a medium completing the noun of the phrase
        ("« Rien n'est joué », a répondu l'entraîneur à une question de la RTBF.", "à une question de la RTBF"),
        # a platform after sur; a site only with its name
        ("« Nous avons porté plainte », indique l'association sur le site de la Ligue.", "sur le site de la Ligue"),
        ("« Je démissionne », a écrit l'élue sur son blog dimanche soir.", "sur son blog"),
        ("« Merci à tous », a publié la chanteuse sur son compte Instagram.", "sur son compte Instagram"),
        # a text after dans / d'après / selon (the link left out), with its complements
        ("Dans un communiqué commun, les syndicats estiment : « Le compte n'y est pas. »", "dans un communiqué commun"),
        ("Dans un communiqué, la préfecture a précisé : « Les routes sont rouvertes. »", "dans un communiqué"),
        pytest.param(
            "« Il faut agir », a-t-elle dit dans un entretien au Courrier du Nord.",
            "dans un entretien au Courrier du Nord",
            marks=pytest.mark.xfail(
                strict=True,
                reason="the parser hangs « au Courrier du Nord » on the verb, not on « entretien »",
            ),
        ),
        ("D'après le rapport de la Cour des comptes, « la dépense a doublé ».", "rapport de la Cour des comptes"),
        # an occasion after lors de / au cours de / en marge de, given without the link nor a date
        pytest.param(
            "« La coopération régionale est solide », a affirmé Vladimir Poutine "
            "lors du sommet de l'OCS à Astana, jeudi.",
            "sommet de l'OCS à Astana",
            marks=pytest.mark.xfail(
                strict=True, reason="the parser hangs « à Astana » on the verb: « sommet de l'OCS »"
            ),
        ),
        (
            "« Nous irons jusqu'au bout », a martelé le Premier ministre lors de son meeting de Lille.",
            "meeting de Lille",
        ),
        ("En marge du congrès des maires, la ministre a glissé : « Rien n'est décidé. »", "congrès des maires"),
        ("« Le calendrier tiendra », a-t-il assuré lors d'une conférence de presse mardi.", "conférence de presse"),
        (
            "« Le calendrier tiendra », a-t-il assuré au cours de la réunion du conseil municipal.",
            "réunion du conseil municipal",
        ),
        # an audience after devant
        ("« Ce budget est sincère », a plaidé le ministre devant les députés.", "devant les députés"),
        (
            "« Ce texte est injuste », a lancé la députée devant l'Assemblée nationale mardi.",
            "devant l'Assemblée nationale",
        ),
        (
            "« Ce budget est sincère », a-t-il dit devant la commission des finances du Sénat.",
            "devant la commission des finances du Sénat",
        ),
        # an institution right after the verb
        ("« La réforme est juste », a-t-elle déclaré à l'Assemblée nationale.", "à l'Assemblée nationale"),
        ("« Il faut agir », a-t-elle déclaré au Sénat.", "au Sénat"),
        # a town the parser knows as a place, after à without an article, or after depuis
        pytest.param(
            "« Cela créerait trop de problèmes », anticipe à Pékin un ancien diplomate.",
            "à Pékin",
            marks=pytest.mark.xfail(
                strict=True, reason="the parser reads « anticipe » as a name, so « à Pékin » hangs on no verb"
            ),
        ),
        ("Depuis Washington, la directrice du FMI a jugé la situation « préoccupante ».", "Depuis Washington"),
    ],
)
def test_a_venue_headed_by_a_lexicon_word(extractor: Any, text: str, expected: str) -> None:
    assert said(extractor, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # the topic of a noun, not where it was said
        "« C'est une faute », a dénoncé le député après les frappes sur Kharkiv.",
        "« Nous avons été entendus », a dit la syndicaliste à propos de la pression sur Bruxelles.",
        # a place in a role (« président du groupe à l'Assemblée ») is not where it was said
        "« Il faut voter », a insisté Paul Morel, président du groupe UMP à l'Assemblée nationale.",
        # who was addressed, not where
        "« Il est temps », a dit la ministre, qui a demandé au Sénat de voter le texte.",
        # a place that is no venue word: where something happened, not where it was said
        "« Le pont a cédé », a raconté un habitant, sur la route de Toulouse.",
        # a site without a name is a place, not a platform
        "« Trois départs de feu », a relevé le capitaine, sur le site de l'incendie.",
        # « à l'issue de » is after it, not in it
        "« Nous avons avancé », a estimé la ministre à l'issue de la réunion.",
        # another sentence's venue is not this quote's
        "Le maire s'est exprimé sur BFM TV dimanche. « Nous reconstruirons », a ajouté son adjointe.",
        # a venue inside the quotation is what the speaker talks about
        "« Je parlerai devant les députés », a-t-elle dit.",
        # a lexicon word capitalised inside a sentence is a name (« Mail »), not the common noun
        "« Nous porterons plainte », a dit l'avocat au sujet du Mail.",
        # no venue word at all
        "« Il faut agir », a-t-elle dit.",
    ],
)
def test_no_venue(extractor: Any, text: str) -> None:
    assert said(extractor, text) is None


def test_the_nearest_venue_of_the_sentence_wins(extractor: Any) -> None:
    text = "Sur RTL, puis dans un entretien au Monde, elle a répété : « Nous ne céderons pas. »"
    assert said(extractor, text) == "dans un entretien au Monde"


def test_a_cue_past_another_quotation_is_that_ones(extractor: Any) -> None:
    text = "Le ministre a réagi lors d'une conférence de presse : « Je suis choqué. » Il a reçu le « soutien » du club."
    assert said(extractor, text, "Je suis choqué.") == "conférence de presse"
    assert said(extractor, text, "soutien") is None


LETTER = (
    "Dans une lettre ouverte, la maire Sylvie Le Meur écrit : « Ce service doit rester ouvert. » "
    "« Nous ne laisserons pas faire », ajoute-t-elle. Le préfet a répondu sur RTL."
)


def test_a_text_carries_over_to_the_same_speakers_next_quotation_in_the_paragraph(extractor: Any) -> None:
    first, second = quotes_of(extractor, LETTER)
    assert (first.speaker, first.venue) == ("Sylvie Le Meur", "dans une lettre ouverte")
    assert (second.speaker, second.venue) == ("Sylvie Le Meur", "dans une lettre ouverte")
    # an occasion does not carry over: the next quotation may be said elsewhere
    text = "Paul Hamon a déclaré lors du congrès : « Nous verrons. » « Rien n'est fait », a-t-il ajouté."
    said_there, later = quotes_of(extractor, text)
    assert (said_there.venue, later.venue) == ("congrès", None)
    # nor into the next paragraph
    text = "Paul Hamon a déclaré sur RTL : « Nous verrons. »\n« Rien n'est fait », a-t-il ajouté."
    assert [q.venue for q in quotes_of(extractor, text)] == ["sur RTL", None]


def test_a_venue_is_text_of_the_article(extractor: Any) -> None:
    text = "« Nous tiendrons bon », a assuré la maire de Rennes sur franceinfo, puis devant les élus."
    (quote,) = quotes_of(extractor, text)
    assert quote.venue is not None and quote.venue in text


def test_a_text_the_sentence_before_names_is_where_a_pronoun_says_it(extractor: Any) -> None:
    text = (
        "Dans une lettre ouverte publiée lundi, la maire Sylvie Le Meur demande un sursis. "
        "« Ce service doit rester ouvert », écrit-elle."
    )
    assert said(extractor, text) == "dans une lettre ouverte"
    # a speaker named in the quote's own sentence may be another than the sentence before's
    text = (
        "Dans une lettre ouverte publiée lundi, la maire Sylvie Le Meur demande un sursis. "
        "« Ce service doit fermer », répond Paul Hamon."
    )
    assert said(extractor, text) is None
