"""Training and cross-validating the speaker scorer on annotated articles.

Each annotated article is analysed once (parse, detect, patterns, candidates); its detected
quotations are matched to the annotated ones as the scorer matches them (Jaccard >= 0.5, one to
one), and each matched quotation's candidates are labelled: right when the candidate names the
annotated speaker (a shorter form of the name counts; "nobody named" is right when the annotation
has no speaker). Cross-validation splits by article: an article is never in train and test at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from quotes.evaluate import (
    AnnotatedArticle,
    Evaluation,
    PredictedQuote,
    evaluate,
    match_quotes,
    predictions_from_results,
    same_speaker,
)
from quotes.extract.candidates import Candidate, with_history
from quotes.extract.pipeline import (
    Analysis,
    decide_kept,
    earlier_of,
    first_pass,
    later_of,
    rule_history,
    speech_kept,
)
from quotes.extract.scorer import SpeakerScorer
from quotes.extract.speech import Features, SpeechClassifier
from quotes.types import ArticleQuotes

BINS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


UNMATCHED = object()  # a detected quote that matches no annotated one: not trained on


@dataclass(frozen=True)
class Example:
    """One annotated article, analysed: for each detected quote, the annotated quote it matches
    (its index) or None when it matches none."""

    annotated: AnnotatedArticle
    analysis: Analysis
    gold_index: tuple[int | None, ...]

    def gold_speaker(self, k: int) -> object:
        gi = self.gold_index[k]
        return UNMATCHED if gi is None else self.annotated.quotes[gi].speaker


def restricted(example: Example, keep: Sequence[int]) -> Example:
    """The example with only the detected quotes at the indices `keep` (those decide() keeps)."""
    return Example(example.annotated, example.analysis.only(keep), tuple(example.gold_index[k] for k in keep))


def speech_rows(examples: Sequence[Example]) -> tuple[list[Features], list[bool]]:
    """Each detected quotation's speech features, labelled speech when it matches an annotated quote."""
    rows: list[Features] = []
    labels: list[bool] = []
    for ex in examples:
        for k, features in enumerate(ex.analysis.speech):
            if features is not None:
                rows.append(features)
                labels.append(ex.gold_index[k] is not None)
    return rows, labels


def fit_speech(examples: Sequence[Example]) -> SpeechClassifier | None:
    """The speech classifier, or None when the examples hold no spurious (or no matched) quotation."""
    rows, labels = speech_rows(examples)
    return SpeechClassifier.fit(rows, labels) if len(set(labels)) == 2 else None


def label(annotated: AnnotatedArticle, analysis: Analysis) -> Example:
    scored = [k for k, q in enumerate(analysis.quotes) if q.kind != "indirect"]
    preds = [PredictedQuote(q.start, q.end, q.speaker, q.kind) for q in (analysis.quotes[k] for k in scored)]
    gold_of: list[int | None] = [None] * len(analysis.quotes)
    for gi, pi in match_quotes(annotated.quotes, preds):
        gold_of[scored[pi]] = gi
    return Example(annotated, analysis, tuple(gold_of))


def analyse_annotated(extractor: Any, annotated: Sequence[AnnotatedArticle]) -> list[Example]:
    """Run the extraction stages up to the candidates on each annotated article (one parse each)."""
    analyses = extractor.analyse(a.article for a in annotated)
    return [label(a, an) for a, an in zip(annotated, analyses, strict=True)]


def right_index(cands: Sequence[Candidate], gold: object) -> int | None:
    """The candidate that names the annotated speaker (a shorter form counts), if any."""
    assert gold is not UNMATCHED
    wanted = gold if isinstance(gold, str) else None
    return next((c for c, cand in enumerate(cands) if same_speaker(wanted, cand.name, lenient=True)), None)


def training_groups(
    examples: Sequence[Example],
    histories: Sequence[Sequence[str | None]],
    firsts: Sequence[Sequence[str | None]] | None = None,
    first_probs: Sequence[Sequence[dict[str | None, float]]] | None = None,
) -> tuple[list[list[Candidate]], list[int | None]]:
    """Each matched quotation's candidates, knowing `histories` as the speakers before it and,
    for the second pass, `firsts` as the first pass's speakers after it and `first_probs` as its
    probabilities of the quotation's candidates; with the right index."""
    groups: list[list[Candidate]] = []
    gold: list[int | None] = []
    for i, (ex, history) in enumerate(zip(examples, histories, strict=True)):
        for k, static in enumerate(ex.analysis.candidates):
            speaker = ex.gold_speaker(k)
            if speaker is UNMATCHED:
                continue
            later = later_of(ex.analysis, firsts[i], k) if firsts is not None else None
            probs = first_probs[i][k] if first_probs is not None else None
            cands = with_history(static, earlier_of(ex.analysis, history, k), later, probs)
            groups.append(cands)
            gold.append(right_index(cands, speaker))
    return groups, gold


def _fit(
    examples: Sequence[Example],
    histories: Sequence[Sequence[str | None]],
    firsts: Sequence[Sequence[str | None]] | None = None,
    first_probs: Sequence[Sequence[dict[str | None, float]]] | None = None,
) -> SpeakerScorer:
    groups, gold = training_groups(examples, histories, firsts, first_probs)
    return SpeakerScorer.fit(groups, gold)


INNER_FOLDS = 3


