"""Candidate speakers and their features, on parses built by hand (no statistical model)."""

from __future__ import annotations

from typing import Any

import pytest
import spacy
from spacy.tokens import Doc

from quotes.extract.attribute import Attributed
from quotes.extract.candidates import (
    FAR_KEPT,
    Candidate,
    CandidateBuilder,
    QuoteContext,
    _is_question,
    _previous_line,
    governor,
    speaker_gender,
    with_history,
)
from quotes.extract.detect import Cue, Found
from quotes.extract.parsed import ParsedArticle
from quotes.extract.resolve import NameIndex
from quotes.folding import fold
from quotes.types import Article, Quote

VOCAB = spacy.blank("fr").vocab

# (words, heads, deps, pos, ents) of one sentence: « Nous partons », <cue words...>
Row = tuple[list[str], list[int], list[str], list[str], list[str]]

ADDRESSEE: Row = (
    ["«", "Nous", "partons", "»", ",", "a", "déclaré", "à", "l'", "AFP", "Jean", "Dupont", "."],
    [2, 2, 6, 2, 6, 6, 6, 9, 9, 6, 6, 10, 6],
    ["punct", "nsubj", "ccomp", "punct", "punct", "aux", "ROOT", "case", "det", "obl", "nsubj", "flat:name", "punct"],
    ["PUNCT", "PRON", "VERB", "PUNCT", "PUNCT", "AUX", "VERB", "ADP", "DET", "PROPN", "PROPN", "PROPN", "PUNCT"],
    ["O", "O", "O", "O", "O", "O", "O", "O", "O", "B-ORG", "B-PER", "I-PER", "O"],
)
VICTIM: Row = (
    ["«", "Nous", "partons", "»", ",", "a", "dit", "l'", "avocat", "de", "Marie", "Curie", "."],
    [2, 2, 6, 2, 6, 6, 6, 8, 6, 10, 8, 10, 6],
    ["punct", "nsubj", "ccomp", "punct", "punct", "aux", "ROOT", "det", "nsubj", "case", "nmod", "flat:name", "punct"],
    ["PUNCT", "PRON", "VERB", "PUNCT", "PUNCT", "AUX", "VERB", "DET", "NOUN", "ADP", "PROPN", "PROPN", "PUNCT"],
    ["O", "O", "O", "O", "O", "O", "O", "O", "O", "O", "B-PER", "I-PER", "O"],
)


def parse(row: Row) -> Doc:
    words, heads, deps, pos, ents = row
    spaces = [w not in ("l'",) and k + 1 < len(words) and words[k + 1] not in (",", ".") for k, w in enumerate(words)]
    return Doc(VOCAB, words=words, spaces=spaces, heads=heads, deps=deps, pos=pos, ents=ents, lemmas=words)


def candidates_of(
    doc: Doc, cue_token: int, speaker: str | None = None, title: str | None = None
) -> dict[str | None, Candidate]:
    close = doc[3].idx
    found = Found(doc[1].idx, doc[2].idx + len(doc[2].text), "direct", 0, close, Cue(cue_token, "a dit", "tail"), 0)
    parsed = ParsedArticle.of(doc).with_quoted(frozenset(range(0, 4)))
    quote = Quote(doc.text[found.start : found.end], found.start, found.end, "direct", speaker=speaker)
    ctx = QuoteContext(quote, Attributed(found, None, "a dit"), 0, 4)
    builder = CandidateBuilder(parsed, NameIndex(doc), Article(path="t.txt", text=doc.text, title=title))
    (cands,) = builder.candidates([ctx])
    assert cands[-1].name is None, "nobody named is always a candidate, and the last"
    return {c.key: c for c in cands}


def test_the_addressee_is_in_a_prepositional_phrase_and_the_speaker_is_not() -> None:
    cands = candidates_of(parse(ADDRESSEE), 6)
    afp, dupont = cands["afp"].features, cands["jean dupont"].features
    assert afp["after_in_pp"] == 1.0 and afp["after_pp_a"] == 1.0
    assert "after_in_pp" not in dupont
    # the first name after the cue is the medium; the first outside a prepositional phrase, the speaker
    assert afp.get("cue_first_after") == 1.0 and "cue_first_after_free" not in afp
    assert dupont.get("cue_first_after_free") == 1.0
    assert dupont.get("cue_dep_nsubj") == 1.0 and dupont["cue_depth"] == 0.0


