"""The French pipeline (spaCy fr_core_news_md), loaded once, and coreference through coreferee.

coreferee runs on demand, only where a speaker is a pronoun, and on a window of sentences
around it rather than the whole article: on French news its rules cost about 25 times the rest
of the pipeline per article (see ../shared/models/README.md). With its French model installed,
the trained model ranks antecedents; without it, coreferee's rule layer lists the allowed
antecedents and `quotes` ranks them itself (subject of the same or previous sentence first,
then the nearest). Either way nothing is downloaded at run time.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from quotes.errors import ModelError
from quotes.extract.parsed import ParsedArticle

SPACY_MODEL = "fr_core_news_md"
COREFEREE_MODEL_PACKAGE = "coreferee_model_fr"
WINDOW_SENTENCES = 3  # sentences before the pronoun's own that coreference looks at
WINDOW_MAX_TOKENS = 100  # a longer window (one long sentence) is left to quotes' own ranking
WINDOW_TOKENS = 60  # earlier sentences only while within this many tokens (coreferee's cost grows fast)

Doc = Any
T = TypeVar("T")


class Coreference:
    """Antecedents of an anaphor, best first, as token indices of the article's doc."""

    def __init__(self, nlp: Any, warn: Callable[[str], None]) -> None:
        self.mode: Literal["coreferee", "fallback"] = "fallback"
        self._annotator: Any = None
        self._rules: Any = None
        try:
            import coreferee  # noqa: F401  (registers the token extensions and the factory)
            from coreferee.rules import RulesAnalyzerFactory
        except ImportError:
            warn("coreferee is not installed: pronouns are resolved by quotes' own ranking only")
            return
        sink = io.StringIO()  # coreferee prints its failures; keep stdout clean for --format jsonl
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            self._rules = RulesAnalyzerFactory.get_rules_analyzer(nlp)
            if importlib.util.find_spec(COREFEREE_MODEL_PACKAGE) is not None:
                try:
                    from coreferee.manager import CorefereeManager

                    self._annotator = CorefereeManager().get_annotator(nlp)
                    _memoize_gender_number(getattr(self._annotator, "rules_analyzer", None))
                    _noun_pairs_with_one_dictionary(getattr(self._annotator, "rules_analyzer", None))
                    _remember_per_doc(getattr(self._annotator, "rules_analyzer", None))
                    self.mode = "coreferee"
                except Exception as exc:
                    self._annotator = None
                    warn(f"coreferee model could not be loaded ({type(exc).__name__}): using the rule fallback")
        _memoize_gender_number(self._rules)
        _noun_pairs_with_one_dictionary(self._rules)
        _remember_per_doc(self._rules)
        self._male = frozenset(getattr(self._rules, "male_names", ()) or ())
        self._female = frozenset(getattr(self._rules, "female_names", ()) or ())
        if (
            self._annotator is None
            and self.mode == "fallback"
            and importlib.util.find_spec(COREFEREE_MODEL_PACKAGE) is None
        ):
            warn(
                "coreferee French model not installed (make setup COREFEREE_MODEL=...): "
                "pronouns are resolved with coreferee's rules and quotes' own ranking"
            )

    def gender(self, first_name: str) -> str | None:
        """'m' or 'f' when coreferee's French first-name lists know the name, else None."""
        if self._rules is None:
            return None
        male = first_name in self._male
        female = first_name in self._female
        return "m" if male and not female else "f" if female and not male else None

    def for_article(self, parsed: ParsedArticle) -> ArticleCoreference:
        """Coreference asked about one article, each anaphor once."""
        return ArticleCoreference(self, parsed)

    def _window(self, parsed: ParsedArticle, i: int) -> tuple[Doc, int]:
        # Whole sentences only: coreferee reads each token's head, which a cut sentence loses.
        here = parsed.sentence_of(i)
        start = here.start
        for _ in range(WINDOW_SENTENCES):
            if start == 0:
                break
            before = parsed.sentence_of(start - 1).start
            if i - before > WINDOW_TOKENS:
                break
            start = before
        return parsed.doc[start : here.end].as_doc(), start

    def _antecedents(self, parsed: ParsedArticle, i: int) -> list[int]:
        """Antecedents of the anaphor at token `i`; raises what coreferee's internals raise."""
        if self._rules is None:
            return []
        window, offset = self._window(parsed, i)
        if len(window) > WINDOW_MAX_TOKENS:
            return []  # too long for coreferee's quadratic rules: quotes' own ranking decides
        if self._annotator is not None:
            return [t + offset for t in self._model_antecedents(window, i - offset)]
        return [t + offset for t in self._rule_antecedents(window, i - offset)]

    def _model_antecedents(self, window: Doc, i: int) -> list[int]:
        self._annotator.annotate(window)
        chains = window._.coref_chains or []
        out: list[int] = []
        for chain in chains:
            roots = [m.root_index for m in chain.mentions]
            if any(i in m.token_indexes for m in chain.mentions):
                specific = chain.mentions[chain.most_specific_mention_index].root_index
                before = sorted((r for r in roots if r < i), reverse=True)
                out.extend([specific, *[r for r in before if r != specific]])
        return out

    def _rule_antecedents(self, window: Doc, i: int) -> list[int]:
        rules = self._rules
        rules.initialize(window)
        tok = window[i]
        chains = tok._.coref_chains
        cands = getattr(chains, "temp_potential_referreds", None) or []
        allowed = [m for m in cands if rules.is_potential_anaphoric_pair(m, tok, True) == 2]
        sent_of = {t.i: n for n, s in enumerate(window.sents) for t in s}
        here = sent_of[i]

        def rank(m: Any) -> tuple[int, int]:
            root = window[m.root_index]
            subject_near = root.dep_.startswith("nsubj") and here - sent_of[m.root_index] <= 1
            return (0 if subject_near else 1, i - m.root_index)

        return [m.root_index for m in sorted(allowed, key=rank) if m.root_index < i]


