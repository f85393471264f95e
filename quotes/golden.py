"""Golden regression records: stable YAML for each golden article, and what changed since.

A golden suite is two directories: `articles/` (inputs, `ID.txt` or `ID.json`) and `expected/`
(`ID.yml`, the quotes the tool is expected to find). The records hold what a reviewer checks
(text, offsets, kind, speaker, mention, cue, date, venue) and leave out the confidence, which
moves with every tuning of the detector. Files are written byte for byte as pytest-regressions'
`data_regression` writes them, so `pytest --force-regen` and `quotes golden update` agree.

`diff_records` compares an expected record with the current one: quotes are paired by span
overlap (best overlap first, one to one); unpaired current quotes are *gained*, unpaired
expected quotes are *lost*, and paired quotes that differ are *changed* (speaker, boundaries,
cue, or any other recorded field).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from quotes.errors import InputError, NotFoundError
from quotes.types import ArticleQuotes, Quote

ARTICLE_SUFFIXES = (".txt", ".json")
EXPECTED_SUFFIX = ".yml"
# The fields of a quote kept in golden files, in the order they are shown to a reviewer.
QUOTE_FIELDS = ("text", "start", "end", "kind", "speaker", "speaker_mention", "cue", "said_on", "venue")
# Fields whose change is reported on its own line (boundaries covers start, end and text).
DETAIL_FIELDS = ("kind", "speaker", "speaker_mention", "cue", "said_on", "venue")
CASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

Record = dict[str, Any]


class _GoldenDumper(yaml.SafeDumper):
    """The YAML dialect of pytest-regressions' `data_regression`: no aliases, keys sorted."""

    def ignore_aliases(self, data: object) -> bool:
        return True


# ---------------------------------------------------------------------------- records


def quote_record(quote: Quote) -> Record:
    """The golden form of one quote: the reviewed fields, no confidence."""
    return {name: getattr(quote, name) for name in QUOTE_FIELDS}


def golden_record(result: ArticleQuotes) -> Record:
    """The golden form of one article's result: its quotes in text order.

    `coreference` says whether pronouns were resolved by coreferee or by the fallback: a suite
    recorded with one and run with the other shows that first, before the speakers it moved.
    """
    quotes = sorted(result.quotes, key=lambda q: (q.start, q.end))
    return {
        "coreference": result.coreference,
        "published": result.article.published,
        "quotes": [quote_record(q) for q in quotes],
    }


def dump_record(record: Mapping[str, Any]) -> bytes:
    """The bytes of a golden file, identical to what `data_regression` writes for `record`."""
    dumped: bytes = yaml.dump_all(
        [dict(record)],
        Dumper=_GoldenDumper,
        default_flow_style=False,
        allow_unicode=True,
        indent=2,
        encoding="utf-8",
    )
    return dumped


def write_expected(path: Path, record: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dump_record(record))


