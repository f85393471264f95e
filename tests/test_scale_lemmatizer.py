"""The pipeline's French lemmatizer reads its lemma index as sets (quotes.extract.nlp): the same
lemmas as spaCy's own method, word for word, on fresh caches (loads the model)."""

from __future__ import annotations

from typing import Any

import pytest

from quotes.extract import nlp as nlp_module

pytestmark = pytest.mark.model

# (word, part of speech): conjugated verbs, plurals, feminines, words in spaCy's index as they
# are, exceptions, and made-up words that only the suffix rules can lemmatize
WORDS = [
    ("annoncé", "VERB"),
    ("déclarait", "VERB"),
    ("finissons", "VERB"),
    ("prendront", "VERB"),
    ("rappelées", "VERB"),
    ("dire", "VERB"),
    ("chevaux", "NOUN"),
    ("journaux", "NOUN"),
    ("ministres", "NOUN"),
    ("bibliothèques", "NOUN"),
    ("directrice", "NOUN"),
    ("musée", "NOUN"),
    ("nouvelle", "ADJ"),
    ("heureuse", "ADJ"),
    ("publiques", "ADJ"),
    ("internationaux", "ADJ"),
    ("rapidement", "ADV"),
    ("avait", "AUX"),
    ("les", "DET"),
    ("elle", "PRON"),
    ("Vasseur", "PROPN"),
    ("zorblatées", "VERB"),
    ("flumpettes", "NOUN"),
    ("grindeux", "ADJ"),
    ("brouvaient", "VERB"),
]


def token(nlp: Any, word: str, pos: str) -> Any:
    from spacy.tokens import Doc

    return Doc(nlp.vocab, words=[word], pos=[pos])[0]


@pytest.fixture
def fresh(extractor: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """The session pipeline's lemmatizer wrapped anew on an empty cache, and spaCy's own method
    on another empty cache (restored after the test), so that both compute every word."""
    nlp = extractor.pipeline.nlp
    lemmatizer = nlp.get_pipe("lemmatizer")
    for name in ("cache", "rule_lemmatize", "lemmatize"):
        monkeypatch.setattr(lemmatizer, name, getattr(lemmatizer, name))
    lemmatizer.cache = {}
    nlp_module._lemmatize_with_set_index(nlp)  # the wrapper's view keeps this cache
    lemmatizer.cache = {}  # spaCy's own method, called on the lemmatizer itself, fills this one
    return nlp, lemmatizer


def test_the_loaded_pipeline_lemmatizes_through_the_wrapper(extractor: Any) -> None:
    lemmatizer = extractor.pipeline.nlp.get_pipe("lemmatizer")
    assert lemmatizer.mode == "rule"
    assert lemmatizer.lemmatize.__name__ == "with_sets"


def test_wrapped_lemmatizer_gives_spacys_own_lemmas(fresh: tuple[Any, Any]) -> None:
    nlp, lemmatizer = fresh
    own = type(lemmatizer).rule_lemmatize
    wrapped = [lemmatizer.lemmatize(token(nlp, w, p)) for w, p in WORDS]
    reference = [own(lemmatizer, token(nlp, w, p)) for w, p in WORDS]
    assert wrapped == reference
    got = dict(zip(WORDS, (forms[0] for forms in wrapped), strict=True))
    assert got[("chevaux", "NOUN")] == "cheval"
    assert got[("annoncé", "VERB")] == "annoncer"
    assert got[("publiques", "ADJ")] == "public"


def test_wrapped_lemmatizer_matches_on_every_word_of_a_parsed_text(fresh: tuple[Any, Any]) -> None:
    nlp, lemmatizer = fresh
    doc = nlp(
        "Les ministres internationales ont rappelé mardi que les bibliothèques municipales "
        "fermeraient leurs portes, a déclaré la directrice, qui s'inquiétait des chevaux."
    )
    own = type(lemmatizer).rule_lemmatize
    assert [lemmatizer.lemmatize(t) for t in doc] == [own(lemmatizer, t) for t in doc]


def test_the_set_index_holds_every_word_of_spacys_index(extractor: Any) -> None:
    lemmatizer = extractor.pipeline.nlp.get_pipe("lemmatizer")
    sets = nlp_module._IndexAsSets(lemmatizer.lookups)
    index = lemmatizer.lookups.get_table("lemma_index")
    for pos in ("noun", "verb", "adj", "adv"):
        assert len(index[pos]) > 1000
        assert sets.get_table("lemma_index")[pos] == frozenset(index[pos]), pos
    assert "lemma_rules" in sets and "lemma_none" not in sets
    for name in ("lemma_rules", "lemma_exc", "lemma_lookup"):
        assert sets.get_table(name) is lemmatizer.lookups.get_table(name)


def test_a_lemmatizer_in_lookup_mode_is_left_as_it_is() -> None:
    import spacy

    nlp = spacy.blank("fr")
    lemmatizer = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    before = lemmatizer.lemmatize
    nlp_module._lemmatize_with_set_index(nlp)
    assert lemmatizer.lemmatize == before
