"""The speech classifier (quotes/extract/speech.py): features on hand-built parses, fitting, saving, loading.

The Docs are built by hand (words, tags, dependencies) on a blank French vocabulary: no
statistical model is loaded.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import spacy
from cli_helpers import run_main
from spacy.tokens import Doc

from quotes.errors import ModelError
from quotes.extract.detect import Cue, Found
from quotes.extract.parsed import ParsedArticle
from quotes.extract.pipeline import Analysis, speech_kept
from quotes.extract.scorer import DEFAULT_MODEL_DIR, META_FILE, MODEL_FILE, SpeakerScorer
from quotes.extract.speech import SPEECH_FILE, THRESHOLD, SpeechClassifier, article_features, load_speech, span_features
from quotes.types import Article, Quote

VOCAB = spacy.blank("fr").vocab
NO_SPACE_BEFORE = {".", ",", "»"}
# (word, pos, dep, head, finite verb?) — head is the index of the head token
Tok = tuple[str, str, str, int, bool]


def make_doc(tokens: list[Tok], ents: list[str] | None = None) -> Any:
    words = [t[0] for t in tokens]
    spaces = [
        k + 1 < len(words) and words[k + 1] not in NO_SPACE_BEFORE and not words[k].endswith("'")
        for k in range(len(words))
    ]
    return Doc(
        VOCAB,
        words=words,
        spaces=spaces,
        pos=[t[1] for t in tokens],
        deps=[t[2] for t in tokens],
        heads=[t[3] for t in tokens],
        morphs=["VerbForm=Fin" if t[4] else "" for t in tokens],
        lemmas=[t[0].lower() for t in tokens],
        ents=ents or ["O"] * len(tokens),
    )


def quotations(doc: Any, kind: str = "mixed", cue: Cue | None = None) -> list[Found]:
    """Every « … » of the doc as a detected quotation (its sentence starts after the last period)."""
    out = []
    for tok in doc:
        if tok.text != "«":
            continue
        close = next(t for t in doc[tok.i :] if t.text == "»")
        inner = doc[tok.i + 1 : close.i]
        sentence = max((t.idx + 2 for t in doc[: tok.i] if t.text == "."), default=0)
        out.append(Found(inner.start_char, inner.end_char, kind, tok.idx, close.idx, cue, sentence))  # type: ignore[arg-type]
    return out


def features_of(doc: Any, kind: str = "mixed", cue: Cue | None = None, which: int = 0) -> dict[str, float]:
    found = quotations(doc, kind, cue)
    quotes = [Quote(doc.text[f.start : f.end], f.start, f.end, f.kind) for f in found]
    rows = article_features(ParsedArticle.of(doc), found, quotes)
    row = rows[which]
    assert row is not None
    return row


def speech_after_colon() -> dict[str, float]:
    # Il a déclaré : « Je refuse. »
    doc = make_doc(
        [
            ("Il", "PRON", "nsubj", 2, False),
            ("a", "AUX", "aux", 2, True),
            ("déclaré", "VERB", "ROOT", 2, False),
            (":", "PUNCT", "punct", 2, False),
            ("«", "PUNCT", "punct", 6, False),
            ("Je", "PRON", "nsubj", 6, False),
            ("refuse", "VERB", "parataxis", 2, True),
            (".", "PUNCT", "punct", 6, False),
            ("»", "PUNCT", "punct", 6, False),
        ]
    )
    return features_of(doc, "direct", Cue(3, ":", "colon"))


def book_title() -> dict[str, float]:
    # Il publie le livre « La Peste ».
    doc = make_doc(
        [
            ("Il", "PRON", "nsubj", 1, False),
            ("publie", "VERB", "ROOT", 1, True),
            ("le", "DET", "det", 3, False),
            ("livre", "NOUN", "obj", 1, False),
            ("«", "PUNCT", "punct", 6, False),
            ("La", "DET", "det", 6, False),
            ("Peste", "PROPN", "appos", 3, False),
            ("»", "PUNCT", "punct", 6, False),
            (".", "PUNCT", "punct", 1, False),
        ],
        ents=["O", "O", "O", "O", "O", "B-MISC", "I-MISC", "O", "O"],
    )
    return features_of(doc)


def scare_quotes_repeated(which: int) -> dict[str, float]:
    # Le « wokisme » inquiète. Le « wokisme » progresse.
    doc = make_doc(
        [
            ("Le", "DET", "det", 2, False),
            ("«", "PUNCT", "punct", 2, False),
            ("wokisme", "NOUN", "nsubj", 4, False),
            ("»", "PUNCT", "punct", 2, False),
            ("inquiète", "VERB", "ROOT", 4, True),
            (".", "PUNCT", "punct", 4, False),
            ("Le", "DET", "det", 8, False),
            ("«", "PUNCT", "punct", 8, False),
            ("wokisme", "NOUN", "nsubj", 10, False),
            ("»", "PUNCT", "punct", 8, False),
            ("progresse", "VERB", "ROOT", 10, True),
            (".", "PUNCT", "punct", 10, False),
        ]
    )
    return features_of(doc, which=which)


def law_wording() -> dict[str, float]:
    # Il est poursuivi pour le délit d'« apologie du terrorisme ».
    doc = make_doc(
        [
            ("Il", "PRON", "nsubj", 2, False),
            ("est", "AUX", "aux", 2, True),
            ("poursuivi", "VERB", "ROOT", 2, False),
            ("pour", "ADP", "case", 5, False),
            ("le", "DET", "det", 5, False),
            ("délit", "NOUN", "obl", 2, False),
            ("d'", "ADP", "case", 8, False),
            ("«", "PUNCT", "punct", 8, False),
            ("apologie", "NOUN", "nmod", 5, False),
            ("du", "ADP", "case", 10, False),
            ("terrorisme", "NOUN", "nmod", 8, False),
            ("»", "PUNCT", "punct", 8, False),
            (".", "PUNCT", "punct", 2, False),
        ]
    )
    return features_of(doc)


def link() -> dict[str, float]:
    # Lire aussi : « Le budget est voté »
    doc = make_doc(
        [
            ("Lire", "VERB", "ROOT", 0, False),
            ("aussi", "ADV", "advmod", 0, False),
            (":", "PUNCT", "punct", 0, False),
            ("«", "PUNCT", "punct", 6, False),
            ("Le", "DET", "det", 5, False),
            ("budget", "NOUN", "nsubj", 7, False),
            ("est", "AUX", "aux", 7, True),
            ("voté", "VERB", "parataxis", 0, False),
            ("»", "PUNCT", "punct", 7, False),
        ]
    )
    return features_of(doc, "direct", Cue(2, ":", "colon"))


def mixed_with_person_word() -> dict[str, float]:
    # Elle juge la réforme « injuste pour nous ».
    doc = make_doc(
        [
            ("Elle", "PRON", "nsubj", 1, False),
            ("juge", "VERB", "ROOT", 1, True),
            ("la", "DET", "det", 3, False),
            ("réforme", "NOUN", "obj", 1, False),
            ("«", "PUNCT", "punct", 5, False),
            ("injuste", "ADJ", "xcomp", 1, False),
            ("pour", "ADP", "case", 7, False),
            ("nous", "PRON", "obl", 5, False),
            ("»", "PUNCT", "punct", 5, False),
            (".", "PUNCT", "punct", 1, False),
        ]
    )
    return features_of(doc, "mixed", Cue(1, "juge", "head"))


FEATURE_ROWS = [
    (
        "speech after a colon",
        speech_after_colon,
        {
            "person_words": 1.0,
            "finite_verbs": 1.0,
            "ends_punct": 1.0,
            "colon_before": 1.0,
            "cue": 1.0,
            "cue_side_colon": 1.0,
            "cue_distance": 2.0,
            "kind_direct": 1.0,
            "role_parataxis": 1.0,
            "title_like": 0.0,
            "upper_mid_sentence": 0.0,
            "title_noun_before": 0.0,
            "link": 0.0,
            "words": 2.0,
            "punct_after": 0.0,
        },
    ),
    (
        "a book title (negative)",
        book_title,
        {
            "title_noun_before": 1.0,
            "title_noun_in_sentence": 1.0,
            "title_like": 1.0,
            "upper_mid_sentence": 1.0,
            "role_appos": 1.0,
            "governor_NOUN": 1.0,
            "before_NOUN": 1.0,
            "entity_share": 1.0,
            "person_words": 0.0,
            "finite_verbs": 0.0,
            "ends_punct": 0.0,
            "cue": 0.0,
            "punct_after": 1.0,
            "kind_mixed": 1.0,
        },
    ),
    (
        "a scare-quoted term, first of two (negative)",
        lambda: scare_quotes_repeated(0),
        {
            "recurs": 2.0,
            "recurs_in_text": 2.0,
            "short": 1.0,
            "words": 1.0,
            "person_words": 0.0,
            "role_nsubj": 1.0,
            "governor_VERB": 1.0,
            "before_DET": 1.0,
            "starts_upper": 0.0,
            "first_paragraph": 1.0,
        },
    ),
    (
        "the same term repeated (negative)",
        lambda: scare_quotes_repeated(1),
        {
            "recurs": 2.0,
            "recurs_in_text": 2.0,
            "short": 1.0,
            "head_tokens": 1.0,
        },
    ),
    (
        "a law's wording (negative)",
        law_wording,
        {
            "wording_noun_before": 1.0,
            "root_has_case": 1.0,
            "role_nmod": 1.0,
            "governor_NOUN": 1.0,
            "before_ADP": 1.0,
            "before2_NOUN": 1.0,
            "finite_verbs": 0.0,
            "person_words": 0.0,
            "title_like": 0.0,
            "words": 3.0,
            "few_words": 1.0,
            "recurs": 1.0,
        },
    ),
    (
        "a « Lire aussi » link (negative)",
        link,
        {
            "link": 1.0,
            "colon_before": 1.0,
            "finite_verbs": 1.0,
            "person_words": 0.0,
            "paragraph_start": 0.0,
        },
    ),
    (
        "a fragment in the first person",
        mixed_with_person_word,
        {
            "person_words": 1.0,
            "cue_side_head": 1.0,
            "cue_distance": 4.0,
            "role_xcomp": 1.0,
            "governor_VERB": 1.0,
            "before_NOUN": 1.0,
            "title_noun_before": 0.0,
            "wording_noun_before": 0.0,
            "kind_mixed": 1.0,
        },
    ),
]


@pytest.mark.parametrize(("name", "build", "expected"), FEATURE_ROWS, ids=[r[0] for r in FEATURE_ROWS])
def test_features(name: str, build: Any, expected: dict[str, float]) -> None:
    features = build()
    assert {k: features.get(k, 0.0) for k in expected} == expected


def test_indirect_speech_has_no_features() -> None:
    doc = make_doc([("Il", "PRON", "nsubj", 1, False), ("dit", "VERB", "ROOT", 1, True)])
    indirect = Found(0, 2, "indirect", 0, 2, None, 0)
    assert article_features(ParsedArticle.of(doc), [indirect], [Quote("Il", 0, 2, "indirect")]) == (None,)


def test_features_need_only_the_span_not_a_quote() -> None:
    doc = make_doc(
        [("«", "PUNCT", "punct", 1, False), ("Non", "ADV", "ROOT", 1, False), ("»", "PUNCT", "punct", 1, False)]
    )
    row = span_features(ParsedArticle.of(doc), quotations(doc, "direct")[0])
    assert row["paragraph_start"] == 1.0 and "has_speaker" not in row


# ---------------------------------------------------------------------------- the classifier


def training_rows() -> tuple[list[dict[str, float]], list[bool]]:
    speech = [{"person_words": 2.0, "finite_verbs": 1.0, "words": float(8 + k)} for k in range(20)]
    titles = [{"title_noun_before": 1.0, "title_like": 1.0, "words": float(2 + k % 3)} for k in range(20)]
    return speech + titles, [True] * 20 + [False] * 20


SPEECH = {"person_words": 2.0, "finite_verbs": 1.0, "words": 12.0}
TITLE = {"title_noun_before": 1.0, "title_like": 1.0, "words": 3.0}


def fitted() -> SpeechClassifier:
    return SpeechClassifier.fit(*training_rows())


def test_fit_tells_speech_from_titles() -> None:
    clf = fitted()
    p_speech, p_title = clf.probabilities([SPEECH, TITLE])
    assert p_speech > 0.9 and p_title < 0.1
    assert clf.kept([SPEECH, None, TITLE]) == [True, True, False]


def test_fit_is_deterministic() -> None:
    assert fitted().probabilities([SPEECH, TITLE, {"words": 5.0}]) == fitted().probabilities(
        [SPEECH, TITLE, {"words": 5.0}]
    )


def test_fit_needs_both_classes() -> None:
    rows, _ = training_rows()
    with pytest.raises(ModelError, match="both"):
        SpeechClassifier.fit(rows, [True] * len(rows))


def test_save_load_round_trip(tmp_path: Path) -> None:
    clf = fitted()
    clf.save(tmp_path)
    loaded = load_speech(tmp_path)
    assert loaded is not None
    rows = [SPEECH, TITLE, {"words": 5.0, "person_words": 1.0}]
    assert loaded.probabilities(rows) == clf.probabilities(rows)
    assert loaded.threshold == clf.threshold == THRESHOLD


def model_dir(tmp_path: Path) -> Path:
    """A copy of the shipped speaker scorer, without its speech classifier."""
    out = tmp_path / "model"
    out.mkdir()
    for name in (MODEL_FILE, META_FILE):
        shutil.copy(DEFAULT_MODEL_DIR / name, out / name)
    return out


def test_model_without_speech_file_loads_without_filtering(tmp_path: Path) -> None:
    directory = model_dir(tmp_path)
    scorer = SpeakerScorer.load(directory)
    assert scorer.speech is None
    analysis = Analysis(Article("a", "x"), (Quote("x", 0, 1, "mixed"),), ((),), "fallback", (TITLE,))
    assert speech_kept(analysis, scorer) == [0]


def test_model_with_speech_file_filters(tmp_path: Path) -> None:
    directory = model_dir(tmp_path)
    fitted().save(directory)
    scorer = SpeakerScorer.load(directory)
    assert scorer.speech is not None
    quotes = (Quote("a", 0, 1, "direct"), Quote("b", 2, 3, "mixed"), Quote("c", 4, 5, "indirect"))
    analysis = Analysis(Article("a", "a b c"), quotes, ((), (), ()), "fallback", (SPEECH, TITLE, None))
    assert speech_kept(analysis, scorer) == [0, 2]
    assert [q.text for q in analysis.only([0, 2]).quotes] == ["a", "c"]
    assert speech_kept(analysis, None) == [0, 1, 2]
    old = Analysis(Article("a", "a b c"), quotes, ((), (), ()), "fallback")  # made before the features
    assert speech_kept(old, scorer) == [0, 1, 2]


def test_scorer_save_writes_and_removes_the_speech_file(tmp_path: Path) -> None:
    directory = model_dir(tmp_path)
    scorer = SpeakerScorer.load(directory)
    scorer.speech = fitted()
    scorer.save(directory)
    assert (directory / SPEECH_FILE).is_file()
    scorer.speech = None
    scorer.save(directory)
    assert not (directory / SPEECH_FILE).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a pickle at all", "corrupt speech classifier"),
        (None, "not a speech classifier of this version"),
    ],
    ids=["garbage", "foreign pickle"],
)
def test_broken_speech_file_is_one_line_model_error(tmp_path: Path, content: bytes | None, message: str) -> None:
    import joblib

    directory = model_dir(tmp_path)
    if content is None:
        joblib.dump({"vectorizer": None}, directory / SPEECH_FILE)
    else:
        (directory / SPEECH_FILE).write_bytes(content)
    with pytest.raises(ModelError, match=message) as caught:
        SpeakerScorer.load(directory)
    assert "\n" not in str(caught.value) and SPEECH_FILE in str(caught.value)


def test_cli_reports_a_corrupt_speech_file_on_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = model_dir(tmp_path)
    (directory / SPEECH_FILE).write_bytes(b"\x80\x04truncated")
    article = tmp_path / "a.txt"
    article.write_text("Il a dit : « Non. »\n", encoding="utf-8")
    code, out, err = run_main(["extract", str(article), "--model", str(directory)], monkeypatch, capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("Error: ") and "corrupt speech classifier" in err


def test_stub_scorer_without_speech_keeps_everything() -> None:
    analysis = Analysis(Article("a", "x"), (Quote("x", 0, 1, "mixed"),), ((),), "fallback", (TITLE,))
    assert speech_kept(analysis, SimpleNamespace(speech=None)) == [0]  # type: ignore[arg-type]


def test_a_stretch_the_rules_rejected_needs_a_surer_classifier() -> None:
    from quotes.extract.speech import REJECTED_THRESHOLD

    clf = fitted()
    clf.threshold = 0.0  # keep everything the rules kept
    rejected = {**SPEECH, "rules_rejected": 1.0}
    p = clf.probabilities([rejected])[0]
    assert clf.kept([SPEECH, rejected, None]) == [True, p >= REJECTED_THRESHOLD, True]


def test_words_quoted_three_times_in_an_article_are_a_term_not_speech() -> None:
    from quotes.extract.speech import TERM_REPEATS

    clf = fitted()
    twice, thrice = {**SPEECH, "recurs": 2.0}, {**SPEECH, "recurs": float(TERM_REPEATS)}
    assert clf.kept([SPEECH, twice, thrice, None]) == [True, True, False, True]
