"""When and where a quote was said, from the words of the article around it.

Pure text functions over an `Article` and `Quote` offsets. The date said is a date the article
gives near the quote ("mercredi", "le 3 juillet", "hier") resolved against the publication
date, else the publication date itself (`said_on_source` says which). The venue is a phrase
such as "sur BFM TV", "dans un communiqué", "devant l'Assemblée" or "lors du sommet de l'OCS à
Astana" (given as "sommet de l'OCS à Astana"). The quote's own words, and any other quotation,
are never read for either: only the narration around them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from babel.dates import get_day_names, get_month_names

from quotes.folding import fold
from quotes.lexicon import role_nouns, venue_words
from quotes.types import Article, DateSource, Quote

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

_QUOTED = re.compile(r"«[^«»]*»|“[^“”]*”")


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    return normalise(ch)[:1] or ch


def _fold(text: str) -> str:
    """Casefolded, unaccented text with the same length (and so the same offsets) as `text`."""
    return "".join(map(_fold_char, text))


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
        found = [m for pattern in (_EXPLICIT, _RELATIVE, _WEEKDAY) for m in pattern.finditer(folded)]
        # A weekday inside an explicit date ("mercredi 3 juillet") is part of that date.
        explicit = [m for m in found if m.re is _EXPLICIT]
        found = [m for m in found if m.re is _EXPLICIT or not any(_inside(m, e) for e in explicit)]
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


# Venues. A venue is a phrase headed by a word of the venue lexicon (quotes/data/venue_words.txt)
# after the word that introduces it: a medium after sur / à / au micro de (« sur BFM TV », « à
# l'AFP »), a platform after sur (« sur son blog »), a document after dans / d'après / selon (« dans
# un communiqué »), an event after lors de / au cours de / en marge de / pendant (« lors d'une
# conférence de presse », given as « conférence de presse »), an audience after devant (« devant les
# députés ») and an institution right after a verb (« a déclaré au Sénat »). Only the quote's own
# sentence is read, and a phrase that is the object of a topic noun (« un débat sur X ») is none.
_A = "['’]"
_NAME = r"[A-ZÀ-Ý0-9][\w'’&.+-]*"
_DATE_WORDS = (
    "lundi mardi mercredi jeudi vendredi samedi dimanche hier demain janvier février mars avril mai juin juillet "
    "août septembre octobre novembre décembre matin soir midi nuit semaine mois année an fin début"
)
# A name, with the common noun some names end in (« Cour des comptes », « Ligue des droits »).
_NAMES = (
    rf"{_NAME}(?:\s+(?:(?:de|du|des)\s+(?:l{_A})?|d{_A}|l{_A})?{_NAME})*"
    rf"(?:\s+(?:des|du)\s+(?!(?:{'|'.join(_DATE_WORDS.split())})\b)[a-zà-ÿ]{{4,}})?"
)
_DET = rf"(?:(?:le|la|les|un|une|son|sa|ses|leur|leurs|ce|cet|cette|ces|notre)\s+|l{_A})"
# « lors du », « lors de la », « lors d'une », « au cours de son »: de and what follows it.
_OF = rf"(?:du\s+|des\s+|d{_A}(?:une?\s+)?|de\s+{_DET}?)"
_ARTICLE = rf"(?:l{_A}|le\s+|la\s+|les\s+)"
_NOT_A_DATE = rf"(?!(?:{'|'.join(_DATE_WORDS.split())})(?![\w-]))"
# Verbs after which « devant X » is where a case goes, not where anyone spoke.
_NOT_BEFORE = frozenset("passer passe passée porter porte portée portées traduit traduite renvoyé renvoyée".split())
# Verbs whose « au Sénat » is who was addressed, not where: « a demandé au Sénat de voter ».
_TO_SOMEONE = frozenset(
    "demandé demandée proposé proposée transmis transmise envoyé envoyée adressé adressée écrit".split()
)
_ADJECTIVE = r"[a-zà-ÿ]{2,}(?:aux|ales?|els?|elles?|iques?|iens?|iennes?|ais|aises?|aires?|istes?|ifs?|ives?)"
_VERB_END = re.compile(r"[a-zà-ÿ]+(?:é|ée|és|ées|i|ie|is|it|u|ue|us|ant|ait)")


def _alternation(words: frozenset[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+").replace("'", _A) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _venue_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(kind, pattern) for each venue rule; each pattern's group `v` is the venue as given."""
    words = venue_words()
    # A medium's own article is optional before it: « Le Figaro », « au Figaro ».
    media = frozenset(re.sub(rf"^(?:Le|La|Les|L{_A})\s*", "", m) for m in words["medium"]) | words["medium"]
    medium = rf"(?:{_alternation(media)})(?![\w-])"
    platform, document = _alternation(words["platform"]), _alternation(words["document"])
    named_platform = _alternation(words["named platform"])
    event = _alternation(words["event"] | words["document"])
    audience, institution = _alternation(words["audience"]), _alternation(words["institution"])
    # A qualifier: a word of the lexicon's list or an adjective by its ending (« ruraux », « européen »).
    qualifier = rf"(?:\s+(?:(?i:{_alternation(words['qualifier'])})|{_ADJECTIVE})(?![\w-]))*"
    head_adjective = r"(?:[a-zà-ÿ]{3,}\s+)?"
    # What may follow the head: a complement of a common noun (« des lois »), then of a name
    # (« de l'OCS », « au Courrier du Nord », « à Astana », « de l'Assemblée nationale »).
    low = rf"(?:\s+(?:de\s+|du\s+|des\s+|d{_A}){_ARTICLE}?{_NOT_A_DATE}[a-zà-ÿ]{{3,}}{qualifier}){{0,2}}"
    named = rf"(?:\s+(?:de|du|des|d{_A}|à|au|aux|sur|avec)\s*{_ARTICLE}?{_NAMES}{qualifier}){{0,2}}"
    tail = rf"{qualifier}{low}{named}"
    # « au micro de », « à l'antenne de », « dans les colonnes du »: a medium, whatever its name.
    medium_link = (
        r"au\s+micro|à\s+l['’]antenne|sur\s+le\s+plateau|sur\s+les\s+ondes|dans\s+les\s+colonnes|à\s+une\s+question"
    )
    event_link = rf"(?:lors|au\s+cours|à\s+l{_A}occasion|en\s+marge)\s+{_OF}|(?:pendant|durant)\s+{_DET}"
    of_name = rf"\s+(?:de|du|des|d{_A})\s*{_ARTICLE}?{_NAMES}"
    rules = [
        ("medium", rf"(?P<v>(?i:\b(?:{medium_link})\s+{_OF}){_ARTICLE}?{_NAMES})"),
        ("medium", rf"(?P<v>(?i:\b(?:sur|à|au|aux|dans|chez)\s+){_ARTICLE}?{medium})"),
        ("platform", rf"(?P<v>(?i:\bsur\s+{_DET}(?:{platform})(?![\w-]))(?:\s+{medium}|{of_name})?)"),
        # « sur le site de la LDH », « sur la page Facebook »: a site is a platform only with its name.
        ("platform", rf"(?P<v>(?i:\bsur\s+{_DET}(?:{named_platform})(?![\w-]))(?:\s+{medium}|{of_name}))"),
        ("document", rf"(?P<v>(?i:\bdans\s+{_DET}){head_adjective}(?i:(?:{document})(?![\w-])){tail})"),
        ("document", rf"(?i:\b(?:d{_A}après|selon)\s+{_DET})(?P<v>(?i:(?:{document})(?![\w-])){tail})"),
        ("event", rf"(?i:\b(?:{event_link}))(?P<v>{head_adjective}(?i:(?:{event})(?![\w-])){tail})"),
        ("audience", rf"(?P<v>(?i:\bdevant\s+{_DET}?){head_adjective}(?i:(?:{audience})(?![\w-])){tail})"),
        (
            "institution",
            rf"(?P<v>(?i:\b(?:à\s+la\s+|à\s+l{_A}|au\s+|à\s+)(?:{institution})(?![\w-])){qualifier}{named})",
        ),
    ]
    return tuple((kind, re.compile(pattern)) for kind, pattern in rules)


