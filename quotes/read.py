"""Read inputs into `Article` records: text files, JSON articles, directories and stdin.

The text is kept exactly as decoded (no normalisation, no stripping), so that every offset
computed later indexes the text as read.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from quotes.errors import InputError
from quotes.types import Article

# A news article is a few kilobytes; past this size the input is almost surely not an article.
MAX_ARTICLE_BYTES = 2_000_000
ARTICLE_SUFFIXES = {".txt", ".json"}
METADATA_KEYS = ("url", "outlet", "title", "published", "author")


def find_inputs(paths: Sequence[str], suffixes: set[str] | None = None) -> list[str]:
    """Expand directories (recursively, sorted) into article files; keep `-` for stdin."""
    suffixes = suffixes or ARTICLE_SUFFIXES
    found: list[str] = []
    for given in paths:
        if given == "-":
            found.append(given)
            continue
        p = Path(given)
        if p.is_dir():
            inside = sorted(str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in suffixes)
            if not inside:
                kinds = ", ".join(sorted(suffixes))
                raise InputError(f"{given}: directory holds no articles ({kinds} files)")
            found.extend(inside)
        elif p.is_file():
            found.append(given)
        elif p.exists():
            raise InputError(f"{given}: not a regular file (a FIFO, device or socket); give an article file")
        else:
            raise InputError(f"{given}: no such file or directory")
    return found


def read_bytes(path: str, stdin: BinaryIO | None = None) -> bytes:
    """The raw bytes of a file (or stdin for `-`), refusing inputs too large to be an article."""
    if path == "-":
        data = (stdin or sys.stdin.buffer).read(MAX_ARTICLE_BYTES + 1)
    else:
        try:
            size = Path(path).stat().st_size
            if size > MAX_ARTICLE_BYTES:
                raise InputError(
                    f"{path}: {size} bytes is too large for one article "
                    f"(limit {MAX_ARTICLE_BYTES}); split it into articles"
                )
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    if len(data) > MAX_ARTICLE_BYTES:
        raise InputError(f"{path}: input is too large for one article (limit {MAX_ARTICLE_BYTES} bytes)")
    return data


def decode_utf8(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not valid UTF-8 (byte {exc.start}); convert it, e.g. iconv -f latin1 -t utf-8"
        ) from exc


_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)


def decode_html(data: bytes, path: str) -> str:
    """An HTML page's text: UTF-8 when it is, else the charset its `<meta>` declares."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _CHARSET.search(data[:4096])
    if match is None:
        return decode_utf8(data, path)
    import codecs

    name = match.group(1).decode("ascii")
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise InputError(f"{path}: declares unknown charset {name!r}") from None
    try:
        return data.decode(codec.name)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid {name} (byte {exc.start})") from exc


def check_text(value: str, path: str, what: str = "text") -> str:
    """Refuse a string that cannot be stored or printed: a lone surrogate (from JSON `\\ud800`)."""
    for i, ch in enumerate(value):
        if "\ud800" <= ch <= "\udfff":
            raise InputError(f"{path}: {what} holds a lone surrogate (U+{ord(ch):04X} at character {i})")
    return value


