"""Long articles are parsed in paragraph-aligned windows: offsets exact, no spaCy length error."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from quotes.extract import nlp as nlp_module
from quotes.extract.nlp import window_bounds
from quotes.types import Article

PARAGRAPHS = [
    "« Nous ne céderons pas sur le point {n} », a déclaré mardi Hélène Martin, maire de Rouen.",
    "Le projet de tramway, estimé à 300 millions d'euros, divise la majorité depuis des mois.",
    "« Une dépense de {n} millions que la ville ne peut pas se permettre », a répondu Paul Girard, élu d'opposition.",
    "Selon la préfecture, les travaux pourraient commencer au printemps si le financement est confirmé.",
    "Hélène Martin a ajouté : « Les habitants attendent ce tramway depuis {n} ans. »",
]


def long_text(repeat: int) -> str:
    """The paragraphs again and again, each time with other numbers in the quotes (the same words
    quoted three times in one article would be a term, not speech)."""
    return "\n\n".join(p.format(n=k + 2) for k in range(repeat) for p in PARAGRAPHS) + "\n"


@pytest.mark.parametrize("size", [1, 50, 400, 10_000])
def test_windows_cover_the_text_exactly(size: int) -> None:
    text = long_text(6)
    bounds = window_bounds(text, size)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
    assert all(a < b for a, b in bounds) and all(b == c for (_, b), (c, _) in pairwise(bounds))
    assert "".join(text[a:b] for a, b in bounds) == text
    assert all(b - a <= size for a, b in bounds)
    if size == 400:  # room for a paragraph: every cut falls after a blank line
        assert len(bounds) > 1 and all(text[b - 2 : b] == "\n\n" for _, b in bounds[:-1])
    if size == 10_000:
        assert bounds == [(0, len(text))]


def test_a_text_longer_than_spacys_limit_is_extracted_in_windows(
    extractor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = long_text(8)
    article = Article(path="long.txt", text=text)
    whole = extractor.extract_one(article)  # one window: the reference
    nlp = extractor.pipeline.nlp
    monkeypatch.setattr(nlp_module, "WINDOW_CHARS", 700)
    monkeypatch.setattr(nlp, "max_length", 1000)  # what a 1.5 MB article meets at 1,000,000
    windowed = extractor.extract_one(article)
    assert len(text) > nlp.max_length
    assert windowed.quotes, "the quotations of every window are found"
    for q in windowed.quotes:
        assert text[q.start : q.end] == q.text
    # windows end on paragraph breaks, so the same quotations are found with the same speakers
    assert [(q.start, q.end, q.speaker) for q in windowed.quotes] == [(q.start, q.end, q.speaker) for q in whole.quotes]
