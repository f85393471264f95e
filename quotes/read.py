"""Read inputs into `Article` records: text files, JSON articles, directories and stdin.

The text is kept exactly as decoded (no normalisation, no stripping), so that every offset
computed later indexes the text as read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
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
            inside = sorted(
                str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in suffixes
            )
            if not inside:
                kinds = ", ".join(sorted(suffixes))
                raise InputError(f"{given}: directory holds no articles ({kinds} files)")
            found.extend(inside)
        elif p.is_file():
            found.append(given)
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


def article_from_mapping(obj: Any, path: str) -> Article:
    """An article from a JSON object with `text` and optional metadata; other keys are ignored."""
    if not isinstance(obj, dict):
        raise InputError(f"{path}: a JSON article must be an object with a \"text\" field")
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError(f"{path}: JSON article has no \"text\" string field")
    meta = {k: str(obj[k]) for k in METADATA_KEYS if obj.get(k) not in (None, "")}
    return Article(path=path, text=text, **meta)


def parse_json_article(raw: str, path: str) -> Article:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON (line {exc.lineno}: {exc.msg})") from exc
    return article_from_mapping(obj, path)


def read_path(path: str, stdin: BinaryIO | None = None) -> Iterator[Article]:
    """The articles in one input. Raises `InputError` with a one-line message."""
    raw = decode_utf8(read_bytes(path, stdin), path)
    suffix = Path(path).suffix.lower()
    if suffix == ".json" or (path == "-" and raw.lstrip().startswith("{")):
        yield parse_json_article(raw, path)
    else:
        yield Article(path=path, text=raw)


def read_inputs(paths: Sequence[str], stdin: BinaryIO | None = None) -> Iterator[Article]:
    """Every article of every input, in input order."""
    for path in find_inputs(paths):
        yield from read_path(path, stdin)
