"""The pipeline's coreference: coreferee's model when installed, its rules otherwise (loads the model)."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from quotes.extract import nlp as nlp_module
from quotes.extract.parsed import ParsedArticle

pytestmark = pytest.mark.model

TEXT = (
    "La ministre de la Culture, Claire Vasseur, a visité le musée mardi. "
    "Elle a annoncé un nouveau budget pour les bibliothèques."
)


def test_without_coreferee_model_warns_once_and_ranks_rule_candidates(
    extractor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec

    def no_model(name: str, *args: Any) -> Any:
        return None if name == nlp_module.COREFEREE_MODEL_PACKAGE else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", no_model)
    warnings: list[str] = []
    coref = nlp_module.Coreference(extractor.pipeline.nlp, warnings.append)
    assert coref.mode == "fallback"
    assert len(warnings) == 1 and "coreferee French model not installed" in warnings[0]
    doc = extractor.pipeline.nlp(TEXT)
    elle = next(t for t in doc if t.text == "Elle")
    antecedents = [doc[i].text for i in coref.for_article(ParsedArticle.of(doc)).antecedents(elle.i)]
    assert antecedents, "the rule layer lists candidates for the pronoun"
    assert antecedents[0] in ("ministre", "Claire", "Vasseur")


def test_with_coreferee_model_links_the_pronoun(extractor: Any) -> None:
    coref = extractor.pipeline.coref
    assert coref.mode == "coreferee"
    doc = extractor.pipeline.nlp(TEXT)
    elle = next(t for t in doc if t.text == "Elle")
    antecedents = [doc[i].text for i in coref.for_article(ParsedArticle.of(doc)).antecedents(elle.i)]
    assert set(antecedents) & {"ministre", "Claire", "Vasseur"}


def test_first_name_gender_from_coreferee_lists(extractor: Any) -> None:
    coref = extractor.pipeline.coref
    assert coref.gender("Marine") == "f"
    assert coref.gender("Zzyzx") is None


def test_coreferee_failure_marks_the_article_and_warns(extractor: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """coreferee raising inside is caught: the article is resolved by quotes' ranking, and says so."""
    from quotes.extract.pipeline import Extractor
    from quotes.types import Article

    def broken(doc: Any) -> None:
        raise ValueError("internal coreferee error")

    monkeypatch.setattr(extractor.pipeline.coref._annotator, "annotate", broken)
    warnings: list[str] = []
    monkeypatch.setattr(extractor, "warn", warnings.append)
    text = (
        "« Nous tiendrons », a déclaré Paul Marchand. Le texte cite aussi le maire, Jeanne Roux. "
        "« Rien n'est joué », a-t-elle ajouté."
    )
    result = Extractor.extract_one(extractor, Article(path="panne.txt", text=text))
    assert result.coreference == "fallback"
    assert warnings == ["panne.txt: coreferee failed on this article; pronouns resolved without it"]
    assert [q.speaker for q in result.quotes if q.kind == "direct"] == ["Paul Marchand", "Jeanne Roux"]


def test_coreferee_token_tests_remembered_per_document_give_the_same_antecedents(
    extractor: Any, shared_dir: Any
) -> None:
    """Each pronoun of the dev articles, in its window, with coreferee's token tests remembered
    (as the pipeline runs them) and as coreferee defines them: the same antecedents."""
    from quotes.read import read_inputs

    coref = extractor.pipeline.coref
    analysers = (coref._rules, getattr(coref._annotator, "rules_analyzer", None))
    rules = list({id(r): r for r in analysers if r is not None}.values())  # the two may be one
    remembered = [{name: vars(r)[name] for name in nlp_module._PER_DOC if name in vars(r)} for r in rules]
    assert all(len(m) == len(nlp_module._PER_DOC) for m in remembered), "every test is remembered"
    articles = list(read_inputs([str(shared_dir / "corpus" / "dev")]))[:8]
    asked = []
    for doc in extractor.pipeline.nlp.pipe(a.text for a in articles):
        parsed = ParsedArticle.of(doc)
        asked += [(parsed, t.i) for t in doc if t.lower_ in ("il", "elle") and t.dep_.startswith("nsubj")][:4]
    assert len(asked) >= 10
    ours = [coref._antecedents(p, i) for p, i in asked]
    try:
        for r, methods in zip(rules, remembered, strict=True):
            for name in methods:
                del vars(r)[name]
            nlp_module._noun_pairs_with_one_dictionary(r)  # the dictionary built once, not remembered
        plain = [coref._antecedents(p, i) for p, i in asked]
    finally:
        for r, methods in zip(rules, remembered, strict=True):
            for name, method in methods.items():
                setattr(r, name, method)
    assert ours == plain and any(ours)
