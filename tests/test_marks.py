"""Quotation marks found in raw text, without a language model."""

import pytest

from quotes.marks import quoted_spans

CASES = [
    ("guillemets with inner spaces", "Il a dit : « Nous sommes prêts » hier.", ["Nous sommes prêts"]),
    ("no-break spaces inside", "Elle a répondu «\u00a0non\u00a0».", ["non"]),
    ("narrow no-break spaces", "Il a lancé «\u202fassez\u202f» aux élus.", ["assez"]),
    (
        "nested quotes give the outer one",
        "« Le mot “crise” est trop fort », a-t-il dit.",
        ["Le mot “crise” est trop fort"],
    ),
    (
        "nested guillemets",
        "« Il m'a dit « jamais » devant tous », raconte-t-elle.",
        ["Il m'a dit « jamais » devant tous"],
    ),
    ("straight quotes", 'Le maire a promis "une rénovation complète" du quartier.', ["une rénovation complète"]),
    ("curly quotes", "Le syndicat dénonce “un passage en force”.", ["un passage en force"]),
    ("single guillemets", "Il parle de ‹ refondation › du parti.", ["refondation"]),
    (
        "two straight quotes in a row",
        '"Nous verrons", a-t-il dit. "Rien n\'est joué."',
        ["Nous verrons", "Rien n'est joué."],
    ),
    ("inch mark is not a quote", 'Un écran de 27" et un "vrai" bureau.', ["vrai"]),
    ("stray closing mark ignored", "Il est parti » et « revenu ».", ["revenu"]),
    (
        "reopened at each paragraph",
        "« Nous avons travaillé dur.\n\n« Et nous continuerons », a-t-elle conclu.",
        ["Nous avons travaillé dur.\n\n« Et nous continuerons"],
    ),
    (
        "unclosed quote ends at its paragraph, the next ones still come out",
        "Il a dit « jamais sans raison.\n\nPuis « toujours » a suivi.",
        ["toujours"],
    ),
    ("empty quotes give nothing", "Un « » vide.", []),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_quoted_spans(text: str, expected: list[str]) -> None:
    spans = quoted_spans(text)
    assert [text[s.start : s.end] for s in spans] == expected


def test_offsets_index_the_text_as_read() -> None:
    text = "Titre\r\n\r\nLe ministre a déclaré : «\u00a0Nous tiendrons\u00a0».\n"
    (span,) = quoted_spans(text)
    assert text[span.start : span.end] == "Nous tiendrons"
    assert text[span.open_at] == "«" and text[span.close_at] == "»"


def test_reopened_flag() -> None:
    (span,) = quoted_spans("« Un.\n« Deux. »")
    assert span.reopened
