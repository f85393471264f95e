"""Word lists kept as data files under quotes/data: reporting verbs, speech nouns, role nouns,
and the speech classifier's person words, link phrases and wording nouns."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources


def _lines(name: str) -> list[str]:
    text = resources.files("quotes").joinpath("data", name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@dataclass(frozen=True)
class ReportingVerbs:
    always: frozenset[str]  # lemmas that report speech in any construction
    conditional: frozenset[str]  # lemmas that need a syntactic reason (que-clause, colon, quote)
    phrases: frozenset[str]  # multi-word cues: "faire valoir", "mettre en garde"

    def kind(self, lemma: str) -> str | None:
        """'always', 'conditional' or None for a verb lemma (reflexive "se"/"s'" allowed)."""
        lemma = lemma.lower()
        for form in (lemma, f"s'{lemma}", f"se {lemma}"):
            if form in self.always:
                return "always"
        if lemma in self.conditional:
            return "conditional"
        return None


@cache
def reporting_verbs() -> ReportingVerbs:
    always: set[str] = set()
    conditional: set[str] = set()
    phrases: set[str] = set()
    for entry in _lines("reporting_verbs.txt"):
        if entry.startswith("?"):
            conditional.add(entry[1:])
        elif " " in entry and not entry.startswith("se "):
            phrases.add(entry)
        else:
            always.add(entry)
    return ReportingVerbs(frozenset(always), frozenset(conditional - always), frozenset(phrases))


@cache
def speech_nouns() -> frozenset[str]:
    return frozenset(_lines("speech_nouns.txt"))


@cache
def non_speech_nouns() -> frozenset[str]:
    return frozenset(_lines("non_speech_nouns.txt"))


@cache
def role_nouns() -> frozenset[str]:
    return frozenset(_lines("role_nouns.txt"))


@cache
def person_words() -> frozenset[str]:
    return frozenset(_lines("person_words.txt"))


@cache
def link_phrases() -> tuple[str, ...]:
    return tuple(_lines("link_phrases.txt"))


@cache
def wording_nouns() -> frozenset[str]:
    return frozenset(_lines("wording_nouns.txt"))


@cache
def venue_words() -> dict[str, frozenset[str]]:
    """The venue lexicon by category (medium, platform, named platform, document, event, audience,
    institution): the words a venue phrase is headed by or named with (quotes/extract/situate.py)."""
    found: dict[str, set[str]] = {}
    for entry in _lines("venue_words.txt"):
        category, _, words = entry.partition(":")
        if words.strip():
            found.setdefault(category.strip(), set()).add(" ".join(words.split()))
    return {category: frozenset(words) for category, words in found.items()}