def load_expected(path: Path, case_id: str | None = None) -> Record:
    """Read and validate an expected file. Raises `NotFoundError` or `InputError` (one line)."""
    if not path.is_file():
        hint = f"; run `quotes golden update {case_id}` to write it" if case_id else ""
        raise NotFoundError(f"{path}: expected file missing{hint}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a readable golden YAML file ({first})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("quotes"), list):
        raise InputError(f"{path}: a golden file is a mapping with a `quotes` list")
    for n, q in enumerate(data["quotes"], start=1):
        if not isinstance(q, dict):
            raise InputError(f"{path}: quote {n} is not a mapping")
        if not isinstance(q.get("start"), int) or not isinstance(q.get("end"), int):
            raise InputError(f"{path}: quote {n} needs integer `start` and `end`")
        if not q["start"] <= q["end"]:
            raise InputError(f"{path}: quote {n} has start {q['start']} after end {q['end']}")
    return data


# ---------------------------------------------------------------------------- suites


@dataclass(frozen=True)
class GoldenCase:
    """One golden article and where its expected file lives."""

    id: str
    article: Path
    expected: Path


@dataclass(frozen=True)
class GoldenSuite:
    """A directory of articles and a directory of expected files."""

    articles: Path
    expected: Path

    def expected_path(self, case_id: str) -> Path:
        return self.expected / f"{case_id}{EXPECTED_SUFFIX}"

    def all_cases(self) -> list[GoldenCase]:
        """Every article of the suite, sorted by id. Raises when the directory is unusable."""
        if not self.articles.is_dir():
            raise InputError(f"{self.articles}: no such articles directory (pass --articles DIR)")
        by_id: dict[str, Path] = {}
        for path in sorted(self.articles.iterdir()):
            if not path.is_file() or path.suffix.lower() not in ARTICLE_SUFFIXES:
                continue
            if path.stem in by_id:
                raise InputError(
                    f"{self.articles}: two articles share the id {path.stem!r} "
                    f"({by_id[path.stem].name}, {path.name}); rename one"
                )
            by_id[path.stem] = path
        return [GoldenCase(i, p, self.expected_path(i)) for i, p in sorted(by_id.items())]

    def orphans(self) -> list[Path]:
        """Expected files whose article is gone (left behind when an article is removed)."""
        if not self.expected.is_dir():
            return []
        ids = {c.id for c in self.all_cases()}
        return sorted(p for p in self.expected.glob(f"*{EXPECTED_SUFFIX}") if p.stem not in ids)

    def cases(self, ids: Sequence[str] = ()) -> list[GoldenCase]:
        """The cases named by `ids` (all when empty). Raises `NotFoundError` on an unknown id."""
        every = self.all_cases()
        if not ids:
            if not every:
                raise InputError(
                    f"{self.articles}: no golden articles (.txt or .json); add one with `quotes golden add`"
                )
            return every
        known = {c.id: c for c in every}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise NotFoundError(f"no golden article {unknown[0]!r} in {self.articles}")
        return [known[i] for i in dict.fromkeys(ids)]

    def destination(self, source: Path, case_id: str | None) -> GoldenCase:
        """Where `golden add` puts `source`; refuses bad ids and ids already taken."""
        cid = case_id if case_id is not None else source.stem
        if not CASE_ID.fullmatch(cid):
            raise InputError(f"{cid!r}: a golden id is letters, digits, '_', '-' or '.'; pass --id")
        suffix = source.suffix.lower()
        if suffix not in ARTICLE_SUFFIXES:
            raise InputError(f"{source}: a golden article is a .txt or .json file")
        taken = [p for p in (self.articles / f"{cid}{s}" for s in ARTICLE_SUFFIXES) if p.exists()]
        if taken:
            raise InputError(
                f"golden article {cid!r} already exists ({taken[0]}); "
                f"pass another --id or run `quotes golden update {cid}`"
            )
        return GoldenCase(cid, self.articles / f"{cid}{suffix}", self.expected_path(cid))


# ---------------------------------------------------------------------------- differences


@dataclass(frozen=True)
class FieldChange:
    field: str  # "boundaries" or one of DETAIL_FIELDS
    expected: Any
    actual: Any


@dataclass(frozen=True)
class QuoteChange:
    expected: Record
    actual: Record
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class ArticleDiff:
    """What changed in one article between its expected file and the current output."""

    id: str
    gained: tuple[Record, ...] = ()
    lost: tuple[Record, ...] = ()
    changed: tuple[QuoteChange, ...] = ()
    other: tuple[FieldChange, ...] = ()  # article-level fields (publication date)
    # The quotes agree but the file is not byte for byte what would be written (hand edit):
    # pytest-regressions compares text, so it would fail; `golden update` rewrites it.
    reformatted: bool = False
    unchanged_quotes: int = 0

    @property
    def ok(self) -> bool:
        return not (self.gained or self.lost or self.changed or self.other or self.reformatted)

    def summary(self) -> str:
        if self.ok:
            return f"{self.id}: unchanged ({_plural(self.unchanged_quotes, 'quote')})"
        parts = [
            f"{len(self.gained)} gained",
            f"{len(self.lost)} lost",
            f"{len(self.changed)} changed",
        ]
        if self.other:
            parts.append(", ".join(f"{c.field} changed" for c in self.other))
        if self.reformatted and not (self.gained or self.lost or self.changed or self.other):
            parts = ["same quotes, but the file is not in the written form (hand edit?)"]
        return f"{self.id}: " + ", ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    """Jaccard ratio of two character spans (0 when disjoint)."""
    a_start, a_end, b_start, b_end = int(a["start"]), int(a["end"]), int(b["start"]), int(b["end"])
    inter = min(a_end, b_end) - max(a_start, b_start)
    if inter <= 0:
        return 0.0
    return inter / (max(a_end, b_end) - min(a_start, b_start))


def pair_by_overlap(
    expected: Sequence[Mapping[str, Any]], actual: Sequence[Mapping[str, Any]]
) -> list[tuple[int, int]]:
    """One-to-one pairs (expected index, actual index) of overlapping spans, best overlap first.

    Ties go to the earlier quotes, so the pairing does not depend on dictionary order.
    """
    candidates = [
        (-ratio, i, j)
        for i, e in enumerate(expected)
        for j, a in enumerate(actual)
        if (ratio := _overlap(e, a)) > 0 or (e["start"], e["end"]) == (a["start"], a["end"])
    ]
    taken_e: set[int] = set()
    taken_a: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _neg, i, j in sorted(candidates):
        if i in taken_e or j in taken_a:
            continue
        taken_e.add(i)
        taken_a.add(j)
        pairs.append((i, j))
    return sorted(pairs)


def _field_changes(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    changes: list[FieldChange] = []
    e_span = (expected.get("start"), expected.get("end"))
    a_span = (actual.get("start"), actual.get("end"))
    if e_span != a_span or expected.get("text") != actual.get("text"):
        changes.append(FieldChange("boundaries", expected, actual))
    for name in DETAIL_FIELDS:
        if expected.get(name) != actual.get(name):
            changes.append(FieldChange(name, expected.get(name), actual.get(name)))
    # Fields a person added by hand to an expected file (or that a newer version records)
    # count too: pytest compares whole records.
    for name in sorted((set(expected) | set(actual)) - set(QUOTE_FIELDS)):
        if expected.get(name) != actual.get(name):
            changes.append(FieldChange(name, expected.get(name), actual.get(name)))
    return tuple(changes)


def diff_records(
    case_id: str,
    expected: Mapping[str, Any],
    actual: Mapping[str, Any],
    expected_bytes: bytes | None = None,
) -> ArticleDiff:
    """What changed from `expected` to `actual` (both golden records).

    `expected_bytes`, the file as stored, lets the diff notice a file whose quotes agree but
    whose text is not what `dump_record` writes (pytest-regressions compares text).
    """
    e_quotes: list[Mapping[str, Any]] = list(expected.get("quotes") or [])
    a_quotes: list[Mapping[str, Any]] = list(actual.get("quotes") or [])
    pairs = pair_by_overlap(e_quotes, a_quotes)
    paired_e = {i for i, _ in pairs}
    paired_a = {j for _, j in pairs}
    changed: list[QuoteChange] = []
    same = 0
    for i, j in pairs:
        changes = _field_changes(e_quotes[i], a_quotes[j])
        if changes:
            changed.append(QuoteChange(dict(e_quotes[i]), dict(a_quotes[j]), changes))
        else:
            same += 1
    other = tuple(
        FieldChange(name, expected.get(name), actual.get(name))
        for name in sorted((set(expected) | set(actual)) - {"quotes"})
        if expected.get(name) != actual.get(name)
    )
    diff = ArticleDiff(
        id=case_id,
        gained=tuple(dict(a) for j, a in enumerate(a_quotes) if j not in paired_a),
        lost=tuple(dict(e) for i, e in enumerate(e_quotes) if i not in paired_e),
        changed=tuple(changed),
        other=other,
        unchanged_quotes=same,
    )
    if diff.ok and expected_bytes is not None and expected_bytes != dump_record(actual):
        diff = ArticleDiff(id=case_id, reformatted=True, unchanged_quotes=same)
    return diff


# ---------------------------------------------------------------------------- rendering


def _short(text: str | None, width: int = 90) -> str:
    if text is None:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _span(q: Mapping[str, Any]) -> str:
    return f"[{q.get('start')}:{q.get('end')}]"


def _value(v: Any) -> str:
    return "—" if v is None else repr(v) if isinstance(v, str) else str(v)


def render_quote(q: Mapping[str, Any], width: int = 90) -> str:
    """One quote on two lines: where, what kind, who and how; then the words."""
    who = q.get("speaker") or "?"
    mention = q.get("speaker_mention")
    if mention and mention != q.get("speaker"):
        who += f" (mention: {mention})"
    bits = [_span(q), str(q.get("kind") or "?"), who]
    if q.get("cue"):
        bits.append(f"cue: {q['cue']}")
    if q.get("said_on"):
        bits.append(f"said on {q['said_on']}")
    if q.get("venue"):
        bits.append(f"venue: {q['venue']}")
    return " · ".join(bits) + f"\n    « {_short(q.get('text'), width)} »"


def render_record(case_id: str, record: Mapping[str, Any]) -> str:
    """The readable form of a golden record, for a person to review after `golden add`."""
    quotes: list[Mapping[str, Any]] = list(record.get("quotes") or [])
    head = f"{case_id}: {_plural(len(quotes), 'quote')}"
    if record.get("published"):
        head += f" (published {record['published']})"
    lines = [head]
    for n, q in enumerate(quotes, start=1):
        lines.append(f"  {n}. " + render_quote(q).replace("\n", "\n  "))
    return "\n".join(lines)


def render_diff(diff: ArticleDiff) -> str:
    """The readable diff of one article: + gained, - lost, ~ changed with the fields that moved."""
    lines = [diff.summary()]
    for c in diff.other:
        lines.append(f"  ~ {c.field}: {_value(c.expected)} → {_value(c.actual)}")
    for q in diff.gained:
        lines.append("  + " + render_quote(q).replace("\n", "\n  "))
    for q in diff.lost:
        lines.append("  - " + render_quote(q).replace("\n", "\n  "))
    for ch in diff.changed:
        lines.append(f"  ~ {_span(ch.expected)} « {_short(ch.expected.get('text'), 70)} »")
        for c in ch.changes:
            if c.field == "boundaries":
                lines.append(f"      boundaries: {_span(c.expected)} → {_span(c.actual)}")
                lines.append(f"        was « {_short(c.expected.get('text'))} »")
                lines.append(f"        now « {_short(c.actual.get('text'))} »")
            else:
                lines.append(f"      {c.field}: {_value(c.expected)} → {_value(c.actual)}")
    return "\n".join(lines)


@dataclass(frozen=True)
class CheckReport:
    """The result of checking a whole suite."""

    diffs: tuple[ArticleDiff, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.diffs)

    def summary(self) -> str:
        changed = sum(1 for d in self.diffs if not d.ok)
        return (
            f"{_plural(len(self.diffs), 'article')} checked: {len(self.diffs) - changed} unchanged, {changed} changed"
        )


def check_results(cases: Sequence[GoldenCase], results: Iterable[ArticleQuotes]) -> CheckReport:
    """Compare each case's current result with its expected file (cases and results in order)."""
    diffs: list[ArticleDiff] = []
    for case, result in zip(cases, results, strict=True):
        expected = load_expected(case.expected, case.id)
        diffs.append(diff_records(case.id, expected, golden_record(result), case.expected.read_bytes()))
    return CheckReport(tuple(diffs))


def require_expected(cases: Sequence[GoldenCase]) -> None:
    """Fail before any extraction when an expected file is missing or unreadable."""
    for case in cases:
        load_expected(case.expected, case.id)
