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

_NAME = r"[A-ZÀ-Ý0-9][\w'’&.-]*"
_NAMES = rf"{_NAME}(?:\s+(?:{_NAME}|TV|Info|Inter|de|du|des|d'|l'))*"
_DOCS = (
    "communiqué|entretien|interview|tribune|lettre|message|discours|courrier|vidéo|déclaration|"
    "allocution|note|publication|billet|livre|podcast|tweet|texte|rapport"
)
_VENUES = [
    # "lors du sommet de l'OCS à Astana": the event itself is the venue.
    re.compile(
        r"\b(?:lors|en marge|à l'occasion|au cours)\s+(?:du|de la|de l'|d'une|d'un|des)\s*"
        r"(?P<v>[^,.;:!?()\n]+)"
    ),
    re.compile(
        rf"\b(?P<v>(?i:dans)\s+(?:un|une|son|sa|leur|le|la)\s+(?:{_DOCS})(?:\s+(?:commun|écrit|officiel|conjoint|"
        rf"publiée?|diffusée?|accordée?|adressée?|envoyée?|posté|postée))?"
        rf"(?:\s+(?:au|à la|à l'|aux|à|sur|par)\s*{_NAMES})?)"
    ),
    re.compile(
        rf"\b(?P<v>(?:sur|au micro de|au micro d'|à l'antenne de|à l'antenne d'|sur le plateau de|"
        rf"sur le plateau d')\s*{_NAMES})"
    ),
    re.compile(
        rf"\b(?P<v>devant\s+(?:l'|le\s+|la\s+|les\s+)?(?:{_NAMES}|députés|sénateurs|journalistes|presse|"
        r"militants|élus|étudiants|syndicats|parlementaires|ambassadeurs|maires|patrons|"
        r"(?:conseil|comité|commission|tribunal|cour|juges?|caméras|micros|salariés)(?:\s+[a-zà-ÿ]+)?)"
        r"(?:\s+(?:nationale|national|européen|européenne))?)"
    ),
    re.compile(
        r"\b(?P<v>(?:à la tribune (?:de l'|du |de la |des )[A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*)*)|"
        r"à l'Assemblée(?: nationale)?|au Sénat|au Parlement(?: européen)?|à l'Élysée|à Matignon)"
    ),
]
# Words that end a venue caught by "lors du …": a date, a clause, a verb.
_VENUE_TAIL = re.compile(
    rf"\s+(?:(?:{'|'.join(DAYS)})\b|le \d|hier\b|ce (?:matin|soir)\b|où\b|qui\b|que\b|qu'|et\b|a\s|ont\s|"
    r"avait\s|il\s|elle\s|selon\b|en présence\b|devant\b|dans\b).*$",
    re.IGNORECASE,
)
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


# Nouns after which "sur X" / "devant X" says what something is about or aimed at, not where
# anyone spoke: "les frappes sur Kiev", "un débat sur France Travail", "recule devant Bruxelles".
_TOPIC_NOUNS = frozenset(
    "frappe frappes attaque attaques offensive pression pressions enquête enquêtes débat débats loi lois "
    "accord accords texte projet rapport question questions sanctions tirs bombardements embargo "
    "recule reculer cède céder plie plier".split()
)


def _about(text: str, match: re.Match[str]) -> bool:
    """Whether a venue phrase is in fact the object of the word before it."""
    before = text[: match.start()].split()
    return bool(before) and before[-1].lower().strip(",;:") in _TOPIC_NOUNS


def venue(article: Article, quote: Quote) -> str | None:
    """Where or in what the quote was said, when the narration around it says."""
    for offset, text in contexts(article, quote):
        found = [m for pattern in _VENUES for m in pattern.finditer(text) if not _about(text, m)]
        best = _nearest(found, offset, quote)
        if best is not None:
            phrase = _VENUE_TAIL.sub("", best.group("v")).strip(" ,;:.'’")
            phrase = " ".join(phrase.split())
            if phrase.split(" ")[0] in ("Dans", "Sur", "Devant", "Au", "À"):
                phrase = phrase[0].lower() + phrase[1:]  # sentence-initial capital
            if phrase:
                return phrase
    return None


def situate_quotes(article: Article, quotes: Sequence[Quote]) -> list[Quote]:
    """Each quote with the date it was said (and its source) and its venue, when the text gives them."""
    out = []
    for q in quotes:
        when, source = said_on(article, q)
        out.append(replace(q, said_on=when, said_on_source=source, venue=q.venue or venue(article, q)))
    return out
