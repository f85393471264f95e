"""One parsed article, as every extraction stage after the parse reads it.

Built once per article from the spaCy doc (`ParsedArticle.of`) and handed down explicitly: the
text (spaCy joins every token each time `doc.text` is read), each token's character offset, the
parser's sentences, the reader's sentences (the parser's, cut again at each line break) and,
once detection has run, the tokens inside quotation marks. Stages read it; none writes into the
doc. Syntax (dependency walks, coreferee's windows) keeps the parser's sentences, whose heads
stay inside them; counting distances in sentences uses the reader's.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from typing import Any

Doc = Any  # spacy.tokens.Doc
Span = Any  # spacy.tokens.Span


@dataclass(frozen=True)
class ParsedArticle:
    doc: Doc
    text: str
    token_starts: tuple[int, ...]  # each token's character offset
    sentence_starts: tuple[int, ...]  # the first token of each of the parser's sentences
    reading_starts: tuple[int, ...]  # the first token of each of the reader's sentences
    quoted: frozenset[int] = frozenset()  # tokens inside the quotations' marks (after detection)

    @classmethod
    def of(cls, doc: Doc) -> ParsedArticle:
        """The record of a parsed doc (read from spaCy's arrays once: iterating the doc makes a
        Token object for each, and Token.sent rescans the doc)."""
        from spacy.attrs import IDX

        starts = tuple(int(i) for i in doc.to_array(IDX).tolist()) if len(doc) else ()
        if not len(doc):
            sentences: tuple[int, ...] = ()
        elif doc.has_annotation("SENT_START"):
            sentences = tuple(s.start for s in doc.sents)
        else:
            sentences = (0,)  # a pipeline without a parser or sentencizer: one sentence
        breaks = {t.i + 1 for t in doc if "\n" in t.text and t.i + 1 < len(doc)}
        return cls(doc, doc.text, starts, sentences, tuple(sorted(set(sentences) | breaks)))

    def with_quoted(self, tokens: frozenset[int]) -> ParsedArticle:
        """The same article knowing which tokens are inside quotation marks."""
        return replace(self, quoted=tokens)

    def sentence_index(self, i: int) -> int:
        """The number of the parser's sentence holding token `i` (a token past the end: the last)."""
        return bisect_right(self.sentence_starts, min(i, len(self.doc) - 1)) - 1

    def reading_sentence_index(self, i: int) -> int:
        """The number of the reader's sentence holding token `i`."""
        return bisect_right(self.reading_starts, min(i, len(self.doc) - 1)) - 1

    def sentence_of(self, i: int) -> Span:
        """The parser's sentence holding token `i`."""
        starts = self.sentence_starts
        k = self.sentence_index(i)
        end = starts[k + 1] if k + 1 < len(starts) else len(self.doc)
        return self.doc[starts[k] : end]

    def token_at_or_after(self, char: int) -> int:
        """The first token starting at or after character `char` (len(doc) when none does)."""
        return bisect_left(self.token_starts, char)
