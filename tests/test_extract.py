"""Detection and attribution on French sentences written for these tests (loads the model)."""

from __future__ import annotations

from typing import Any

import pytest

from quotes.types import Article

pytestmark = pytest.mark.model

# (id, text, [(quote words, kind, speaker)]) — the speaker is the fullest name in the text.
CASES: list[tuple[str, str, list[tuple[str, str, str | None]]]] = [
    (
        "inverted subject after the quote",
        "« Les négociations reprendront lundi », a annoncé Claire Dumont, ministre du Travail.",
        [("Les négociations reprendront lundi", "direct", "Claire Dumont")],
    ),
    (
        "inverted clitic a-t-il",
        "Le maire de Lille, Paul Renaud, a reçu les habitants. « Nous ne fermerons pas l'école », a-t-il promis.",
        [("Nous ne fermerons pas l'école", "direct", "Paul Renaud")],
    ),
    (
        "colon introduction",
        "Interrogée par les journalistes, Sophie Marchal a déclaré : « Le budget sera voté avant l'été. »",
        [("Le budget sera voté avant l'été.", "direct", "Sophie Marchal")],
    ),
    (
        "mixed quote after que",
        "Marc Lenoir a affirmé que la réforme était « une erreur historique ».",
        [("une erreur historique", "mixed", "Marc Lenoir")],
    ),
    (
        "one-word quote with a cue",
        "La syndicaliste Anne Perrin a fait part de sa « colère » après l'annonce.",
        [("colère", "mixed", "Anne Perrin")],
    ),
    (
        "selon",
        "Selon Karim Benali, « la saison touristique sera excellente ».",
        [("la saison touristique sera excellente", "mixed", "Karim Benali")],
    ),
    (
        "relative qui",
        "Le président turc Recep Tayyip Erdoğan, qui a évoqué « une relation solide », a quitté Astana.",
        [("une relation solide", "mixed", "Recep Tayyip Erdoğan")],
    ),
    (
        "short form to the fullest name",
        "Vladimir Poutine est arrivé à Astana. « Nous agissons dans l'intérêt de nos peuples », a déclaré Poutine.",
        [("Nous agissons dans l'intérêt de nos peuples", "direct", "Vladimir Poutine")],
    ),
    (
        "role noun to the named person",
        "Le ministre de l'Économie, Bruno Vasseur, a présenté son plan mardi. "
        "« Ce sera difficile mais nécessaire », a estimé le ministre.",
        [("Ce sera difficile mais nécessaire", "direct", "Bruno Vasseur")],
    ),
    (
        "quote split by an incise",
        "« Nous sommes prêts, a-t-elle dit, à négocier jusqu'au bout », a conclu Hélène Martin.",
        [("Nous sommes prêts", "direct", "Hélène Martin"), ("à négocier jusqu'au bout", "direct", "Hélène Martin")],
    ),
    (
        "floating quote continues the previous speaker",
        "« Le dialogue est rompu », a déploré Julien Mercier.\n\n« Nous irons jusqu'au tribunal. »",
        [
            ("Le dialogue est rompu", "direct", "Julien Mercier"),
            ("Nous irons jusqu'au tribunal.", "direct", "Julien Mercier"),
        ],
    ),
    (
        "curly and straight quotes",
        '“Rien n\'est décidé”, a répondu Léa Fontaine. "Tout reste ouvert", a-t-elle ajouté.',
        [("Rien n'est décidé", "direct", "Léa Fontaine"), ("Tout reste ouvert", "direct", "Léa Fontaine")],
    ),
]

NOT_SPEECH: list[tuple[str, str]] = [
    ("film title", "Le film « La Dernière Vague » sort en salles mercredi."),
    ("book title", "Son livre « Les Années grises » a été un succès."),
    ("operation name", "L'opération « Bouclier » a mobilisé deux mille gendarmes."),
    ("nickname", "Le joueur, surnommé « le Lion », a marqué deux buts."),
    ("scare quote", "Le quartier vit une forme de « renaissance » depuis deux ans."),
]


def _extract(extractor: Any, text: str) -> list[Any]:
    return [q for q in extractor.extract_one(Article(path="t.txt", text=text)).quotes if q.kind != "indirect"]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_quote_and_speaker(extractor: Any, text: str, expected: list[tuple[str, str, str | None]]) -> None:
    quotes = _extract(extractor, text)
    for q in quotes:
        assert text[q.start : q.end] == q.text
    assert [(q.text, q.kind, q.speaker) for q in quotes] == expected


@pytest.mark.parametrize("text", [c[1] for c in NOT_SPEECH], ids=[c[0] for c in NOT_SPEECH])
def test_not_speech(extractor: Any, text: str) -> None:
    assert _extract(extractor, text) == []


def test_indirect_speech(extractor: Any) -> None:
    text = "Recep Tayyip Erdoğan a déclaré que les échanges commerciaux allaient augmenter."
    quotes = extractor.extract_one(Article(path="t.txt", text=text)).quotes
    indirect = [q for q in quotes if q.kind == "indirect"]
    assert [(q.text, q.speaker) for q in indirect] == [
        ("les échanges commerciaux allaient augmenter", "Recep Tayyip Erdoğan")
    ]


def test_unbalanced_marks_keep_other_quotes(extractor: Any) -> None:
    text = "Il a parlé d'une « trahison sans fin.\n\n« Nous ne céderons rien », a assuré Nadia Kacem."
    quotes = _extract(extractor, text)
    assert [(q.text, q.speaker) for q in quotes] == [("Nous ne céderons rien", "Nadia Kacem")]


def test_empty_article(extractor: Any) -> None:
    assert extractor.extract_one(Article(path="e.txt", text="")).quotes == ()