class ArticleCoreference:
    """Coreference on one article: antecedents asked on demand (coreferee is the slowest step)
    and remembered per anaphor; `failed` once coreferee's internals raised on this article, whose
    pronouns are then resolved by quotes' own ranking."""

    def __init__(self, coreference: Coreference, parsed: ParsedArticle) -> None:
        self._coreference = coreference
        self._parsed = parsed
        self._found: dict[int, list[int]] = {}
        self.failed = False

    def gender(self, first_name: str) -> str | None:
        return self._coreference.gender(first_name)

    def antecedents(self, i: int) -> list[int]:
        """Tokens that the anaphor at `i` may refer to, best first (empty when unknown)."""
        if i not in self._found:
            try:
                self._found[i] = self._coreference._antecedents(self._parsed, i)
            except Exception:
                self.failed = True
                self._found[i] = []
        return list(self._found[i])


def _memoize_gender_number(rules: Any) -> None:
    """coreferee's French rules recompute the gender and number of the same token tens of
    thousands of times per document; the answer depends only on the token and the flags, so
    remember it per document (wrapping the method, not changing it)."""
    if rules is None or not hasattr(rules, "get_gender_number_info"):
        return
    original = rules.get_gender_number_info

    def remembered(token: Any, directly: bool = False, det_infos: bool = False) -> Any:
        memo: dict[tuple[int, bool, bool], Any] = token.doc.user_data.setdefault("quotes_gender_number", {})
        key = (token.i, directly, det_infos)
        if key not in memo:
            memo[key] = original(token, directly=directly, det_infos=det_infos)
        return memo[key]

    rules.get_gender_number_info = remembered


