"""The venue rules, one row a rule: a venue is a phrase headed by a word of the venue lexicon
(quotes/data/venue_words.txt) after the word that introduces it, in the quote's own sentence."""

from __future__ import annotations

import pytest

from quotes.extract.situate import venue
from quotes.lexicon import venue_words
from quotes.types import Article, Quote


def said(text: str) -> str | None:
    """The venue of the « … » quotation in `text`."""
    start, end = text.index("«") + 2, text.index("»") - 1
    return venue(Article(path="a.txt", text=text), Quote(text[start:end], start, end, "direct"))


def test_the_lexicon_has_every_category() -> None:
    words = venue_words()
    assert {"medium", "platform", "document", "event", "audience", "institution", "qualifier"} <= set(words)
    assert "AFP" in words["medium"] and "communiqué" in words["document"] and "sommet" in words["event"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # medium after sur / à / au micro de / à l'antenne de / dans les colonnes de
        ("« Nous tiendrons bon », a assuré la maire de Rennes sur franceinfo.", "sur franceinfo"),
        ("« Nous tiendrons bon », a confié le syndicaliste à l'AFP mardi.", "à l'AFP"),
        ("Sur Twitter, le sénateur a ironisé : « Quelle belle surprise. »", "sur Twitter"),
        ("« Rien n'est joué », a-t-il lancé à l'antenne de Radio Garonne.", "à l'antenne de Radio Garonne"),
        ("« Rien n'est joué », a répondu l'entraîneur à une question de la RTBF.", "à une question de la RTBF"),
        ("« La saison sera longue », a-t-il dit au Parisien.", "au Parisien"),
        # platform after sur; a site or a page only with its name
        ("« Nous avons porté plainte », indique l'association sur le site de la Ligue.", "sur le site de la Ligue"),
        ("« Je démissionne », a écrit l'élue sur son blog dimanche soir.", "sur son blog"),
        ("« Merci à tous », a publié la chanteuse sur son compte Instagram.", "sur son compte Instagram"),
        # document after dans / d'après / selon
        ("Dans un communiqué commun, les syndicats estiment : « Le compte n'y est pas. »", "dans un communiqué commun"),
        ("« Le dossier est vide », écrit l'avocat dans une longue lettre au juge Martin.", "dans une longue lettre"),
        ("D'après le rapport de la Cour des comptes, « la dépense a doublé ».", "rapport de la Cour des comptes"),
        # event after lors de / au cours de / en marge de / pendant
        (
            "« Nous irons jusqu'au bout », a martelé le Premier ministre lors de son meeting de Lille.",
            "meeting de Lille",
        ),
        ("En marge du congrès des maires, la ministre a glissé : « Rien n'est décidé. »", "congrès des maires"),
        ("« Le calendrier tiendra », a-t-il assuré lors d'une conférence de presse mardi.", "conférence de presse"),
        (
            "« Le calendrier tiendra », a-t-il assuré lors de la réunion du conseil municipal.",
            "réunion du conseil municipal",
        ),
        # audience after devant
        ("« Ce budget est sincère », a plaidé le ministre devant les députés.", "devant les députés"),
        (
            "« Ce budget est sincère », a-t-il dit devant la commission des finances du Sénat.",
            "devant la commission des finances du Sénat",
        ),
        # institution right after a verb
        ("« La réforme est juste », a-t-elle déclaré à l'Assemblée nationale.", "à l'Assemblée nationale"),
        ("« La paix est possible », a-t-il lancé à la tribune de l'ONU.", "à la tribune de l'ONU"),
        # a name's adjectives stay with it
        (
            "« Ce budget est sincère », a dit la ministre devant la commission des finances de l'Assemblée nationale.",
            "devant la commission des finances de l'Assemblée nationale",
        ),
    ],
)
def test_a_venue_headed_by_a_lexicon_word(text: str, expected: str) -> None:
    assert said(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # the topic of a noun, not where it was said
        "« C'est une faute », a dénoncé le député après les frappes sur Kharkiv.",
        "« Nous avons été entendus », a dit la syndicaliste à propos de la pression sur Bruxelles.",
        # a place in a role (« président du groupe à l'Assemblée ») is not where it was said
        "« Il faut voter », a insisté Paul Morel, président du groupe UMP à l'Assemblée nationale.",
        # where a case is taken, not a speaker's audience
        "« La justice passera », a promis l'ONG, qui veut faire passer le dossier devant la Cour pénale.",
        # who was addressed, not where
        "« Il est temps », a dit la ministre, qui a demandé au Sénat de voter le texte.",
        # a place that is no venue word: where something happened, not where it was said
        "« Le pont a cédé », a raconté un habitant de Montauban, dans le Tarn-et-Garonne.",
        "« Le pont a cédé », a raconté un habitant, sur la route de Toulouse.",
        # a site without a name is a place, not a platform
        "« Trois départs de feu », a relevé le capitaine, sur le site de l'incendie.",
        # « à l'issue de » is after it, not in it
        "« Nous avons avancé », a estimé la ministre à l'issue de la réunion.",
        # a date after « lors de » is not an event
        "« Rien ne change », a-t-il dit lors de mardi dernier.",
        # another sentence's venue is not this quote's
        "Le maire s'est exprimé sur BFM TV dimanche. « Nous reconstruirons », a ajouté son adjointe.",
        # a venue inside the quotation is what the speaker talks about
        "« Je parlerai devant les députés », a-t-elle dit.",
        # no venue word at all
        "« Il faut agir », a-t-elle dit.",
    ],
)
def test_no_venue(text: str) -> None:
    assert said(text) is None


def test_the_nearest_venue_of_the_sentence_wins() -> None:
    text = "Sur RTL, puis dans un entretien au Monde, elle a répété : « Nous ne céderons pas. »"
    assert said(text) == "dans un entretien au Monde"


def said_by(text: str, speaker: str) -> str | None:
    start, end = text.index("«") + 2, text.index("»") - 1
    quote = Quote(text[start:end], start, end, "direct", speaker=speaker)
    return venue(Article(path="a.txt", text=text), quote)


LETTER = (
    "Dans une lettre ouverte, la maire Sylvie Le Meur demande un sursis. "
    "« Ce service doit rester ouvert », écrit-elle. Le préfet a répondu sur RTL."
)


def test_a_text_named_in_the_sentence_before_carries_over_to_its_speaker() -> None:
    assert said_by(LETTER, "Sylvie Le Meur") == "dans une lettre ouverte"
    # not to another speaker's words, nor from the sentence after
    assert said_by(LETTER, "Paul Hamon") is None
    # an event or an audience does not carry over: the next sentence may be said elsewhere
    text = "Paul Hamon a parlé devant les députés. « Nous verrons », a-t-il ajouté."
    assert said_by(text, "Paul Hamon") is None
