"""The speaker scorer and `quotes train`: fitting, choosing, saving, loading, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import run_main

from quotes.errors import ModelError
from quotes.evaluate import AnnotatedArticle, GoldQuote
from quotes.extract.candidates import Candidate
from quotes.extract.pipeline import Analysis
from quotes.extract.scorer import META_FILE, MODEL_FILE, SpeakerScorer, load_scorer, speaker_probability
from quotes.train import UNMATCHED, Example, folds, label
from quotes.types import Article, Quote


def group(right: int, size: int = 4) -> list[Candidate]:
    """Candidates of which only `right` carries the evidence (a cue subject); nobody is last."""
    out = [
        Candidate(f"P{k}", "PER", {"cue_subject": float(k == right), "distance": float(k), "is_null": 0.0}, key=f"p{k}")
        for k in range(size - 1)
    ]
    out.append(Candidate(None, None, {"is_null": 1.0, "distance": 0.0}, None, None))
    return out


def training_set() -> tuple[list[list[Candidate]], list[int | None]]:
    groups, gold = [], []
    for n in range(60):
        right = n % 3
        groups.append(group(right))
        gold.append(right)
    for _ in range(20):  # no evidence anywhere: nobody named
        g = group(99)
        groups.append(g)
        gold.append(len(g) - 1)
    return groups, gold


@pytest.fixture(scope="module")
def scorer() -> SpeakerScorer:
    return SpeakerScorer.fit(*training_set())


def test_the_scorer_learns_the_evidence_and_nobody(scorer: SpeakerScorer) -> None:
    for right in range(3):
        chosen, confidence = scorer.choose(group(right))
        assert chosen == right and confidence > 0.5
    chosen, _ = scorer.choose(group(99))
    assert chosen == 3, "without evidence the answer is nobody named"


def test_probabilities_are_normalised_over_the_candidates(scorer: SpeakerScorer) -> None:
    probs = scorer.probabilities(group(1))
    assert abs(sum(probs) - 1.0) < 1e-9 and max(probs) == probs[1]


def test_save_and_load_give_the_same_choices(scorer: SpeakerScorer, tmp_path: Path) -> None:
    scorer.save(tmp_path / "m", {"articles": 3})
    again = SpeakerScorer.load(tmp_path / "m")
    assert again.probabilities(group(2)) == pytest.approx(scorer.probabilities(group(2)))
    meta = json.loads((tmp_path / "m" / META_FILE).read_text())
    assert meta["articles"] == 3 and meta["quotations"] == 80 and "scikit_learn" in meta


def test_fit_needs_right_and_wrong_candidates() -> None:
    with pytest.raises(ModelError, match="not enough annotated quotations"):
        SpeakerScorer.fit([], [])


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "no such model directory"),
        ("empty", "not a quotes model"),
        ("bad json", "corrupt model description"),
        ("old format", "model format 0 is not 1"),
        ("bad joblib", "corrupt model file"),
    ],
)
def test_a_bad_model_directory_is_one_clear_error(
    scorer: SpeakerScorer, tmp_path: Path, setup: str, message: str
) -> None:
    d = tmp_path / "m"
    if setup != "missing":
        d.mkdir()
    if setup in ("bad json", "old format", "bad joblib"):
        scorer.save(d)
    if setup == "bad json":
        (d / META_FILE).write_text("{not json")
    if setup == "old format":
        (d / META_FILE).write_text(json.dumps({"format": 0}))
    if setup == "bad joblib":
        (d / MODEL_FILE).write_bytes(b"\x00garbage")
    with pytest.raises(ModelError, match=message) as err:
        load_scorer(d)
    assert "\n" not in str(err.value)


def test_the_shipped_model_loads() -> None:
    shipped = load_scorer(None)
    assert shipped is not None, "make model writes quotes/data/model"
    assert shipped.meta["articles"] >= 70 and "cross_validated" in shipped.meta


@pytest.mark.parametrize("which", ["fitted here", "shipped", "shipped second pass"])
def test_speaker_probability_is_the_classifiers_own(scorer: SpeakerScorer, which: str) -> None:
    """The ensemble asked member by member and tree by tree gives predict_proba's numbers exactly,
    on rows with the features seen in training, unseen values and all-zero rows alike."""
    import numpy as np

    model = scorer
    if which != "fitted here":
        shipped = load_scorer(None)
        assert shipped is not None and shipped.second is not None
        model = shipped if which == "shipped" else shipped.second
    width = len(model.vectorizer.feature_names_)
    rng = np.random.default_rng(3)
    x = np.vstack([rng.integers(0, 2, (40, width)).astype(float), rng.normal(0, 5, (40, width)), np.zeros((1, width))])
    assert type(model.classifier).__name__ == "VotingClassifier"
    assert np.array_equal(speaker_probability(model.classifier, x), model.classifier.predict_proba(x)[:, 1])
    boosting = model.classifier.estimators_[0]
    assert np.array_equal(speaker_probability(boosting, x), boosting.predict_proba(x)[:, 1])


@pytest.mark.skipif(not Path("/proc/self/statm").is_file(), reason="reads resident memory from Linux's /proc")
def test_the_shipped_model_adds_under_50_mb_of_memory() -> None:
    """Issue 7's bar, in a fresh process: resident memory after loading the models less before
    (scikit-learn imported first, as it is before any model is read)."""
    import subprocess
    import sys

    probe = (
        "from pathlib import Path\n"
        "import sklearn.ensemble, sklearn.feature_extraction, joblib\n"
        "import quotes.extract.speech\n"
        "from quotes.extract.scorer import load_scorer\n"
        "rss = lambda: int(Path('/proc/self/statm').read_text().split()[1])\n"
        "before = rss()\n"
        "assert load_scorer(None) is not None\n"
        "import resource\n"
        "print((rss() - before) * resource.getpagesize() / 2**20)\n"
    )
    added = float(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout)
    assert 1 < added < 50, f"loading the shipped models adds {added:.1f} MB"


def _example(ident: str, n_quotes: int) -> Example:
    text = " ".join(f"« mot{k} »" for k in range(n_quotes))
    article = Article(path=f"{ident}.json", text=text)
    starts = [text.index(f"mot{k}") for k in range(n_quotes)]
    gold = tuple(GoldQuote(f"mot{k}", s, s + 4, "X", "name") for k, s in enumerate(starts))
    analysis = Analysis(article, (), (), "fallback")
    return Example(AnnotatedArticle(ident, article, gold), analysis, ())


def test_folds_are_disjoint_cover_every_article_and_do_not_change() -> None:
    examples = [_example(f"a{k}", k % 4 + 1) for k in range(11)]
    first = folds(examples, 3)
    assert sorted(i for f in first for i in f) == list(range(11))
    assert first == folds(examples, 3)
    sizes = [sum(len(examples[i].annotated.quotes) for i in f) for f in first]
    assert max(sizes) - min(sizes) <= 4, "folds balanced by quotes"


def test_label_matches_detected_quotes_to_the_annotated_ones() -> None:
    text = "« Nous partons », a dit Jean. « Et vite » « faux »"
    article = Article(path="a.json", text=text)
    gold = (GoldQuote("Nous partons", 2, 14, "Jean", "name"), GoldQuote("Et vite", 31, 38, None, "context"))
    detected = (
        Quote("Nous partons", 2, 14, "direct"),
        Quote("Et vite", 31, 38, "direct"),
        Quote("faux", 43, 47, "mixed"),
    )
    ex = label(AnnotatedArticle("a", article, gold), Analysis(article, detected, ((), (), ()), "fallback"))
    assert ex.gold_index == (0, 1, None)
    assert ex.gold_speaker(0) == "Jean" and ex.gold_speaker(1) is None and ex.gold_speaker(2) is UNMATCHED


def test_train_without_annotations_is_one_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(["train", str(tmp_path), "--output", str(tmp_path / "m")], monkeypatch, capsys)
    assert code == 1 and err.startswith("Error: ") and "no annotated articles" in err and err.count("\n") == 1
    assert not (tmp_path / "m").exists()


def test_train_on_an_annotation_with_wrong_offsets_is_one_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {"id": "x", "text": "« Bonjour », dit-il.", "quotes": [{"quote": "Bonjour", "start": 0, "end": 7}]}
    (tmp_path / "x.json").write_text(json.dumps(bad, ensure_ascii=False))
    code, _, err = run_main(["train", str(tmp_path), "--output", str(tmp_path / "m")], monkeypatch, capsys)
    assert code == 1 and "fix the offsets" in err and err.count("\n") == 1


def test_extract_with_a_missing_model_is_one_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "a.txt"
    article.write_text("« Bonjour », a dit Jean Dupont.")
    code, out, err = run_main(["extract", str(article), "--model", str(tmp_path / "nope")], monkeypatch, capsys)
    assert code == 1 and out == "" and "no such model directory" in err and err.count("\n") == 1


def test_cross_validation_with_too_few_folds_fails_before_loading_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from quotes.extract import pipeline

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(pipeline.Extractor, "__init__", refuse)
    article = {"id": "x", "text": "« Bonjour », dit-il.", "quotes": [{"quote": "Bonjour", "start": 2, "end": 9}]}
    (tmp_path / "x.json").write_text(json.dumps(article, ensure_ascii=False))
    code, _, err = run_main(["evaluate", "--cross-validate", "1", str(tmp_path)], monkeypatch, capsys)
    assert code == 1 and "needs 2 to 1 folds for 1 articles, not 1" in err
    args = ["train", str(tmp_path), "-o", str(tmp_path / "m"), "--cross-validate", "5"]
    code, _, err = run_main(args, monkeypatch, capsys)
    assert code == 1 and "not 5" in err and not (tmp_path / "m").exists()


def _follows_next() -> SpeakerScorer:
    """A second-pass scorer that has learnt: the cue's subject when there is one, else whoever the
    next quotation is given to."""
    groups, gold = training_set()
    groups, gold = groups[:60], gold[:60]  # the cases with evidence
    for n in range(60):
        nxt = n % 3
        g = group(99)
        for k, c in enumerate(g[:-1]):
            c.features["next_speaker"] = float(k == nxt)
        groups.append(g)
        gold.append(nxt)
    return SpeakerScorer.fit(groups, gold)


def test_the_second_pass_gives_a_quote_to_the_next_quotes_speaker(scorer: SpeakerScorer, tmp_path: Path) -> None:
    from quotes.extract.pipeline import choose_speakers

    article = Article(path="a.txt", text="« Un » « Deux »")
    quotes = (Quote("Un", 2, 4, "direct"), Quote("Deux", 9, 13, "direct"))
    analysis = Analysis(article, quotes, (tuple(group(99)), tuple(group(1))), "fallback")
    first_only = choose_speakers(analysis, scorer)[1]
    assert first_only == [None, "p1"], "alone, the first quote has no evidence: nobody named"
    scorer.second = _follows_next()
    try:
        assert choose_speakers(analysis, scorer)[1] == ["p1", "p1"]
        scorer.save(tmp_path / "m")
        again = SpeakerScorer.load(tmp_path / "m")
        assert again.second is not None and choose_speakers(analysis, again)[1] == ["p1", "p1"]
    finally:
        scorer.second = None
