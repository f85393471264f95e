"""The only module that knows the stage order:
read -> nlp -> parsed (the one record of the article the later stages read) -> detect ->
attribute -> resolve (the patterns) -> speech features and speaker candidates -> speech
classifier (drops what is not speech) -> speaker scorer -> situate.
Each stage gets the `ParsedArticle` and the records of the stages before it, and hands its own
records down; none reads or writes anything hidden on the spaCy doc."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from quotes.extract.candidates import Candidate
from quotes.folding import fold
from quotes.types import Article, ArticleQuotes, Quote

if TYPE_CHECKING:
    from quotes.extract.scorer import SpeakerScorer

Warn = Callable[[str], None]
Doc = Any  # spacy.tokens.Doc


@dataclass(frozen=True)
class Analysis:
    """One article before the scorer: the patterns' quotes and each quote's candidates."""

    article: Article
    quotes: tuple[Quote, ...]
    candidates: tuple[Sequence[Candidate], ...]  # each built lazily (candidates.QuoteCandidates)
    coreference: Literal["coreferee", "fallback"]
    speech: tuple[dict[str, float] | None, ...] = ()  # each quote's speech features (quotes.extract.speech)
    rejected: tuple[bool, ...] = ()  # quotes the detection rules judge not speech (kept for the classifier)

    def only(self, keep: Sequence[int]) -> Analysis:
        """The analysis with only the quotes at the indices `keep`."""
        return replace(
            self,
            quotes=tuple(self.quotes[k] for k in keep),
            candidates=tuple(self.candidates[k] for k in keep),
            speech=tuple(self.speech[k] for k in keep) if self.speech else (),
            rejected=tuple(self.rejected[k] for k in keep) if self.rejected else (),
        )


def apply_choice(quote: Quote, cands: tuple[Candidate, ...], chosen: int, confidence: float) -> Quote:
    """The quote with the chosen candidate as its speaker (None: nobody named)."""
    c = cands[chosen]
    same = (c.name or None) == (quote.speaker or None)
    return replace(
        quote,
        speaker=c.name,
        speaker_mention=quote.speaker_mention if same or c.name is None else c.mention,
        speaker_role=quote.speaker_role if same else None,
        confidence=round(confidence, 3),
        evidence=quote.evidence if same else f"scorer over {quote.evidence}",
    )


def rule_history(analysis: Analysis) -> list[str | None]:
    """The patterns' speaker of each quote, as candidate keys."""
    return [fold(q.speaker) if q.speaker else None for q in analysis.quotes]


def earlier_of(analysis: Analysis, history: Sequence[str | None], k: int) -> list[str | None]:
    """The decided speakers of the quotations before quote k (indirect speech left out)."""
    return [history[j] for j in range(k) if analysis.quotes[j].kind != "indirect"]


def speech_kept(analysis: Analysis, scorer: SpeakerScorer | None) -> list[int]:
    """The indices of the quotes the model's speech classifier keeps; without one, those the
    detection rules judge speech."""
    speech = scorer.speech if scorer is not None else None
    if speech is None or not analysis.speech:
        rejected = analysis.rejected or (False,) * len(analysis.quotes)
        return [k for k in range(len(analysis.quotes)) if not rejected[k]]
    return [k for k, keep in enumerate(speech.kept(analysis.speech)) if keep]


def choose_speakers(
    analysis: Analysis, scorer: SpeakerScorer, history: Sequence[str | None] | None = None
) -> tuple[list[Quote], list[str | None]]:
    """The scorer's choice of speaker for each quote, in text order, each decided knowing the
    speakers chosen before it (or, given `history`, those speakers); with the chosen keys. A
    scorer with a second pass then decides each again knowing also the first pass's speakers
    of the quotations after it."""
    return choose_speakers_many([analysis], scorer, [history])[0]