class _OneDictionary:
    """What coreferee's French `is_potential_coreferring_noun_pair` sees as `self`: the rules
    analyser in every respect (its methods are bound to it, so they see its own lists), except
    that the dictionary the method builds from `person_roles` and
    `reverse_entity_noun_dictionary` on every call (a comprehension over some 3,400 roles) is
    built here once: `person_roles` reads as empty and `reverse_entity_noun_dictionary` as the
    built dictionary, so the method's own building is a copy of it, the same mapping."""

    def __init__(self, rules: Any) -> None:
        self._rules = rules
        merged = {noun: "PER" for noun in rules.person_roles}
        merged.update(rules.reverse_entity_noun_dictionary)
        self.person_roles: tuple[str, ...] = ()
        self.reverse_entity_noun_dictionary = merged

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rules, name)


def _noun_pairs_with_one_dictionary(rules: Any) -> None:
    """coreferee's French noun-pair test rebuilds one constant dictionary on every call (about 40 %
    of coreferee's time on news): run it with that dictionary built once (wrapping the method,
    not changing it). Rules of another shape are left as they are."""
    method = getattr(type(rules), "is_potential_coreferring_noun_pair", None) if rules is not None else None
    if method is None or not hasattr(rules, "person_roles") or not hasattr(rules, "reverse_entity_noun_dictionary"):
        return
    view = _OneDictionary(rules)

    def once(referred: Any, referring: Any) -> Any:
        return method(view, referred, referring)

    rules.is_potential_coreferring_noun_pair = once


# coreferee's French tests that depend only on their tokens (their words, parse and the
# coordination coreferee notes on the document before asking any of them), asked again and
# again of the same tokens: a document's sentences are walked once per pronoun and once per
# noun, each walk asking them of every earlier word (dev: 3,041 noun-pair tests of 1,051 pairs).
# `refers_to_person` reads its token's entity type, lemma, part of speech and dependency, its
# head's lemma and the word before it, and joins and scans lists of some 3,400 and 8,700 words
# on every call (dev + train windows: 2,100 calls for 429 tokens).
_PER_DOC = ("is_potential_coreferring_noun_pair", "is_potential_anaphor", "is_independent_noun", "refers_to_person")


def _remember_per_doc(rules: Any) -> None:
    """Remember, per document, the answers of coreferee's token tests `_PER_DOC` (wrapping the
    methods, not changing them; a method wrapped already, as by `_noun_pairs_with_one_dictionary`,
    is remembered as it is)."""
    if rules is None:
        return
    for name in _PER_DOC:
        method = getattr(rules, name, None)
        if method is None or getattr(method, "quotes_per_doc", False):
            continue
        setattr(rules, name, _remembered(method, f"quotes_{name}"))


def _remembered(method: Callable[..., Any], slot: str) -> Callable[..., Any]:
    def remembered(*tokens: Any) -> Any:
        memo: dict[tuple[int, ...], Any] = tokens[0].doc.user_data.setdefault(slot, {})
        key = tuple(t.i for t in tokens)
        if key not in memo:
            memo[key] = method(*tokens)
        return memo[key]

    setattr(remembered, "quotes_per_doc", True)  # noqa: B010
    return remembered


class _IndexAsSets:
    """What spaCy's French rule lemmatizer sees as `self.lookups`: the lemmatizer's own tables,
    except that `lemma_index` holds each part of speech's known lemmas as a frozenset instead of
    a list. The method only asks `word in index`, which on the list scans up to 66,000 nouns for
    every word not yet cached (most of the lemmatizer's time on fresh articles); on the set the
    answer is the same, found at once."""

    def __init__(self, lookups: Any) -> None:
        self._lookups = lookups
        index = lookups.get_table("lemma_index", {})
        self.index: dict[str, frozenset[str]] = {pos: frozenset(index.get(pos, ())) for pos in _INDEXED_POS}

    def get_table(self, name: str, default: Any = None) -> Any:
        if name == "lemma_index":
            return self.index
        return self._lookups.get_table(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self._lookups

    def __getattr__(self, name: str) -> Any:
        return getattr(self._lookups, name)


# the parts of speech spaCy's French rule lemmatizer reaches its tables with
_INDEXED_POS = ("noun", "verb", "adj", "adp", "adv", "aux", "cconj", "det", "pron", "punct", "sconj")


class _LemmatizerView:
    """The French lemmatizer in every respect (its cache, its lookup fallback, its rules), with
    its index tables read as sets (`_IndexAsSets`)."""

    def __init__(self, lemmatizer: Any) -> None:
        self._lemmatizer = lemmatizer
        self.cache = lemmatizer.cache  # the same dict: what one fills, the other reads
        self.lookups = _IndexAsSets(lemmatizer.lookups)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._lemmatizer, name)