def load_json(raw: str, where: str, *, line_numbers: bool = True) -> Any:
    """`json.loads` whose failures (bad syntax, nesting too deep for Python) are one-line `InputError`s."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        at = f"line {exc.lineno}: " if line_numbers else ""
        raise InputError(f"{where}: invalid JSON ({at}{exc.msg})") from exc
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply to be an article") from None


def article_from_mapping(obj: Any, path: str) -> Article:
    """An article from a JSON object with `text` and optional metadata; other keys are ignored."""
    if not isinstance(obj, dict):
        raise InputError(f'{path}: a JSON article must be an object with a "text" field')
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError(f'{path}: JSON article has no "text" string field')
    check_text(text, path)
    meta = {k: check_text(str(obj[k]), path, k) for k in METADATA_KEYS if obj.get(k) not in (None, "")}
    return Article(path=path, text=text, **meta)


def parse_json_article(raw: str, path: str) -> Article:
    return article_from_mapping(load_json(raw, path), path)


def read_path(path: str, stdin: BinaryIO | None = None) -> Iterator[Article]:
    """The articles in one input. Raises `InputError` with a one-line message."""
    raw = decode_utf8(read_bytes(path, stdin), path)
    suffix = Path(path).suffix.lower()
    if suffix == ".json" or (path == "-" and raw.lstrip().startswith("{")):
        yield parse_json_article(raw, path)
    else:
        yield Article(path=path, text=raw)


def read_inputs(paths: Sequence[str], stdin: BinaryIO | None = None) -> Iterator[Article]:
    """Every article of every input, in input order; a plain text's date line and byline fill
    the metadata it lacks (so that "mercredi" resolves against its publication date)."""
    for path in find_inputs(paths):
        for article in read_path(path, stdin):
            yield _with_defaults(article, None)


# ---------------------------------------------------------------------------------------------
# More formats for `quotes ingest`: JSON Lines dumps, HTML pages (trafilatura), WARC archives
# (warcio), and metadata found in plain text. The functions above keep their behaviour; these
# yield one item per article, a failure being an `InputError` in place of its article so that the
# others of the same input are still read.

INGEST_SUFFIXES = {".txt", ".json", ".jsonl", ".html", ".htm", ".warc", ".gz"}
HTML_SUFFIXES = {".html", ".htm"}
# Below this many characters, what trafilatura kept of a page is a menu or a notice, not an article.
MIN_HTML_TEXT = 40
ArticleOrError = Article | InputError


def is_warc(path: str) -> bool:
    name = path.lower()
    return name.endswith((".warc", ".warc.gz"))


def find_ingest_inputs(paths: Sequence[str]) -> list[str]:
    """Like `find_inputs`, for every format `quotes ingest` reads (.gz only as .warc.gz)."""
    found = find_inputs(paths, INGEST_SUFFIXES)
    given = set(paths)
    return [p for p in found if p in given or not p.lower().endswith(".gz") or is_warc(p)]


def article_from_html(html: str | bytes, path: str, url: str | None = None) -> Article:
    """The main text of an HTML page and its metadata (title, author, site name, date, canonical URL)."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    except Exception as exc:  # trafilatura raises assorted errors on broken markup
        raise InputError(f"{path}: cannot parse HTML ({type(exc).__name__})") from exc
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or len(text.strip()) < MIN_HTML_TEXT:
        raise InputError(f"{path}: no article text found in the HTML")
    meta: dict[str, str] = {}
    fields = (("title", "title"), ("author", "author"), ("outlet", "sitename"), ("published", "date"))
    for key, attr in fields:
        value = getattr(doc, attr, None)
        if value:
            meta[key] = str(value)
    canonical = getattr(doc, "url", None)
    if canonical or url:
        meta["url"] = str(canonical or url)
    if own := dateline(text):  # the page's own dateline says when better than htmldate's guesses
        meta["published"] = own
    elif "published" in meta:
        meta["published"] = _year_only_guess(html, text, meta["published"])
    return Article(path=path, text=text, **meta)


def _year_only_guess(html: str | bytes, text: str, published: str) -> str:
    """htmldate turns a year it found alone (in a URL, a copyright line) into 1 January: such a
    date is kept as the year only, unless the page's metadata or text says 1 January itself."""
    if not published.endswith("-01-01"):
        return published
    from htmldate import find_date

    year = published[:4]
    try:
        found = find_date(html, extensive_search=False)
    except Exception:  # htmldate raises assorted errors on broken markup
        found = None
    if found == published or re.search(rf"\b1(?:er)?\s+janvier\s+{year}\b", text, re.IGNORECASE):
        return published
    return year


def read_jsonl(raw: str, path: str) -> Iterator[ArticleOrError]:
    """One article a line; blank lines are skipped; a bad line is a failure of that line alone."""
    # Lines end at "\n" only: U+2028 and the like are legal inside a JSON string.
    for lineno, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            yield article_from_mapping(load_json(line, where, line_numbers=False), where)
        except InputError as exc:
            yield exc


