"""When and where a quote was said, from the words of the article around it.

The date said (`situate_quotes`, pure text functions over an `Article` and `Quote` offsets) is a
date the article gives near the quote ("mercredi", "le 3 juillet", "hier") resolved against the
publication date, else the publication date itself (`said_on_source` says which). The venue
(`with_venues`, read on the article's spaCy parse while the pipeline has it) is a phrase such as
"sur BFM TV", "dans un communiqué", "devant l'Assemblée" or "lors du sommet de l'OCS" (given as
"sommet de l'OCS"). The quote's own words, and any other quotation, are never read for either:
only the narration around them.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from babel import localedata
from babel.dates import get_day_names, get_month_names

from quotes.folding import CharTable, fold
from quotes.lexicon import venue_words
from quotes.types import Article, DateSource, Quote

if TYPE_CHECKING:
    from quotes.extract.detect import Found
    from quotes.extract.parsed import ParsedArticle

Doc = Any  # spacy.tokens.Doc

LOCALE = "fr_FR"


normalise = fold  # casefolded, without accents, ’ as '


# Babel's French names: lundi..dimanche (Monday = 0) and janvier..décembre (January = 1).
DAYS = {normalise(str(name)): index for index, name in get_day_names("wide", locale=LOCALE).items()}
MONTHS = {normalise(str(name)): index for index, name in get_month_names("wide", locale=LOCALE).items()}
RELATIVE = {"avant-hier": -2, "hier": -1, "aujourd'hui": 0, "ce matin": 0, "ce midi": 0, "ce soir": 0}

_DAY_ALT = "|".join(sorted(DAYS, key=len, reverse=True))
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
# Matched against the normalised (casefolded, unaccented) text, whose offsets equal the original's
# when the text is precomposed; see `_fold`.
_EXPLICIT = re.compile(
    rf"\b(?:(?:{_DAY_ALT})\s+)?(?P<day>1er|[0-3]?\d)\s+(?P<month>{_MONTH_ALT})(?:\s+(?P<year>(?:19|20)\d\d))?\b"
)
_WEEKDAY = re.compile(rf"\b(?P<wd>{_DAY_ALT})\b(?!\s+(?:prochain|[0-3]?\d|1er)\b)")
_RELATIVE = re.compile(r"(?<![\w-])(?P<rel>avant-hier|hier|aujourd'hui|ce matin|ce midi|ce soir)\b")


def _weekdays_relative() -> dict[str, tuple[int, int]]:
    """Babel's French (CLDR) phrases for the weekday of the week before or after (« mardi
    dernier », « mardi prochain »), folded: the weekday (Monday = 0) and the direction (-1, 1)."""
    fields = localedata.load(LOCALE)["date_fields"]
    found = {}
    for index, key in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun")):
        for step in (-1, 1):
            found[normalise(str(fields[key]["relative"][step]))] = (index, step)
    return found


# « mardi prochain »: the first Tuesday after the publication day; « mardi dernier »: the last one
# before it.
RELATIVE_WEEKDAYS = _weekdays_relative()
_RELATIVE_WEEKDAY_ALT = "|".join(
    re.escape(phrase).replace(r"\ ", r"\s+") for phrase in sorted(RELATIVE_WEEKDAYS, key=len, reverse=True)
)
_RELATIVE_WEEKDAY = re.compile(rf"\b(?P<rwd>{_RELATIVE_WEEKDAY_ALT})\b")

_QUOTED = re.compile(r"«[^«»]*»|“[^“”]*”")


def _fold_char(ch: str) -> str:
    return normalise(ch)[:1] or ch


_FOLDED_CHARS = CharTable(_fold_char)  # each character's `_fold_char`, found once


def _fold(text: str) -> str:
    """Casefolded, unaccented text with the same length (and so the same offsets) as `text`:
    each character by `_fold_char` (read with `str.translate`)."""
    return text.translate(_FOLDED_CHARS)


# How far around a quote its narration is read, on each side: a paragraph longer than this is
# read only this far, so that the cost per quote does not grow with the article.
CONTEXT_REACH = 2000


@lru_cache(maxsize=4)
def _quotations_blanked(text: str) -> str:
    """The text with every quotation blanked out, offsets unchanged; once per article (a str
    caches its hash, so the lookup costs nothing for the same article's text)."""
    chars = list(text)
    for m in _QUOTED.finditer(text):
        chars[m.start() : m.end()] = " " * (m.end() - m.start())
    return "".join(chars)


def _masked(text: str, quote: Quote) -> tuple[int, str, int, int]:
    """The stretch within CONTEXT_REACH of the quote, with the quote and every other quotation
    blanked out: the offset it starts at, the stretch, and the quote's bounds within it."""
    lo = max(0, quote.start - CONTEXT_REACH)
    hi = min(len(text), quote.end + CONTEXT_REACH)
    window = _quotations_blanked(text)[lo:hi]
    start, end = max(0, quote.start) - lo, min(len(text), quote.end) - lo
    return lo, window[:start] + " " * (end - start) + window[end:], start, end


def _bounds(masked: str, start: int, end: int, stops: str) -> tuple[int, int]:
    """The stretch around [start, end) up to the nearest `stops` character on each side."""
    left = max((masked.rfind(c, 0, start) for c in stops), default=-1) + 1
    rights = [i for i in (masked.find(c, end) for c in stops) if i != -1]
    right = min(rights) + 1 if rights else len(masked)
    return left, right


def contexts(article: Article, quote: Quote) -> list[tuple[int, str]]:
    """Where to look, nearest first: the quote's sentence, then its paragraph (quotations blanked)."""
    lo, masked, start, end = _masked(article.text, quote)
    s_left, s_right = _bounds(masked, start, end, ".!?\n")
    p_left, p_right = _bounds(masked, start, end, "\n")
    sentence = (lo + s_left, masked[s_left:s_right])
    paragraph = (lo + p_left, masked[p_left:p_right])
    return [sentence, paragraph] if paragraph[1] != sentence[1] else [sentence]


def _nearest(matches: Sequence[re.Match[str]], offset: int, quote: Quote) -> re.Match[str] | None:
    def distance(m: re.Match[str]) -> int:
        s, e = m.start() + offset, m.end() + offset
        return quote.start - e if e <= quote.start else s - quote.end if s >= quote.end else 0

    return min(matches, key=distance, default=None)


def _publication_day(article: Article) -> dt.date | None:
    try:
        return dt.date.fromisoformat(article.published[:10]) if article.published else None
    except ValueError:
        return None


# How a date without its year (« le 27 avril ») or a bare weekday (« mercredi ») is read against
# the publication date. The rule: the most recent such day on or before publication, unless
#  - a day and month fall within FUTURE_DAYS after publication (an event « le 27 avril » in an
#    article of 22 April is 27 April of that year, not of the year before), or
#  - the sentence announces it, a verb in the future tense (« se tiendra », « doit », « est prévu »)
#    being nearer the date than any verb in a past tense (« a déclaré », « ont appris »): then the
#    coming one, a day and month later in the publication year, or the next such weekday.
FUTURE_DAYS = 31
# Lower-case words only (a capitalised « Samira » is a name, not a verb in the future tense).
_FUTURE = re.compile(
    r"(?<![\w-])(?:doit|doivent|devra|devront|prévue?s?|aura|auront|sera|seront|ira|iront|fera|feront|"
    r"[a-zà-ÿ]+(?:era|eront|ira|iront|dra|dront))(?![\w-])"
)
_NOT_FUTURE = frozenset({"opéra", "caméra", "choléra", "véra"})
_PAST = re.compile(r"(?<![\w-])(?:a|ont|avait|avaient|était|étaient|s'est|se sont|s’est)\s+[a-zà-ÿ]")


def _announces(text: str, start: int, end: int) -> bool:
    """Whether the sentence of text[start:end] (quotations already blanked) speaks of what is to
    come: a verb in the future tense is nearer to it than any verb in a past tense."""
    left, right = _bounds(text, start, end, ".!?\n;:")

    def distance(m: re.Match[str]) -> int:
        return start - m.end() if m.end() <= start else max(0, m.start() - end)

    future = [distance(m) for m in _FUTURE.finditer(text, left, right) if m.group(0) not in _NOT_FUTURE]
    past = [distance(m) for m in _PAST.finditer(text, left, right)]
    return bool(future) and min(future) < min(past, default=len(text))


def resolve_date(match: re.Match[str], published: dt.date | None, announced: bool = False) -> dt.date | None:
    """The calendar date a matched expression designates, read against the publication date (the
    rule above; `announced`: its sentence speaks of what is to come)."""
    groups = match.groupdict()
    if groups.get("month"):
        day = 1 if groups["day"] == "1er" else int(groups["day"])
        month = MONTHS[groups["month"]]
        if groups.get("year"):
            try:
                return dt.date(int(groups["year"]), month, day)
            except ValueError:
                return None
        if published is None:
            return None
        try:
            coming = dt.date(published.year, month, day)
        except ValueError:
            return None
        if coming <= published or announced or (coming - published).days <= FUTURE_DAYS:
            return coming
        try:
            return coming.replace(year=published.year - 1)
        except ValueError:  # 29 February: the year before has none
            return None
    if published is None:
        return None
    if groups.get("rel"):
        return published + dt.timedelta(days=RELATIVE[groups["rel"]])
    if groups.get("rwd"):
        weekday, step = RELATIVE_WEEKDAYS[" ".join(groups["rwd"].split())]
        ahead = (weekday - published.weekday()) % 7 or 7 if step > 0 else -((published.weekday() - weekday) % 7 or 7)
        return published + dt.timedelta(days=ahead)
    if groups.get("wd"):
        if announced:
            return published + dt.timedelta(days=(DAYS[groups["wd"]] - published.weekday()) % 7)
        back = (published.weekday() - DAYS[groups["wd"]]) % 7
        return published - dt.timedelta(days=back)
    return None


# A dateline opening a paragraph (« 22 mai 2012. - », « 21 septembre 2012, France. - ») dates the
# article, not what is said in it.
_DATELINE_TAIL = re.compile(r"\s*(?:,[^.\n]{0,60})?\.\s*[-–—]")


def _is_dateline(text: str, match: re.Match[str]) -> bool:
    """Whether an explicit date opens a line and is followed by the dateline's « . - »."""
    line_start = text.rfind("\n", 0, match.start()) + 1
    return not text[line_start : match.start()].strip() and bool(_DATELINE_TAIL.match(text, match.end()))


def said_on(article: Article, quote: Quote) -> tuple[str | None, DateSource | None]:
    """The date the quote was said and where that date comes from."""
    published = _publication_day(article)
    for offset, text in contexts(article, quote):
        folded = _fold(text)
        patterns = (_EXPLICIT, _RELATIVE, _RELATIVE_WEEKDAY, _WEEKDAY)
        found = [m for pattern in patterns for m in pattern.finditer(folded)]
        # A weekday inside an explicit date ("mercredi 3 juillet") or in « mardi dernier » is part of it.
        whole = [m for m in found if m.re in (_EXPLICIT, _RELATIVE_WEEKDAY)]
        found = [m for m in found if m.re is not _WEEKDAY or not any(_inside(m, e) for e in whole)]
        found = [m for m in found if not (m.re is _EXPLICIT and _is_dateline(text, m))]
        while found:
            best = _nearest(found, offset, quote)
            assert best is not None
            date = resolve_date(best, published, _announces(text, best.start(), best.end()))
            if date is not None:
                return date.isoformat(), "article"
            found.remove(best)
    if article.published:
        return article.published, "publication"
    return None, None


def _inside(inner: re.Match[str], outer: re.Match[str]) -> bool:
    return outer.start() <= inner.start() and inner.end() <= outer.end()


# Venues, read on the parse (`with_venues`, called by the pipeline while it has the spaCy Doc).
# A venue is a prepositional phrase of the narration, attached to the quote's reporting verb,
# whose noun, or a name completing that noun, is a word of the venue lexicon
# (quotes/data/venue_words.txt), after a preposition that fits the word's kind: a medium after
# sur / à / dans / chez (« sur BFM TV », « à l'AFP »), a platform after sur (« sur son blog »), a
# text after dans / selon / d'après (« dans un communiqué »), an occasion after lors de / au cours
# de / en marge de / à l'occasion de / pendant (« lors d'une conférence de presse »), an audience
# after devant (« devant les députés »), an institution after à (« a déclaré au Sénat »). A topic
# (« les frappes sur Kiev ») or a role (« son prédécesseur à Matignon ») hangs on a noun, not on
# the verb, and so is none. The phrase is the noun with its determiners, adjectives and noun
# complements (not its clauses, nor a date), within the narration; it keeps the preposition of a
# place (« sur BFM TV », « devant les députés ») and drops a link (« lors de », « selon ») with its
# determiner: « conférence de presse ».

# Prepositions (as written, lower case, ’ as ') each kind of venue word may follow.
_INTRODUCED_BY = {
    "medium": frozenset({"sur", "à", "au", "aux", "dans", "chez"}),
    "platform": frozenset({"sur"}),
    "named platform": frozenset({"sur"}),
    "document": frozenset({"dans", "selon", "d'après"}),
    "event": frozenset({"pendant", "durant"}),
    "audience": frozenset({"devant"}),
    "institution": frozenset({"à", "au"}),
}
# The prepositions of a place, which the phrase keeps; a name completing the noun of the phrase
# (« dans une publication sur X », « à une question de la RTBF ») may follow any of them.
_PLACE_PREPOSITIONS = frozenset({"sur", "à", "au", "aux", "dans", "chez", "devant"})
# Words an occasion or a text follows through « de » (« lors de », « au cours de », « en marge de »,
# « à l'occasion de »): the venue is the complement, given without them.
_LINKS = frozenset({"lors", "cours", "marge", "occasion"})
_LINKED_KINDS = frozenset({"event", "document"})
# Nouns through which a medium is named (« au micro de », « à l'antenne de », « sur le plateau
# de », « sur les ondes de », « dans les colonnes du »): the venue is the medium's name, whatever
# it is.
_MEDIUM_LINKS = frozenset({"micro", "antenne", "plateau", "ondes", "colonnes"})
_DE = frozenset({"de", "du", "des", "d'"})
# Nouns through which a phrase says what something is about or when: « au sujet du Monde ».
_TOPIC_LINKS = frozenset({"sujet", "propos", "égard", "encontre", "suite", "lendemain", "veille"})
# The dependents that belong to a venue's noun phrase.
_PHRASE_DEPS = frozenset({"det", "amod", "nmod", "flat", "flat:name", "flat:foreign", "fixed", "compound", "nummod"})
# Verbs after which « à » names who was addressed, not where: « a demandé au Sénat de voter ».
_TO_SOMEONE = frozenset({"demander", "proposer", "transmettre", "envoyer", "adresser", "écrire", "répondre"})
_DATE_WORDS = (
    frozenset(DAYS)
    | frozenset(MONTHS)
    | frozenset("hier demain matin soir midi nuit semaine mois annee an fin debut".split())
)
# How a clause hangs on the verb above it, for the verbs a reporting verb is part of (« apportait
# son soutien … en affirmant que »).
_CLAUSE_DEPS = frozenset({"advcl", "xcomp", "conj", "acl"})
# A speaker named after the verb (« a expliqué l'inspecteur de police à l'AFP ») is often given
# the verb's complements by the parser: they are still the verb's.
_SPEAKER_DEPS = frozenset({"nsubj", "nsubj:pass", "obj"})

Word = tuple[Any, frozenset[str], range]  # a lexicon entry found: its head token, kinds, tokens


def _words_of(entry: str) -> tuple[str, ...]:
    """An entry of the lexicon as the tokens spaCy reads it (« l'AFP »: « l' », « AFP »)."""
    return tuple(re.findall(r"[^\s']+'?", entry.replace("’", "'")))


@lru_cache(maxsize=1)
def _venue_entries() -> dict[str, list[tuple[tuple[str, ...], frozenset[str]]]]:
    """The lexicon's entries by their first word in lower case, longest first, each with its
    kinds. A medium may come without its own article (« au Figaro »)."""
    kinds: dict[tuple[str, ...], set[str]] = {}
    for kind, entries in venue_words().items():
        for entry in entries:
            forms = {entry, re.sub(r"^(?:Le|La|Les|L['’])\s*", "", entry)} if kind == "medium" else {entry}
            for form in forms:
                kinds.setdefault(_words_of(form), set()).add(kind)
    by_first: dict[str, list[tuple[tuple[str, ...], frozenset[str]]]] = {}
    for words, ks in sorted(kinds.items(), key=lambda kv: -len(kv[0])):
        by_first.setdefault(words[0].lower(), []).append((words, frozenset(ks)))
    return by_first


def _same_word(token: Any, word: str, first: bool, several: bool) -> bool:
    """A token and a word of the lexicon: the same as written, or a lower-case word capitalised
    at the start of a sentence or of an entry of several words (« lors de la Conférence de
    presse »; a lone « Mail » elsewhere is a name)."""
    text = token.text.replace("’", "'")
    return text == word or (first and (token.is_sent_start or several) and word.islower() and text.lower() == word)


def _venue_word_at(doc: Doc, i: int, end: int) -> Word | None:
    """The lexicon entry that starts at token i (and ends before `end`), if any."""
    for words, kinds in _venue_entries().get(doc[i].lower_.replace("’", "'"), ()):
        if i + len(words) <= end and all(
            _same_word(doc[i + k], w, k == 0, len(words) > 1) for k, w in enumerate(words)
        ):
            inside = range(i, i + len(words))
            root = next((doc[k] for k in inside if doc[k].head.i not in inside or doc[k].head.i == k), doc[i])
            return root, kinds, inside
    return None


def _preposition(token: Any) -> str:
    """The preposition a noun follows, as written (« d'après », « au »), or ''."""
    words = []
    for c in token.children:
        if c.dep_ == "case":
            words.extend([c, *(f for f in c.children if f.dep_ == "fixed")])
    return " ".join(w.lower_.replace("’", "'") for w in sorted(words, key=lambda w: w.i)).replace("' ", "'")


def _phrase(
    head: Any, keep_preposition: bool, outside: Callable[[Any], bool], entry: range = range(0)
) -> tuple[int, int]:
    """The character span of a venue's noun phrase: the noun (and the lexicon entry's tokens)
    with its determiners, adjectives and noun complements (a date left out), and its preposition
    when kept; the tokens next to the noun on each side, within the narration (`outside`), up to
    any other word."""
    doc = head.doc
    members = {head.i, *entry}
    todo = [head, *(doc[k] for k in entry)]
    while todo:
        t = todo.pop()
        for c in t.children:
            if c.dep_ == "case" and (t.i != head.i or keep_preposition):
                members.update([c.i, *(f.i for f in c.children if f.dep_ == "fixed")])
            elif c.dep_ in _PHRASE_DEPS and not (c.dep_ == "nmod" and fold(c.text) in _DATE_WORDS):
                members.add(c.i)
                todo.append(c)
    first = last = head.i
    while first - 1 in members and outside(doc[first - 1]):
        first -= 1
    while last + 1 in members and outside(doc[last + 1]):
        last += 1
    while last > first and doc[last].dep_ in ("case", "det", "punct"):
        last -= 1
    while not keep_preposition and first < head.i and doc[first].dep_ == "det":
        first += 1  # « lors d'une conférence de presse »: « conférence de presse »
    return doc[first].idx, doc[last].idx + len(doc[last].text)


def _joined(phrase_head: Any, anchors: frozenset[int]) -> bool:
    """Whether a phrase headed by `phrase_head` is joined to one of the anchors: it is one, it
    hangs on one, or the parser hung one on it (« lors du congrès, X avait réclamé » read with
    « lors » as the head of the sentence)."""
    doc = phrase_head.doc
    return (
        phrase_head.i in anchors
        or phrase_head.head.i in anchors
        or any(doc[a].head.i == phrase_head.i for a in anchors)
    )


def _venue_phrase(word: Word, anchors: frozenset[int], outside: Callable[[Any], bool]) -> tuple[int, int] | None:
    """The venue's span if the lexicon entry `word` heads or completes a phrase that qualifies:
    attached to one of the `anchors` (token indices) by a preposition its kind allows (or, in
    the narration, to a word the parser took inside a quotation, unless it is an institution,
    which is as often a role: « son prédécesseur à Matignon »)."""
    root, kinds, entry = word
    prep, head = _preposition(root), root.head
    if prep in _DE and head.lower_ in _LINKS and kinds & _LINKED_KINDS:
        link = head.head if head.dep_ == "fixed" else head
        return _phrase(root, False, outside, entry) if _joined(link, anchors) else None
    if root.lower_ in _MEDIUM_LINKS and prep in _PLACE_PREPOSITIONS:
        name = next((c for c in root.children if c.pos_ == "PROPN" and _preposition(c) in _DE), None)
        if name is not None:
            named_entry = _venue_word_at(root.doc, name.i, name.sent.end)
            return (
                _phrase(name, False, outside, named_entry[2] if named_entry else range(0))
                if head.i in anchors
                else None
            )
    if prep and any(prep in _INTRODUCED_BY[k] for k in kinds if k in _INTRODUCED_BY):
        named = kinds != {"named platform"} or any(c.pos_ == "PROPN" for c in root.children if c.dep_ in _PHRASE_DEPS)
        attached = (
            _joined(root, anchors)
            or (not outside(head) and kinds != {"institution"})
            or any(c.i in anchors for c in root.children)
        )
        if named and attached and not (kinds == {"institution"} and head.lemma_ in _TO_SOMEONE):
            return _phrase(root, prep in _PLACE_PREPOSITIONS, outside, entry)
        return None
    # a medium that completes the noun of the phrase: « dans une publication sur X »
    noun = head.pos_ == "NOUN" or head.lower_ in _MEDIUM_LINKS  # « au micro de », even if tagged a name
    if "medium" in kinds and root.dep_.startswith("nmod") and noun and head.lower_ not in _TOPIC_LINKS:
        if _preposition(head) in _PLACE_PREPOSITIONS and head.head.i in anchors:
            return (
                _phrase(root, False, outside, entry) if head.lower_ in _MEDIUM_LINKS else _phrase(head, True, outside)
            )
    return None


def _within(token: Any, offset: int) -> bool:
    """Whether the character `offset` is within the stretch of `token`'s subtree."""
    first, last = token.left_edge, token.right_edge
    return bool(first.idx <= offset < last.idx + len(last.text))


# A place the speaker spoke in: a place the parser's named entities know, attached to the
# reporting verb, after « depuis », « dans » or « en » (« Depuis Washington, … a jugé », « a déclaré
# dans le Wisconsin »), or after « à » without an article (a town: « anticipe à Pékin »; « à la
# France » is as often whom something is said to).
_PLACE = frozenset({"place"})
_PLACE_INTRODUCERS = frozenset({"à", "depuis", "dans", "en"})


def _is_place(token: Any, anchors: frozenset[int]) -> bool:
    prep = _preposition(token)
    return bool(
        token.pos_ == "PROPN"
        and token.ent_type_ == "LOC"
        and token.ent_iob_ == "B"
        and prep in _PLACE_INTRODUCERS
        and not (prep == "à" and any(c.dep_ == "det" for c in token.children))
        and token.head.i in anchors
        and token.head.lemma_ not in _TO_SOMEONE
    )


def _present_participle(token: Any) -> bool:
    """« assurant », « précisant »: a clause that carries on the speech of the verb it hangs on."""
    return token.pos_ == "VERB" and "Part" in token.morph.get("VerbForm") and "Pres" in token.morph.get("Tense")


def _anchors(
    doc: Doc,
    found: Found,
    sentence: Any,
    outside: Callable[[Any], bool],
    quoted: _Quotations,
) -> frozenset[int]:
    """The tokens a venue of this quotation hangs on: its reporting cue (for a colon or « selon »,
    the word the cue hangs on) or, without one, the narration's main verbs in the sentence it
    is in (those that hang on nothing or on a quotation); with the verbs whose clause that verb
    is in, the verbs it governs (« peut-on lire »), the present participles of the narration that
    the parser hung on a quotation (« évoquant … dans une tribune ») or whose clause the quotation
    is in (« a martelé Trump, assurant sur Twitter que « … » »), and a subject named after them.
    A cue with another quotation between it and this one is that one's, not this one's."""
    narration = [t for t in sentence if outside(t)]
    if found.cue is None:
        verbs = {t for t in narration if t.pos_ in ("VERB", "AUX") and (t.head.i == t.i or not outside(t.head))}
        cue_at: set[int] = set()
    else:
        cue = doc[found.cue.token]
        if not outside(cue):
            return _anchors(doc, replace(found, cue=None), sentence, outside, quoted)
        lo, hi = sorted((cue.idx, found.start))
        if quoted.between(lo, hi, found.open_at):
            return _anchors(doc, replace(found, cue=None), sentence, outside, quoted)
        verb = cue.head if cue.pos_ in ("PUNCT", "ADP") else cue
        verbs, cue_at = {verb}, {cue.i}
        up = verb
        while up.dep_ in _CLAUSE_DEPS and up.head.i != up.i and outside(up.head):
            up = up.head
            verbs.add(up)
    verbs |= {c for v in verbs for c in v.children if c.dep_ == "xcomp" and c.pos_ == "VERB" and outside(c)}
    verbs |= {
        t
        for t in narration
        if _present_participle(t) and (not outside(t.head) or (t.head in verbs and _within(t, found.start)))
    }
    speakers = {c for v in verbs for c in v.children if c.dep_ in _SPEAKER_DEPS and c.i > v.i and outside(c)}
    return frozenset(cue_at | {t.i for t in verbs | speakers})


@dataclass(frozen=True)
class _Quotations:
    """An article's quotations, read once: their character spans in text order and, for each
    token of the parse, whether it is inside one."""

    spans: tuple[tuple[int, int], ...]
    starts: tuple[int, ...]
    inside: bytes

    @classmethod
    def of(cls, parsed: ParsedArticle, found: Sequence[Found]) -> _Quotations:
        spans = tuple(sorted((f.open_at, f.close_at + 1) for f in found if f.kind != "indirect"))
        token_starts = parsed.token_starts
        inside = bytearray(len(token_starts))
        for lo, hi in spans:
            first, last = bisect_left(token_starts, lo), bisect_left(token_starts, hi)
            inside[first:last] = b"\x01" * (last - first)
        return cls(spans, tuple(lo for lo, _ in spans), bytes(inside))

    def between(self, lo: int, hi: int, besides: int) -> bool:
        """Whether a quotation other than the one opening at `besides` lies within (lo, hi]."""
        k = bisect_right(self.starts, lo)
        while k < len(self.spans) and self.spans[k][0] < hi:
            if self.spans[k][1] <= hi and self.spans[k][0] != besides:
                return True
            k += 1
        return False


def _quote_venue(
    doc: Doc, text: str, found: Found, quoted: _Quotations, window: tuple[int, int]
) -> tuple[str, frozenset[str]] | None:
    """The venue of one quotation, from the narration of its sentence (`window`: from the end of
    the sentence before to the end of its own, quotations aside), nearest first, with the kinds
    of its lexicon word."""

    def outside(token: Any) -> bool:
        return window[0] <= token.idx < window[1] and not quoted.inside[token.i]

    sentence = doc.char_span(window[0], window[1], alignment_mode="expand")
    if sentence is None or not len(sentence):
        return None
    anchors = _anchors(doc, found, sentence, outside, quoted)
    spans = []
    for token in sentence:
        if not outside(token):
            continue
        word = _venue_word_at(doc, token.i, sentence.end)
        if word is None:
            if _is_place(token, anchors):
                spans.append((_phrase(token, True, outside), _PLACE))
            continue
        got = _venue_phrase(word, anchors, outside)
        if got is not None:
            spans.append((got, word[1]))

    def distance(found_span: tuple[tuple[int, int], frozenset[str]]) -> tuple[int, int]:
        s, e = found_span[0]
        return (found.start - e if e <= found.start else s - found.end if s >= found.end else 0), s - e

    if not spans:
        return None
    (start, end), kinds = min(spans, key=distance)
    phrase = " ".join(text[start:end].split())
    if phrase.split(" ")[0] in ("Dans", "Sur", "Devant", "Au", "À", "Aux", "Chez"):
        phrase = phrase[0].lower() + phrase[1:]  # sentence-initial capital
    return phrase, kinds


# The venues a quotation hands on to the same speaker's next one in its paragraph: a text or a
# medium the passage comes from (« Dans une lettre ouverte, les maires demandent « … ». « … »,
# écrivent-ils. »), not an occasion or a place.
_CARRIED = frozenset({"medium", "platform", "named platform", "document"})


# A sentence ends at a line break or at . ! ? before a space, not after an abbreviation or an
# initial (« a dit M. Champagne », « J. Dupont »). Each branch opens with the character it
# matches and looks back past it for the abbreviation, so that the scan skips to the candidates.
_SENTENCE_END = re.compile(r"\n|[.!?…](?<!\bM.)(?<!\bMM.)(?<!\bMme.)(?<!\bDr.)(?<!\bSt.)(?<!\b[A-Z].)(?=\s|$)")


# A quotation that ends its own sentence ends the reporter's too when a new one begins after it:
# « Je suis choqué. » Il a reçu …
_QUOTED_SENTENCE_END = re.compile(r"[.!?…]\s*[»”\"](?=\s+[A-ZÀ-Ý«“])")


def _sentences_of(text: str, quote: Quote) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """The stretch of the quote's sentence, from the end of the sentence before to the end of its
    own, and that of the sentence before it in the same paragraph (None at a paragraph's start),
    read with the quotations blanked (a full stop inside one ends nothing)."""
    lo, masked, start, end = _masked(text, quote)
    ends = [m.end() for m in _SENTENCE_END.finditer(masked)]
    ends += [m.end() - lo for m in _QUOTED_SENTENCE_END.finditer(text, lo, lo + len(masked))]
    left = max((e for e in ends if e <= start), default=0)
    right = min((e for e in ends if e > end), default=len(masked))
    if lo + left == 0 or text[lo + left - 1] == "\n":
        return (lo + left, lo + right), None
    return (lo + left, lo + right), (lo + max((e for e in ends if e < left), default=0), lo + left)


def with_venues(parsed: ParsedArticle, quotes: Sequence[Quote], found: Sequence[Found]) -> list[Quote]:
    """The quotes (each with its detected quotation `found`, in the same order) with the venue
    their narration gives, read on the article's parse; else a text or medium that the same
    speaker's quotation before it in the paragraph was given, or, when a pronoun says it, that the
    sentence before names along with the speaker. A venue already given is kept."""
    doc, text = parsed.doc, parsed.text
    quoted = _Quotations.of(parsed, found)
    out: list[Quote] = []
    before: tuple[Quote, Found, frozenset[str]] | None = None
    for q, f in zip(quotes, found, strict=True):
        if q.venue:
            out.append(q)
            continue
        window, previous = _sentences_of(text, q)
        got = _quote_venue(doc, text, f, quoted, window)
        if got is not None:
            q = replace(q, venue=got[0])
            before = (q, f, got[1])
        elif before is not None and _carries(text, before, q, f):
            q = replace(q, venue=before[0].venue)
        elif q.speaker and f.cue is not None and _said_by_a_pronoun(doc[f.cue.token]):
            # « Dans une lettre ouverte, les maires demandent … « … », écrivent-ils. »
            surname = q.speaker.split()[-1]
            if previous is not None and re.search(rf"(?<!\w){re.escape(surname)}(?!\w)", text[slice(*previous)]):
                got = _quote_venue(doc, text, replace(f, cue=None), quoted, previous)
                if got is not None and got[1] & _CARRIED:
                    q = replace(q, venue=got[0])
        out.append(q)
    return out


_PERSONAL = frozenset({"il", "elle", "ils", "elles"})


def _said_by_a_pronoun(cue: Any) -> bool:
    """Whether the reporting verb's subject is a personal pronoun (« écrivent-ils », « a-t-elle
    dit »): the speaker is the one the sentence before names."""
    subjects = [c for c in cue.children if c.dep_ in ("nsubj", "nsubj:pass", "expl:subj")]
    words = [w for c in subjects for w in (c, *c.children) if w.pos_ == "PRON"]
    return any(w.lower_.removeprefix("-").removeprefix("t-") in _PERSONAL for w in words)


def _carries(text: str, before: tuple[Quote, Found, frozenset[str]], quote: Quote, found: Found) -> bool:
    """Whether the venue of the quotation `before` (with its kinds) carries on to this one: the
    same speaker, in the same paragraph, and a text or a medium."""
    prev, prev_found, kinds = before
    same_paragraph = "\n" not in text[prev_found.close_at : found.open_at]
    return bool(same_paragraph and quote.speaker and quote.speaker == prev.speaker and kinds & _CARRIED)


def situate_quotes(article: Article, quotes: Sequence[Quote]) -> list[Quote]:
    """Each quote with the date it was said and its source (its venue is read on the parse, by
    `with_venues`)."""
    out = []
    for q in quotes:
        when, source = said_on(article, q)
        out.append(replace(q, said_on=when, said_on_source=source))
    return out
