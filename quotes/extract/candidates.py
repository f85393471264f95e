"""Who could have said each quotation: candidate speakers, each described by features.

For every detected quotation the candidates are the people and bodies the article names around
it (its sentence, its paragraph and the two before, the sentence after it), the speakers of the
quotations before it, the answer of the hand-written patterns (`attribute` + `resolve`), and
always "nobody named" (`name=None`). Each candidate carries plain numeric features: how the
patterns point at it, where its nearest mention is (side, tokens, sentences, paragraphs), what
kind of name it is, whether it sits in a prepositional phrase (« l'avocat de X », « à l'AFP »),
whether it is the subject of a reporting verb, gender agreement with a pronoun cue and with the
gender the speaker gives themself inside the quotation (« je suis inquiète »), whether the quotation
names it (people seldom speak of themselves by name), how often the article names it, whether the
headline names it or gives it words (Milquet : « … »), whether it is the byline. On the second pass,
the first pass's probability of each candidate. The scorer (`quotes.extract.scorer`) learns how to weigh them.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice, pairwise
from typing import Any, overload

from quotes.extract.attribute import Attributed
from quotes.extract.cues import INDEFINITE, reporting_kind
from quotes.extract.parsed import ParsedArticle
from quotes.extract.resolve import ORG_NOUN_KEYS, Name, NameIndex, body_name, noun_gender
from quotes.folding import fold
from quotes.lexicon import role_nouns
from quotes.types import Article, Quote

Doc = Any

# Prepositions that make a name the complement of something else, not a speaker.
PP_WORDS = {"de", "du", "des", "d'", "d’", "à", "au", "aux", "pour", "par", "avec", "contre", "sur", "chez", "envers"}
PP_KIND = {"de": "de", "du": "de", "des": "de", "d'": "de", "d’": "de", "à": "a", "au": "a", "aux": "a"}
FEMININE_PRONOUNS = {"elle", "elles", "celle-ci", "cette dernière", "-elle", "-t-elle"}
MASCULINE_PRONOUNS = {"il", "ils", "lui", "celui-ci", "ce dernier", "-il", "-t-il", "eux"}
LABELS = ("PER", "ORG", "LOC", "MISC")
# How many paragraphs before the quotation's own are searched for names.
PARAGRAPHS_BACK = 2


@dataclass
class Candidate:
    """One possible speaker of one quotation; `name is None` is "nobody named"."""

    name: str | None
    label: str | None
    features: dict[str, float] = field(default_factory=dict)
    mention: str | None = None  # the words of its nearest mention, for the quote record
    key: str | None = None  # the folded name: one key per speaker across the article's quotes


@dataclass(frozen=True)
class QuoteContext:
    """What the candidates of one quotation are built from: the quote's record after the
    patterns, and its token range (the marks included)."""

    quote: Quote
    attributed: Attributed
    first_token: int
    last_token: int  # exclusive


def _log(n: float) -> float:
    return math.log1p(max(0.0, n))


class ParagraphIndex:
    """Paragraph number of any character offset (paragraphs are separated by line breaks)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def of(self, char: int) -> int:
        return bisect_right(self.starts, char) - 1


def _in_pp(doc: Doc, name: Name) -> str | None:
    """The preposition right before a name (« l'avocat de X », « a déclaré à l'AFP »)."""
    k = name.start - 1
    while k >= 0 and doc[k].pos_ == "DET":
        k -= 1
    if k >= 0 and doc[k].lower_ in PP_WORDS:
        return str(doc[k].lower_)
    return None


def _subject_of_reporting(doc: Doc, name: Name) -> tuple[bool, bool]:
    """(is the subject of some verb, is the subject of a reporting verb)."""
    subj = False
    for k in range(name.start, name.end):
        tok = doc[k]
        if tok.dep_.startswith("nsubj"):
            subj = True
            if reporting_kind(tok.head):
                return True, True
        if tok.dep_ == "appos" and tok.head.dep_.startswith("nsubj"):
            subj = True
            if reporting_kind(tok.head.head):
                return True, True
    return subj, False


def _pronoun_gender(mention: str | None) -> str | None:
    if not mention:
        return None
    low = mention.lower().strip()
    if low in FEMININE_PRONOUNS or low.endswith("elle"):
        return "f"
    if low in MASCULINE_PRONOUNS or low.endswith("-il"):
        return "m"
    return None


CUE_DEPS = {"nsubj", "obj", "obl", "nmod", "appos", "iobj", "conj", "advcl", "acl", "ccomp", "xcomp", "flat"}


def _span_head(doc: Doc, n: Name) -> Any:
    """The token of a name whose syntactic head lies outside it."""
    for k in range(n.start, n.end):
        if not n.start <= doc[k].head.i < n.end or doc[k].head.i == k:
            return doc[k]
    return doc[n.start]


def governor(doc: Doc, first: int, last: int) -> Any:
    """The verb a quotation hangs from, whatever the cue lists say (le Qatar dénonçait un
    « nouveau massacre »; X parle d'un « plan »): from the quoted tokens' head outside the span,
    up to three steps to a verb; None for a quotation that is a sentence of its own."""
    inside = range(first, last)
    tops = [t for t in (doc[k] for k in inside) if t.head.i not in inside and t.head.i != t.i]
    if not tops:
        return None
    node = tops[0].head
    for _ in range(3):
        if node.pos_ in ("VERB", "AUX"):
            return node
        if node.head.i == node.i:
            return None
        node = node.head
    return None


def _chain(doc: Doc, n: Name, steps: int) -> Iterator[tuple[Any, int]]:
    """The tokens from a name's head up, each with its depth, while they have a head (at most `steps`)."""
    node, depth = _span_head(doc, n), 0
    while node.head.i != node.i and depth < steps:
        yield node, depth
        node, depth = node.head, depth + 1


