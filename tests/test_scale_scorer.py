"""The scorer asked about many quotations at once (issue 9, throughput): the same speakers and
confidences as deciding one quotation at a time, each knowing the decisions before it."""

from __future__ import annotations

from typing import Any

import pytest

import quotes.extract.scorer as scorer_module
from quotes.extract.candidates import with_history
from quotes.extract.pipeline import Analysis, choose_speakers, earlier_of, later_of, rule_history, speech_kept
from quotes.extract.scorer import SpeakerScorer, load_scorer, one_thread
from quotes.read import read_inputs


def _one_at_a_time(
    analysis: Analysis,
    scorer: SpeakerScorer,
    history: list[str | None] | None,
    first: list[tuple[str | None, float, dict[str | None, float]]] | None = None,
) -> list[tuple[str | None, float, dict[str | None, float]]]:
    """The reference: each quotation scored alone, in text order (on a second pass, knowing the
    first pass's speakers after it and its probabilities of its own candidates)."""
    decided: list[str | None] = []
    out: list[tuple[str | None, float, dict[str | None, float]]] = []
    first_keys = [key for key, _, _ in first] if first is not None else None
    for k, static in enumerate(analysis.candidates):
        earlier = earlier_of(analysis, history if history is not None else decided, k)
        later = later_of(analysis, first_keys, k) if first_keys is not None else None
        cands = with_history(static, earlier, later, first[k][2] if first is not None else None)
        probs = scorer.probabilities(cands)
        chosen, confidence = scorer.choose(cands)
        decided.append(cands[chosen].key)
        out.append((cands[chosen].key, confidence, {c.key: p for c, p in zip(cands, probs, strict=True)}))
    return out


@pytest.mark.model
def test_batched_decisions_are_those_of_one_quotation_at_a_time(extractor: Any, shared_dir: Any) -> None:
    scorer = load_scorer(None)
    assert scorer is not None and scorer.second is not None
    articles = list(read_inputs([str(shared_dir / "corpus" / "dev")]))
    differs = 0  # quotations whose first-pass speaker is not the patterns' (each a new round)
    with one_thread():
        for analysis in extractor.analyse(articles):
            analysis = analysis.only(speech_kept(analysis, scorer))
            rules = rule_history(analysis)
            first = _one_at_a_time(analysis, scorer, None)
            first_keys = [key for key, _, _ in first]
            second = _one_at_a_time(analysis, scorer.second, None, first)
            quotes, decided = choose_speakers(analysis, scorer)
            assert decided == [key for key, _, _ in second], analysis.article.path
            assert [q.confidence for q in quotes] == [round(p, 3) for _, p, _ in second]
            given = choose_speakers(analysis, scorer, rules)[1]  # a given history, as training does
            assert given == [
                k
                for k, _, _ in _one_at_a_time(
                    analysis, scorer.second, None, first=_one_at_a_time(analysis, scorer, rules)
                )
            ]
            differs += sum(
                a != b for a, b, q in zip(first_keys, rules, analysis.quotes, strict=True) if q.kind != "indirect"
            )
    assert differs > 0, "the corpus must exercise the rounds after a decision the guess did not foresee"


def test_scoring_lists_together_gives_each_the_probabilities_it_has_alone() -> None:
    from test_scorer import group, training_set

    scorer = SpeakerScorer.fit(*training_set())
    groups = [group(1), group(99, size=2), group(0, size=6), group(2)]
    with one_thread():
        together = scorer.probabilities_many(groups)
        assert together == [scorer.probabilities(g) for g in groups]
        assert scorer.choose_many(groups) == [scorer.choose(g) for g in groups]
        assert scorer.probabilities_many([]) == [] and scorer.probabilities([]) == []
        known: dict[bytes, float] = {}
        assert scorer.probabilities_many(groups, known) == together
        assert len(known) == len({tuple(c.features.items()) for g in groups for c in g})
        known = {key: 2.0 for key in known}  # rows scored before are read, not scored again
        assert scorer.probabilities_many(groups[:1], known) == [[1 / len(groups[0])] * len(groups[0])]


@pytest.mark.model
def test_articles_decided_together_get_the_decisions_each_gets_alone_in_fewer_calls(
    extractor: Any, shared_dir: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quotes.extract.pipeline import choose_speakers_many, decide, decide_many

    scorer = load_scorer(None)
    assert scorer is not None and scorer.second is not None and scorer.speech is not None
    analyses = list(extractor.analyse(read_inputs([str(shared_dir / "corpus" / "dev")])))
    calls: list[int] = []
    # The speaker scorers are asked through scorer.speaker_probability (not their predict_proba),
    # the speech classifier through its predict_proba: every call of either is counted.
    ask = scorer_module.speaker_probability
    monkeypatch.setattr(scorer_module, "speaker_probability", lambda m, x: calls.append(len(x)) or ask(m, x))
    predict = scorer.speech.classifier.predict_proba
    monkeypatch.setattr(scorer.speech.classifier, "predict_proba", lambda x: calls.append(len(x)) or predict(x))
    alone = [decide(a, scorer) for a in analyses]
    calls_alone, calls[:] = len(calls), []
    assert decide_many(analyses, scorer) == alone
    assert len(calls) < calls_alone / 2, (len(calls), calls_alone)
    kept = [a.only(speech_kept(a, scorer)) for a in analyses]
    with one_thread():
        assert choose_speakers_many(kept, scorer) == [choose_speakers(a, scorer) for a in kept]
    assert decide_many([], scorer) == []