def choose_speakers_many(
    analyses: Sequence[Analysis],
    scorer: SpeakerScorer,
    histories: Sequence[Sequence[str | None] | None] | None = None,
) -> list[tuple[list[Quote], list[str | None]]]:
    """`choose_speakers` of each analysis (`histories[i]`: the history of analysis i, or None),
    the articles' rounds scored together: each call of the classifier scores the next round of
    every article still deciding (a call costs much more than a row, and a row's probability
    depends on that row alone, so the answers are those of one article at a time)."""
    from quotes.extract.scorer import one_thread

    given = list(histories) if histories is not None else [None] * len(analyses)
    with one_thread():
        firsts = _scored_rounds(scorer, [_rounds(a, h) for a, h in zip(analyses, given, strict=True)])
        second = scorer.second
        if second is None:
            return [(quotes, decided) for quotes, decided, _ in firsts]
        again = [_rounds(a, None, decided, probs) for a, (_, decided, probs) in zip(analyses, firsts, strict=True)]
        return [(quotes, decided) for quotes, decided, _ in _scored_rounds(second, again)]


def first_pass(
    analysis: Analysis, scorer: SpeakerScorer, history: Sequence[str | None]
) -> tuple[list[str | None], list[dict[str | None, float]]]:
    """The first pass alone, knowing `history` as the speakers before each quote: each quote's
    chosen key and every candidate's probability (what a second pass is trained to read)."""
    from quotes.extract.scorer import one_thread

    with one_thread():
        _, decided, probs = _scored_rounds(scorer, [_rounds(analysis, history)])[0]
    return decided, probs


def later_of(analysis: Analysis, history: Sequence[str | None], k: int) -> list[str | None]:
    """The decided speakers of the quotations after quote k, nearest first (indirect speech left out)."""
    return [history[j] for j in range(k + 1, len(history)) if analysis.quotes[j].kind != "indirect"]


# How many quotations one round of the scorer looks ahead at most (when the guess of the
# decisions before them holds, they are decided from that one call).
ROUND_QUOTES = 16


Decisions = tuple[list[Quote], list[str | None], list[dict[str | None, float]]]
# One article's rounds: yields the candidate lists of a round, is sent their probabilities (as
# SpeakerScorer.probabilities_many gives them) and returns its decisions.
Rounds = Generator[list[list[Candidate]], list[list[float]], Decisions]


def _scored_rounds(scorer: SpeakerScorer, runs: Sequence[Rounds]) -> list[Decisions]:
    """Each article's decisions, its rounds scored by `scorer`: each call of the classifier
    scores the pending round of every article at once (with one memory of the rows scored
    already: a row's probability depends on its values alone)."""
    results: list[Decisions | None] = [None] * len(runs)
    known: dict[bytes, float] = {}
    pending: dict[int, list[list[Candidate]]] = {}

    def advance(i: int, answer: list[list[float]] | None) -> None:
        try:
            pending[i] = next(runs[i]) if answer is None else runs[i].send(answer)
        except StopIteration as stop:
            results[i] = stop.value

    for i in range(len(runs)):
        advance(i, None)
    while pending:
        asked = list(pending.items())
        pending.clear()
        answers = scorer.probabilities_many([g for _, groups in asked for g in groups], known)
        at = 0
        for i, groups in asked:
            advance(i, answers[at : at + len(groups)])
            at += len(groups)
    done = [r for r in results if r is not None]
    assert len(done) == len(runs), "every article's rounds end"
    return done