def _link(doc: Doc, n: Name, target: int, steps: int) -> tuple[str, int] | None:
    """How a name hangs from token `target` (the cue, the governing verb): the relation of the
    last step (nsubj, obj, ... or other) and how many steps up from the name's head, if at most
    `steps - 1` (« le chef de l'ONU, Martin Griffiths »: appos, then nsubj)."""
    for node, depth in _chain(doc, n, steps):
        if node.head.i == target:
            dep = node.dep_.split(":")[0]
            return (dep if dep in CUE_DEPS else "other"), depth
    return None


RANKED = ("before_tokens", "after_tokens", "mentions", "before_paras", "cue_tokens")
# Ranks above this count as this one: the candidates holding the RANK_CAP best values fix every rank.
RANK_CAP = 5


def _relative_ranks(cands: list[Candidate]) -> None:
    """Where each candidate stands among the quote's others: the nearest before, the most named."""
    for feat in RANKED:
        values = sorted({c.features[feat] for c in cands if feat in c.features}, reverse=feat == "mentions")
        for c in cands:
            if feat in c.features:
                rank = values.index(c.features[feat])
                c.features[f"{feat}_rank"] = float(min(rank, RANK_CAP))
                c.features[f"{feat}_best"] = float(rank == 0)
    for side in ("before", "after"):
        subjects = [c for c in cands if c.features.get(f"{side}_reporting_subject")]
        nearest = min(subjects, key=lambda c: c.features[f"{side}_tokens"], default=None)
        if nearest is not None:
            nearest.features[f"{side}_nearest_reporting_subject"] = 1.0
        persons = [c for c in cands if c.label == "PER" and f"{side}_tokens" in c.features]
        near_person = min(persons, key=lambda c: c.features[f"{side}_tokens"], default=None)
        if near_person is not None:
            near_person.features[f"{side}_nearest_person"] = 1.0


def _mark_rule_pick(cands: list[Candidate], speaker: str | None, prefix: str, attribution: str | None = None) -> None:
    """Mark among one quotation's candidates the one the patterns gave another quotation to
    (`speaker`): PREFIX_rule_pick (and PREFIX_rule_pick_ATTRIBUTION), or PREFIX_rule_null on
    "nobody named" (the last) when they gave it to nobody."""
    key = fold(speaker) if speaker else None
    if key is None:
        cands[-1].features[f"{prefix}_rule_null"] = 1.0
        return
    for c in cands:
        if c.key == key:
            c.features[f"{prefix}_rule_pick"] = 1.0
            if attribution is not None:
                c.features[f"{prefix}_rule_pick_{attribution}"] = 1.0


# How many quotations ahead a quotation's words are looked for inside another (_echo_patterns).
ECHO_AHEAD = 3
# An article with this many question lines outside quotation marks reads as an interview.
INTERVIEW_QUESTIONS = 3


def _previous_line(text: str, at: int) -> str:
    """The last non-blank line before the line holding offset `at`."""
    start = text.rfind("\n", 0, at) + 1
    while start > 0:
        end = start - 1
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].strip()
        if line:
            return line
    return ""


def _is_question(line: str) -> bool:
    """A line that asks, outside quotation marks (an interviewer's question)."""
    return line.endswith("?") and not any(mark in line for mark in '«»"“”')


# Quoted words inside a headline: « … », “ … ”, " … ".
HEADLINE_QUOTED = re.compile(r"«[^»]*»?|“[^”]*”?|\"[^\"]*\"?")
# Name words too common to tell one name from another in a headline.
NAME_PARTICLES = {"de", "du", "des", "la", "le", "les", "van", "von", "der", "den", "di", "da", "del", "mme", "mgr"}
# A first line longer than this is a paragraph, not a headline.
HEADLINE_CHARS = 160


def headline(article: Article, text: str) -> str:
    """The article's title, else its first line when it is short enough to be one."""
    if article.title:
        return article.title
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= HEADLINE_CHARS else ""


def _headline_words(title: str) -> tuple[set[str], set[str]]:
    """The folded words of a headline outside its quotation marks, and those before its colon or
    first quotation mark when words are quoted from there on (Milquet : « Pas question… »: who speaks in it)."""
    outside = HEADLINE_QUOTED.sub(" ", title)
    words = {w for w in re.findall(r"[\w-]+", fold(outside)) if len(w) > 2}
    marks = [i for i in (title.find(m) for m in '«“"') if i > 0]
    cut = min((i for i in (title.find(":"), *marks) if i > 0), default=-1)
    speaks = cut > 0 and any(i >= cut for i in marks)  # words quoted after the colon, or right after the name
    head = {w for w in re.findall(r"[\w-]+", fold(title[:cut]))} if speaks else set()
    return words, head


FIRST_SINGULAR = {"je", "j'", "j’", "me", "m'", "m’", "moi", "mon", "ma", "mes"}
FIRST_PLURAL = {"nous", "notre", "nos"}
# Past participles agreeing in the feminine (allée, partie, venue, surprise, écrite) and in the masculine.
FEMININE_PARTICIPLE = ("ée", "ie", "ue", "se", "te")
MASCULINE_PARTICIPLE = ("é", "i", "u", "is", "it")


def speaker_gender(tokens: Sequence[Any]) -> str | None:
    """The gender a speaker gives themself in their own words: an adjective or a participle with
    « je » as its subject and être beside it (« je suis inquiète », « j'ai été surpris »)."""
    for tok in tokens:
        if tok.pos_ not in ("ADJ", "VERB"):
            continue
        children = list(tok.children)
        if not any(c.dep_.startswith("nsubj") and c.lower_ in ("je", "j'", "j’") for c in children):
            continue
        if not any(c.lemma_.lower() == "être" or c.lower_ in ("suis", "été", "étais", "serai") for c in children):
            continue
        form, lemma = fold(tok.text), fold(tok.lemma_)
        if tok.pos_ == "ADJ" and not lemma.endswith("e"):
            if form == lemma:
                return "m"
            if form.endswith("e"):
                return "f"
        elif tok.pos_ == "VERB" and "Part" in tok.morph.get("VerbForm"):
            if form.endswith(FEMININE_PARTICIPLE):
                return "f"
            if form.endswith(MASCULINE_PARTICIPLE):
                return "m"
    return None