def read_warc(path: str) -> Iterator[ArticleOrError]:
    """Each HTML response of a WARC file: the record's target URI, its date as access date.

    A file cut short (in the middle of a record, or of a gzip member) gives the articles of the
    complete records before the cut, then one failure naming where the file breaks off."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        stream = open(path, "rb")  # closed by the `with` below, after iterating
    except OSError as exc:
        yield InputError(f"{path}: cannot read ({exc.strerror})")
        return
    records = found = 0  # records read whole; HTML responses among them
    with stream:
        try:
            archive = ArchiveIterator(stream)
            for record in archive:
                uri = record.rec_headers.get_header("WARC-Target-URI")
                payload = b""
                if _is_html_response(record):
                    payload = record.content_stream().read()
                if _cut_short(record):
                    yield InputError(
                        f"{path}: truncated WARC file: record {records + 1} ({uri or 'no URI'}) is cut short"
                    )
                    return
                records += 1
                if not payload:
                    continue
                date = (record.rec_headers.get_header("WARC-Date") or "")[:10] or None
                found += 1
                where = f"{path}#{uri or found}"
                try:
                    article = article_from_html(payload, where, url=uri)
                except InputError as exc:
                    yield exc
                    continue
                yield replace(article, url=article.url or uri, accessed=date)
        except ArchiveLoadFailed as exc:
            if not records:
                yield InputError(f"{path}: not a readable WARC file ({str(exc).splitlines()[0]})")
                return
            yield InputError(_broken_after(path, records))
            return
        except Exception:  # warcio fails on a record cut in its headers with assorted errors
            yield InputError(_broken_after(path, records))
            return
        tail_ok = path.lower().endswith(".gz") or _only_blank_after(stream, archive.offset)
    if not tail_ok or (path.lower().endswith(".gz") and not _gzip_complete(path)):
        yield InputError(_broken_after(path, records))
    elif not found:
        yield InputError(f"{path}: WARC file holds no HTML response")


def _is_html_response(record: Any) -> bool:
    if record.rec_type != "response" or record.http_headers is None:
        return False
    ctype = record.http_headers.get_header("Content-Type") or ""
    status = record.http_headers.get_statuscode() or ""
    return "html" in ctype.lower() and str(status).startswith("2")


def _cut_short(record: Any) -> bool:
    """Whether the record's block ends before its Content-Length (the file stops inside it), or
    its header lines lack the Content-Length every WARC record has (the file stops inside them)."""
    if not (record.rec_headers.get_header("Content-Length") or "").strip().isdigit():
        return True
    rest = record.raw_stream
    while rest.read(65536):
        pass
    return bool(getattr(rest, "limit", 0))


def _only_blank_after(stream: BinaryIO, offset: int) -> bool:
    """Whether an uncompressed WARC holds nothing but blank lines after its last whole record
    (warcio ends quietly on a record cut inside its header lines)."""
    stream.seek(offset)
    while chunk := stream.read(65536):
        if chunk.strip():
            return False
    return True


def _gzip_complete(path: str) -> bool:
    """Whether every gzip member of the file is whole (warcio stops quietly at a cut member)."""
    import gzip
    import zlib

    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error):
        return False
    return True


def _broken_after(path: str, complete: int) -> str:
    plural = "s" * (complete != 1)
    return f"{path}: truncated or damaged WARC file: it breaks off after {complete} complete record{plural}" + (
        " (their articles were read)" if complete else ""
    )


_PUBLISHED = re.compile(
    r"^\s*(?:publié|publiée|mis en ligne|paru)\s+le\s+(?:\w+\s+)?"
    r"(?P<d>1er|\d{1,2})\s+(?P<m>[^\W\d_]+)\s+(?P<y>\d{4})",
    re.IGNORECASE | re.MULTILINE,
)
_PUBLISHED_NUMERIC = re.compile(
    r"^\s*(?:publié|publiée|mis en ligne|paru)\s+le\s+(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})",
    re.IGNORECASE | re.MULTILINE,
)
# A dateline opening the article or one of its first paragraphs: « 22 mai 2012. - », « 21 septembre
# 2012, France. - » (Wikinews), « 3 juillet 2024 — ».
_DATELINE = re.compile(
    r"^[ \t]*(?P<d>1er|\d{1,2})\s+(?P<m>[^\W\d_]+)\s+(?P<y>\d{4})(?:\s*,[^.\n]{0,60})?\.?\s*[-–—]\s",
    re.MULTILINE,
)
_DATE_LINE = re.compile(r"^\s*date\s*:?\s*(?P<iso>\d{4}(?:-\d{2}(?:-\d{2})?)?)\s*$", re.IGNORECASE | re.MULTILINE)
_BYLINE = re.compile(r"^\s*(?i:par)\s+(?P<who>[A-ZÀ-Ý][\w'’.-]*(?:\s+(?:et\s+)?[A-ZÀ-Ý][\w'’.-]*)+)\s*$", re.MULTILINE)
# How far into a plain text to look for its metadata lines.
HEAD_CHARS = 1500


def text_metadata(text: str) -> dict[str, str]:
    """Best-effort metadata from a plain-text article's own lines: a date line, a byline."""
    from quotes.extract.situate import MONTHS, normalise

    head = text[:HEAD_CHARS]
    meta: dict[str, str] = {}
    if (m := _PUBLISHED.search(head)) and normalise(m["m"]) in MONTHS:
        day = 1 if m["d"] == "1er" else int(m["d"])
        meta["published"] = f"{int(m['y']):04d}-{MONTHS[normalise(m['m'])]:02d}-{day:02d}"
    elif m := _PUBLISHED_NUMERIC.search(head):
        meta["published"] = f"{int(m['y']):04d}-{int(m['m']):02d}-{int(m['d']):02d}"
    elif m := _DATE_LINE.search(head):
        meta["published"] = m["iso"]
    elif own := dateline(head):
        meta["published"] = own
    if m := _BYLINE.search(head):
        meta["author"] = m["who"]
    if meta and (title := _title_line(head)):
        meta["title"] = title
    return meta