def _lemmatize_with_set_index(nlp: Any) -> None:
    """Run the pipeline's French rule lemmatizer with its index as sets (wrapping the method,
    not changing it): the same lemmas, without a linear scan per new word. Another lemmatizer
    (another mode, another language's rules, no index table) is left as it is."""
    try:
        lemmatizer = nlp.get_pipe("lemmatizer")
    except KeyError:
        return
    method = getattr(type(lemmatizer), "rule_lemmatize", None)
    index = lemmatizer.lookups.get_table("lemma_index", None) if hasattr(lemmatizer, "lookups") else None
    if method is None or getattr(lemmatizer, "mode", None) != "rule" or index is None:
        return
    if not all(isinstance(index.get(pos, ()), list | tuple | set | frozenset) for pos in _INDEXED_POS):
        return
    view = _LemmatizerView(lemmatizer)

    def with_sets(token: Any) -> Any:
        return method(view, token)

    lemmatizer.rule_lemmatize = with_sets
    lemmatizer.lemmatize = with_sets


@dataclass
class Pipeline:
    nlp: Any
    coref: Coreference


def load_pipeline(warn: Callable[[str], None]) -> Pipeline:
    """spaCy's French pipeline and coreference, once per process; a clear error when missing."""
    try:
        import spacy
    except ImportError as exc:
        raise ModelError("spaCy is not installed: run `make setup`") from exc
    try:
        nlp = spacy.load(SPACY_MODEL)
    except OSError as exc:
        raise ModelError(f"spaCy model {SPACY_MODEL} is not installed: run `make setup`") from exc
    _lemmatize_with_set_index(nlp)
    return Pipeline(nlp, Coreference(nlp, warn))


WINDOW_CHARS = 100_000  # an article longer than this is parsed in paragraph-aligned windows


def window_bounds(text: str, size: int | None = None) -> list[tuple[int, int]]:
    """Consecutive stretches covering `text` exactly, each at most `size` characters where a
    paragraph break allows: cut after the last blank line (else line break, else space) before
    the limit, so that no sentence or paragraph is split where the text gives a better place."""
    size = size or WINDOW_CHARS
    bounds: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > size:
        limit = start + size
        cut = -1
        for sep in ("\n\n", "\n", " "):
            k = text.rfind(sep, start + size // 2, limit)
            if k >= 0:
                cut = k + len(sep)
                break
        if cut <= start:
            cut = limit
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(text)))
    return bounds


def parse_windowed(nlp: Any, items: Iterable[tuple[str, T]], batch_size: int) -> Iterator[tuple[Doc, T]]:
    """`nlp.pipe(items, as_tuples=True)` for texts of any length: a text longer than
    WINDOW_CHARS is parsed window by window (spaCy's cost and memory grow with the text, and it
    refuses texts over nlp.max_length) and the windows joined into one doc whose text is exactly
    the input's, so every offset holds."""
    from spacy.tokens import Doc as SpacyDoc

    def split() -> Iterator[tuple[str, tuple[T, int, int]]]:
        for text, context in items:
            bounds = window_bounds(text)
            for k, (a, b) in enumerate(bounds):
                yield text[a:b], (context, k, len(bounds))

    pending: list[Doc] = []
    for doc, (context, k, count) in nlp.pipe(split(), as_tuples=True, batch_size=batch_size):
        if count == 1:
            yield doc, context
            continue
        pending.append(doc)
        if k == count - 1:
            joined = SpacyDoc.from_docs(pending, ensure_whitespace=False)
            pending = []
            yield joined, context