def _name_words(key: str) -> set[str]:
    return {w for w in re.findall(r"[\w-]+", key) if len(w) > 2 and w not in NAME_PARTICLES}


# At most this many candidates named far from the quotation are kept: the most named ones.
FAR_KEPT = 3


def with_history(
    cands: Sequence[Candidate],
    earlier: Sequence[str | None],
    later: Sequence[str | None] | None = None,
    first: Mapping[str | None, float] | None = None,
) -> list[Candidate]:
    """The candidates a quotation is decided among, given the speakers decided for the quotations
    before it (`earlier`, in text order; None for nobody named): those named near it, the recent
    speakers, the article's most named, the patterns' answer and nobody; with history features.
    `later`, on the second pass, holds the first pass's speakers of the quotations after it
    (nearest first): a quotation often belongs to whoever the next one is attributed to, and
    `first` the first pass's probability of each candidate of this quotation (by key), with its
    lead over the best other one."""
    recent = [k for k in earlier[-4:] if k]
    coming = [k for k in (later or ())[:2] if k]
    if isinstance(cands, QuoteCandidates):
        cands = cands.among([*recent, *coming])
    following = later[0] if later else "<none>"
    prev = next((k for k in reversed(earlier) if k), None)
    last = earlier[-1] if earlier else "<none>"
    far = sorted(
        (c for c in cands if c.key and not c.features.get("near")),
        key=lambda c: -c.features.get("mentions", 0.0),
    )[:FAR_KEPT]
    keep = {id(c) for c in far}
    times = Counter(earlier)  # how often each speaker was decided before
    # the first pass's two best candidates, for each one's lead over the best other one
    best_two = heapq.nlargest(2, first.items(), key=lambda kq: kq[1]) if first else []
    out: list[Candidate] = []
    for c in cands:
        kept = c.features.get("near") or c.features.get("echo_rule_pick") or id(c) in keep
        if c.key is not None and not (kept or c.key in recent or c.key in coming):
            continue
        f = dict(c.features)
        if later is not None:
            f["next_speaker"] = float(c.key == following)
            f["coming_speaker"] = float(c.key in later[:3])
        if first is not None:
            p = first.get(c.key, 0.0)
            f["first_prob"] = p
            other = next((q for k, q in best_two if k != c.key), 0.0)
            f["first_lead"] = p - other
        if c.key is None:
            f["prev_null"] = float(bool(earlier) and earlier[-1] is None)
            f["n_candidates"] = float(len(out))
        else:
            f["prev_speaker"] = float(c.key == prev)
            f["last_speaker"] = float(c.key == last)
            f["earlier_speaker"] = float(c.key in times)
            f["recent_speaker"] = float(c.key in recent)
            f["earlier_count"] = _log(times[c.key])
        out.append(Candidate(c.name, c.label, f, c.mention, c.key))
    return out


@dataclass(frozen=True)
class _Quote:
    """What one quotation's candidates are computed from, found once per quotation."""

    ctx: QuoteContext
    since: int  # the token after the previous quotation
    base: dict[str, float]
    role: tuple[str | None, str | None, set[str]]  # the patterns' role noun: lemma, gender, modifiers
    para: int
    first_sent: int
    last_sent: int
    rule_key: str | None
    in_mention: set[str]
    pron_gender: str | None
    gov: Any
    governed: dict[str, tuple[str, int]]  # candidate -> how its first mention hangs from `gov`
    quote_words: frozenset[str]  # the folded words inside the quotation
    self_gender: str | None  # the gender the speaker gives themself in it (« je suis inquiète »)


class QuoteCandidates(Sequence[Candidate]):
    """One quotation's candidates in order, "nobody named" last. Those that can matter to it are
    built at once: the names near it, the patterns' answer, the article's most named, and those
    that fix its ranks and its nearest-subject and nearest-person marks. Any other name's
    candidate, with the same features, is built when asked for (`among`: the recent speakers
    `with_history` keeps); reading the sequence builds them all."""

    def __init__(self, builder: CandidateBuilder, quote: _Quote, built: list[Candidate]) -> None:
        self._builder = builder
        self._quote = quote
        self._built = built
        self._keys = {c.key for c in built}
        self._marks: list[Callable[[list[Candidate]], None]] = []
        self._marked = 0  # how many of the marks `_built` has had
        self._wanted: set[str] = set()
        self._all: list[Candidate] | None = None

    def mark(self, mark: Callable[[list[Candidate]], None], wanted: str | None = None) -> None:
        """Features set on the quotation's candidates from the others' (`mark` is run on every list
        handed out); `wanted`: a candidate to build whatever the history (`with_history` keeps it)."""
        self._marks.append(mark)
        if wanted is not None:
            self._wanted.add(wanted)

    def among(self, keys: Collection[str]) -> list[Candidate]:
        """The candidates built at once and those of `keys` (when the article names them), in order."""
        missing = {k for k in (*keys, *self._wanted) if k in self._builder.mentions and k not in self._keys}
        for mark in self._marks[self._marked :]:
            mark(self._built)
        self._marked = len(self._marks)
        if not missing:
            return self._built
        cands = self._builder.completed(self._quote, self._built, missing)
        for mark in self._marks:
            mark(cands)
        return cands

    def _every(self) -> list[Candidate]:
        if self._all is None:
            self._all = self.among(self._builder.mentions.keys())
        return self._all

    def __len__(self) -> int:
        return len(self._every())

    @overload
    def __getitem__(self, k: int) -> Candidate: ...
    @overload
    def __getitem__(self, k: slice) -> Sequence[Candidate]: ...
    def __getitem__(self, k: int | slice) -> Candidate | Sequence[Candidate]:
        return self._every()[k]


