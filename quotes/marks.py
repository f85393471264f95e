"""Quotation marks in raw text: « » “ ” „ ‹ › and straight double quotes, nested and reopened.

Pure text, no language model: `quoted_spans(text)` returns the outermost quoted stretches with
the offsets of their words (without the marks and without the spaces just inside them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

CLOSERS = {"«": "»", "“": "”", "„": "“", "‹": "›", '"': '"'}
# Spaces French typography puts inside « »: plain, no-break and narrow no-break.
INNER_SPACE = " \t\u00a0\u202f\u2009"
STRAIGHT = '"'


@dataclass(frozen=True)
class QuotedSpan:
    """An outermost quotation: `text[start:end]` are its words; `open_at`/`close_at` its marks."""

    start: int
    end: int
    open_at: int
    close_at: int
    reopened: bool = False  # runs over several paragraphs, « reopened at each


@dataclass
class _Open:
    mark: str
    at: int
    reopened: bool = False
    inner: list[QuotedSpan] = field(default_factory=list)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in INNER_SPACE:
        start += 1
    while end > start and text[end - 1] in INNER_SPACE:
        end -= 1
    return start, end


def _straight_opens(text: str, i: int) -> bool:
    """A straight quote opens when it does not follow a word character (it then closes)."""
    before = text[i - 1] if i > 0 else " "
    return not (before.isalnum() or before in ".,;!?…)]»”’")


def _opens_utterance(text: str, at: int) -> bool:
    """A quotation that can run over paragraphs opens its paragraph or sentence, or follows a colon."""
    k = at - 1
    while k >= 0 and text[k] in INNER_SPACE:
        k -= 1
    return k < 0 or text[k] in "\n:.!?…"


def _next_paragraph_start(text: str, i: int) -> int:
    """Index of the first non-space character after the line break at `i`."""
    j = i
    while j < len(text) and (text[j] in INNER_SPACE or text[j] in "\r\n"):
        j += 1
    return j


def quoted_spans(text: str) -> list[QuotedSpan]:
    """The outermost quotations of `text`, in order. Unbalanced marks are dropped, not fatal:
    an unclosed quote ends at its paragraph, and the quotes nested inside it come out instead."""
    out: list[QuotedSpan] = []
    stack: list[_Open] = []

    def drop_unclosed(at: int) -> None:
        # A quotation that opened an utterance and was never closed runs to the end of its
        # paragraph (« Je veux …, a-t-elle annoncé. Et rénover le ponton.⏎); any other unclosed
        # mark is dropped, and what was complete inside it comes out instead.
        if stack and _opens_utterance(text, stack[0].at) and stack[0].mark != STRAIGHT:
            start, end = _trim(text, stack[0].at + 1, at)
            if end > start:
                out.append(QuotedSpan(start, end, stack[0].at, end - 1, stack[0].reopened))
                stack.clear()
                return
        promoted: list[QuotedSpan] = []
        for frame in stack:
            promoted.extend(frame.inner)
        out.extend(sorted(promoted, key=lambda s: s.start))
        stack.clear()

    def close(frame: _Open, at: int) -> None:
        start, end = _trim(text, frame.at + 1, at)
        span = QuotedSpan(start, end, frame.at, at, frame.reopened)
        if end <= start:
            return
        if stack:
            stack[-1].inner.append(span)
        else:
            out.append(span)

    i = -1
    while i + 1 < len(text):
        i += 1
        ch = text[i]
        if ch == "\n" and stack:
            j = _next_paragraph_start(text, i)
            if j < len(text) and text[j] == stack[0].mark and _opens_utterance(text, stack[0].at):
                # French press reopens « at each paragraph of a long quotation.
                stack[0].reopened = True
                i = j
            else:
                drop_unclosed(i)
            continue
        if ch == STRAIGHT:
            open_straight = next((k for k in range(len(stack) - 1, -1, -1) if stack[k].mark == STRAIGHT), None)
            if open_straight is not None and not (_straight_opens(text, i) and open_straight < len(stack) - 1):
                while len(stack) - 1 > open_straight:
                    stack.pop()  # marks opened inside and never closed: ignore them
                close(stack.pop(), i)
            elif _straight_opens(text, i):
                stack.append(_Open(ch, i))
            continue
        if ch in CLOSERS:
            if ch == "“" and stack and stack[-1].mark == "„":
                close(stack.pop(), i)
            else:
                stack.append(_Open(ch, i))
            continue
        if ch in ("»", "”", "›"):
            k = next((k for k in range(len(stack) - 1, -1, -1) if CLOSERS[stack[k].mark] == ch), None)
            if k is None:
                continue  # a closing mark with nothing open: stray, ignored
            while len(stack) - 1 > k:
                stack.pop()
            close(stack.pop(), i)
    drop_unclosed(len(text))
    return sorted(out, key=lambda s: s.start)
