"""Detect quotations and their reporting cues in a parsed article.

Quotation marks are found in the raw text (`quotes.extract.marks`); the parse decides which quoted
stretches are speech, whether each is a whole utterance (`direct`) or a fragment inside the
reporter's sentence (`mixed`), which reporting cue introduces it, and splits a quotation
interrupted by an incise (« Nous sommes prêts, a-t-il dit, à négocier »). Reported speech
without quotation marks (X a déclaré que …) comes out as `indirect`.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any, Literal

from quotes.extract.cues import is_clitic_subject, is_speech_noun, is_title_word, lemma_guesses, reporting_kind
from quotes.extract.marks import INNER_SPACE, QuotedSpan, quoted_spans
from quotes.extract.parsed import ParsedArticle
from quotes.lexicon import role_nouns
from quotes.types import QuoteKind

Doc = Any  # spacy.tokens.Doc
CueSide = Literal["tail", "head", "incise", "colon", "selon", "noun", "name"]

# Where a sentence ends, for the reporter's words around a quotation.
SENTENCE_END = re.compile(r"[.!?…]+(?=[\s\"»”]|$)|\n")
SELON = {"selon", "d'après", "d’après"}
ADVERBS_BEFORE_CUE = {
    "ensuite",
    "notamment",
    "encore",
    "aussi",
    "également",
    "alors",
    "enfin",
    "donc",
    "pourtant",
    "même",
    "toutefois",
    "cependant",
    "déjà",
    "plus",
    "tard",
    "ainsi",
}


@dataclass(frozen=True)
class Cue:
    """The reporting cue of a quotation: its main token and the words as written."""

    token: int  # index of the cue's main token in the doc (the verb, selon, the colon)
    text: str
    side: CueSide


@dataclass(frozen=True)
class Found:
    """A detected quotation before attribution."""

    start: int
    end: int
    kind: QuoteKind
    open_at: int  # the opening mark (== start for indirect speech)
    close_at: int  # the closing mark (== end for indirect speech)
    cue: Cue | None
    head_start: int  # where the reporter's sentence around it begins
    rejected: str | None = None  # why the rules judge it not speech (kept only for a trained classifier)


class TokenIndex:
    """Tokens by character offset, and the quoted regions of the text."""

    def __init__(self, parsed: ParsedArticle, spans: list[QuotedSpan]) -> None:
        self.doc = parsed.doc
        self.starts = parsed.token_starts
        self.inside = [False] * (len(parsed.text) + 1)
        for s in spans:
            self.inside[s.open_at : s.after] = [True] * (s.after - s.open_at)
        self.sentence_ends: tuple[list[int], list[int]] | None = None  # see _sentence_ends

    def tokens(self, start: int, end: int, outside_quotes: bool = True) -> list[Any]:
        """Tokens starting within [start, end), optionally those outside quotation marks."""
        first = bisect_left(self.starts, max(start, 0))
        last = bisect_left(self.starts, end)
        return [self.doc[i] for i in range(first, last) if not (outside_quotes and self.inside[self.starts[i]])]


_END_MARKS = ".!?…"


def _sentence_ends(text: str, index: TokenIndex) -> tuple[list[int], list[int]]:
    """The starts and the ends of the sentence ends outside quotation marks, found once per text
    (so that each quote's sentence is a bisection, not a scan from the top of the article)."""
    if index.sentence_ends is None:
        found = [m.span() for m in SENTENCE_END.finditer(text) if not index.inside[m.start()]]
        index.sentence_ends = ([a for a, _ in found], [b for _, b in found])
    return index.sentence_ends


def sentence_start(text: str, at: int, index: TokenIndex) -> int:
    """Where the sentence holding `at` begins, ignoring sentence ends inside quotation marks."""
    best = 0
    if at > 0 and text[at - 1] in _END_MARKS:  # a run of marks cut at `at`: read as the text ends there
        for m in SENTENCE_END.finditer(text, 0, at):
            if not index.inside[m.start()]:
                best = m.end()
    else:
        ends = _sentence_ends(text, index)[1]
        k = bisect_right(ends, at)
        best = ends[k - 1] if k else 0
    while best < at and text[best] in INNER_SPACE + "\r\n":
        best += 1
    return best


def sentence_end(text: str, at: int, index: TokenIndex) -> int:
    if 0 < at < len(text) and text[at - 1] in _END_MARKS and text[at] in _END_MARKS:  # inside a run
        for m in SENTENCE_END.finditer(text, at):
            if not index.inside[m.start()]:
                return m.start()
        return len(text)
    starts = _sentence_ends(text, index)[0]
    k = bisect_left(starts, at)
    return starts[k] if k < len(starts) else len(text)


def cue_words(doc: Doc, verb: Any) -> str:
    """The cue as written: auxiliaries, clitics and reflexive pronouns with the verb."""
    first = verb.i
    while (
        first > 0
        and (
            doc[first - 1].pos_ == "AUX"
            or is_clitic_subject(doc[first - 1])
            or doc[first - 1].lower_ in ("s'", "se", "s’", "-t")
        )
        and verb.i - first < 4
    ):
        first -= 1
    last = verb.i
    while last + 1 < len(doc) and is_clitic_subject(doc[last + 1]) and last - verb.i < 2:
        last += 1
    span = doc[first : last + 1]
    return str(span.text)


def tail_cue(doc: Doc, tail: list[Any]) -> Cue | None:
    """An inverted incise after the quotation: « … », a-t-il dit / estime le ministre / selon lui."""
    skipped = 0
    separated = False  # a comma or dash between the quotation and the verb
    for tok in tail:
        if tok.is_punct and tok.text in ",–—-":
            separated = True
            continue
        low = tok.lower_
        if is_selon(tok):
            return Cue(tok.i, selon_text(tok), "selon")
        if (
            tok.pos_ == "AUX"
            or tok.lemma_ in ("être", "avoir")
            or low in ("s'", "se", "s’", "-t", "t")
            or is_clitic_subject(tok)
            or low in ADVERBS_BEFORE_CUE
            or low in ("de", "son", "sa", "leur", "côté", "pour", "part")
        ):
            skipped += 1
            if skipped > 5:
                return None
            continue
        if reporting_kind(tok):
            if not separated and not _inverted_after(doc, tok):
                return None  # « … » ont été relevés: the quotation is the verb's own subject
            return Cue(tok.i, cue_words(doc, tok), "tail")
        return None
    return None


def _adjectival_participle(tok: Any) -> bool:
    """A past participle qualifying a noun, with no auxiliary (confiée à la police)."""
    if tok.dep_ not in ("acl", "amod") or "Part" not in tok.morph.get("VerbForm") or tok.head.i > tok.i:
        return False
    k = tok.i - 1
    while k >= 0 and tok.doc[k].pos_ == "ADV":
        k -= 1
    return not (k >= 0 and (tok.doc[k].pos_ == "AUX" or tok.doc[k].lemma_ in ("avoir", "être")))


def named_before(head: list[Any]) -> Cue | None:
    """A headline's « Christophe Galtier « profondément choqué » »: a person named right before
    the quotation, in words without a verb, is who says it."""
    if not head or len(head) > 12 or any(t.pos_ in ("VERB", "AUX") for t in head):
        return None
    last = head[-1]
    if last.ent_type_ == "PER" or last.text.startswith("@"):
        return Cue(last.i, "", "name")
    return None


def later_incise(doc: Doc, tail: list[Any]) -> Cue | None:
    """An incise later in the sentence: est « en lien » avec l'enquête, a confirmé le procureur."""
    for k, tok in enumerate(tail):
        if tok.text == "," and k + 1 < len(tail):
            cue = tail_cue(doc, tail[k + 1 :])
            if cue is not None and _inverted_after(doc, doc[cue.token]):
                return cue
    return None


def _inverted_after(doc: Doc, verb: Any) -> bool:
    """Is there an inverted subject (a-t-il, dit-elle, précise le ministre, a ajouté Febelfin)?"""
    near = doc[max(0, verb.i - 2) : min(len(doc), verb.i + 2)]
    if any(is_clitic_subject(t) for t in near):
        return True
    k = verb.i + 1
    while k < len(doc) and (doc[k].pos_ == "ADV" or doc[k].lower_ in ADVERBS_BEFORE_CUE):
        k += 1
    if k < len(doc) and doc[k].pos_ == "ADP":
        # déclare à l'AFP Jean-Philippe Magnen: past the medium
        k += 1
        while k < len(doc) and doc[k].pos_ == "DET":
            k += 1
        k += 1
    return k < len(doc) and doc[k].pos_ in ("PROPN", "DET", "NOUN", "X")


def selon_text(tok: Any) -> str:
    """The cue as written: selon, D'après."""
    if tok.lower_ == "après" and tok.i > 0 and tok.doc[tok.i - 1].lower_ in ("d'", "d’"):
        return f"{tok.doc[tok.i - 1].text}{tok.text}"
    return str(tok.text)


def is_selon(tok: Any) -> bool:
    """selon, or après in d'après."""
    low = tok.lower_
    if low in SELON:
        return True
    return bool(low == "après" and tok.i > 0 and tok.doc[tok.i - 1].lower_ in ("d'", "d’"))


def outermost_reporting(verb: Any, allowed: set[int]) -> Any:
    """Climb from a reporting verb to a reporting verb that governs it (a déclaré qu'il considérait),
    staying among the `allowed` tokens (the reporter's words of the same sentence)."""
    best = verb
    node = verb
    for _ in range(4):
        if node.head is node or node.dep_ not in ("ccomp", "xcomp", "advcl", "conj", "obj", "acl"):
            break
        node = node.head
        if node.i not in allowed:
            break
        if reporting_kind(node) == "always":
            best = node
    return best


def head_cue(doc: Doc, head: list[Any], open_at: int) -> Cue | None:
    """The cue before the quotation in the same sentence: a verb, selon X, a colon, a speech noun."""
    if not head:
        return None
    last = head[-1]
    for j in range(len(head) - 1, -1, -1):
        tok = head[j]
        if is_selon(tok):
            return Cue(tok.i, selon_text(tok), "selon")
        kind = reporting_kind(tok)
        if kind and _adjectival_participle(tok):
            continue  # une enquête confiée à la police: not a statement
        if kind == "always" or (kind == "conditional" and _has_reason(head[j + 1 :], tok)):
            verb = outermost_reporting(tok, {t.i for t in head})
            return Cue(verb.i, cue_words(doc, verb), "head")
        if is_speech_noun(tok):
            # d'après le communiqué du ministère: the selon phrase is the cue
            for k in range(j - 1, max(-1, j - 4), -1):
                if is_selon(head[k]):
                    return Cue(head[k].i, selon_text(head[k]), "selon")
            return Cue(tok.i, tok.text, "noun")
    if last.text == ":":
        return Cue(last.i, ":", "colon")
    pour = _opinion_pour(head)
    if pour is not None:
        return Cue(pour.i, pour.text, "selon")
    return None


def _opinion_pour(head: list[Any]) -> Any:
    """« Pour le ministre, … » opens the sentence like selon: Pour + someone + comma."""
    if head and head[0].lower_ in ("mais", "et", "or", "ainsi", "aussi"):
        head = head[1:]  # Mais pour Obama, « … »
    if len(head) < 3 or head[0].lower_ != "pour":
        return None
    comma = next((k for k, t in enumerate(head) if t.text == ","), None)
    if comma is None or comma > 12:
        return None
    named = head[1:comma]
    if any(t.ent_type_ in ("PER", "ORG") or t.lemma_.lower() in role_nouns() for t in named) or (
        len(named) == 1 and named[0].lower_ in ("lui", "elle", "eux", "elles")
    ):
        return head[0]
    return None


ATTRIBUTIVE = {"juger", "trouver", "qualifier", "considérer", "demander", "vouloir", "souhaiter"}


def _has_reason(between: list[Any], verb: Any) -> bool:
    """A conditional reporting verb counts with a que-clause, a colon or a quotation right after it,
    or, for juger / trouver / qualifier, a quotation that qualifies its object (juge la sanction « … »)."""
    words = [t.lower_ for t in between]
    if len(words) <= 2 or "que" in words or "qu'" in words or "qu’" in words or ":" in words:
        return True
    attributive = any(g in ATTRIBUTIVE for g in lemma_guesses(verb.text, verb.lemma_))
    return attributive and len(words) <= 5 and not any(t.pos_ in ("VERB", "AUX") for t in between)


def words_of(text: str) -> list[str]:
    return re.findall(r"[^\W\d_][\w'’-]*", text)


def is_title_like(words: list[str]) -> bool:
    """Every word capitalised, few words: a name or a title (« Power Point », « Le Monde »)."""
    small = {"de", "du", "des", "la", "le", "les", "et", "à", "en", "d'", "l'"}
    content = [w for w in words if w.lower() not in small]
    return 0 < len(words) <= 4 and all(w[:1].isupper() for w in content)


def classify(span: QuotedSpan, text: str, index: TokenIndex, keep_rejected: bool = False) -> Found | None:
    """Decide whether a quoted stretch is speech, its kind and its cue; None when it is not speech
    (or, with `keep_rejected`, the stretch with the reason in `rejected`, for a trained classifier
    to judge again)."""
    doc = index.doc
    inner = text[span.start : span.end]
    words = words_of(inner)
    if not words:
        return None
    head_from = sentence_start(text, span.open_at, index)
    head = index.tokens(head_from, span.open_at)
    tail_to = sentence_end(text, span.after, index)
    nxt = span.after
    while nxt < tail_to and not index.inside[nxt]:
        nxt += 1  # the reporter's words after a quotation stop at the next quotation
    tail = index.tokens(span.after, nxt)
    cue = tail_cue(doc, tail) or head_cue(doc, head, span.open_at) or later_incise(doc, tail) or named_before(head)

    def reject(reason: str) -> Found | None:
        if not keep_rejected:
            return None
        return Found(span.start, span.end, "mixed", span.open_at, span.close_at, cue, head_from, reason)

    # Titles and names: le film « … », baptisé « … », « Power Point ».
    if head and len(words) <= 10 and any(is_title_word(t) for t in head[-3:]) and not (cue and cue.side == "colon"):
        return reject("title noun before")
    if tail and len(words) <= 10 and tail[0].text == "," and any(is_title_word(t) for t in tail[1:5]):
        if not any(reporting_kind(t) for t in tail[1:5]):
            return reject("title noun after")
    whole_sentence = not head or (cue is not None and cue.side in ("colon",)) or head[-1].text == ":"
    if is_title_like(words) and not whole_sentence:
        return reject("title-like")
    # a reporting verb later in the sentence does not make a word quoted before it someone's
    # (lors du rassemblement contre la « méga-bassine », le ministre s'est interrogé …)
    said_before = cue is not None or any(reporting_kind(t) == "always" for t in head)
    if len(words) <= 2 and not whole_sentence and not said_before:
        return reject("scare quote")  # one or two words with nobody said to say them
    starts_upper = words[0][:1].isupper() or inner[:1].isupper()
    if whole_sentence or (cue is not None and cue.side == "tail" and len(head) <= 1 and starts_upper):
        kind: QuoteKind = "direct"
    else:
        kind = "mixed"
    return Found(span.start, span.end, kind, span.open_at, span.close_at, cue, head_from)


INCISE = re.compile(r"[,–—]\s+((?:[^\s,.;:!?«»\"“”]+\s+){0,6}?[^\s,.;:!?«»\"“”]+)\s*([,.–—])\s+")


def split_incises(span: QuotedSpan, text: str, index: TokenIndex) -> list[tuple[QuotedSpan, Cue | None]]:
    """Split « A, a-t-il dit, B » into A and B, both carrying the incise's cue."""
    doc = index.doc
    pieces: list[tuple[QuotedSpan, Cue | None]] = []
    start = span.start
    for m in INCISE.finditer(text, span.start, span.end):
        toks = index.tokens(m.start(1), m.end(1), outside_quotes=False)
        if not toks or len(toks) > 8:
            continue
        cue = tail_cue(doc, toks)
        if cue is None:
            continue
        verb_i = cue.token
        inverted = any(is_clitic_subject(t) for t in toks) or any(
            t.i > verb_i and (t.pos_ in ("PROPN", "NOUN") or t.lower_ in ("lui", "elle")) for t in toks
        )
        if not inverted and cue.side != "selon":
            continue
        a_end = m.start()
        while a_end > start and text[a_end - 1] in INNER_SPACE:
            a_end -= 1
        if a_end > start:
            pieces.append(
                (QuotedSpan(start, a_end, span.open_at, m.start(), span.reopened), Cue(cue.token, cue.text, "incise"))
            )
        start = m.end()
    if not pieces:
        return [(span, None)]
    pieces.append((QuotedSpan(start, span.end, m.end() - 1, span.close_at, span.reopened, span.closed), pieces[-1][1]))
    return pieces


def indirect_speech(parsed: ParsedArticle, index: TokenIndex, found: list[Found]) -> list[Found]:
    """Reported speech without quotation marks: a reporting verb with a que-clause (X a déclaré que …)."""
    doc = parsed.doc
    out: list[Found] = []
    for tok in doc:
        if tok.pos_ != "VERB" or reporting_kind(tok) != "always":
            continue
        if not any(
            c.dep_.startswith("nsubj") and (c.ent_type_ or c.pos_ in ("PROPN", "NOUN", "PRON")) for c in tok.children
        ):
            continue
        for comp in tok.children:
            if comp.dep_ != "ccomp" or comp.i < tok.i:
                continue
            marks = [c for c in comp.children if c.dep_ == "mark" and c.lower_ in ("que", "qu'", "qu’")]
            if not marks:
                continue
            sub = list(comp.subtree)
            first = marks[0].i + 1
            last = sub[-1].i
            while last > first and doc[last].is_punct:
                last -= 1
            if last <= first:
                continue
            start, end = doc[first].idx, doc[last].idx + len(doc[last].text)
            if any(index.inside[c] for c in range(start, end)):
                continue  # a quotation inside: the mixed quote carries it
            if any(f.start < end and start < f.end for f in found):
                continue
            cue = Cue(tok.i, cue_words(doc, tok), "head")
            out.append(Found(start, end, "indirect", start, end, cue, parsed.sentence_of(tok.i).start_char))
    return out


def detect_quotes(parsed: ParsedArticle, keep_rejected: bool = False) -> list[Found]:
    """Every quotation of the article (direct, mixed, then indirect), in text order; with
    `keep_rejected`, also the quoted stretches judged not speech, their reason in `rejected`."""
    text = parsed.text
    spans = quoted_spans(text)
    index = TokenIndex(parsed, spans)
    found: list[Found] = []
    for span in spans:
        for piece, incise_cue in split_incises(span, text, index):
            f = classify(piece, text, index, keep_rejected)
            if f is None:
                continue
            if incise_cue is not None and not (f.cue is not None and f.cue.side == "tail"):
                f = Found(f.start, f.end, f.kind, f.open_at, f.close_at, incise_cue, f.head_start, f.rejected)
            found.append(f)
    found.extend(indirect_speech(parsed, index, [f for f in found if f.rejected is None]))
    return sorted(found, key=lambda f: f.start)


def quoted_tokens(parsed: ParsedArticle, found: list[Found]) -> frozenset[int]:
    """The tokens inside the marks of these quotations (indirect speech has none)."""
    doc = parsed.doc
    inside: set[int] = set()
    for f in found:
        if f.kind != "indirect":
            inside.update(t.i for t in doc.char_span(f.open_at, f.close_at + 1, alignment_mode="expand") or ())
    return frozenset(inside)