class CandidateBuilder:
    """Candidates of every quotation of one parsed article, in text order."""

    def __init__(self, parsed: ParsedArticle, names: NameIndex, article: Article) -> None:
        self.parsed = parsed
        self.doc = doc = parsed.doc
        self.names = names
        self.article = article
        self.text = parsed.text
        self.paragraphs = ParagraphIndex(self.text)
        quoted = parsed.quoted
        # mentions outside quotation marks, grouped by the fullest name they resolve to
        self.mentions: dict[str, list[Name]] = {}
        self.display: dict[str, tuple[str, str]] = {}
        self.listed: list[tuple[Name, str]] = []  # the same mentions in text order, with their key
        for n in names.names:
            if n.start in quoted:
                continue
            full = names.fullest(n)
            key = fold(full)
            self.mentions.setdefault(key, []).append(n)
            self.display.setdefault(key, (full, n.label))
            self.listed.append((n, key))
        # each name's paragraph and sentence, looked up once
        self.para_of = {n.start: self.paragraphs.of(doc[n.start].idx) for n in names.names}
        self.sent_of = {n.start: self.parsed.reading_sentence_index(n.start) for n in names.names}
        self._index_mentions()
        self.byline = fold(article.author) if article.author else ""
        self.questions = sum(1 for line in self.text.splitlines() if _is_question(line.strip()))
        self.title_words, self.title_head = _headline_words(headline(article, self.text))
        self.first_person = next((key for _, key in self.listed if self.display[key][1] == "PER"), None)
        self.roles_of: dict[str, set[str]] = {}
        self.role_words_of: dict[str, set[str]] = {}
        self._mention_memo: dict[tuple[str, int, int], dict[str, float]] = {}
        for lemma, n, _ in names.roles:
            key = fold(names.fullest(n))
            self.roles_of.setdefault(key, set()).add(lemma)
            self.role_words_of.setdefault(key, set()).update(names.role_words.get(n.text, set()))

    def _base(self, ctx: QuoteContext) -> dict[str, float]:
        q = ctx.quote
        f: dict[str, float] = {
            "quote_len": _log(len(q.text)),
            "kind_mixed": float(q.kind == "mixed"),
            "kind_indirect": float(q.kind == "indirect"),
            "has_cue": float(q.cue is not None),
            "cue_colon": float(q.cue == ":"),
        }
        f[f"attr_{q.attribution}"] = 1.0
        cue = ctx.attributed.found.cue
        if cue is not None:
            f[f"cue_side_{cue.side}"] = 1.0
        m = ctx.attributed.mention
        if m is not None:
            toks = list(self.doc[m.start : m.end])
            head = self.doc[m.head]
            f["mention_len"] = _log(len(toks))
            f["mention_indefinite"] = float(toks[0].lower_ in INDEFINITE or toks[0].lower_ in ("d'", "d’", "de"))
            f["mention_plural"] = float("Plur" in head.morph.get("Number"))
            f["mention_person_name"] = float(any(t.ent_type_ == "PER" for t in toks))
            f["mention_role_noun"] = float(head.lemma_.lower() in role_nouns())
            f["mention_body_noun"] = float(fold(head.lemma_) in ORG_NOUN_KEYS)
            f["mention_of"] = float(any(t.lower_ in ("de", "du", "des", "d'", "d’") for t in toks[1:]))
        return f

    def candidates(self, ctxs: Sequence[QuoteContext]) -> list[QuoteCandidates]:
        """Every quotation's candidates with the features that do not depend on the decisions
        before it (`with_history` adds those): every person and body the article names, the
        patterns' answer, the mention's own words for a body, and "nobody named" (last)."""
        out: list[QuoteCandidates] = []
        since = 0  # the token after the previous quotation
        for ctx in ctxs:
            out.append(self._for_quote(ctx, since))
            if ctx.quote.kind != "indirect":
                since = ctx.last_token
        self._next_patterns(ctxs, out)
        self._echo_patterns(ctxs, out)
        return out

    def _echo_patterns(self, ctxs: Sequence[QuoteContext], out: list[QuoteCandidates]) -> None:
        """A quotation repeated in another (an intertitle « Il était son pire ennemi » above
        « Il était son pire ennemi », lance L'Avenir): the candidate the patterns name for the
        other. The same words anywhere after it, or one inside the other among the next ECHO_AHEAD."""
        words = [" ".join(fold(ctx.quote.text).split()) for ctx in ctxs]
        next_with: dict[str, int] = {}  # the next quotation with these words, filled from the end
        repeats: list[int | None] = [None] * len(words)
        for k in range(len(words) - 1, -1, -1):
            repeats[k] = next_with.get(words[k])
            next_with[words[k]] = k
        for k, w in enumerate(words):
            if len(w.split()) < 3:
                continue
            j = repeats[k]
            if j is None:  # a longer or shorter form just after
                ahead = range(k + 1, min(len(ctxs), k + 1 + ECHO_AHEAD))
                j = next((i for i in ahead if w in words[i] or (len(words[i].split()) >= 3 and words[i] in w)), None)
            if j is None or ctxs[j].quote.kind == "indirect":
                continue
            speaker = ctxs[j].quote.speaker

            def echoed(cands: list[Candidate], speaker: str | None = speaker) -> None:
                for c in cands:
                    c.features["echoed"] = 1.0
                _mark_rule_pick(cands, speaker, "echo")

            out[k].mark(echoed, fold(speaker) if speaker else None)

    def _next_patterns(self, ctxs: Sequence[QuoteContext], out: list[QuoteCandidates]) -> None:
        """What the patterns say of the next quotation (« … ». « … », a ajouté X): the candidate
        they name there, with how they name it and how far the next quotation is."""
        direct = [k for k, ctx in enumerate(ctxs) if ctx.quote.kind != "indirect"]
        for k, nxt in pairwise(direct):
            q_next = ctxs[nxt].quote
            gap = self.doc[ctxs[k].last_token : ctxs[nxt].first_token].text.count("\n")

            def following(cands: list[Candidate], gap: int = gap, q_next: Quote = q_next) -> None:
                for c in cands:
                    c.features["next_gap_paras"] = float(min(5, gap))
                    c.features[f"next_attr_{q_next.attribution}"] = 1.0
                _mark_rule_pick(cands, q_next.speaker, "next", q_next.attribution)

            out[k].mark(following)

    def _for_quote(self, ctx: QuoteContext, since: int) -> QuoteCandidates:
        doc, q = self.doc, ctx.quote
        base = self._base(ctx)
        gap = doc[since : ctx.first_token]
        base["gap_tokens"] = _log(len(gap))
        base["gap_paras"] = float(min(5, gap.text.count("\n")))
        base["opens_paragraph"] = float(ctx.first_token == 0 or "\n" in doc[ctx.first_token - 1].text)
        if base["opens_paragraph"] and _is_question(_previous_line(self.text, q.start)):
            base["answers_question"] = 1.0
        base["interview"] = float(self.questions >= INTERVIEW_QUESTIONS)
        role_lemma, role_gender, role_mods = None, None, set()
        m_rule = ctx.attributed.mention
        if m_rule is not None and m_rule.attribution in ("nominal", "relative"):
            head = doc[m_rule.head]
            role_lemma = head.lemma_.lower()
            role_gender = noun_gender(head)
            role_mods = {
                fold(t.text) for t in doc[head.i + 1 : m_rule.end] if t.pos_ in ("ADJ", "PROPN", "NOUN") and t.is_alpha
            }
        para = self.paragraphs.of(q.start)
        first_sent = self.parsed.reading_sentence_index(ctx.first_token)
        last_sent = self.parsed.reading_sentence_index(max(ctx.first_token, ctx.last_token - 1))
        rule_key = fold(q.speaker) if q.speaker else None
        near = self._named_near(para, ctx.last_token, last_sent)  # candidates named near the quotation
        cue = ctx.attributed.found.cue
        wanted = set(self.mentions)
        if self.ordered:  # the others cannot change a feature of these
            wanted = near | self._ranks_fixed_by(ctx, para, cue.token if cue is not None else None)
            wanted.update(islice((k for k in self.by_count if k not in near and k != rule_key), FAR_KEPT))
            if rule_key in self.mentions:
                wanted.add(rule_key)
        keys = {key: key in near for key in sorted(wanted, key=self.order.__getitem__)}
        n_near = len(near | {rule_key}) if rule_key else len(near)
        if rule_key:
            keys[rule_key] = True
        own = self._mention_words(ctx)
        if own is not None and fold(own) not in self.mentions and fold(own) != rule_key:
            keys[fold(own)] = True
            n_near += 1
            self.display.setdefault(fold(own), (own, "MENTION"))
        m = ctx.attributed.mention
        in_mention = set()
        if m is not None:
            inside = self.names.names[bisect_left(self.name_starts, m.start) : bisect_left(self.name_starts, m.end)]
            in_mention = {fold(self.names.fullest(n)) for n in inside}
        pron_gender = _pronoun_gender(q.speaker_mention) if q.attribution == "pronoun" else None
        gov = governor(doc, ctx.first_token, ctx.last_token)
        if gov is not None:
            base["governed"] = 1.0
            cue_found = ctx.attributed.found.cue
            base["governor_is_cue"] = float(cue_found is not None and cue_found.token == gov.i)
            subjects = [t for t in gov.children if t.dep_.startswith("nsubj")]
            base["governor_subject_pronoun"] = float(any(t.pos_ == "PRON" for t in subjects))
            base["governor_subject_noun"] = float(any(t.pos_ == "NOUN" for t in subjects))
        role = (role_lemma, role_gender, role_mods)
        governed = self._hanging_from(gov.i) if gov is not None else {}
        inside = doc[ctx.first_token : ctx.last_token]
        quote_words = frozenset(re.findall(r"[\w-]+", fold(q.text)))
        base["quote_first_singular"] = _log(sum(1 for t in inside if t.lower_ in FIRST_SINGULAR))
        base["quote_first_plural"] = _log(sum(1 for t in inside if t.lower_ in FIRST_PLURAL))
        self_gender = speaker_gender(inside)
        base[f"self_gender_{self_gender}"] = 1.0
        st = _Quote(
            ctx,
            since,
            base,
            role,
            para,
            first_sent,
            last_sent,
            rule_key,
            in_mention,
            pron_gender,
            gov,
            governed,
            quote_words,
            self_gender,
        )
        cands = self._build(st, keys)
        self._ranked(st, cands)
        f = dict(base)
        f["is_null"] = 1.0
        f["rule_null"] = float(rule_key is None)
        if rule_key is None:
            f[f"rule_null_{q.attribution}"] = 1.0
            f[f"rule_how_{q.evidence}"] = 1.0
        f["n_near"] = float(n_near)
        cands.append(Candidate(None, None, f, q.speaker_mention if rule_key is None else None, None))
        return QuoteCandidates(self, st, cands)

    def completed(self, st: _Quote, built: list[Candidate], more: Collection[str]) -> list[Candidate]:
        """One quotation's candidates `built` ("nobody named" last) with those of the names `more`
        (never near it), ranked among them all."""
        extra = self._build(st, dict.fromkeys(sorted(more, key=self.order.__getitem__), False))
        last = len(self.order)  # the patterns' answer and the mention's words come after the names
        cands = sorted(built[:-1] + extra, key=lambda c: self.order.get(c.key or "", last))
        self._ranked(st, cands)
        return [*cands, built[-1]]

    def _ranked(self, st: _Quote, cands: list[Candidate]) -> None:
        """The features of a quotation's candidates that depend on the others'."""
        _relative_ranks(cands)
        cue = st.ctx.attributed.found.cue
        if cue is not None:
            self._cue_order(cands, cue.token)

    def _build(self, st: _Quote, keys: dict[str, bool]) -> list[Candidate]:
        """The candidates of the names `keys` (-> named near the quotation), features of their own only."""
        doc, ctx, since, base, para, gov = self.doc, st.ctx, st.since, st.base, st.para, st.gov
        q, rule_key, in_mention, pron_gender = ctx.quote, st.rule_key, st.in_mention, st.pron_gender
        first_sent, last_sent = st.first_sent, st.last_sent
        role_lemma, role_gender, role_mods = st.role
        cands: list[Candidate] = []
        for key, near in keys.items():
            name, label = self.display.get(key, (q.speaker or key, "OTHER"))
            if key == rule_key and q.speaker:
                name = q.speaker
            f = dict(base)
            f["is_null"] = 0.0
            f["near"] = float(near)
            f["rule_pick"] = float(key == rule_key)
            f["in_rule_mention"] = float(key in in_mention)
            if key == rule_key:
                f[f"rule_pick_{q.attribution}"] = 1.0
                f[f"rule_how_{q.evidence}"] = 1.0
            ms = self.mentions.get(key, [])
            between = self._between(key, since, ctx.first_token)
            f["named_since_prev"] = float(bool(between))
            f["subject_since_prev"] = float(any(_subject_of_reporting(doc, n)[0] for n in between))
            if role_lemma is not None:
                lemmas = self.roles_of.get(key, set())
                f["role_match"] = float(role_lemma in lemmas)
                words = self.role_words_of.get(key, set())
                f["role_words_match"] = float(bool(role_mods) and role_mods <= words)
                f["role_words_overlap"] = float(len(role_mods & words))
                if role_gender is not None:
                    g = self.names.gender(name)
                    if g is not None:
                        f["role_gender_agrees"] = float(g == role_gender)
                        f["role_gender_clash"] = float(g != role_gender)
            if ms:
                # the tagger's label varies from one mention to the next: the share of each
                for lab, share in zip(LABELS, self.shares[key], strict=True):
                    f[f"share_{lab}"] = share
            else:
                f[f"label_{label}"] = 1.0
            name_words = name.split()
            f["name_words"] = float(len(name_words))
            f["first_name_known"] = float(
                len(name_words) > 1 and self.names.first_name_gender(name_words[0]) is not None
            )
            f["byline"] = float(bool(self.byline) and key in self.byline)
            f["has_role"] = float(key in self.roles_of)
            words = _name_words(key)
            f["named_in_quote"] = float(bool(words & st.quote_words))
            if q.cue is None:  # the article's first person, for words no cue gives (an interview's answers)
                f["first_person"] = float(key == self.first_person)
                if ms:
                    f["first_para"] = float(min(9, self.para_of[ms[0].start]))
            if label != "LOC":  # a place in the headline is where, not who (« Le pont de X fermé »)
                f["in_title"] = float(bool(words & self.title_words))
                f["title_speaker"] = float(bool(words & self.title_head))
            if label == "PER" or f["first_name_known"]:
                g = self.names.gender(name)
                f["gender_known"] = float(g is not None)
                if st.self_gender is not None and g is not None:
                    f["self_gender_agrees"] = float(g == st.self_gender)
                    f["self_gender_clash"] = float(g != st.self_gender)
                if pron_gender is not None and g is not None:
                    f["gender_agrees"] = float(g == pron_gender)
                    f["gender_clash"] = float(g != pron_gender)
            f["mentions"] = _log(len(ms))
            n_before, last_before = self._before(key, ctx.first_token)
            f["mentions_before"] = _log(n_before)
            mention_text = None
            first_after = self._after(key, ctx.last_token)
            if last_before is not None:
                n = last_before
                mention_text = n.text
                f["before_tokens"] = _log(ctx.first_token - n.end)
                f["before_sents"] = float(min(9, first_sent - self.sent_of[n.start]))
                f["before_paras"] = float(min(9, para - self.para_of[n.start]))
                f["before_same_sent"] = float(self.sent_of[n.start] == first_sent)
                self._mention_features(f, "before", n)
            else:
                f["no_before"] = 1.0
            if first_after is not None:
                n = first_after
                mention_text = mention_text or n.text
                f["after_tokens"] = _log(n.start - ctx.last_token)
                f["after_sents"] = float(min(9, self.sent_of[n.start] - last_sent))
                f["after_same_sent"] = float(self.sent_of[n.start] == last_sent)
                self._mention_features(f, "after", n)
            else:
                f["no_after"] = 1.0
            if not ms:
                f["no_mention"] = 1.0
            cue = ctx.attributed.found.cue
            if cue is not None and ms:
                self._cue_features(f, cue.token, key)
            if gov is not None and key in st.governed:
                self._governor_features(f, st.governed[key])
            if key == rule_key and q.speaker_mention:
                mention_text = q.speaker_mention
            cands.append(Candidate(name, label, f, mention_text, key))
        return cands

    # Where a quotation's names are looked up: mentions by position, once per article.

    def _index_mentions(self) -> None:
        listed, doc = self.listed, self.doc
        self.order = {key: k for k, key in enumerate(self.mentions)}  # the candidates' order
        self.name_starts = [n.start for n in self.names.names]
        self.starts = [n.start for n, _ in listed]
        self.paras = [self.para_of[n.start] for n, _ in listed]
        self.sents = [self.sent_of[n.start] for n, _ in listed]
        self.key_starts = {key: [n.start for n in ms] for key, ms in self.mentions.items()}
        self.key_ends = {key: [n.end for n in ms] for key, ms in self.mentions.items()}
        self.shares = {
            key: [sum(1 for n in ms if n.label == lab) / len(ms) for lab in LABELS] for key, ms in self.mentions.items()
        }
        # no two mentions overlap (as spaCy's entities): then each name's mentions end in text
        # order too, and the names that can change a quotation's features are found near it
        self.ordered = all(a.end <= b.start for (a, _), (b, _) in pairwise(listed))
        self.by_count = sorted(self.mentions, key=lambda k: -len(self.mentions[k]))
        counts: dict[int, str] = {}  # a name for each of the RANK_CAP largest mention counts
        for key in self.by_count:
            if len(counts) < RANK_CAP:
                counts.setdefault(len(self.mentions[key]), key)
        self.most_named = set(counts.values())
        self.reporting = [i for i, (n, _) in enumerate(listed) if _subject_of_reporting(doc, n)[1]]
        self.persons = [i for i, (_, key) in enumerate(listed) if self.display[key][1] == "PER"]
        self.hanging: dict[int, list[int]] = {}  # token -> the mentions hanging from it (3 steps at most)
        for i, (n, _) in enumerate(listed):
            for node, _depth in _chain(doc, n, 3):
                self.hanging.setdefault(node.head.i, []).append(i)

    def _in_sentence(self, sent: int) -> list[tuple[Name, str]]:
        """The mentions in the reader's sentence number `sent`."""
        return self.listed[bisect_left(self.sents, sent) : bisect_right(self.sents, sent)]

    def _named_near(self, para: int, last: int, last_sent: int) -> set[str]:
        """The names mentioned in a quotation's paragraph or the PARAGRAPHS_BACK before, or after
        the quotation (ending at token `last`) up to the sentence after it."""
        lo, hi = bisect_left(self.paras, para - PARAGRAPHS_BACK), bisect_right(self.paras, para)
        near = {key for _, key in self.listed[lo:hi]}
        k = bisect_left(self.starts, last)
        while k < len(self.listed) and self.sents[k] <= last_sent + 1:
            near.add(self.listed[k][1])
            k += 1
        return near

    def _hanging_from(self, token: int) -> dict[str, tuple[str, int]]:
        """Each name with a mention hanging from `token` within 3 steps: how its first one hangs."""
        found: dict[str, tuple[str, int]] = {}
        for i in self.hanging.get(token, ()):
            n, key = self.listed[i]
            link = _link(self.doc, n, token, 3)
            if key not in found and link is not None:
                found[key] = link
        return found

    def _between(self, key: str, since: int, first: int) -> list[Name]:
        """A name's mentions from token `since` that end by token `first`."""
        ms = self.mentions.get(key, [])
        if self.ordered and ms:
            return ms[bisect_left(self.key_starts[key], since) : bisect_right(self.key_ends[key], first)]
        return [n for n in ms if since <= n.start and n.end <= first]

    def _before(self, key: str, first: int) -> tuple[int, Name | None]:
        """How many of a name's mentions end by token `first`, and the last of them."""
        ms = self.mentions.get(key, [])
        if self.ordered and ms:
            k = bisect_right(self.key_ends[key], first)
            return k, ms[k - 1] if k else None
        before = [n for n in ms if n.end <= first]
        return len(before), before[-1] if before else None

    def _after(self, key: str, last: int) -> Name | None:
        """A name's first mention from token `last` on."""
        ms = self.mentions.get(key, [])
        k = bisect_left(self.key_starts[key], last) if ms else 0
        return ms[k] if k < len(ms) else None

    def _around(self, key: str, token: int) -> list[Name]:
        """A name's mentions among which the nearest to `token` is (in text order)."""
        ms = self.mentions[key]
        if not self.ordered:
            return ms
        k = bisect_right(self.key_starts[key], token)
        return ms[max(0, k - 1) : k + 1]

    def _ranks_fixed_by(self, ctx: QuoteContext, para: int, cue: int | None) -> set[str]:
        """The names whose candidates hold the RANK_CAP best values of every ranked feature of a
        quotation (and its nearest reporting subject and person on each side, the names of its
        cue's sentence): built with those named near it, they give every candidate the ranks and
        marks it has among all the article's names. Mentions must not overlap."""
        first, last, listed = ctx.first_token, ctx.last_token, self.listed
        keys = set(self.most_named)
        seen: set[str] = set()
        paras: set[int] = set()
        k = bisect_left(self.starts, first) - 1
        while (
            k >= 0
            and len(seen) < len(self.order)
            and (len(seen) < RANK_CAP or (len(paras) < RANK_CAP and 9 not in paras))
        ):
            n, key = listed[k]
            k -= 1
            if n.end > first or key in seen:
                continue
            seen.add(key)
            p = min(9, para - self.paras[k + 1])
            if len(seen) <= RANK_CAP or p not in paras:
                keys.add(key)
            paras.add(p)
        seen = set()
        k = bisect_left(self.starts, last)
        while k < len(listed) and len(seen) < RANK_CAP:
            seen.add(listed[k][1])
            k += 1
        keys |= seen
        # the nearest reporting subject and person on each side
        for pool, valid in ((self.reporting, True), (self.persons, False)):
            j = bisect_left(pool, bisect_left(self.starts, first)) - 1
            while j >= 0:
                n, key = listed[pool[j]]
                j -= 1
                if n.end <= first and (not valid or self._before(key, first)[1] is n):
                    keys.add(key)
                    break
            j = bisect_left(pool, bisect_left(self.starts, last))
            while j < len(pool):
                n, key = listed[pool[j]]
                j += 1
                if not valid or self._after(key, last) is n:
                    keys.add(key)
                    break
        if cue is not None:
            keys |= {key for _, key in self._in_sentence(self.parsed.reading_sentence_index(cue))}
            keys |= self._nearest_to(cue)
        return keys

    def _nearest_to(self, cue: int) -> set[str]:
        """The names of the RANK_CAP nearest distances to token `cue` (either side), and the one
        named across it."""
        listed = self.listed
        a = bisect_right(self.starts, cue)  # the first mention after the cue
        b = a - 1
        keys: set[str] = set()
        if b >= 0 and listed[b][0].end > cue:
            keys.add(listed[b][1])
            b -= 1
        seen = set(keys)
        gaps: set[int] = set()
        while len(gaps) < RANK_CAP and len(seen) < len(self.order) and (b >= 0 or a < len(listed)):
            before = cue - listed[b][0].end + 1 if b >= 0 else len(self.doc)
            after = listed[a][0].start - cue if a < len(listed) else len(self.doc)
            if b >= 0 and before <= after:
                gap, key = before, listed[b][1]
                b -= 1
            else:
                gap, key = after, listed[a][1]
                a += 1
            if key not in seen:
                seen.add(key)
                keys.add(key)
                gaps.add(gap)
        return keys

    def _cue_order(self, cands: list[Candidate], cue_i: int) -> None:
        """Which candidate is named first after the cue in its sentence (the inverted subject's
        place: « … », résume quant à elle X), and which last before it (the subject's place);
        also counting only names outside a prepositional phrase (a déclaré à Tirana X)."""
        doc = self.doc
        sent = self.parsed.reading_sentence_index(cue_i)
        by_key = {c.key: c for c in cands if c.key}
        after: list[tuple[int, bool, str]] = []
        before: list[tuple[int, bool, str]] = []
        for n, key in self._in_sentence(sent):
            if key not in by_key:
                continue
            outside_pp = _in_pp(doc, n) is None
            if n.start > cue_i:
                after.append((n.start, outside_pp, key))
            elif n.end <= cue_i:
                before.append((-n.end, outside_pp, key))
        for found, name in ((after, "cue_first_after"), (before, "cue_last_before")):
            found.sort()
            if found:
                by_key[found[0][2]].features[name] = 1.0
            free_keys = [k for _, ok, k in found if ok]
            if free_keys:
                by_key[free_keys[0]].features[f"{name}_free"] = 1.0

    def _governor_features(self, f: dict[str, float], link: tuple[str, int]) -> None:
        """How the candidate's mentions stand to the quotation's governing verb: its subject (or
        the subject's apposition or complement: le chef de l'ONU, Martin Griffiths), its object."""
        f[f"gov_dep_{link[0]}"] = 1.0
        f["gov_depth"] = float(link[1])

    def _cue_features(self, f: dict[str, float], cue_i: int, key: str) -> None:
        """How the candidate's mentions stand to the cue: distance, side, syntactic link."""
        doc = self.doc
        cue_sent = self.parsed.reading_sentence_index(cue_i)
        nearest = min(self._around(key, cue_i), key=lambda n: min(abs(n.start - cue_i), abs(n.end - 1 - cue_i)))
        gap = nearest.start - cue_i if nearest.start > cue_i else cue_i - nearest.end + 1
        f["cue_tokens"] = _log(gap)
        f["cue_after"] = float(nearest.start > cue_i)
        f["cue_right_after"] = float(0 < nearest.start - cue_i <= 5)
        in_sentence = [n for n, k in self._in_sentence(cue_sent) if k == key]
        f["cue_same_sent"] = float(bool(in_sentence))
        for n in in_sentence:
            link = _link(doc, n, cue_i, 4)
            if link is not None:
                f[f"cue_dep_{link[0]}"] = 1.0
                f["cue_depth"] = float(link[1])

    def _mention_words(self, ctx: QuoteContext) -> str | None:
        """The patterns' mention as a name of its own when it names a body (le gouvernement malien)."""
        m = ctx.attributed.mention
        if m is None or m.attribution not in ("nominal", "name"):
            return None
        toks = self.doc[m.start : m.end]
        if any(t.ent_type_ == "PER" for t in toks) or "\n" in toks.text:
            return None
        head = self.doc[m.head]
        if fold(head.lemma_) not in ORG_NOUN_KEYS and head.pos_ != "PROPN":
            return None
        return body_name(self.doc, m)

    def _mention_features(self, f: dict[str, float], side: str, n: Name) -> None:
        """The features of the mention itself (its preposition, syntactic role, position, form),
        found once per mention and side: they do not depend on the quotation."""
        key = (side, n.start, n.end)
        own = self._mention_memo.get(key)
        if own is None:
            own = self._mention_memo[key] = {}
            self._own_mention_features(own, side, n)
        f.update(own)

    def _own_mention_features(self, f: dict[str, float], side: str, n: Name) -> None:
        doc = self.doc
        pp = _in_pp(doc, n)
        if pp is not None:
            f[f"{side}_in_pp"] = 1.0
            f[f"{side}_pp_{PP_KIND.get(pp, 'other')}"] = 1.0
        subj, reporting = _subject_of_reporting(doc, n)
        f[f"{side}_subject"] = float(subj)
        f[f"{side}_reporting_subject"] = float(reporting)
        first = doc[n.start]
        before = doc[n.start - 1].text if n.start > 0 else None  # the word before the mention
        f[f"{side}_sentence_initial"] = float(first.is_sent_start or (before is not None and before in "\n.!?"))
        f[f"{side}_single_word"] = float(n.end - n.start == 1)
        f[f"{side}_propn"] = float(any(t.pos_ == "PROPN" for t in doc[n.start : n.end]))
        f[f"{side}_upper"] = float(first.text.isupper() and len(first.text) > 1)
        f[f"{side}_in_parens"] = float(before == "(")