def fit(examples: Sequence[Example]) -> SpeakerScorer:
    """Two stages, so that the "previous speaker" features are learned from the model's own
    decisions and not from the annotations: a first scorer, knowing the patterns' previous
    speakers, decides each article held out (INNER_FOLDS folds by article); the final scorer is
    trained knowing those decisions as the previous speakers. At extraction time it decides the
    quotations in order, each knowing its own decisions before. The speech classifier that comes
    with it is trained on every detected quotation of the examples."""
    rules = [rule_history(ex.analysis) for ex in examples]
    histories = rules  # too few articles for held-out decisions: the patterns' speakers
    if len(examples) >= INNER_FOLDS:
        histories = [[] for _ in examples]
        probs: list[list[dict[str | None, float]]] = [[] for _ in examples]
        for held_out in folds(examples, INNER_FOLDS):
            held = set(held_out)
            train = [i for i in range(len(examples)) if i not in held]
            first = _fit([examples[i] for i in train], [rules[i] for i in train])
            for i in held_out:
                histories[i], probs[i] = first_pass(examples[i].analysis, first, rules[i])
    scorer = _fit(examples, histories)
    if len(examples) >= INNER_FOLDS:
        scorer.second = _fit(examples, histories, histories, probs)
    scorer.speech = fit_speech(examples)
    return scorer


def folds(examples: Sequence[Example], k: int) -> list[list[int]]:
    """K groups of article indices, balanced by quote count, deterministic (sorted by id)."""
    order = sorted(range(len(examples)), key=lambda i: (-len(examples[i].annotated.quotes), examples[i].annotated.id))
    out: list[list[int]] = [[] for _ in range(k)]
    sizes = [0] * k
    for i in order:
        j = min(range(k), key=lambda f: (sizes[f], len(out[f]), f))
        out[j].append(i)
        sizes[j] += len(examples[i].annotated.quotes)
    return out


@dataclass
class CrossValidation:
    evaluation: Evaluation
    k: int
    reliability: list[tuple[float, float, int, int]]  # (low, high, quotes, right)
    by_pattern: dict[str, tuple[int, int]]  # pattern -> (quotes, right)
    candidate_recall: float  # matched quotes whose right answer was among the candidates
    results: list[ArticleQuotes] = field(default_factory=list)

    def report(self) -> str:
        lines = [f"cross-validated, {self.k} folds by article (each article scored by a model that never saw it)"]
        lines.append(self.evaluation.report())
        lines.append(f"right speaker among the candidates: {self.candidate_recall:.3f}")
        lines.append("confidence   quotes  right  accuracy")
        for low, high, n, ok in self.reliability:
            if n:
                lines.append(f"{low:.1f}–{min(high, 1.0):.1f}  {n:9d} {ok:6d}  {ok / n:.3f}")
        lines.append("pattern (how the speaker is pointed at)   quotes  accuracy")
        for pattern, (n, ok) in sorted(self.by_pattern.items(), key=lambda kv: -kv[1][0]):
            lines.append(f"  {pattern:38s} {n:6d}  {ok / n:.3f}")
        return "\n".join(lines)


def pattern_of(quote: Any, cue_side: str | None) -> str:
    return f"{quote.attribution}/{cue_side or 'no cue'}"


def scored_results(examples: Sequence[Example], scorers: Sequence[SpeakerScorer | None], k: int) -> CrossValidation:
    """Figures of the results decided by `scorers[i]` for example i (the quotes its speech
    classifier drops are left out of the examples too, so that indices stay aligned)."""
    examples = [restricted(ex, speech_kept(ex.analysis, scorers[i])) for i, ex in enumerate(examples)]
    results = [decide_kept(ex.analysis, scorers[i]) for i, ex in enumerate(examples)]
    ids = [ex.annotated.id for ex in examples]
    evaluation = evaluate([ex.annotated for ex in examples], predictions_from_results(ids, results))
    bins = [[lo, hi, 0, 0] for lo, hi in pairwise(BINS)]
    by_pattern: Counter[str] = Counter()
    right_pattern: Counter[str] = Counter()
    matched = with_right = 0
    for ex, result in zip(examples, results, strict=True):
        for k_q, q in enumerate(result.quotes):
            speaker = ex.gold_speaker(k_q)
            if speaker is UNMATCHED:
                continue
            gold = speaker if isinstance(speaker, str) else None
            ok = same_speaker(gold, q.speaker, lenient=True)
            matched += 1
            with_right += right_index(ex.analysis.candidates[k_q], speaker) is not None
            for b in bins:
                if b[0] <= q.confidence < b[1]:
                    b[2] += 1
                    b[3] += ok
            pattern = pattern_of(q, _cue_side(ex, k_q))
            by_pattern[pattern] += 1
            right_pattern[pattern] += ok
    return CrossValidation(
        evaluation,
        k,
        [(float(b[0]), float(b[1]), int(b[2]), int(b[3])) for b in bins],
        {p: (n, right_pattern[p]) for p, n in by_pattern.items()},
        with_right / matched if matched else 0.0,
        results,
    )


def _cue_side(ex: Example, k: int) -> str | None:
    """How the quote's cue stands to it (head, tail, incise, selon, colon...), from its features."""
    features = ex.analysis.candidates[k][-1].features
    return next((f.removeprefix("cue_side_") for f in features if f.startswith("cue_side_")), None)


def check_folds(k: int, articles: int) -> None:
    """`InputError` unless K folds by article can be made of that many articles."""
    if k < 2 or k > articles:
        from quotes.errors import InputError

        raise InputError(f"--cross-validate needs 2 to {articles} folds for {articles} articles, not {k}")


def cross_validate(examples: Sequence[Example], k: int) -> CrossValidation:
    """Train on k-1 folds, decide the held-out fold, for each fold; figures over all articles."""
    check_folds(k, len(examples))
    scorers: list[SpeakerScorer | None] = [None] * len(examples)
    for held_out in folds(examples, k):
        held = set(held_out)
        scorer = fit([ex for i, ex in enumerate(examples) if i not in held])
        for i in held_out:
            scorers[i] = scorer
    return scored_results(examples, scorers, k)
