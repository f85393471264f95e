"""Is a quoted span someone's words? Features of each detected quotation and a trained classifier.

The detection rules (quotes/extract/detect.py) let through titles of works, scare-quoted terms, the
wording of a law or a charge and « Lire aussi » links; the classifier, trained on the annotated
corpora (a detected span that matches an annotated quote is speech, one that matches none is
not), tells them from speech. Features come from the parsed article: the span's length and
capitalisation, its cue, first- and second-person words and finite verbs inside it, its final
punctuation, how often the same string recurs, title and wording nouns before it, a link
context, its syntactic role, the rules' kind and attribution. Word lists are data files
(quotes/data/*.txt, read by quotes/lexicon.py).

The fitted classifier is saved as `speech.joblib` in the speaker scorer's model directory; a
directory without it loads without speech filtering. A model file is code, as any pickle.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from quotes.errors import ModelError
from quotes.extract.cues import is_title_word
from quotes.extract.detect import Found, is_title_like, words_of
from quotes.extract.parsed import ParsedArticle
from quotes.extract.scorer import one_thread, to_matrix
from quotes.folding import fold
from quotes.lexicon import link_phrases, person_words, wording_nouns
from quotes.types import Quote

Doc = Any  # spacy.tokens.Doc
Features = dict[str, float]

SPEECH_FILE = "speech.joblib"
FORMAT = 1
FEATURES = 2  # bump when the features change: older files are then refused
SEED = 13
# cross-validated, the best detection F1: 0.943 (P 0.950 R 0.936; 0.5: 0.940, 0.6: 0.941, 0.7: 0.938, 0.8: 0.936)
THRESHOLD = 0.65
# A stretch the detection rules judged not speech is kept only when the classifier is sure
# (cross-validated: precision 0.946 and recall 0.936 at 0.9, against 0.934 / 0.947 at 0.6).
REJECTED_THRESHOLD = 0.9
# The same words quoted this many times in one article are a title or a term (a film, a slogan,
# a charge), not someone's words: in the annotated corpora (73 articles), 8 such detected
# quotations, none of them speech, which the classifier, trained on too few, kept.
TERM_REPEATS = 3
SENTENCE_PUNCT = ".!?…"
BEFORE = 4  # tokens looked at before the opening mark
_SPACES = re.compile(r"\s+")
_LEADING_SPACE = re.compile(r"\s*")
LINK_REACH = 120  # characters read at a paragraph's start and before a mark for a link phrase
HEAD_REACH = 80  # tokens of the sentence before the opening mark looked at for a title noun


def _norm(text: str) -> str:
    return _SPACES.sub(" ", fold(text)).strip()


@cache
def _link_phrases() -> tuple[str, ...]:
    """The link phrases (« Lire aussi ») as `_norm` folds them, once."""
    return tuple(_norm(p) for p in link_phrases())


def _paragraph_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _paragraph_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _token_range(parsed: ParsedArticle, start: int, end: int) -> tuple[int, int]:
    """The indices [first, end) of the tokens that start within the characters [start, end)."""
    starts = parsed.token_starts
    return bisect_left(starts, start), bisect_left(starts, end)


def _tokens_between(parsed: ParsedArticle, start: int, end: int) -> list[Any]:
    """The tokens that start within [start, end)."""
    first, end_i = _token_range(parsed, start, end)
    return [parsed.doc[i] for i in range(first, end_i)]


def _tokens_before(parsed: ParsedArticle, at: int, floor: int) -> list[Any]:
    """Up to BEFORE tokens before offset `at`, not before `floor` (the paragraph's start)."""
    first, end = _token_range(parsed, floor, at)
    return [parsed.doc[i] for i in range(max(first, end - BEFORE), end)]


def _tokens_after(parsed: ParsedArticle, at: int, ceiling: int) -> list[Any]:
    """Up to BEFORE tokens from offset `at`, before `ceiling`."""
    first, end = _token_range(parsed, at, ceiling)
    return [parsed.doc[i] for i in range(first, min(end, first + BEFORE))]


def _root_of(tokens: Sequence[Any]) -> Any:
    """The span's token whose head lies outside it (the first such), or None."""
    inside = {t.i for t in tokens}
    return next((t for t in tokens if t.head.i not in inside or t.head.i == t.i), None)


def _is_word(tok: Any) -> bool:
    return bool(tok.text[:1].isalpha())


def span_features(
    parsed: ParsedArticle,
    found: Found,
    quote: Quote | None = None,
    recurs: int = 1,
    folded: str | None = None,
) -> Features:
    """The features of one detected quotation (not indirect speech). `recurs`: how many of the
    article's detected quotations have the same words (this one included); `folded`: the
    article's text folded by `_norm`, computed once per article by `article_features`."""
    doc, text = parsed.doc, parsed.text
    folded = folded if folded is not None else _norm(text)
    inner = text[found.start : found.end]
    words = words_of(inner)
    f: Features = {
        "words": float(len(words)),
        "log_chars": math.log1p(len(inner)),
        "short": float(len(words) <= 2),
        "few_words": float(len(words) <= 4),
        f"kind_{found.kind}": 1.0,
        "title_like": float(is_title_like(words)),
        "starts_upper": float(bool(words) and words[0][:1].isupper()),
        "recurs": float(recurs),
        "recurs_in_text": float(folded.count(_norm(inner))) if inner.strip() else 0.0,
    }
    if words:
        content = [w for w in words if len(w) > 3]
        f["upper_share"] = sum(w[:1].isupper() for w in content) / len(content) if content else 0.0
    stripped = inner.rstrip()
    f["ends_punct"] = float(bool(stripped) and stripped[-1] in SENTENCE_PUNCT)
    f["inner_sentences"] = float(len(re.findall(r"[.!?…](?=\s+\S)", inner)))
    f["commas"] = float(inner.count(","))
    after = text[found.close_at + 1 : found.close_at + 3].lstrip(" \u00a0\u202f")
    f["punct_after"] = float(bool(after) and after[0] in SENTENCE_PUNCT)
    f["comma_after"] = float(bool(after) and after[0] == ",")

    # Inside the marks: who speaks in the first or second person, finite verbs, names.
    tokens = _tokens_between(parsed, found.start, found.end)
    persons = person_words()
    f["person_words"] = float(sum(t.lower_ in persons for t in tokens))
    f["finite_verbs"] = float(sum("Fin" in t.morph.get("VerbForm") for t in tokens))
    f["verbs"] = float(sum(t.pos_ in ("VERB", "AUX") for t in tokens))
    f["entity_share"] = sum(bool(t.ent_type_) for t in tokens) / len(tokens) if tokens else 0.0
    f["propn_share"] = sum(t.pos_ == "PROPN" for t in tokens) / len(tokens) if tokens else 0.0

    # The cue the rules found: its side and how far it stands.
    cue = found.cue
    f["cue"] = float(cue is not None)
    if found.rejected is not None:
        f["rules_rejected"] = 1.0
        f[f"rules_rejected_{found.rejected}"] = 1.0
    if cue is not None:
        f[f"cue_side_{cue.side}"] = 1.0
        if tokens:
            first, last = tokens[0].i, tokens[-1].i
            gap = first - cue.token if cue.token < first else max(0, cue.token - last)
            f["cue_distance"] = float(min(gap, 30))
    if quote is not None:
        f["has_speaker"] = float(quote.speaker is not None)
        f[f"attribution_{quote.attribution}"] = 1.0

    # Before the opening mark: a title noun (le film), a wording noun (le délit de), a link.
    para = _paragraph_start(text, found.open_at)
    before = _tokens_before(parsed, found.open_at, para)
    # the paragraph's opening words and the last words before the mark (a paragraph can be long)
    lead_start = _norm(text[para : min(found.open_at, para + LINK_REACH)])
    lead_end = _norm(text[max(para, found.open_at - LINK_REACH) : found.open_at])
    f["paragraph_start"] = float(not words_of(text[para : found.open_at]))
    f["first_paragraph"] = float(para <= _LEADING_SPACE.match(text).end())  # type: ignore[union-attr]
    links = _link_phrases()
    f["link"] = float(any(lead_start.startswith(p) or f" {p}" in lead_end[-40:] for p in links))
    f["title_noun_before"] = float(any(is_title_word(t) for t in before[-3:]))
    head_first, head_end = _token_range(parsed, found.head_start, found.open_at)
    # the sentence before the mark, its last HEAD_REACH tokens only (a sentence can be the whole text)
    head = [doc[i] for i in range(max(head_first, head_end - HEAD_REACH), head_end)]
    f["head_tokens"] = float(min(head_end - head_first, 40))
    f["title_noun_in_sentence"] = float(any(is_title_word(t) for t in head))
    f["upper_mid_sentence"] = float(
        f["starts_upper"] > 0 and bool(head) and head[-1].text not in (":", "-", "–", "—") and head[-1].is_alpha
    )
    wording = wording_nouns()
    f["wording_noun_before"] = float(any(t.lemma_.lower() in wording or t.lower_ in wording for t in before[-3:]))
    if before:
        last = before[-1]
        f[f"before_{last.pos_ or 'X'}"] = 1.0
        f["colon_before"] = float(last.text == ":")
        if len(before) >= 2 and last.pos_ in ("ADP", "DET"):
            f[f"before2_{before[-2].pos_ or 'X'}"] = 1.0  # le film (NOUN DET) « … », pour (ADP) « … »
    # Right after the closing mark: an apposition naming a work (« … », le film de …).
    tail = _tokens_after(parsed, found.close_at + 1, _paragraph_end(text, found.close_at))
    f["title_noun_after"] = float(any(is_title_word(t) for t in tail[1:]))

    # The span's syntactic role: what its root is to the words outside.
    root = _root_of([t for t in tokens if _is_word(t)] or tokens)
    if root is not None:
        dep = root.dep_.split(":")[0] or "dep"
        f[f"role_{dep}"] = 1.0
        if root.head.i != root.i:
            f[f"governor_{root.head.pos_ or 'X'}"] = 1.0
        f["root_has_case"] = float(any(c.dep_ == "case" for c in root.children if c.idx < found.open_at))
    return f


def article_features(
    parsed: ParsedArticle, found: Sequence[Found], quotes: Sequence[Quote]
) -> tuple[Features | None, ...]:
    """The features of each of the article's quotations (None for indirect speech)."""
    text = parsed.text
    folded = _norm(text)
    counts = Counter(_norm(text[x.start : x.end]) for x in found if x.kind != "indirect")
    return tuple(
        None if x.kind == "indirect" else span_features(parsed, x, q, counts[_norm(text[x.start : x.end])], folded)
        for x, q in zip(found, quotes, strict=True)
    )


def _classifier() -> Any:
    """Gradient boosting. Cross-validated on train + dev (5 folds by article), detection F1 0.934,
    as a class-weighted random forest of 100 trees (0.937) or 50 (0.935) within two quotes, at a
    tenth of the forest's time per article."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=150, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=10, random_state=SEED
    )


@dataclass
class SpeechClassifier:
    """Speech or not, for a detected quotation's features."""

    vectorizer: Any
    classifier: Any
    threshold: float = THRESHOLD

    @classmethod
    def fit(cls, rows: Sequence[Features], labels: Sequence[bool], threshold: float = THRESHOLD) -> SpeechClassifier:
        from sklearn.feature_extraction import DictVectorizer

        if len(set(labels)) < 2:
            raise ModelError("the speech classifier needs detected quotations both matching and matching no annotation")
        vectorizer = DictVectorizer(sparse=False)
        x = vectorizer.fit_transform(list(rows))
        classifier = _classifier()
        with one_thread():
            classifier.fit(x, [int(v) for v in labels])
        return cls(vectorizer, classifier, threshold)

    def probabilities(self, rows: Sequence[Features]) -> list[float]:
        """The probability that each quotation is speech."""
        if not rows:
            return []
        x = to_matrix(self.vectorizer, rows)
        return [float(p) for p in self.classifier.predict_proba(x)[:, 1]]

    def kept(self, rows: Sequence[Features | None]) -> list[bool]:
        """Which quotations to keep: speech, or without features (indirect speech); a stretch the
        rules judged not speech needs REJECTED_THRESHOLD; words quoted TERM_REPEATS times or more
        in the article never are speech."""
        present = [r for r in rows if r is not None]
        probs = iter(self.probabilities(present))
        rejected_threshold = max(self.threshold, REJECTED_THRESHOLD)
        return [
            r is None
            or (
                next(probs) >= (rejected_threshold if r.get("rules_rejected") else self.threshold)
                and r.get("recurs", 1.0) < TERM_REPEATS
            )
            for r in rows
        ]

    def save(self, directory: Path) -> None:
        import joblib

        directory.mkdir(parents=True, exist_ok=True)
        parts = {
            "format": FORMAT,
            "features": FEATURES,
            "vectorizer": self.vectorizer,
            "classifier": self.classifier,
            "threshold": self.threshold,
        }
        joblib.dump(parts, directory / SPEECH_FILE, compress=3)

    @classmethod
    def load(cls, path: Path) -> SpeechClassifier:
        """A saved classifier; `ModelError` (one line) when the file is not one."""
        try:
            import joblib

            parts = joblib.load(path)
        except Exception as exc:  # a truncated or foreign file: pickle raises many kinds
            kind = type(exc).__name__
            raise ModelError(f"{path}: corrupt speech classifier ({kind}); retrain with `quotes train`") from exc
        if not isinstance(parts, dict) or parts.get("format") != FORMAT or parts.get("features") != FEATURES:
            raise ModelError(f"{path}: not a speech classifier of this version; retrain with `quotes train`")
        threshold = parts.get("threshold", THRESHOLD)
        if "vectorizer" not in parts or "classifier" not in parts or not isinstance(threshold, float):
            raise ModelError(f"{path}: incomplete speech classifier; retrain with `quotes train`")
        return cls(parts["vectorizer"], parts["classifier"], threshold)


def load_speech(directory: Path) -> SpeechClassifier | None:
    """The speech classifier of a model directory, or None when it has none."""
    path = directory / SPEECH_FILE
    return SpeechClassifier.load(path) if path.exists() else None
