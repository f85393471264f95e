"""The only module that knows the stage order: read -> nlp -> detect -> attribute -> resolve -> situate."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from quotes.types import Article, ArticleQuotes

Warn = Callable[[str], None]


class Extractor:
    """Loads the French pipeline once and extracts attributed quotes from articles."""

    def __init__(self, warn: Warn | None = None, batch_size: int = 8) -> None:
        from quotes.nlp import load_pipeline

        self.warn: Warn = warn or (lambda _msg: None)
        self.pipeline = load_pipeline(self.warn)
        self.batch_size = batch_size

    def extract(self, articles: Iterable[Article]) -> Iterator[ArticleQuotes]:
        """Attributed quotes for each article, in input order (spaCy batches with nlp.pipe)."""
        from quotes.attribute import attribute_quotes
        from quotes.detect import detect_quotes
        from quotes.nlp import COREFERENCE_FAILED
        from quotes.resolve import resolve_speakers
        from quotes.situate import situate_quotes

        nlp = self.pipeline.nlp
        pairs = ((a.text, a) for a in articles)
        for doc, article in nlp.pipe(pairs, as_tuples=True, batch_size=self.batch_size):
            found = detect_quotes(doc)
            attributed = attribute_quotes(doc, found)
            quotes = resolve_speakers(doc, attributed, self.pipeline.coref)
            mode = self.pipeline.coref.mode
            if doc.user_data.get(COREFERENCE_FAILED):
                self.warn(f"{article.path}: coreferee failed on this article; pronouns resolved without it")
                mode = "fallback"
            yield ArticleQuotes(article=article, quotes=tuple(situate_quotes(article, quotes)), coreference=mode)

    def extract_one(self, article: Article) -> ArticleQuotes:
        return next(self.extract([article]))