def test_the_person_a_noun_belongs_to_is_not_a_free_subject() -> None:
    cands = candidates_of(parse(VICTIM), 6)
    curie = cands["marie curie"].features
    assert curie["after_pp_de"] == 1.0
    assert "cue_first_after_free" not in curie
    assert curie["cue_depth"] == 1.0, "linked to the cue only through the noun it completes"


@pytest.mark.parametrize(
    ("row", "speaker", "picked"),
    [(ADDRESSEE, "Jean Dupont", "jean dupont"), (VICTIM, None, None)],
)
def test_the_patterns_answer_is_marked(row: Row, speaker: str | None, picked: str | None) -> None:
    cands = candidates_of(parse(row), 6, speaker)
    marked = [k for k, c in cands.items() if c.features.get("rule_pick")]
    assert marked == ([picked] if picked else [])
    assert cands[None].features["rule_null"] == float(speaker is None)


@pytest.mark.parametrize(
    ("title", "dupont", "afp"),
    [
        # (in the headline outside its quotation marks, the headline's speaker) of Jean Dupont and of the AFP
        ("Dupont : « Nous partons »", (1.0, 1.0), (0.0, 0.0)),
        ("Jean Dupont « part » demain", (1.0, 1.0), (0.0, 0.0)),
        ("Jean Dupont : la grève continue", (1.0, 0.0), (0.0, 0.0)),  # nothing quoted: a topic, not words
        ("L'AFP a joint Jean Dupont", (1.0, 0.0), (1.0, 0.0)),
        ("« Dupont a tort », selon l'AFP", (0.0, 0.0), (1.0, 0.0)),  # a name inside the quoted words
        ("La grève continue", (0.0, 0.0), (0.0, 0.0)),
        (None, (1.0, 0.0), (1.0, 0.0)),  # no title: the first line stands for it when it is short
    ],
)
def test_a_name_in_the_headline(title: str | None, dupont: tuple[float, float], afp: tuple[float, float]) -> None:
    cands = candidates_of(parse(ADDRESSEE), 6, title=title)
    for key, (in_title, speaker) in (("jean dupont", dupont), ("afp", afp)):
        f = cands[key].features
        assert (f["in_title"], f["title_speaker"]) == (in_title, speaker), key
    assert cands["jean dupont"].features["first_person"] == 1.0, "the article's first person named"
    assert cands["afp"].features["first_person"] == 0.0, "a body is not a person"


def _cand(key: str | None, near: bool, mentions: float = 0.0) -> Candidate:
    return Candidate(key, "PER", {"near": float(near), "mentions": mentions, "is_null": float(key is None)}, None, key)


def test_history_keeps_near_recent_and_most_named_candidates() -> None:
    far = [_cand(f"far{k}", False, mentions=float(k)) for k in range(FAR_KEPT + 3)]
    cands = [_cand("near", True), _cand("old", False), *far, _cand(None, False)]
    out = with_history(cands, ["old", None, "near"])
    keys = [c.key for c in out]
    assert keys[-1] is None
    assert "near" in keys and "old" in keys, "named near the quote, or a recent speaker"
    kept_far = [k for k in keys if k and k.startswith("far")]
    assert kept_far == [f"far{k}" for k in range(3, FAR_KEPT + 3)], "the most named of the far ones"
    by_key: dict[Any, dict[str, float]] = {c.key: c.features for c in out}
    assert by_key["near"]["prev_speaker"] == 1.0 and by_key["near"]["last_speaker"] == 1.0
    assert by_key["old"]["prev_speaker"] == 0.0 and by_key["old"]["earlier_speaker"] == 1.0
    assert by_key[None]["prev_null"] == 0.0


def test_history_after_a_quote_given_to_nobody() -> None:
    out = with_history([_cand("a", True), _cand(None, False)], ["a", None])
    by_key = {c.key: c.features for c in out}
    assert by_key[None]["prev_null"] == 1.0
    assert by_key["a"]["prev_speaker"] == 1.0 and by_key["a"]["last_speaker"] == 0.0


