"""A quotation's candidates are built for the names that can matter to it (issue 9, linear time):
what `with_history` hands the scorer is what it would be with every name of the article built."""

from __future__ import annotations

import math
import random
from typing import Any

import spacy
from spacy.tokens import Doc

from quotes.extract.attribute import Attributed
from quotes.extract.candidates import Candidate, CandidateBuilder, QuoteCandidates, QuoteContext, with_history
from quotes.extract.detect import Cue, Found
from quotes.extract.parsed import ParsedArticle
from quotes.extract.pipeline import earlier_of, later_of, rule_history
from quotes.extract.resolve import NameIndex
from quotes.read import read_inputs
from quotes.types import Article, Quote


def _record(cands: list[Candidate]) -> list[tuple[Any, ...]]:
    return [(c.name, c.label, list(c.features.items()), c.mention, c.key) for c in cands]


def test_the_names_far_from_a_quotation_change_none_of_its_candidates(extractor: Any, shared_dir: Any) -> None:
    articles = list(read_inputs([str(shared_dir / "corpus" / "dev")]))
    joined = Article(path="joined.txt", text="\n\n".join(a.text for a in articles))
    (analysis,) = extractor.analyse([joined])
    statics = analysis.candidates
    assert all(isinstance(s, QuoteCandidates) for s in statics)
    rules = rule_history(analysis)
    # keys the scorer may have decided before: the patterns' speakers and names built for other quotations
    keys = sorted({c.key for s in statics for c in s.among([]) if c.key} | {k for k in rules if k})
    rng = random.Random(9)
    histories = []
    for k in range(len(statics)):
        cases: list[tuple[list[str | None], list[str | None] | None]] = [
            (earlier_of(analysis, rules, k), None),
            (earlier_of(analysis, rules, k), later_of(analysis, rules, k)),
        ]
        for _ in range(3):
            earlier = [rng.choice([*keys, None]) for _ in range(rng.randint(1, 6))]
            cases.append((earlier, [rng.choice([*keys, None]) for _ in range(rng.randint(0, 3))]))
        histories.append(cases)
    built = [len(s.among([])) for s in statics]
    lazy = [
        [_record(with_history(s, e, later)) for e, later in cases] for s, cases in zip(statics, histories, strict=True)
    ]
    every = [list(s) for s in statics]  # every name of the article built: the reference
    assert sum(built) < sum(len(e) for e in every) / 2, "a long article's far names are left unbuilt"
    for k, (cases, full) in enumerate(zip(histories, every, strict=True)):
        assert full[-1].name is None and full == list(statics[k])
        for (earlier, later), got in zip(cases, lazy[k], strict=True):
            assert got == _record(with_history(full, earlier, later)), f"quote {k}: {analysis.quotes[k].text[:40]}"


VOCAB = spacy.blank("fr").vocab


def test_an_article_whose_names_overlap_has_every_name_built_at_once() -> None:
    # « Nous partons », a dit Andrea Assor-Doukhan, and the tagger also saw Doukhan alone
    words = ["«", "Nous", "partons", "»", ",", "a", "dit", "Andrea", "Assor", "-", "Doukhan", ".", "\n"]
    words += ["Paul", "Girard", "et", "Anne", "Roy", "sont", "venus", "."]
    spaces = [True, True, True, False, True, True, True, True, False, False, False, False, False]
    spaces += [True, True, True, True, True, True, False, False]
    ents = ["O"] * 7 + ["B-PER", "O", "O", "B-PER", "O", "O", "B-PER", "I-PER", "O", "B-PER", "I-PER", "O", "O", "O"]
    doc = Doc(VOCAB, words=words, spaces=spaces, ents=ents, sent_starts=[k in (0, 13) for k in range(len(words))])
    names = NameIndex(doc)
    assert [(n.start, n.end) for n in names.names][:2] == [(7, 11), (10, 11)], "the repair runs over Doukhan"
    parsed = ParsedArticle.of(doc).with_quoted(frozenset(range(0, 4)))
    found = Found(doc[1].idx, doc[2].idx + len(doc[2].text), "direct", 0, doc[3].idx, Cue(6, "a dit", "tail"), 0)
    quote = Quote(doc.text[found.start : found.end], found.start, found.end, "direct")
    builder = CandidateBuilder(parsed, names, Article(path="t.txt", text=doc.text))
    (cands,) = builder.candidates([QuoteContext(quote, Attributed(found, None, "a dit"), 0, 4)])
    assert len(cands.among([])) == len(cands) == len(builder.mentions) + 1
    by_key = {c.key: c.features for c in cands}
    assert list(by_key) == ["andrea assor-doukhan", "paul girard", "anne roy", None]
    andrea = by_key["andrea assor-doukhan"]  # Doukhan is the same person, named inside her full name
    assert andrea["mentions"] == math.log1p(2) and andrea["cue_tokens"] == math.log1p(1)
    assert [by_key[k]["after_tokens_rank"] for k in ("andrea assor-doukhan", "paul girard", "anne roy")] == [0, 1, 2]
