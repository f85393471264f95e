"""The only module that knows the stage order:
read -> nlp -> parsed (the one record of the article the later stages read) -> detect ->
attribute -> resolve (the patterns) -> speech features and speaker candidates -> speech
classifier (drops what is not speech) -> speaker scorer -> situate.
Each stage gets the `ParsedArticle` and the records of the stages before it, and hands its own
records down; none reads or writes anything hidden on the spaCy doc."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
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
    from quotes.extract.scorer import one_thread

    with one_thread():
        quotes, decided, probs = _decide_in_order(analysis, scorer, history)
        if scorer.second is not None:
            return _decide_in_order(analysis, scorer.second, None, decided, probs)[:2]
    return quotes, decided


def first_pass(
    analysis: Analysis, scorer: SpeakerScorer, history: Sequence[str | None]
) -> tuple[list[str | None], list[dict[str | None, float]]]:
    """The first pass alone, knowing `history` as the speakers before each quote: each quote's
    chosen key and every candidate's probability (what a second pass is trained to read)."""
    from quotes.extract.scorer import one_thread

    with one_thread():
        _, decided, probs = _decide_in_order(analysis, scorer, history)
    return decided, probs


def later_of(analysis: Analysis, history: Sequence[str | None], k: int) -> list[str | None]:
    """The decided speakers of the quotations after quote k, nearest first (indirect speech left out)."""
    return [history[j] for j in range(k + 1, len(history)) if analysis.quotes[j].kind != "indirect"]


# How many quotations one round of the scorer looks ahead at most (when the guess of the
# decisions before them holds, they are decided from that one call).
ROUND_QUOTES = 16


def _decide_in_order(
    analysis: Analysis,
    scorer: SpeakerScorer,
    history: Sequence[str | None] | None,
    first: Sequence[str | None] | None = None,
    first_probs: Sequence[dict[str | None, float]] | None = None,
) -> tuple[list[Quote], list[str | None], list[dict[str | None, float]]]:
    """Each quote decided in text order, knowing the speakers decided before it (or `history`)
    and, on a second pass, the first pass's speakers `first` of the quotations after it and its
    probabilities `first_probs` of this one's candidates; with every candidate's probability.

    The scorer is asked about several quotations at once (a call costs much more than a row):
    each round scores the candidates of the next ROUND_QUOTES quotations as if those before
    them were decided as a guess says (`history` when given, which is then exact; else the first
    pass's speakers, else the patterns'), and the decisions are taken in order from those scores
    while they are exact, that is up to the first decision that differs from the guess; the next
    round starts after it, and scores only the candidates whose features changed. The same
    decisions and probabilities as one quotation at a time: a candidate's probability depends on
    its own features only."""
    from quotes.extract.candidates import with_history
    from quotes.extract.scorer import best_index

    quotes = list(analysis.quotes)
    n = len(quotes)
    guess = list(history if history is not None else first if first is not None else rule_history(analysis))
    decided: list[str | None] = []
    probs: list[dict[str | None, float]] = []
    known: dict[bytes, float] = {}
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
        for k, (cands, p) in enumerate(zip(groups, scorer.probabilities_many(groups, known), strict=True), start):
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
    from quotes.extract.scorer import one_thread

    with one_thread():
        keep = speech_kept(analysis, scorer)
    return decide_kept(analysis.only(keep) if len(keep) < len(analysis.quotes) else analysis, scorer)


def decide_kept(analysis: Analysis, scorer: SpeakerScorer | None) -> ArticleQuotes:
    """The speakers and the date and venue of quotes already judged speech."""
    from quotes.extract.situate import situate_quotes

    quotes = list(analysis.quotes) if scorer is None else choose_speakers(analysis, scorer)[0]
    situated = tuple(situate_quotes(analysis.article, quotes))
    return ArticleQuotes(article=analysis.article, quotes=situated, coreference=analysis.coreference)


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
        for analysis in self.analyse(articles):
            yield decide(analysis, self.scorer)

    def extract_one(self, article: Article) -> ArticleQuotes:
        return next(self.extract([article]))
