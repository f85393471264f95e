"""Quotation marks found in raw text, without a language model."""

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotes.extract.marks import MARKS, quoted_spans

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
    ("low-high quotes", "Sie sagt „genug“ und geht.", ["genug"]),
    ("single guillemets", "Il parle de ‹ refondation › du parti.", ["refondation"]),
    (
        "two straight quotes in a row",
        '"Nous verrons", a-t-il dit. "Rien n\'est joué."',
        ["Nous verrons", "Rien n'est joué."],
    ),
    ("empty quotes give nothing", "Un « » vide.", []),
    # mismatched pairs: an opening mark nothing of its kind closes, closed by another kind's
    ("« closed by a straight mark", 'Il a lancé « nous partons", selon un témoin.', ["nous partons"]),
    ("“ closed by »", "Elle répond “pas question » aux syndicats.", ["pas question"]),
    ("« closed by ”", "Le maire parle d'« une erreur” de gestion.", ["une erreur"]),
    ("straight mark closed by ”", "La situation du merlu est \"intenable” selon l'ONG.", ["intenable"]),
    ("a mark of another kind with its own closer later is stray", "« Il a dit ” non » hier.", ["Il a dit ” non"]),
    # reversed guillemets
    ("reversed guillemets", "Il demande : » Pourquoi ? «, s'est interrogé l'avocat.", ["Pourquoi ?"]),
    ("two reversed pairs", "» Un « et » deux « encore.", ["Un", "deux"]),
    ("stray closing mark ignored, not reversed", "Il est parti » et « revenu ».", ["revenu"]),
    ("reversed in one paragraph only", "» Un « dit-il.\n« Deux », dit-elle.", ["Un", "Deux"]),
    # a quotation open at the end of its paragraph
    (
        "reopened at each paragraph",
        "« Nous avons travaillé dur.\n\n« Et nous continuerons », a-t-elle conclu.",
        ["Nous avons travaillé dur.\n\n« Et nous continuerons"],
    ),
    (
        "over two paragraphs, closed once",
        "Il a déclaré : « Nous avons travaillé dur.\nEt nous continuerons », a-t-elle conclu.",
        ["Nous avons travaillé dur.\nEt nous continuerons"],
    ),
    ("over empty lines and a paragraph without marks", "« Un.\n\nDeux.\n\nTrois ».", ["Un.\n\nDeux.\n\nTrois"]),
    ("closed once past a nested quotation", "« Un.\nDeux « mots » et trois ».", ["Un.\nDeux « mots » et trois"]),
    ("straight, over two paragraphs", '"Un, dit-il, et deux.\nTrois", conclut-il.', ["Un, dit-il, et deux.\nTrois"]),
    (
        "no closing mark: it ends with its paragraph",
        "« Je veux rénover le ponton, a-t-elle annoncé. Et la halle.\nLe maire approuve.",
        ["Je veux rénover le ponton, a-t-elle annoncé. Et la halle."],
    ),
    ("closed too many paragraphs later: ends with its paragraph", "« Un.\nA.\nB.\nC.\nD.\nFin ».", ["Un."]),
    (
        "unclosed quote ends at its paragraph, the next ones still come out",
        "Il a dit « jamais sans raison.\n\nPuis « toujours » a suivi.",
        ["toujours"],
    ),
    # nested quotations of the same kind
    (
        "one » closes a quotation and the one nested at its end",
        "Pour choisir, « il faut regarder l'œil ; en somme, « bon pied, bon œil »\nLa suite.",
        ["il faut regarder l'œil ; en somme, « bon pied, bon œil"],
    ),
    ("a shared » needs the paragraph to end there", "Il parle d'une « trahison, d'un « complot » hier.", ["complot"]),
    (
        "nested straight quotes",
        '"Je ne pensais pas gagner la "Flèche", car c\'était dur", sourit-il.',
        ['Je ne pensais pas gagner la "Flèche", car c\'était dur'],
    ),
    ("nested straight, the outer never closed", 'Ce gel est "une formule, "inutile", dit-il.', ["inutile"]),
    # straight marks among apostrophes and inch marks
    ("inch mark is not a quote", 'Un écran de 27" et un "vrai" bureau.', ["vrai"]),
    ("inch mark inside a quotation", '"Un écran de 27" suffit", dit-il.', ['Un écran de 27" suffit']),
    ("straight mark after an apostrophe", 'Il cite l\'"expert" du dossier.', ["expert"]),
    ("straight mark after a typographic apostrophe", 'Il cite l’"expert" du dossier.', ["expert"]),
    ("apostrophes inside", "\"C'est l'heure\", dit-il.", ["C'est l'heure"]),
    ("closing after a single quote", "\"Aux cris de 'stop'\", dit-il.", ["Aux cris de 'stop'"]),
    # negative rows: nothing is quoted
    ("a lone inch mark", 'Un écran de 27" et un clavier.', []),
    ("two inch marks", 'Des écrans de 24" et 27".', []),
    ("apostrophes only", "L'homme d'affaires n'a rien dit aujourd’hui.", []),
    ("a lone opening guillemet", "Il parle d'une « trahison sans fin.", []),
    ("a lone closing guillemet", "Rien ne dit qu'il viendra ».", []),
    ("a lone straight mark", "Il a dit \" puis s'est tu.", []),
    ("a glued straight mark", 'Le modèle X"2 est sorti.', []),
    ("a lone curly mark", "Il a dit ” puis s'est tu.", []),
    # one unbalanced mark costs nothing elsewhere
    (
        "a stray mark in paragraph 2 keeps paragraph 3's quotes",
        "« Un », dit-il.\nIl parle d'une « trahison.\n« Trois », ajoute-t-elle.",
        ["Un", "Trois"],
    ),
    (
        "a stray straight mark in paragraph 2 keeps paragraph 3's quotes",
        '"Un", dit-il.\nIl a dit " puis rien.\n"Trois", ajoute-t-elle.',
        ["Un", "Trois"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_quoted_spans(text: str, expected: list[str]) -> None:
    spans = quoted_spans(text)
    assert [text[s.start : s.end] for s in spans] == expected
    for s in spans:
        assert text[s.open_at] in MARKS
        assert not s.closed or text[s.close_at] in MARKS


def test_offsets_index_the_text_as_read() -> None:
    text = "Titre\r\n\r\nLe ministre a déclaré : «\u00a0Nous tiendrons\u00a0».\n"
    (span,) = quoted_spans(text)
    assert text[span.start : span.end] == "Nous tiendrons"
    assert text[span.open_at] == "«" and text[span.close_at] == "»"


def test_unclosed_quote_ends_before_the_carriage_return() -> None:
    text = "« Un deux.\r\nTrois."
    (span,) = quoted_spans(text)
    assert text[span.start : span.end] == "Un deux."
    assert not span.closed and span.close_at == span.end and span.after == span.end


def test_reopened_flag() -> None:
    (span,) = quoted_spans("« Un.\n« Deux. »")
    assert span.reopened
    (span,) = quoted_spans("« Un.\nDeux. »")
    assert span.reopened and span.closed
    (span,) = quoted_spans("« Un. »")
    assert not span.reopened


TEXTS = st.text(alphabet=st.sampled_from(list("«»“”„‹›\"'’ \u00a0\n\r.,:?27aZé")), max_size=80)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_spans_are_ordered_and_disjoint(text: str) -> None:
    spans = quoted_spans(text)
    for s in spans:
        assert 0 <= s.open_at < s.start <= s.end <= s.close_at <= len(text)
        assert s.start < s.end
    for a, b in pairwise(spans):
        assert a.close_at < b.open_at
