"""An article's text cut into plain and quoted segments, for a highlighted view (no HTML here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    speaker: str | None
    speaker_id: int | None
    cue: str | None
    kind: str
    confidence: float
    quote_id: int | None = None  # the stored quote (None in `quotes show --html`)


@dataclass(frozen=True)
class Segment:
    text: str
    mark: Mark | None = None


def segments(text: str, marks: list[Mark]) -> list[Segment]:
    """`text` split at the marks, in order; overlapping or out-of-range marks are skipped."""
    out: list[Segment] = []
    pos = 0
    for m in sorted(marks, key=lambda m: (m.start, m.end)):
        if m.start < pos or m.end > len(text) or m.start >= m.end:
            continue
        if m.start > pos:
            out.append(Segment(text[pos : m.start]))
        out.append(Segment(text[m.start : m.end], m))
        pos = m.end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


def marks_from_records(quotes: list[dict[str, Any]]) -> list[Mark]:
    """Marks from extractor quote records (`quotes.cli.quote_record`)."""
    return [
        Mark(q["start"], q["end"], q.get("speaker"), None, q.get("cue"), q["kind"], float(q.get("confidence") or 0))
        for q in quotes
    ]
