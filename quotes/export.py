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
import io
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from babel.dates import format_date, get_month_names

from quotes.db import normalise
from quotes.errors import InputError
from quotes.search import Hit

NBSP = "\u00a0"
STYLE = Path(__file__).resolve().parent / "data" / "iso690-author-date-fr.csl"
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


def french_date(value: str | None) -> str | None:
    """ "2024-07-03" -> "3 juillet 2024", "2024-07-01" -> "1er juillet 2024", "2024-07" -> "juillet 2024"."""
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


def authors(byline: str | None) -> list[dict[str, str]]:
    """CSL names from a byline: "Léa Martin et Paul Roux" -> two names; "AFP" stays literal."""
    if not byline:
        return []
    text = re.sub(r"^(?:par|by)\s+", "", byline.strip(), flags=re.IGNORECASE)
    out: list[dict[str, str]] = []
    for part in re.split(r"\s*(?:,|;|\bet\b|\band\b|&)\s*", text):
        words = part.split()
        if not words:
            continue
        if len(words) == 1 or part.isupper():
            out.append({"literal": part.strip()})
        else:
            out.append({"family": words[-1], "given": " ".join(words[:-1])})
    return out


def french_quote(text: str) -> str:
    """The quotation between « » with non-breaking spaces; inner « » become “ ”."""
    inner = text.strip().replace("«", "“").replace("»", "”")
    inner = re.sub(r"“[\s\u00a0\u202f]+", "“", inner)
    inner = re.sub(r"[\s\u00a0\u202f]+”", "”", inner)
    return f"«{NBSP}{inner}{NBSP}»"


def reporting_verb(cue: str | None) -> str:
    """The cue when it is a past-tense reporting verb ("a affirmé"), else "a déclaré"."""
    if cue:
        lowered = cue.strip().lower()
        if lowered.startswith(_AUXILIARIES) and len(lowered.split()) == 2 and "-" not in lowered:
            return lowered
    return "a déclaré"


def citation_line(hit: Hit) -> str:
    """« … », a déclaré Vladimir Poutine, Euronews, 3 juillet 2024."""
    src = hit.primary
    text = hit.text.strip()
    if text.endswith(".") and not text.endswith("..."):
        text = text[:-1]  # the sentence goes on after the quotation: its final stop goes
    pieces = [french_quote(text)]
    if hit.speaker:
        pieces.append(f"{reporting_verb(src.cue if src else None)} {hit.speaker}")
    if src and src.outlet:
        pieces.append(src.outlet)
    when = french_date((src.said_on if src else None) or hit.said_on or (src.published if src else None))
    if when:
        pieces.append(when)
    return ", ".join(pieces) + "."


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


def csl_item(hit: Hit) -> dict[str, Any]:
    """One CSL-JSON item: the primary source as an `article-newspaper`, the quote in note/custom."""
    src = hit.primary
    issued = date_parts(src.published) if src else None
    accessed = date_parts(src.accessed) if src else None
    custom = _clean(
        {
            **quote_fields(hit),
            "other_sources": [s.url or s.outlet for s in hit.sources[1:] if s.url or s.outlet],
        }
    )
    return _clean(
        {
            "id": f"quote-{hit.quote_id}",
            "type": "article-newspaper",
            "title": (src.title if src else None) or french_quote(hit.text),
            "container-title": src.outlet if src else None,
            "author": authors(src.author if src else None),
            "issued": {"date-parts": [issued]} if issued else None,
            "accessed": {"date-parts": [accessed]} if accessed else None,
            "URL": src.url if src else None,
            "language": "fr",
            "note": citation_line(hit),
            "custom": custom,
        }
    )


def to_csl(hits: Sequence[Hit]) -> list[dict[str, Any]]:
    return [csl_item(h) for h in hits]


# ---------------------------------------------------------------------------------------------
# The formats.


def export_csl_json(hits: Sequence[Hit]) -> str:
    return json.dumps(to_csl(hits), ensure_ascii=False, indent=2) + "\n"


def _cite_key(item: dict[str, Any]) -> str:
    first = (item.get("author") or [{}])[0]
    name = first.get("family") or first.get("literal") or item.get("container-title") or "quote"
    slug = re.sub(r"[^a-z0-9]+", "", normalise(str(name))) or "quote"
    year = item.get("issued", {}).get("date-parts", [[None]])[0][0]
    return f"{slug}{year or 'nd'}-{item['id'].removeprefix('quote-')}"


_LATEX_SPECIAL = re.compile(r"([&%$#_{}])")


