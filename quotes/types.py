"""Plain records passed between the stages. No spaCy objects: offsets index `Article.text`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

QuoteKind = Literal["direct", "mixed", "indirect"]
# How the speaker is pointed at near the quote (the corpus's `attribution` field).
Attribution = Literal["name", "pronoun", "nominal", "relative", "context", "none"]
# Where the date a quote was said comes from.
DateSource = Literal["article", "publication"]


@dataclass(frozen=True)
class Article:
    """One article as read: `text` exactly as read, metadata when known."""

    path: str
    text: str
    url: str | None = None
    outlet: str | None = None
    title: str | None = None
    published: str | None = None  # ISO date, YYYY-MM-DD
    author: str | None = None
    accessed: str | None = None  # ISO date the article was read or fetched


@dataclass(frozen=True)
class Span:
    """A stretch of `Article.text`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Quote:
    """One attributed quotation. `text == article.text[start:end]`."""

    text: str
    start: int
    end: int
    kind: QuoteKind
    speaker: str | None = None  # fullest name in the article, or None when never named
    speaker_mention: str | None = None  # the words near the quote that point at the speaker
    cue: str | None = None  # reporting verb or marker as written: "a déclaré", "selon", ":"
    confidence: float = 0.0
    attribution: Attribution = "none"
    speaker_role: str | None = None  # role the article gives the speaker: "président turc"
    said_on: str | None = None  # ISO date the statement was made
    said_on_source: DateSource | None = None  # a date the article gives, or its publication date
    venue: str | None = None  # where or in what it was said: "sommet de l'OCS", "BFM TV"
    # how the speaker was found: the pattern ("role tie", "coreference", "previous speaker", ...)
    # and, when the trained scorer chose another candidate, "scorer: …" with what weighed most
    evidence: str | None = None


@dataclass(frozen=True)
class ArticleQuotes:
    """The result of extraction for one article."""

    article: Article
    quotes: tuple[Quote, ...] = field(default_factory=tuple)
    coreference: Literal["coreferee", "fallback"] = "fallback"