def _rounds(
    analysis: Analysis,
    history: Sequence[str | None] | None,
    first: Sequence[str | None] | None = None,
    first_probs: Sequence[dict[str | None, float]] | None = None,
) -> Rounds:
    """Each quote decided in text order, knowing the speakers decided before it (or `history`)
    and, on a second pass, the first pass's speakers `first` of the quotations after it and its
    probabilities `first_probs` of this one's candidates; with every candidate's probability.

    The scorer is asked about several quotations at once (a call costs much more than a row):
    each round asks for the candidates of the next ROUND_QUOTES quotations as if those before
    them were decided as a guess says (`history` when given, which is then exact; else the first
    pass's speakers, else the patterns'), and the decisions are taken in order from those scores
    while they are exact, that is up to the first decision that differs from the guess; the next
    round starts after it (its candidates whose features did not change are not scored again:
    `_scored_rounds` remembers them). The same decisions and probabilities as one quotation at
    a time: a candidate's probability depends on its own features only."""
    from quotes.extract.candidates import with_history
    from quotes.extract.scorer import best_index

    quotes = list(analysis.quotes)
    n = len(quotes)
    guess = list(history if history is not None else first if first is not None else rule_history(analysis))
    decided: list[str | None] = []
    probs: list[dict[str | None, float]] = []
    while len(decided) < n:
        start = len(decided)
        assumed = history if history is not None else decided + guess[start:]
        groups = [
            with_history(
                analysis.candidates[k],
                earlier_of(analysis, assumed, k),
                later_of(analysis, first, k) if first is not None else None,
                first_probs[k] if first_probs is not None else None,
            )
            for k in range(start, min(n, start + ROUND_QUOTES))
        ]
        scored = yield groups
        for k, (cands, p) in enumerate(zip(groups, scored, strict=True), start):
            chosen = best_index(p)
            quotes[k] = apply_choice(quotes[k], tuple(cands), chosen, p[chosen])
            decided.append(cands[chosen].key)
            probs.append({c.key: q for c, q in zip(cands, p, strict=True)})
            if decided[k] != guess[k] and quotes[k].kind != "indirect":
                break  # the quotations after it were scored knowing another speaker before them
    return quotes, decided, probs


def decide(analysis: Analysis, scorer: SpeakerScorer | None) -> ArticleQuotes:
    """The article's quotes with the scorer's speakers (the patterns' when there is no scorer),
    after dropping those the model's speech classifier judges not speech; then the date and
    venue of each."""
    return decide_many([analysis], scorer)[0]


def decide_many(analyses: Sequence[Analysis], scorer: SpeakerScorer | None) -> list[ArticleQuotes]:
    """`decide` of each analysis, the classifiers asked about all the articles together (one
    speech classifier call, one speaker scorer call per round): the same answers."""
    from quotes.extract.scorer import one_thread

    with one_thread():
        keeps = speech_kept_many(analyses, scorer)
    kept = [a.only(keep) if len(keep) < len(a.quotes) else a for a, keep in zip(analyses, keeps, strict=True)]
    return decide_kept_many(kept, scorer)


def speech_kept_many(analyses: Sequence[Analysis], scorer: SpeakerScorer | None) -> list[list[int]]:
    """`speech_kept` of each analysis, the speech classifier called once for all of them (each
    quotation's answer depends on its own features only)."""
    speech = scorer.speech if scorer is not None else None
    if speech is None:
        return [speech_kept(a, scorer) for a in analyses]
    featured = [a for a in analyses if a.speech]
    verdicts = iter(speech.kept([row for a in featured for row in a.speech]))
    return [
        [k for k in range(len(a.quotes)) if next(verdicts)] if a.speech else speech_kept(a, scorer) for a in analyses
    ]


def decide_kept(analysis: Analysis, scorer: SpeakerScorer | None) -> ArticleQuotes:
    """The speakers and the date and venue of quotes already judged speech."""
    return decide_kept_many([analysis], scorer)[0]


def decide_kept_many(analyses: Sequence[Analysis], scorer: SpeakerScorer | None) -> list[ArticleQuotes]:
    """`decide_kept` of each analysis, the scorer's rounds of all of them scored together."""
    from quotes.extract.situate import situate_quotes

    if scorer is None:
        chosen = [list(a.quotes) for a in analyses]
    else:
        chosen = [quotes for quotes, _ in choose_speakers_many(analyses, scorer)]
    return [
        ArticleQuotes(
            article=a.article, quotes=tuple(situate_quotes(a.article, quotes)), coreference=a.coreference
        )
        for a, quotes in zip(analyses, chosen, strict=True)
    ]