def _about(text: str, match: re.Match[str]) -> bool:
    """Whether a venue phrase is in fact the object of the word before it (« les frappes sur Kiev »,
    « un débat sur France Travail », « passer devant la Cour »)."""
    before = [w.lower().strip(",;:") for w in text[: match.start()].split()]
    # « faire passer la question devant la Cour »: the verb a few words back still governs it.
    return bool(before) and (before[-1] in _TOPIC_NOUNS or any(w in _NOT_BEFORE for w in before[-4:]))


def _allowed(kind: str, text: str, match: re.Match[str]) -> bool:
    if _about(text, match):
        return False
    if kind == "institution":
        # « a déclaré au Sénat », not « président du groupe à l'Assemblée » (a role, not a venue).
        before = text[: match.start()].split()
        word = before[-1] if before else ""
        return bool(_VERB_END.fullmatch(word)) and word not in role_nouns() and word not in _TO_SOMEONE
    return True


# Nouns after which "sur X" / "devant X" says what something is about or aimed at, not where
# anyone spoke: "les frappes sur Kiev", "un débat sur France Travail", "recule devant Bruxelles".
_TOPIC_NOUNS = frozenset(
    "frappe frappes attaque attaques offensive pression pressions enquête enquêtes débat débats loi lois "
    "accord accords texte projet rapport question questions sanctions tirs bombardements embargo "
    "recule reculer cède céder plie plier".split()
)