def test_second_pass_knows_the_next_quotes_speakers_and_keeps_them_as_candidates() -> None:
    many = [_cand(f"far{k}", False, mentions=5.0) for k in range(FAR_KEPT)]
    cands = [_cand("near", True), _cand("ahead", False), *many, _cand(None, False)]
    out = with_history(cands, ["near"], ["ahead", "near"])
    by_key = {c.key: c.features for c in out}
    assert "ahead" in by_key, "the next quote's speaker is a candidate even when named far away"
    assert by_key["ahead"]["next_speaker"] == 1.0 and by_key["near"]["next_speaker"] == 0.0
    assert by_key["near"]["coming_speaker"] == 1.0
    first_pass = {c.key: c.features for c in with_history(cands, ["near"])}
    assert "ahead" not in first_pass and "next_speaker" not in first_pass["near"]


def test_second_pass_knows_the_first_pass_probabilities_and_the_lead_of_each() -> None:
    cands = [_cand("a", True), _cand("b", True), _cand(None, False)]
    out = {c.key: c.features for c in with_history(cands, [], [], {"a": 0.6, "b": 0.3, None: 0.1})}
    assert out["a"]["first_prob"] == 0.6 and out["a"]["first_lead"] == pytest.approx(0.3)
    assert out["b"]["first_lead"] == pytest.approx(-0.3) and out[None]["first_lead"] == pytest.approx(-0.5)
    assert "first_prob" not in {f for c in with_history(cands, []) for f in c.features}, "not on the first pass"


@pytest.mark.parametrize(
    ("words", "spaces", "ents", "name"),
    [
        # a hyphenated surname the tokenizer cut in three
        (
            ["Léa", "Assor", "-", "Doukhan", "parle"],
            [1, 0, 0, 1, 0],
            ["B-PER", "I-PER", "O", "O", "O"],
            "Léa Assor-Doukhan",
        ),
        # the tagger kept only the first name of a hyphenated surname
        (
            ["Andrea", "Assor", "-", "Doukhan", ","],
            [1, 0, 0, 0, 0],
            ["B-PER", "O", "O", "O", "O"],
            "Andrea Assor-Doukhan",
        ),
        # an English possessive
        (["Moody'", "s", "note"], [0, 1, 0], ["B-ORG", "O", "O"], "Moody's"),
        # a dateline glued before the paragraph's first name
        (["TOULOUSE", "Souad", "Benali", "rit"], [1, 1, 1, 0], ["B-PER", "I-PER", "I-PER", "O"], "Souad Benali"),
        # a capitalised first word that is a name stays
        (["Jean", "Dupont", "rit"], [1, 1, 0], ["B-PER", "I-PER", "O"], "Jean Dupont"),
        # a hyphen with spaces around it joins nothing
        (["Jean", "Dupont", "-", "Paris"], [1, 1, 1, 0], ["B-PER", "I-PER", "O", "B-LOC"], "Jean Dupont"),
    ],
)
def test_names_cut_by_the_tokenizer_are_mended(words: list[str], spaces: list[int], ents: list[str], name: str) -> None:
    doc = Doc(VOCAB, words=words, spaces=[bool(x) for x in spaces], ents=ents)
    assert name in [n.text for n in NameIndex(doc).names]


def test_a_first_name_alone_resolves_to_the_full_name_the_article_gives() -> None:
    words = ["Thierry", "Pellard", "sculpte", ".", "Thierry", "rit", ".", "Dupont", "part", "."]
    ents = ["B-PER", "I-PER", "O", "O", "B-PER", "O", "O", "B-PER", "O", "O"]
    doc = Doc(VOCAB, words=words, ents=ents)
    names = NameIndex(doc, first_name_gender=lambda first: "m" if first == "Thierry" else None)
    alone = next(n for n in names.names if n.text == "Thierry")
    assert names.fullest(alone) == "Thierry Pellard"
    surname = next(n for n in names.names if n.text == "Dupont")
    assert names.fullest(surname) == "Dupont", "a surname is not a first name"


