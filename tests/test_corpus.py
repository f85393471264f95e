"""The annotated corpus in ../shared: the seed articles, and cross-validated figures against the issue's bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from quotes.read import read_inputs

pytestmark = pytest.mark.model

# Cross-validated (5 folds by article) on train + dev: the floor this code reaches (a drop fails),
# and the bar (xfail until met). In-sample figures on the training articles are not accuracy.
FLOOR = {"detection_f1": 0.93, "speaker_accuracy": 0.70, "end_to_end_f1": 0.66}
BAR = {
    "detection_precision": 0.95,
    "detection_exact_boundaries": 0.97,
    "detection_recall": 0.93,
    "detection_f1": 0.94,
    "speaker_accuracy": 0.80,
    "end_to_end_f1": 0.75,
}


@pytest.fixture(scope="module")
def cross_validated(extractor: Any, shared_dir: Path) -> Any:
    """The corpus analysed once, then the scorer trained on four fifths and scored on the rest."""
    from quotes.evaluate import read_annotated
    from quotes.train import analyse_annotated, cross_validate, scored_results

    annotated = [a for d in ("train", "dev") for a in read_annotated(shared_dir / "corpus" / d)]
    examples = analyse_annotated(extractor, annotated)
    patterns = scored_results(examples, [None] * len(examples), 0)
    return cross_validate(examples, 5), patterns


def figures(cv: Any) -> dict[str, float]:
    d = cv.evaluation.as_dict()
    return {
        "detection_precision": d["detection"]["precision"],
        "detection_recall": d["detection"]["recall"],
        "detection_f1": d["detection"]["f1"],
        "detection_exact_boundaries": d["detection"]["exact_boundaries"],
        "speaker_accuracy": d["attribution_accuracy"],
        "end_to_end_f1": d["end_to_end"]["f1"],
    }


@pytest.mark.parametrize("figure", sorted(FLOOR))
def test_cross_validated_floor(cross_validated: Any, figure: str) -> None:
    cv, _ = cross_validated
    assert figures(cv)[figure] >= FLOOR[figure]


@pytest.mark.parametrize(
    "figure",
    [
        pytest.param(
            "speaker_accuracy",
            marks=pytest.mark.xfail(reason="issue 7's bar: cross-validated speaker accuracy 0.80 (now 0.731)"),
        ),
        pytest.param(
            "end_to_end_f1",
            marks=pytest.mark.xfail(reason="issue 7's bar: cross-validated end-to-end F1 0.75 (now 0.694)"),
        ),
        "detection_precision",
        "detection_recall",
        "detection_exact_boundaries",
        "detection_f1",
    ],
)
def test_cross_validated_bar(cross_validated: Any, figure: str) -> None:
    cv, _ = cross_validated
    assert figures(cv)[figure] >= BAR[figure]


def test_the_scorer_beats_the_patterns_alone(cross_validated: Any) -> None:
    cv, patterns = cross_validated
    assert figures(cv)["speaker_accuracy"] >= figures(patterns)["speaker_accuracy"]


def test_confidence_is_higher_where_the_scorer_is_right(cross_validated: Any) -> None:
    cv, _ = cross_validated
    rows = [(n, ok) for _lo, _hi, n, ok in cv.reliability if n >= 20]
    (low_n, low_ok), (high_n, high_ok) = rows[0], rows[-1]
    assert high_ok / high_n > low_ok / low_n + 0.3
    assert high_ok / high_n >= 0.85, "quotes given 0.9 or more are right about 9 times in 10"


def test_seed_000_three_quotes(extractor: Any, shared_dir: Path) -> None:
    (result,) = extractor.extract(read_inputs([str(shared_dir / "corpus" / "dev" / "seed_000.json")]))
    direct = [q for q in result.quotes if q.kind != "indirect"]
    assert [q.speaker for q in direct] == ["Vladimir Poutine", "Recep Tayyip Erdoğan", "António Guterres"]
    assert [q.kind for q in direct] == ["direct", "direct", "mixed"]
    text = result.article.text
    assert all(text[q.start : q.end] == q.text for q in result.quotes)
    assert direct[0].text.startswith("Les relations russo-chinoises") and direct[0].cue == "a déclaré"


def test_seed_004_has_no_quote(extractor: Any, shared_dir: Path) -> None:
    (result,) = extractor.extract(read_inputs([str(shared_dir / "corpus" / "dev" / "seed_004.json")]))
    assert [q for q in result.quotes if q.kind != "indirect"] == []