class Extractor:
    """Loads the French pipeline (and the speaker scorer) once and extracts attributed quotes.

    `model_dir`: a model made by `quotes train` (default: the one shipped in the package);
    `use_scorer=False` keeps the hand-written patterns' answers (for training and comparison).
    """

    def __init__(
        self,
        warn: Warn | None = None,
        batch_size: int = 8,
        model_dir: Path | None = None,
        use_scorer: bool = True,
    ) -> None:
        from quotes.extract.nlp import load_pipeline
        from quotes.extract.scorer import load_scorer

        self.warn: Warn = warn or (lambda _msg: None)
        self.scorer = load_scorer(model_dir) if use_scorer else None
        self.pipeline = load_pipeline(self.warn)
        self.batch_size = batch_size

    def analyse(self, articles: Iterable[Article]) -> Iterator[Analysis]:
        """Each article's quotes as the patterns attribute them, with their candidates."""
        from quotes.extract.nlp import parse_windowed

        pairs = ((a.text, a) for a in articles)
        for doc, article in parse_windowed(self.pipeline.nlp, pairs, self.batch_size):
            yield self.analyse_parsed(doc, article)

    def analyse_parsed(self, doc: Doc, article: Article) -> Analysis:
        """The stages after the parse, on one article's spaCy doc."""
        from quotes.extract.attribute import attribute_quote, attribute_quotes
        from quotes.extract.candidates import CandidateBuilder, QuoteContext
        from quotes.extract.detect import detect_quotes, quoted_tokens
        from quotes.extract.parsed import ParsedArticle
        from quotes.extract.resolve import name_index, resolve_speakers
        from quotes.extract.situate import with_venues
        from quotes.extract.speech import article_features

        parsed = ParsedArticle.of(doc)
        found = detect_quotes(parsed, keep_rejected=True)
        speech_found = [f for f in found if f.rejected is None]
        parsed = parsed.with_quoted(quoted_tokens(parsed, speech_found))
        coref = self.pipeline.coref.for_article(parsed)
        attributed = attribute_quotes(parsed, speech_found)
        names = name_index(doc, coref)
        quotes = resolve_speakers(parsed, attributed, coref, names)
        # stretches the rules judge not speech, attributed apart (they neither mask names nor
        # carry a previous speaker for the others), for the speech classifier to judge again
        judged_not = [attribute_quote(parsed, f) for f in found if f.rejected is not None]
        if judged_not:
            both = sorted(
                zip(attributed + judged_not, quotes + resolve_speakers(parsed, judged_not, coref, names), strict=True),
                key=lambda aq: aq[0].found.start,
            )
            attributed, quotes = [a for a, _ in both], [q for _, q in both]
        contexts = []
        for q, a in zip(quotes, attributed, strict=True):
            span = doc.char_span(a.found.open_at, a.found.close_at + 1, alignment_mode="expand")
            first, last = (span.start, span.end) if span is not None else (0, 0)
            contexts.append(QuoteContext(q, a, first, last))
        cands = CandidateBuilder(parsed, names, article).candidates(contexts)
        speech = article_features(parsed, [a.found for a in attributed], quotes)
        mode: Literal["coreferee", "fallback"] = self.pipeline.coref.mode
        if coref.failed:
            self.warn(f"{article.path}: coreferee failed on this article; pronouns resolved without it")
            mode = "fallback"
        quotes = with_venues(parsed, quotes, [a.found for a in attributed])
        rejected = tuple(a.found.rejected is not None for a in attributed)
        return Analysis(article, tuple(quotes), tuple(cands), mode, speech, rejected)

    def extract(self, articles: Iterable[Article]) -> Iterator[ArticleQuotes]:
        """Attributed quotes for each article, in input order (spaCy batches with nlp.pipe)."""
        batch: list[Analysis] = []
        for analysis in self.analyse(articles):
            batch.append(analysis)
            if len(batch) >= self.batch_size:
                yield from decide_many(batch, self.scorer)
                batch = []
        yield from decide_many(batch, self.scorer)

    def extract_one(self, article: Article) -> ArticleQuotes:
        return next(self.extract([article]))