def test_a_name_run_together_resolves_to_the_same_name_with_its_particles_apart() -> None:
    words = ["Wim", "Vandeven", "rit", ".", "Wim", "Van", "de", "Ven", "part", ".", "Wim", "Vandam", "reste", "."]
    ents = ["B-PER", "I-PER", "O", "O", "B-PER", "I-PER", "I-PER", "I-PER", "O", "O", "B-PER", "I-PER", "O", "O"]
    names = NameIndex(Doc(VOCAB, words=words, ents=ents))
    together = next(n for n in names.names if n.text == "Wim Vandeven")
    assert names.fullest(together) == "Wim Van de Ven"
    other = next(n for n in names.names if n.text == "Wim Vandam")
    assert names.fullest(other) == "Wim Vandam", "other letters: another person"


def test_a_surname_resolves_to_the_full_name_the_tagger_labelled_misc() -> None:
    words = ["Erdoğan", "rit", ".", "Recep", "Tayyip", "Erdoğan", "part", ".", "le", "sommet", "Erdoğan", "."]
    ents = ["B-PER", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O", "O", "O", "B-MISC", "I-MISC", "O"]
    names = NameIndex(Doc(VOCAB, words=words, ents=ents))
    alone = next(n for n in names.names if n.text == "Erdoğan")
    assert names.fullest(alone) == "Recep Tayyip Erdoğan", "a person's full name the tagger called MISC"
    other = NameIndex(Doc(VOCAB, words=words[:3] + words[8:], ents=ents[:3] + ents[8:]))
    assert other.fullest(other.names[0]) == "Erdoğan", "a MISC name with a lower-case word is no person's"


def test_the_governor_is_the_verb_a_quotation_hangs_from() -> None:
    # le Qatar dénonçait un « nouveau massacre » .
    words = ["le", "Qatar", "dénonçait", "un", "«", "nouveau", "massacre", "»", "."]
    heads = [1, 2, 2, 6, 6, 6, 2, 6, 2]
    deps = ["det", "nsubj", "ROOT", "det", "punct", "amod", "obj", "punct", "punct"]
    pos = ["DET", "PROPN", "VERB", "DET", "PUNCT", "ADJ", "NOUN", "PUNCT", "PUNCT"]
    doc = Doc(VOCAB, words=words, heads=heads, deps=deps, pos=pos)
    gov = governor(doc, 5, 7)
    assert gov is not None and gov.text == "dénonçait"
    # « Nous partons » . : a sentence of its own hangs from nothing
    alone = Doc(
        VOCAB,
        words=["«", "Nous", "partons", "»", "."],
        heads=[2, 2, 2, 2, 2],
        deps=["punct", "nsubj", "ROOT", "punct", "punct"],
        pos=["PUNCT", "PRON", "VERB", "PUNCT", "PUNCT"],
    )
    assert governor(alone, 1, 3) is None


def _quote_ctx(doc: Doc, first: int, last: int, speaker: str | None, attribution: str) -> QuoteContext:
    """The quotation between the marks at tokens first and last (inclusive)."""
    start, end = doc[first + 1].idx, doc[last - 1].idx + len(doc[last - 1].text)
    found = Found(start, end, "direct", doc[first].idx, doc[last].idx, None, start)
    quote = Quote(doc.text[start:end], start, end, "direct", speaker=speaker, attribution=attribution)
    return QuoteContext(quote, Attributed(found, None, None), first, last + 1)


def test_an_intertitle_knows_who_the_patterns_give_its_words_to_below() -> None:
    # « Il était son pire ennemi » (an intertitle) / « Il était son pire ennemi » , lance L'Avenir .
    words = ["«", "Il", "était", "son", "pire", "ennemi", "»", "\n", "«", "Il", "était", "son", "pire", "ennemi", "»"]
    words += [",", "lance", "L'", "Avenir", "."]
    ents = ["O"] * 17 + ["B-ORG", "I-ORG", "O"]
    starts = [k in (0, 8) for k in range(len(words))]
    spaces = [
        w not in ("L'", "\n") and nxt not in (",", ".", "\n") for w, nxt in zip(words, [*words[1:], ""], strict=True)
    ]
    doc = Doc(VOCAB, words=words, spaces=spaces, ents=ents, sent_starts=starts)
    parsed = ParsedArticle.of(doc).with_quoted(frozenset(range(0, 7)) | frozenset(range(8, 15)))
    ctxs = [_quote_ctx(doc, 0, 6, None, "context"), _quote_ctx(doc, 8, 14, "L'Avenir", "name")]
    builder = CandidateBuilder(parsed, NameIndex(doc), Article(path="t.txt", text=doc.text))
    intertitle, body = builder.candidates(ctxs)
    picks = [c.key for c in intertitle if c.features.get("echo_rule_pick")]
    assert picks == [fold("L'Avenir")] and intertitle[-1].features["echoed"] == 1.0
    assert not any(c.features.get("echoed") for c in body), "its words come first: nothing echoes them after"


@pytest.mark.parametrize(
    ("text", "previous", "question"),
    [
        ("Vous allez changer ça, donc…\n\n« Oui. »", "Vous allez changer ça, donc…", False),
        ("Publique ?\n« Oui, ouverte. »", "Publique ?", True),
        ("Il a demandé « pourquoi ? »\n« Parce que. »", "Il a demandé « pourquoi ? »", False),
        ("« Premier paragraphe. »", "", False),
    ],
)
def test_a_quote_answering_an_interviewers_question(text: str, previous: str, question: bool) -> None:
    at = text.rfind("\n") + 1  # the last paragraph's opening mark
    assert _previous_line(text, at) == previous
    assert _is_question(previous) is question


def test_a_stretch_the_rules_reject_is_kept_with_its_reason_for_the_classifier() -> None:
    from quotes.extract.detect import detect_quotes

    doc = spacy.blank("fr")("Le parti parle de « refondation » depuis des mois.")
    assert detect_quotes(ParsedArticle.of(doc)) == []
    (kept,) = detect_quotes(ParsedArticle.of(doc), keep_rejected=True)
    assert kept.rejected == "scare quote" and doc.text[kept.start : kept.end] == "refondation"


def test_without_a_speech_classifier_the_rules_rejections_stand() -> None:
    from quotes.extract.pipeline import Analysis, speech_kept

    text = "« Oui », dit-il, et « non »."
    quotes = (Quote("Oui", 2, 5, "direct"), Quote("non", 21, 24, "mixed"))
    analysis = Analysis(Article(path="a.txt", text=text), quotes, ((), ()), "fallback", (), (False, True))
    assert speech_kept(analysis, None) == [0]
    assert analysis.only([1]).rejected == (True,)


def test_no_sentence_runs_over_a_paragraph_break() -> None:
    # the parser's one sentence: « Non », regrette un salarié . \n\n Julien Ferrand a prévenu .
    words = ["«", "Non", "»", ",", "regrette", "un", "salarié", ".", "\n\n", "Julien", "Ferrand", "a", "prévenu", "."]
    doc = Doc(VOCAB, words=words, sent_starts=[k == 0 for k in range(len(words))])
    parsed = ParsedArticle.of(doc)
    assert parsed.sentence_starts == (0,), "syntax keeps the parser's sentence"
    assert parsed.reading_starts == (0, 9)
    assert parsed.reading_sentence_index(4) != parsed.reading_sentence_index(9), "the next paragraph starts one"
    assert parsed.sentence_of(12).start == 0 and parsed.token_at_or_after(doc[9].idx) == 9


@pytest.mark.parametrize(
    ("words", "pos", "ents", "expected"),
    [
        (["un", "proche", "de", "Pierre", "Moscovici"], ["DET", "NOUN", "ADP", "PROPN", "PROPN"], "OOOBI", "nominal"),
        (["une", "amie", "d'", "Ana", "Ruiz"], ["DET", "NOUN", "ADP", "PROPN", "PROPN"], "OOOBI", "nominal"),
        (["des", "proches", "du", "Pape"], ["DET", "NOUN", "ADP", "PROPN"], "OOOB", "nominal"),
        (["le", "ministre", "Pierre", "Moscovici"], ["DET", "NOUN", "PROPN", "PROPN"], "OOBI", "name"),
        (["un", "Pierre", "Moscovici", "ravi"], ["DET", "PROPN", "PROPN", "ADJ"], "OBIO", "name"),
        (["Pierre", "Moscovici"], ["PROPN", "PROPN"], "BI", "name"),
    ],
)
def test_someone_close_to_a_named_person_is_not_that_person(
    words: list[str], pos: list[str], ents: str, expected: str
) -> None:
    from quotes.extract.attribute import mention_kind

    tags = [{"B": "B-PER", "I": "I-PER", "O": "O"}[c] for c in ents]
    doc = Doc(VOCAB, words=words, pos=pos, ents=tags)
    kind, _ = mention_kind(doc, 0, len(words))
    assert kind == expected


@pytest.mark.parametrize(
    ("words", "deps", "pos", "lemmas", "gender"),
    [
        (["Je", "suis", "inquiète"], ["nsubj", "cop", "ROOT"], ["PRON", "AUX", "ADJ"], ["je", "être", "inquiet"], "f"),
        (["Je", "suis", "prêt"], ["nsubj", "cop", "ROOT"], ["PRON", "AUX", "ADJ"], ["je", "être", "prêt"], "m"),
        (["Je", "suis", "libre"], ["nsubj", "cop", "ROOT"], ["PRON", "AUX", "ADJ"], ["je", "être", "libre"], None),
        (["Elle", "est", "prête"], ["nsubj", "cop", "ROOT"], ["PRON", "AUX", "ADJ"], ["elle", "être", "prêt"], None),
        (
            ["Je", "suis", "surprise"],
            ["nsubj:pass", "aux:pass", "ROOT"],
            ["PRON", "AUX", "VERB"],
            ["je", "être", "surprendre"],
            "f",
        ),
        (["Je", "suis", "venu"], ["nsubj", "aux:tense", "ROOT"], ["PRON", "AUX", "VERB"], ["je", "être", "venir"], "m"),
        (["J'", "ai", "dit"], ["nsubj", "aux:tense", "ROOT"], ["PRON", "AUX", "VERB"], ["je", "avoir", "dire"], None),
    ],
)
def test_the_gender_a_speaker_gives_themself(
    words: list[str], deps: list[str], pos: list[str], lemmas: list[str], gender: str | None
) -> None:
    morphs = ["", "", "VerbForm=Part" if pos[2] == "VERB" else ""]
    doc = Doc(VOCAB, words=words, heads=[2, 2, 2], deps=deps, pos=pos, lemmas=lemmas, morphs=morphs)
    assert speaker_gender(list(doc)) == gender


def test_a_name_inside_the_quotation_is_marked() -> None:
    words = ["«", "Curie", "ment", "»", ",", "a", "dit", "Marie", "Curie", "à", "Paul", "."]
    doc = Doc(
        VOCAB,
        words=words,
        heads=[2, 2, 6, 2, 6, 6, 6, 6, 7, 10, 6, 6],
        deps=["punct", "nsubj", "ccomp", "punct", "punct", "aux", "ROOT", "nsubj", "flat:name", "case", "obl", "punct"],
        pos=["PUNCT", "PROPN", "VERB", "PUNCT", "PUNCT", "AUX", "VERB", "PROPN", "PROPN", "ADP", "PROPN", "PUNCT"],
        ents=["O", "B-PER", "O", "O", "O", "O", "O", "B-PER", "I-PER", "O", "B-PER", "O"],
        lemmas=words,
    )
    found = Found(doc[1].idx, doc[2].idx + 4, "direct", 0, doc[3].idx, Cue(6, "a dit", "tail"), 0)
    parsed = ParsedArticle.of(doc).with_quoted(frozenset(range(0, 4)))
    quote = Quote(doc.text[found.start : found.end], found.start, found.end, "direct")
    builder = CandidateBuilder(parsed, NameIndex(doc), Article(path="t.txt", text=doc.text, title="Un titre"))
    (cands,) = builder.candidates([QuoteContext(quote, Attributed(found, None, "a dit"), 0, 4)])
    by_key = {c.key: c.features for c in cands}
    assert by_key["marie curie"]["named_in_quote"] == 1.0, "people seldom speak of themselves by name"
    assert by_key["paul"]["named_in_quote"] == 0.0