def latex_escape(text: str) -> str:
    return _LATEX_SPECIAL.sub(r"\\\1", text).replace("~", r"\textasciitilde{}")


def _iso(parts: list[int] | None) -> str | None:
    if not parts:
        return None
    return "-".join([str(parts[0]).zfill(4), *(str(p).zfill(2) for p in parts[1:])])


def export_bibtex(hits: Sequence[Hit]) -> str:
    """biblatex `@online` entries, written by bibtexparser."""
    from bibtexparser.entrypoint import write_string
    from bibtexparser.library import Library
    from bibtexparser.model import Entry, Field

    library = Library()
    for item in to_csl(hits):
        names = []
        for n in item.get("author", []):
            names.append("{" + latex_escape(n["literal"]) + "}" if "literal" in n else f"{n['family']}, {n['given']}")
        custom = item.get("custom", {})
        values = {
            "author": " and ".join(latex_escape(n) if not n.startswith("{") else n for n in names) or None,
            "title": latex_escape(item["title"]),
            "organization": latex_escape(item["container-title"]) if item.get("container-title") else None,
            "date": _iso(item.get("issued", {}).get("date-parts", [None])[0]),
            "url": item.get("URL"),
            "urldate": _iso(item.get("accessed", {}).get("date-parts", [None])[0]),
            "langid": "french",
            "note": latex_escape(item["note"]),
            "addendum": latex_escape(custom["venue"]) if custom.get("venue") else None,
        }
        fields = [Field(k, v) for k, v in values.items() if v]
        library.add(Entry("online", _cite_key(item), fields))
    return str(write_string(library))


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


def export_ris(hits: Sequence[Hit]) -> str:
    """RIS `NEWS` records, written by rispy."""
    import rispy

    entries = []
    for item in to_csl(hits):
        custom = item.get("custom", {})
        issued = item.get("issued", {}).get("date-parts", [None])[0]
        entry = _clean(
            {
                "type_of_reference": "NEWS",
                "id": item["id"],
                "title": item["title"],
                "authors": [n.get("literal") or f"{n['family']}, {n['given']}" for n in item.get("author", [])],
                "secondary_title": item.get("container-title"),
                "year": str(issued[0]) if issued else None,
                "date": _ris_date(issued),
                "access_date": _ris_date(item.get("accessed", {}).get("date-parts", [None])[0]),
                "urls": [item["URL"]] if item.get("URL") else [],
                "language": "fr",
                "notes": [item["note"]],
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
        lines = [f"> {md(french_quote(hit.text))}", ">", "> — " + ", ".join([who, *said]), ""]
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
    """The reference list (ISO 690 author-date, French) with each article's quotes under it."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    items = to_csl(hits)
    # One reference per article: quotes from the same source are listed under it.
    by_source: dict[str, list[int]] = {}
    refs: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        key = item.get("URL") or item["id"]
        if key not in by_source:
            by_source[key] = []
            refs.append({k: v for k, v in item.items() if k not in ("note", "custom")} | {"id": f"ref-{len(refs)}"})
        by_source[key].append(index)
    style = CitationStylesStyle(str(STYLE), locale="fr-FR", validate=False)
    rendered: list[tuple[str, str]] = []
    for ref in refs:
        bibliography = CitationStylesBibliography(style, CiteProcJSON([ref]), formatter.plain)
        bibliography.register(Citation([CitationItem(ref["id"])]))
        (entry,) = bibliography.bibliography()
        text = _FIRST_OF_MONTH.sub(r"1er \1", str(entry))
        text = _MONTH_OPENS_SENTENCE.sub(lambda m: m.group(1) + m.group(2).capitalize(), text)
        rendered.append((normalise(text), text))
    keys = list(by_source)
    order = sorted(range(len(refs)), key=lambda i: rendered[i][0])
    out = []
    for i in order:
        out.append(rendered[i][1])
        out.extend(f"    {citation_line(hits[j])}" for j in by_source[keys[i]])
        out.append("")
    return "\n".join(out)


EXPORTERS: dict[str, Callable[[Sequence[Hit]], str]] = {
    "csl-json": export_csl_json,
    "bibtex": export_bibtex,
    "ris": export_ris,
    "csv": export_csv,
    "markdown": export_markdown,
    "citation": export_citation,
    "text": export_text,
}


def export(hits: Sequence[Hit], fmt: str) -> str:
    """The hits in one of `FORMATS`. Raises `InputError` for an unknown format."""
    try:
        exporter = EXPORTERS[fmt]
    except KeyError:
        raise InputError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}") from None
    return exporter(hits)