def dateline(text: str) -> str | None:
    """The ISO date of the article's dateline (« 22 mai 2012. - ») in its first lines, if any."""
    import datetime as dt

    from quotes.extract.situate import MONTHS, normalise

    for m in _DATELINE.finditer(text[:HEAD_CHARS]):
        month = MONTHS.get(normalise(m["m"]))
        if month is None:
            continue
        try:
            return dt.date(int(m["y"]), month, 1 if m["d"] == "1er" else int(m["d"])).isoformat()
        except ValueError:
            continue
    return None


def _title_line(head: str) -> str | None:
    """The first line, when a byline or date line follows it closely: it is then a headline."""
    lines = [line.strip() for line in head.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    if len(lines) < 2:
        return None
    first, following = lines[0], "\n".join(lines[1:4])
    if len(first) > 200 or first.endswith((".", ":", "»")) or _BYLINE.match(first) or _DATE_LINE.match(first):
        return None
    if _PUBLISHED.match(first) or _PUBLISHED_NUMERIC.match(first):
        return None
    near = any(p.search(following) for p in (_BYLINE, _PUBLISHED, _PUBLISHED_NUMERIC, _DATE_LINE))
    return first if near else None


def _with_defaults(article: Article, defaults: dict[str, str] | None) -> Article:
    """Fill metadata the article lacks: from the command line first, then from its own text."""
    fill = {k: v for k, v in (defaults or {}).items() if v and not getattr(article, k)}
    guessed = text_metadata(article.text).items()
    found = {k: v for k, v in guessed if not getattr(article, k) and k not in fill}
    return replace(article, **fill, **found) if fill or found else article


def read_items(
    paths: Sequence[str], stdin: BinaryIO | None = None, defaults: dict[str, str] | None = None
) -> Iterator[ArticleOrError]:
    """Every article of every input for `quotes ingest`, failures in place of unreadable ones.

    `defaults` (url, outlet, published, title, author) fill what an article does not say; a date
    line or byline in the text fills what is still missing.
    """
    for path in find_ingest_inputs(paths):
        for item in _read_one(path, stdin):
            yield item if isinstance(item, InputError) else _with_defaults(item, defaults)


def looks_like_html(raw: str) -> bool:
    return raw.lstrip()[:15].lower().startswith(("<!doctype", "<html"))


def looks_like_jsonl(raw: str) -> bool:
    """Several lines, the first a whole JSON object: a JSON Lines dump (on stdin)."""
    lines = [line for line in raw.strip().split("\n") if line.strip()]
    if len(lines) < 2 or not lines[0].lstrip().startswith("{"):
        return False
    try:
        return isinstance(load_json(lines[0], "-"), dict)
    except InputError:
        return False


def _read_one(path: str, stdin: BinaryIO | None) -> Iterator[ArticleOrError]:
    if is_warc(path):
        yield from read_warc(path)
        return
    suffix = Path(path).suffix.lower()
    try:
        data = read_bytes(path, stdin)
        raw = decode_html(data, path) if suffix in HTML_SUFFIXES else decode_utf8(data, path)
    except InputError as exc:
        yield exc
        return
    try:
        if suffix == ".jsonl" or (path == "-" and looks_like_jsonl(raw)):
            yield from read_jsonl(raw, path)
        elif suffix in HTML_SUFFIXES or (path == "-" and looks_like_html(raw)):
            yield article_from_html(raw, path)
        elif not raw.strip():
            yield InputError(f"{path}: empty article (no text)")
        else:
            yield from read_path(path, io.BytesIO(raw.encode("utf-8")) if path == "-" else None)
    except InputError as exc:
        yield exc
