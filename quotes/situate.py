"""When and where a quote was said: the date and venue the article gives for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from quotes.types import Article, Quote


def situate_quotes(article: Article, quotes: Sequence[Quote]) -> list[Quote]:
    """Give each quote the date it was said: for now the publication date."""
    if not article.published:
        return list(quotes)
    return [replace(q, said_on=article.published, said_on_source="publication") for q in quotes]