def _venues_in(text: str, kinds: frozenset[str] | None = None) -> list[re.Match[str]]:
    """The venue phrases of a stretch of narration (of the rules `kinds`, or all), those inside a
    longer one left out."""
    found = [
        m
        for kind, pattern in _venue_patterns()
        if kinds is None or kind in kinds
        for m in pattern.finditer(text)
        if _allowed(kind, text, m)
    ]
    return [
        m
        for m in found
        if not any(
            o is not m
            and o.start("v") <= m.start("v")
            and m.end("v") <= o.end("v")
            and (o.end("v") - o.start("v")) > (m.end("v") - m.start("v"))
            for o in found
        )
    ]


# The venues a sentence hands on to the next one: a text or a medium the passage comes from
# (« Dans une lettre ouverte, les maires demandent… « … », écrivent-ils. »), not an event or a place.
_CARRIED = frozenset({"medium", "platform", "document"})


def _sentence_before(article: Article, quote: Quote) -> tuple[int, str] | None:
    """The sentence before the quote's own, in the same paragraph (quotations blanked)."""
    found = contexts(article, quote)
    if len(found) < 2:
        return None
    (s_off, _), (p_off, paragraph) = found
    before = paragraph[: s_off - p_off].rstrip()
    if not before:
        return None
    cut = max(before.rfind(c, 0, len(before) - 1) for c in ".!?") + 1
    return p_off + cut, before[cut:]


def venue(article: Article, quote: Quote) -> str | None:
    """Where or in what the quote was said, when the sentence it is in says; else a text or medium
    the sentence before names, when it also names the speaker (else None)."""
    offset, text = contexts(article, quote)[0]
    found = _venues_in(text)
    if not found and quote.speaker:
        before = _sentence_before(article, quote)
        surname = quote.speaker.split()[-1]
        if before is not None and re.search(rf"(?<!\w){re.escape(surname)}(?!\w)", before[1]):
            offset, text = before
            found = _venues_in(text, _CARRIED)
    spans = {id(m): (m.start("v"), m.end("v")) for m in found}

    def distance(m: re.Match[str]) -> int:
        s, e = spans[id(m)][0] + offset, spans[id(m)][1] + offset
        return quote.start - e if e <= quote.start else s - quote.end if s >= quote.end else 0

    best = min(found, key=distance, default=None)
    if best is None:
        return None
    phrase = " ".join(best.group("v").strip(" ,;:.'’").split())
    if phrase.split(" ")[0] in ("Dans", "Sur", "Devant", "Au", "À", "Aux", "Chez"):
        phrase = phrase[0].lower() + phrase[1:]  # sentence-initial capital
    return phrase or None


def situate_quotes(article: Article, quotes: Sequence[Quote]) -> list[Quote]:
    """Each quote with the date it was said (and its source) and its venue, when the text gives them."""
    out = []
    for q in quotes:
        when, source = said_on(article, q)
        out.append(replace(q, said_on=when, said_on_source=source, venue=q.venue or venue(article, q)))
    return out
